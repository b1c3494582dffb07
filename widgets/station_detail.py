"""One bed's record on the station, read-only: trends, doses and notes read from the database."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.review import SessionDossier
from console.errors import VigilError
from widgets.review_plots import ReviewPlots
from widgets.theme import named
from widgets.vitals.tiles import DAY, NIGHT

READING = "Reading the record…"


class _Relay(QObject):
    """Carries a dossier (or a failure) from the pool thread to the GUI thread."""

    read = Signal(int, object, str)


class StationDetail(QDialog):
    """The record of one bed, as stored so far; refreshed when the station learns it changed."""

    def __init__(
        self,
        session_id: int,
        title: str,
        read: Callable[[int], SessionDossier | None],
        night: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stationDetail")
        self.setWindowTitle(f"{title} — read-only")
        self.session_id = session_id
        self._read = read
        self._generation = 0
        self._relay = _Relay(self)
        self._relay.read.connect(self._on_relay_read)
        self.dossier: SessionDossier | None = None
        self.status = named(QLabel(READING), "stationStatus")
        self.plots = ReviewPlots()
        self.plots.set_palette(NIGHT if night else DAY)
        self.doses = QListWidget()
        self.doses.setObjectName("stationDoses")
        self.notes = QListWidget()
        self.notes.setObjectName("stationNotes")
        lists = QHBoxLayout()
        for caption, widget in (("Doses", self.doses), ("Notes", self.notes)):
            column = QVBoxLayout()
            column.addWidget(QLabel(caption))
            column.addWidget(widget)
            lists.addLayout(column)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Read-only: the record is kept by the room's console."))
        layout.addWidget(self.status)
        layout.addWidget(self.plots, 3)
        layout.addLayout(lists, 1)
        layout.addWidget(buttons)
        self.resize(1000, 760)
        self.reload()

    def reload(self) -> None:
        """Read the record again on a pool thread (the GUI thread never waits on the database)."""
        self._generation += 1
        generation, session_id, read, relay = (
            self._generation,
            self.session_id,
            self._read,
            self._relay,
        )

        def work() -> None:
            try:
                relay.read.emit(generation, read(session_id), "")
            except VigilError as error:
                relay.read.emit(generation, None, str(error))

        QThreadPool.globalInstance().start(work)

    def _on_relay_read(self, generation: int, dossier: object, problem: str) -> None:
        if generation != self._generation:
            return  # an older read finished after a newer one started
        if not isinstance(dossier, SessionDossier):
            self.status.setText(problem or "This session was not found.")
            return
        self.dossier = dossier
        self.status.setText(f"{dossier.room} · {dossier.session.state.label}")
        self.plots.show_dossier(dossier)
        self.doses.clear()
        for dose in dossier.doses:
            item = QListWidgetItem(
                f"{dose.started_at.astimezone().strftime('%H:%M')}  {dose.summary}"
            )
            if not dose.in_force:  # entered in error: kept readable, struck through
                font = item.font()
                font.setStrikeOut(True)
                item.setFont(font)
            self.doses.addItem(item)
        self.notes.clear()
        for note in dossier.observations:
            self.notes.addItem(f"{note.at.astimezone().strftime('%H:%M')}  {note.text}")
