"""The session clock service: recomputes the header from stored times once a second."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from console.clock import Clock
from console.domain.schedule import ClockFace, ScheduleConfig, clock_face
from console.domain.sessions import SessionRecord
from console.errors import StoreUnavailable
from console.store.repositories import SessionRepository

CHECK_REFRESH_S = 15  # how often the recorded check times are re-read from the store


class ClockService(QObject):
    """Ticks only to trigger a recomputation; the figures come from stored times and ``now``."""

    # the header's figures for the active session (ClockFace), or None with no session
    faceChanged = Signal(object)

    def __init__(
        self,
        clock: Clock,
        sessions: SessionRepository,
        config: ScheduleConfig,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._sessions = sessions
        self._config = config
        self._record: SessionRecord | None = None
        self._check_times: list[datetime] = []
        self._checks_read_at: datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self.face: ClockFace | None = None

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def set_session(self, record: SessionRecord | None) -> None:
        self._record = record
        self._checks_read_at = None
        self.refresh()

    def checks_changed(self) -> None:
        """Re-read the recorded vitals checks (a new set was saved)."""
        self._checks_read_at = None
        self.refresh()

    def refresh(self) -> None:
        now = self._clock.now()
        if self._record is None:
            self.face = None
            self.faceChanged.emit(None)
            return
        stale = (
            self._checks_read_at is None
            or (now - self._checks_read_at).total_seconds() > CHECK_REFRESH_S
        )
        if stale:
            try:
                self._check_times = self._sessions.check_times(self._record.id)
                self._checks_read_at = now
            except StoreUnavailable:
                pass  # keep the last known checks; the clock itself needs no database
        r = self._record
        self.face = clock_face(
            r.checked_in_at, r.t0, self._check_times, now, self._config, r.closed_at
        )
        self.faceChanged.emit(self.face)
