"""B11: the event loop's longest stall while another program holds the database locked (≤ 50 ms).

The real console (services, window, writer thread) runs one bed fed with readings ten times a
second, an SpO2 low enough to raise alarms, and a note every few seconds, while another process
holds the SQLite file with ``BEGIN EXCLUSIVE`` (or a PostgreSQL server stops answering: the
console talks to it through a TCP relay that is frozen with SIGSTOP). A 10 ms QTimer measures how
late the event loop runs it. Afterwards every reading and note must be in the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TARGET_MS = 50.0
LOCK_S = float(os.environ.get("VIGIL_B11_LOCK_S", "30"))
PG_SERVER = os.environ.get("VIGIL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse 1"

LOCKER = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
print("released", flush=True)
"""

RELAY = """
import socket, sys, threading
target = (sys.argv[1], int(sys.argv[2]))
server = socket.create_server(("127.0.0.1", 0))
print(server.getsockname()[1], flush=True)
def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(target)
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
"""


@dataclass
class Result:
    """What one run measured."""

    longest_stall_ms: float
    ingested: int  # readings handed to the console
    stored: int  # readings in the database afterwards
    notes_made: int
    notes_stored: int
    clock_ticks: int  # the bed clock's face updates while the database was unavailable


def spin(seconds: float) -> None:
    """Run the event loop for ``seconds``."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class StallMeter:
    """A 10 ms timer; the longest lateness while ``measuring`` is the stall."""

    def __init__(self) -> None:
        self.measuring = False
        self.longest_ms = 0.0
        self._elapsed = QElapsedTimer()
        self._elapsed.start()
        self._last = 0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        now = self._elapsed.nsecsElapsed()
        if self.measuring and self._last:
            self.longest_ms = max(self.longest_ms, (now - self._last) / 1e6 - 10.0)
        self._last = now

    def begin(self) -> None:
        """Measure from the next tick on (what came before is not counted)."""
        self._last = 0
        self.measuring = True

    def stop(self) -> None:
        self._timer.stop()


def _clinic(url: str, now: datetime) -> int:
    """Staff with accounts, a room, a patient and an open session; returns its id."""
    from argon2 import PasswordHasher, profiles

    from console.domain.people import PatientDraft, StaffRole
    from console.store.account_repository import AccountRepository
    from console.store.database import Store
    from console.store.repositories import PeopleRepository, SessionRepository

    store = Store.open(url)
    try:
        people = PeopleRepository(store)
        nurse = people.add_staff("Jordan Lee", StaffRole.NURSE)
        therapist = people.add_staff("Alex Morgan", StaffRole.THERAPIST)
        room = people.add_room("Room 1")
        patient = people.add_patient(PatientDraft("J. D.", "MRN-1", date(1986, 4, 12), 72.5), now)
        hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
        AccountRepository(store).give_account(nurse.id, "nurse", hasher.hash(PASSWORD))
        return (
            SessionRepository(store)
            .check_in(
                uid=str(uuid.uuid4()),
                patient_id=patient.id,
                room_id=room.id,
                therapist_id=therapist.id,
                medical_staff_id=nurse.id,
                at=now,
            )
            .id
        )
    finally:
        store.close()


@contextmanager
def sqlite_locked(path: Path, seconds: float) -> Iterator[None]:
    """Another process holds the file with BEGIN EXCLUSIVE for ``seconds`` from entry."""
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert locker.stdout is not None
    assert locker.stdout.readline().strip() == "locked"
    try:
        yield
    finally:
        deadline = time.monotonic() + seconds + 30
        while locker.poll() is None and time.monotonic() < deadline:
            spin(0.05)  # the event loop runs (and is measured) while the lock is let go
        locker.kill()
        locker.wait()
        locker.stdout.close()


class Relay:
    """A TCP relay process to the PostgreSQL server; ``freeze`` stops it answering (SIGSTOP)."""

    def __init__(self, host: str, port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", RELAY, host, str(port)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    @contextmanager
    def frozen(self, seconds: float) -> Iterator[None]:
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def run(
    url: str, home: Path, unavailable: Callable[[], AbstractContextManager[None]], seconds: float
) -> Result:
    """The console over ``url``; the database is unavailable for ``seconds`` in the middle."""
    from console.clock import SystemClock
    from console.domain.sessions import ObservationCategory
    from console.domain.vitals import Parameter
    from console.settings import Settings
    from console.store.database import Store
    from console.store.repositories import SessionRepository
    from console.store.vitals_repository import VitalsRepository
    from devices.base import Reading
    from main import build_services
    from widgets.main_window import MainWindow
    from widgets.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    clock = SystemClock()
    session_id = _clinic(url, clock.now())
    store = Store.open(url)
    services = build_services(store, clock, home / "spool.jsonl", Settings())
    services.writer.start()
    services.room.load()
    services.accounts.sign_in("nurse", PASSWORD)
    window = MainWindow(services, 120, apply_theme(app, "day"))
    window.resize(1280, 800)
    window.show_home()
    window.show()
    services.start()
    bed = services.room.beds()[0]
    ingested = 0
    notes = 0
    ticks = [0]
    bed.clock.faceChanged.connect(lambda *_: ticks.__setitem__(0, ticks[0] + 1))

    def feed() -> None:
        nonlocal ingested, notes
        low = (ingested // 50) % 2 == 1  # SpO2 low for 5 s in every 10: alarms come and go
        readings = [
            Reading(Parameter.HR, 70.0 + ingested % 5, "bpm"),
            Reading(Parameter.SPO2, 85.0 if low else 97.0, "%"),
        ]
        bed.vitals.ingest("ivy", readings, clock.now(), "/dev/pts/bench")
        ingested += 2
        if ingested % 60 == 0:
            author = services.access.current
            assert author is not None
            bed.session.add_note(ObservationCategory.OTHER, f"note {notes}", author.id)
            notes += 1

    feeder = QTimer()
    feeder.setInterval(100)
    feeder.timeout.connect(feed)
    meter = StallMeter()
    feeder.start()
    spin(2.0)  # warm up: the first batches, the first paints
    with unavailable():
        meter.begin()
        ticks[0] = 0
        spin(seconds)
        clock_ticks = ticks[0]
    spin(0.5)
    meter.measuring = False
    feeder.stop()
    bed.vitals.flush()
    deadline = time.monotonic() + 60
    while (services.writer.pending or not services.writer.drain(0.05)) and (
        time.monotonic() < deadline
    ):
        spin(0.2)
    meter.stop()
    window.stop()
    services.stop()
    window.close()
    window.deleteLater()
    stored = len(VitalsRepository(store).history(session_id))
    notes_stored = len(SessionRepository(store).observations(session_id))
    store.close()
    return Result(meter.longest_ms, ingested, stored, notes, notes_stored, clock_ticks)


def run_sqlite(seconds: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="vigil-b11-") as folder:
        home = Path(folder)
        path = home / "vigil.sqlite3"
        return run(f"sqlite:///{path}", home, lambda: sqlite_locked(path, seconds), seconds)


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A fresh schema on the server (dropped afterwards); yields its name."""
    from sqlalchemy import create_engine, text

    schema = f"b11_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, connect_args={"connect_timeout": 3})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_postgres(seconds: float, server: str = PG_SERVER) -> Result:
    """The console on PostgreSQL through a relay that stops answering for ``seconds``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(server)
    relay = Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        with (
            postgres_schema(server) as schema,
            tempfile.TemporaryDirectory(prefix="vigil-b11-") as folder,
        ):
            url = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(
                hide_password=False
            )
            url += f"?options=-csearch_path%3D{schema}"
            return run(url, Path(folder), lambda: relay.frozen(seconds), seconds)
    finally:
        relay.stop()


def postgres_reachable(server: str = PG_SERVER) -> bool:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(server, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception:  # any failure to reach it: the PostgreSQL half is skipped
        return False
    return True


def describe(result: Result) -> str:
    return (
        f"{result.longest_stall_ms:.0f} ms (target ≤ {TARGET_MS:.0f} ms); readings stored "
        f"{result.stored}/{result.ingested}, notes {result.notes_stored}/{result.notes_made}, "
        f"clock updates while unavailable {result.clock_ticks}"
    )


def main() -> int:
    result = run_sqlite(LOCK_S)
    print(f"B11 longest event-loop stall while DB locked {LOCK_S:.0f} s: {describe(result)}")
    if postgres_reachable():
        pg_s = min(LOCK_S, 10.0)
        result = run_postgres(pg_s)
        print(
            f"B11 longest event-loop stall while PostgreSQL stops answering {pg_s:.0f} s: "
            f"{describe(result)}"
        )
    else:
        print(f"B11 (PostgreSQL half skipped: {PG_SERVER} unreachable)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
