"""A room console's heartbeat: every ~10 s it records in the shared database that it is reporting.

The write is one short transaction on a pool thread, never on the GUI thread; a failed write is
only logged (the next beat tries again, and the station shows the room as not reporting).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Collection

from PySide6.QtCore import QObject, QThreadPool, QTimer

from console.clock import Clock
from console.domain.station import EVERY_ROOM
from console.errors import VigilError
from console.store.database import Store
from console.store.station_repository import StationRepository

log = logging.getLogger(__name__)

BEAT_MS = 10_000


def console_identity(room_ids: Collection[int]) -> str:
    """A stable name for this console: the host and the rooms it watches ("host/rooms 1,2")."""
    rooms = ",".join(str(r) for r in sorted(room_ids)) or "all"
    return f"{socket.gethostname()}/rooms {rooms}"


class Heartbeat(QObject):
    """Writes this console's report for each watched room (EVERY_ROOM for a console watching all).

    Does nothing on SQLite: a single-console clinic has no station.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        room_ids: Collection[int],
        console_id: str | None = None,
        interval_ms: int = BEAT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._repository = StationRepository(store)
        self._clock = clock
        self._rooms = tuple(sorted(room_ids)) or (EVERY_ROOM,)
        self.console_id = console_id or console_identity(room_ids)
        self.enabled = self._repository.dialect == "postgresql"
        self.started_at = clock.now()  # the station forgets alarms raised before this
        self._busy = threading.Lock()
        self.last_error = ""
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.beat)

    def start(self) -> None:
        """Report now and every interval after (nothing on SQLite)."""
        if not self.enabled:
            return
        self.beat()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        QThreadPool.globalInstance().waitForDone(3000)

    def beat(self) -> None:
        """Write one report off the GUI thread (skipped while the previous one is still writing)."""
        if not self._busy.acquire(blocking=False):
            return
        at = self._clock.now()

        def write() -> None:
            try:
                self._repository.beat(self.console_id, self._rooms, at, self.started_at)
                self.last_error = ""
            except VigilError as error:
                self.last_error = str(error)
                log.warning("heartbeat not written: %s", error)
            finally:
                self._busy.release()

        QThreadPool.globalInstance().start(write)
