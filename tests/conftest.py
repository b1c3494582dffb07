"""Test-wide setup: offscreen Qt, shared device fixtures, real SQLite and PostgreSQL stores."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _no_widgets_left_behind(request: pytest.FixtureRequest):
    """Close and delete every top-level widget a test leaves, so later tests stay fast.

    (A style sheet applied to the application re-polishes every live widget: leftovers from
    earlier tests made each later set-up slower.)
    """
    yield
    if "qapp" not in request.fixturenames and "qtbot" not in request.fixturenames:
        return
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
