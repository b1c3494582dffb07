"""The station's feed: LISTENs on its own connection on a thread and reads only what changed.

Room consoles' writes fire NOTIFY triggers (migration 0011). This thread waits for the notices,
gathers those that arrive together, reads the changed rows and hands plain data to the GUI thread
through queued Qt signals; the GUI thread never waits on the database. When the connection is
lost (the server restarted, the network dropped), it reconnects, re-reads everything and says so.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

import psycopg
from PySide6.QtCore import QObject, Signal
from sqlalchemy.engine import make_url

from console.errors import VigilError
from console.store.database import Store
from console.store.station_repository import StationRepository

log = logging.getLogger(__name__)

CHANNEL = "vigil_station"
APPLICATION_NAME = "vigil-station"
WAIT_S = 0.5  # how long one wait for a notice lasts (the stop flag is checked in between)
GATHER_S = 0.02  # notices arriving this close together are read as one
RETRY_S = 1.0  # between attempts to reconnect


def named_url(url: str) -> str:
    """``url`` with the station's application name (so the server lists its connections)."""
    parsed = make_url(url)
    return parsed.update_query_dict({"application_name": APPLICATION_NAME}).render_as_string(
        hide_password=False
    )


def listen_conninfo(url: str) -> str:
    """The psycopg connection string for a SQLAlchemy ``postgresql+psycopg://`` URL."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@dataclass
class Changes:
    """What a group of notices asks to read again."""

    vitals: dict[int, int] = field(default_factory=dict)  # session → first row id of its batch
    alarms: set[int] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)
    details: set[int] = field(default_factory=set)
    beats: bool = False

    def add(self, payload: dict[str, object]) -> None:
        kind, session = payload.get("kind"), payload.get("session")
        if kind == "beat":
            self.beats = True
            return
        if not isinstance(session, int):
            return
        if kind == "vitals":
            first = payload.get("from")
            first = first if isinstance(first, int) else 0
            self.vitals[session] = min(self.vitals.get(session, first), first)
        elif kind == "alarm":
            self.alarms.add(session)
        elif kind == "session":
            self.sessions.add(session)
        elif kind == "detail":
            self.details.add(session)


class StationFeed(QObject):
    """Runs the LISTEN thread; every signal is emitted from that thread (queued to receivers)."""

    # the whole state (StationSnapshot), after connecting and after each reconnection
    snapshotRead = Signal(object)
    # new samples of one session (SampleBatch), each row once
    samplesRead = Signal(object)
    # the clinic's rooms (dict[int, str]: id → name), read again with each session change
    roomsRead = Signal(object)
    # sessions that changed (list[StationBed]; a closed one has its closing state)
    bedsRead = Signal(object)
    # the active alarms of one session changed (int: session id, list[StationAlarm])
    alarmsRead = Signal(int, object)
    # the consoles' reports (list[ConsoleBeat])
    beatsRead = Signal(object)
    # doses or notes of a session changed (int: session id)
    detailChanged = Signal(int)
    # "connected", "lost" or "caught_up", with a sentence for the status line
    connectionChanged = Signal(str, str)

    def __init__(self, url: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._url = url
        self._store: Store | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_ids: dict[int, int] = {}
        self._schema = ""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="station-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and close the connections (waits for the thread a moment)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # ---- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self._listen(first)
            except (psycopg.Error, VigilError) as error:
                if self._stop.is_set():
                    break
                text = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
                log.warning("station feed lost its connection: %s", text)
                self.connectionChanged.emit(
                    "lost",
                    f"Connection to the clinic database lost at {time.strftime('%H:%M:%S')}"
                    f" ({text}); reconnecting…",
                )
                self._stop.wait(RETRY_S)
            first = False

    def _listen(self, first: bool) -> None:
        if self._store is None:
            self._store = Store.open(named_url(self._url), migrate=False)
        repository = StationRepository(self._store)
        with psycopg.connect(
            listen_conninfo(self._url),
            autocommit=True,
            connect_timeout=3,
            application_name=APPLICATION_NAME,
        ) as connection:
            row = connection.execute("SELECT current_schema()").fetchone()
            self._schema = str(row[0]) if row else ""
            connection.execute(f"LISTEN {CHANNEL}")
            # listening first, reading second: nothing committed in between is missed
            snapshot = repository.snapshot()
            self._last_ids = dict(snapshot.last_ids)
            self.snapshotRead.emit(snapshot)
            if first:
                self.connectionChanged.emit("connected", "Connected to the clinic database.")
            else:
                self.connectionChanged.emit(
                    "caught_up",
                    f"Reconnected at {time.strftime('%H:%M:%S')}; every room was read again.",
                )
            while not self._stop.is_set():
                notices = list(connection.notifies(timeout=WAIT_S, stop_after=1))
                if not notices:
                    continue
                notices += connection.notifies(timeout=GATHER_S)
                changes = Changes()
                for notice in notices:
                    try:
                        payload = json.loads(notice.payload)
                    except ValueError:
                        continue
                    if isinstance(payload, dict) and payload.get("schema") == self._schema:
                        changes.add(payload)
                self._read(repository, changes)

    def _read(self, repository: StationRepository, changes: Changes) -> None:
        if changes.sessions:
            self.roomsRead.emit(repository.rooms())
            self.bedsRead.emit(repository.beds(changes.sessions))
        for session_id, first_id in changes.vitals.items():
            start = max(first_id, self._last_ids.get(session_id, 0) + 1)
            batch = repository.samples_since(session_id, start)
            if batch.points:
                self._last_ids[session_id] = batch.last_id
                self.samplesRead.emit(batch)
        if changes.alarms:
            for session_id, alarms in repository.alarms(changes.alarms).items():
                self.alarmsRead.emit(session_id, alarms)
        for session_id in changes.details:
            self.detailChanged.emit(session_id)
        if changes.beats:
            self.beatsRead.emit(repository.beats())
