"""What the durable writer is doing, as Qt signals on the GUI thread: banners and "not stored yet"."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from console.store.writer import DurableWriter, EntryState, WriterHealth


class StoreStatus(QObject):
    """Listens to the writer (on its thread) and re-emits on this object's thread."""

    # a sentence for the banner: entries wait (database locked or gone, disk full) (str)
    problem = Signal(str)
    # every waiting entry is in the database again
    recovered = Signal()
    # how many entries wait: spooled or held in memory (int)
    pendingChanged = Signal(int)
    # one entry's uid and its new state (str, EntryState): tiles and notes mark "not stored yet"
    entryChanged = Signal(str, object)
    # a sentence for the banner: an entry was set aside in the quarantine file (str)
    quarantined = Signal(str)

    # carried across threads (queued): the writer's thread never touches a QObject's slots
    _entry = Signal(str, object)
    _health = Signal(object)
    _notice = Signal(str)

    def __init__(self, writer: DurableWriter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = writer
        self._unstored: set[str] = set()
        self._shown = ""
        queued = Qt.ConnectionType.QueuedConnection
        self._entry.connect(self._on_writer_entry, queued)
        self._health.connect(self._on_writer_health, queued)
        self._notice.connect(self._on_writer_notice, queued)
        self._last_notice = ""  # a set-aside entry's message stays up when the database returns
        writer.subscribe(self)

    # ---- queries ---------------------------------------------------------------------------
    def notices(self) -> list[str]:
        """Messages the writer had before anyone listened (entries set aside at start-up)."""
        return list(self._writer.notices)

    def is_stored(self, uid: str) -> bool:
        """False while this entry is only in memory (the disk is full) or set aside."""
        return uid not in self._unstored

    @property
    def unstored(self) -> int:
        return len(self._unstored)

    # ---- the writer's listener (called on the writer's thread) ----------------------------------
    def entry_changed(self, uid: str, state: EntryState) -> None:
        self._entry.emit(uid, state)

    def health_changed(self, health: WriterHealth) -> None:
        self._health.emit(health)

    def notice(self, message: str) -> None:
        self._notice.emit(message)

    # ---- on this object's thread ------------------------------------------------------------
    @Slot(str, object)
    def _on_writer_entry(self, uid: str, state: EntryState) -> None:
        if state in (EntryState.HELD, EntryState.QUARANTINED):
            self._unstored.add(uid)
        else:
            self._unstored.discard(uid)
        self.entryChanged.emit(uid, state)

    @Slot(object)
    def _on_writer_health(self, health: WriterHealth) -> None:
        self.pendingChanged.emit(health.pending)
        if health.problem and health.problem != self._shown:
            self._shown = health.problem
            self.problem.emit(health.problem)
        elif not health.problem and self._shown:
            self._shown = ""
            if self._last_notice:
                self.problem.emit(self._last_notice)
            else:
                self.recovered.emit()

    @Slot(str)
    def _on_writer_notice(self, message: str) -> None:
        self._last_notice = message
        self.quarantined.emit(message)
