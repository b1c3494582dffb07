"""A room console applies acknowledgements sent from the clinic station (when the clinic allows).

The station sends a request on channel ``vigil_station_ack`` (``StationRepository.
request_acknowledge``); the console that holds the bed acknowledges the alarm on its own board,
as if from its strip, and its audit entry names the user and the station (``via``). A request
for a bed this console does not hold is ignored; a console that is not running never sees it,
and the station shows the alarm still unacknowledged.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import psycopg
from PySide6.QtCore import QObject, Signal

from console.errors import VigilError
from console.station.feed import RETRY_S, WAIT_S, listen_conninfo

if TYPE_CHECKING:
    from console.services.room import Room

log = logging.getLogger(__name__)

ACK_CHANNEL = "vigil_station_ack"

#: Acknowledges one alarm of one bed: (session id, alarm key, staff id, via) → whether it was held.
Acknowledge = Callable[[int, str, int, str], bool]


def room_acknowledger(room: Room) -> Acknowledge:
    """Acknowledge on the bed's own board, as from the strip; False for a bed not held here."""

    def acknowledge(session_id: int, key: str, staff_id: int, station: str) -> bool:
        bed = room.bed(session_id)
        if bed is None:
            return False
        bed.alarms.acknowledge(key, staff_id, via=station)
        return True

    return acknowledge


class StationAcknowledgements(QObject):
    """LISTENs on its own connection on a thread; applies each request on the GUI thread."""

    # a request arrived (session id, alarm key, staff id, station): queued to the GUI thread
    _requested = Signal(int, str, int, str)
    # a request was applied or refused (session id, alarm key, a sentence)
    handled = Signal(int, str, str)

    def __init__(self, url: str, acknowledge: Acknowledge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._url = url
        self._acknowledge = acknowledge
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()
        self._requested.connect(self._on_requested)

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="station-acks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    listen_conninfo(self._url), autocommit=True, connect_timeout=3
                ) as connection:
                    row = connection.execute("SELECT current_schema()").fetchone()
                    schema = str(row[0]) if row else ""
                    connection.execute(f"LISTEN {ACK_CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=WAIT_S):
                            self._take(notice.payload, schema)
            except psycopg.Error as error:
                self._listening.clear()
                log.warning("station acknowledgements: connection lost (%s)", error)
                self._stop.wait(RETRY_S)
        self._listening.clear()

    def _take(self, text: str, schema: str) -> None:
        try:
            payload = json.loads(text)
            if payload.get("schema") != schema:
                return
            self._requested.emit(
                int(payload["session"]),
                str(payload["key"]),
                int(payload["staff"]),
                str(payload["station"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("station acknowledgement not understood: %r", text)

    def _on_requested(self, session_id: int, key: str, staff_id: int, station: str) -> None:
        try:
            held = self._acknowledge(session_id, key, staff_id, station)
        except VigilError as refused:
            self.handled.emit(session_id, key, str(refused))
            return
        if held:
            self.handled.emit(session_id, key, f"acknowledged from {station}")
