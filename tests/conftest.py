"""Test-wide setup: offscreen Qt, shared device fixtures, real SQLite and PostgreSQL stores."""

from __future__ import annotations

import gc
import os
import sysconfig
import traceback
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import pytest
from sqlalchemy import create_engine, text

from console.clock import FakeClock
from console.domain.people import PatientDraft, StaffRole
from console.store.audit_repository import AuditRepository
from console.store.database import Store
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.vitals_repository import VitalsRepository
from console.store.workflow_repository import WorkflowRepository
from console.store.writer import DurableWriter, Targets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
DEVICE_FIXTURES = SHARED / "fixtures" / "devices"


@pytest.fixture
def device_fixture():
    """Return a function giving the path of a file in ../shared/fixtures/devices, or skip."""

    def find(relative: str) -> Path:
        path = DEVICE_FIXTURES / relative
        if not path.exists():
            pytest.skip(
                f"device fixture {relative} not found: ../shared (the reference folder beside "
                "the project) is absent in this checkout"
            )
        return path

    return find


PG_SERVER = os.environ.get("VIGIL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def _postgres_problem() -> str | None:
    if "problem" not in _pg_state:
        try:
            engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
            _pg_state["problem"] = None
        except Exception as error:  # any failure to reach the server
            _pg_state["problem"] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return _pg_state["problem"]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server, dropped afterwards."""
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_SERVER} is required in CI and unreachable: {problem}")
        pytest.skip(f"PostgreSQL at {PG_SERVER} unreachable ({problem}); set it up to run this")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vigil.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store.open(store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'vigil.sqlite3'}")
    yield s
    s.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 8, 6, 30, tzinfo=UTC))


class Clinic:
    """A minimal clinic stored through the repositories: two staff, a room, a patient."""

    def __init__(self, store: Store, clock: FakeClock) -> None:
        self.people = PeopleRepository(store)
        self.sessions = SessionRepository(store)
        self.audit = AuditRepository(store)
        self.vitals = VitalsRepository(store)
        self.workflow = WorkflowRepository(store)
        self.targets = Targets(self.sessions, self.vitals, self.workflow, self.audit)
        self.clock = clock
        self.store = store
        self._access: dict[int, object] = {}
        self.therapist = self.people.add_staff("Alex Morgan", StaffRole.THERAPIST)
        self.nurse = self.people.add_staff("Jordan Lee", StaffRole.NURSE)
        self.room = self.people.add_room("Room 1")
        self.patient = self.people.add_patient(
            PatientDraft("J. D.", "MRN-1", date(1986, 4, 12), 72.5), clock.now()
        )

    def access(self, writer: DurableWriter):
        """The permission checker and audit trail over this clinic's staff (one per writer)."""
        from console.services.access import Access, AuditTrail

        found = self._access.get(id(writer))
        if found is None:
            found = Access(self.people, AuditTrail(self.clock, writer))
            self._access[id(writer)] = found
        return found

    def staff_up_to(self, last_id: int, role: StaffRole = StaffRole.NURSE) -> None:
        """Add staff until ``last_id`` exists (tests that name staff by small numbers)."""
        while max(s.id for s in self.people.staff()) < last_id:
            self.people.add_staff(f"Staff {len(self.people.staff()) + 1}", role)

    def check_in(self, at: datetime) -> int:
        return self.sessions.check_in(
            uid=str(uuid.uuid4()),
            patient_id=self.patient.id,
            room_id=self.room.id,
            therapist_id=self.therapist.id,
            medical_staff_id=self.nurse.id,
            at=at,
        ).id


@pytest.fixture
def clinic(store: Store, clock: FakeClock) -> Clinic:
    return Clinic(store, clock)


@pytest.fixture
def sqlite_clinic(sqlite_store: Store, clock: FakeClock) -> Clinic:
    return Clinic(sqlite_store, clock)


@pytest.fixture
def simulator():
    """Start ``python -m devices.simulator --protocol P [extra…]`` on a real pty; returns its port.

    Every simulator started is stopped afterwards; a fixture that connects readers to it should
    depend on this one, so that readers stop before the simulator goes away.
    """
    from devices.simulator_process import SimulatorProcess, start_simulator

    running: list[SimulatorProcess] = []

    def spawn(protocol: str, *extra: str) -> str:
        process = start_simulator(protocol, *extra)
        running.append(process)
        return process.port

    try:
        yield spawn
    finally:
        for process in running:
            process.stop()


@pytest.fixture(autouse=True)
def _audit_key_per_test(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test's audit key and anchor in a folder of its own (inherited by processes it runs)."""
    monkeypatch.setenv("VIGIL_AUDIT_KEY", str(tmp_path_factory.mktemp("audit-key") / "audit.key"))


# ---- leftovers: a test fails when it leaves a QThread running, a QTimer active or a window open
# (napari's conftest does the same with its _dangling_qthreads/_dangling_qtimers fixtures)
_threads: WeakKeyDictionary[Any, str] = WeakKeyDictionary()  # QThread → where it was started
_timers: WeakKeyDictionary[Any, str] = WeakKeyDictionary()  # QTimer → where it was started


_LIBRARIES = (Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"]))


def _started_at() -> str:
    """Where a thread or timer was started: the innermost frame of our code (not a library's)."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        path = Path(frame.filename)
        if path.name == "conftest.py" or any(lib in path.parents for lib in _LIBRARIES):
            continue
        shown = path.relative_to(PROJECT) if PROJECT in path.parents else path.name
        return f"{shown}:{frame.lineno} ({frame.name})"
    return "(unknown)"


def _track_qt_starts() -> None:
    """Wrap QThread.start and QTimer.start so that every start from Python is remembered."""
    from PySide6.QtCore import QThread, QTimer

    thread_start, timer_start = QThread.start, QTimer.start

    def start_thread(self: QThread, *args: Any, **kwargs: Any) -> None:
        if self not in _threads:
            _threads[self] = _started_at()
        thread_start(self, *args, **kwargs)

    def start_timer(self: QTimer, *args: Any, **kwargs: Any) -> None:
        if self not in _timers:
            _timers[self] = _started_at()
        timer_start(self, *args, **kwargs)

    QThread.start = start_thread  # type: ignore[method-assign]
    QTimer.start = start_timer  # type: ignore[method-assign]


_track_qt_starts()


def _alive(thing: object) -> bool:
    from shiboken6 import isValid

    return bool(isValid(thing))


def _running_threads() -> list[str]:
    """Threads still running (each is then stopped, so that it cannot outlive its object)."""
    found = []
    for thread, where in list(_threads.items()):
        if _alive(thread) and thread.isRunning():
            found.append(f"QThread {type(thread).__name__} still running, started at {where}")
            thread.quit()
            thread.wait(2000)
    return found


def _active_timers() -> list[tuple[Any, str]]:
    return [(t, where) for t, where in list(_timers.items()) if _alive(t) and t.isActive()]


def _close_top_level_widgets() -> list[str]:
    """Name the top-level widgets still shown, then close and delete every top-level widget
    (a style sheet applied to the application re-polishes every live widget: leftovers from
    earlier tests would make each later set-up slower).
    """
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return []
    shown = [
        f"top-level widget {type(w).__name__} {w.windowTitle()!r} still shown"
        for w in app.topLevelWidgets()
        if w.isVisible()
    ]
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    return shown


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _threads.clear()
    _timers.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After the test's fixtures are gone: fail on a thread still running, a window still shown,
    or a timer still active in an object that outlived the test (the test's own objects are
    released first: a service nobody holds any more is not a leftover). Everything found is
    stopped, closed and deleted; a test marked ``leaves_qt_objects`` is not failed for it.
    """
    result = yield
    found = _running_threads() + _close_top_level_widgets()
    if _active_timers():
        item.funcargs = {}  # type: ignore[attr-defined]  # pytest drops them next, in any case
        gc.collect()
    for timer, where in _active_timers():
        found.append(f"QTimer still active, started at {where}")
        timer.stop()
    _threads.clear()
    _timers.clear()
    if found and item.get_closest_marker("leaves_qt_objects") is None:
        pytest.fail("the test left Qt objects behind:\n  " + "\n  ".join(found), pytrace=False)
    return result
