"""A real main window over a real SQLite store, with a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher, profiles
from PySide6.QtWidgets import QApplication

from console.clock import FakeClock
from console.services.alarms import AlarmService
from console.services.bed import Bed
from console.services.clock import ClockService
from console.services.devices import DeviceManager
from console.services.people import PeopleService
from console.services.sessions import SessionService
from console.services.vitals import VitalsService
from console.settings import Settings
from console.store.account_repository import AccountRepository
from console.store.binding_repository import BindingRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter
from main import Services, build_services
from widgets.bed_view import BedView
from widgets.main_window import MainWindow
from widgets.theme import apply_theme

PASSWORD = "correct horse 1"  # every test account's password
_CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)  # fast hashing for tests only


def give_accounts(clinic) -> None:
    """Accounts "therapist" and "nurse" for the clinic's two staff members."""
    accounts = AccountRepository(clinic.store)
    for username, member in (("therapist", clinic.therapist), ("nurse", clinic.nurse)):
        accounts.give_account(member.id, username, _CHEAP.hash(PASSWORD))


@dataclass
class App:
    """The real window over the services main.py builds, on a fake clock."""

    window: MainWindow
    services: Services
    clock: FakeClock

    def sign_in(self, username: str) -> None:
        """Hand the console over (a shift change): the user's records carry their name."""
        self.services.accounts.switch_user(username, PASSWORD)

    @property
    def view(self) -> BedView:
        """The bed shown in detail (a test that asks for it expects one on screen)."""
        view = self.window.bed_view
        assert view is not None, "no bed is shown"
        return view

    @property
    def bed(self) -> Bed:
        return self.view.bed

    @property
    def sessions(self) -> SessionService:
        """The session service of the bed on screen."""
        return self.bed.session

    @property
    def people(self) -> PeopleService:
        return self.services.people

    @property
    def clock_service(self) -> ClockService:
        return self.bed.clock

    @property
    def vitals(self) -> VitalsService:
        return self.bed.vitals

    @property
    def devices(self) -> DeviceManager:
        return self.services.devices

    @property
    def alarms(self) -> AlarmService:
        return self.bed.alarms

    def open(self, session_id: int) -> BedView:
        """Show a stored open session's bed, as the start screen's "Resume" does."""
        assert self.window.open_session(session_id)
        return self.view


@contextmanager
def open_console(
    qtbot,
    store,
    clock,
    tmp_path,
    user: str,
    *,
    theme: str = "day",
    size: tuple[int, int] | None = None,
    before_window: Callable[[Services], object] | None = None,
) -> Iterator[App]:
    """The real window over the services main.py builds, ``user`` signed in, as main.py opens
    it (the only bed, the overview, or the start screen); stopped and unthemed afterwards."""
    services = build_services(store, clock, tmp_path / "spool.jsonl", Settings())
    services.room.load()
    services.accounts.sign_in(user, PASSWORD)
    if before_window is not None:
        before_window(services)
    qapp = QApplication.instance()
    apply_theme(qapp, theme)
    window = MainWindow(services, 120, theme)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show_home()
    window.show()
    qtbot.waitExposed(window)
    try:
        yield App(window, services, clock)
    finally:
        window.stop()
        services.stop()
        qapp.setStyleSheet("")


@pytest.fixture
def app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    """Signed in as the clinic's therapist; ``app.sign_in("nurse")`` hands over to the nurse."""
    give_accounts(sqlite_clinic)
    with open_console(qtbot, sqlite_store, clock, tmp_path, "therapist") as running:
        yield running


@pytest.fixture
def manager(qtbot, sqlite_clinic, clock, tmp_path, simulator) -> Iterator[DeviceManager]:
    """A real device manager (no monitor bound to anyone yet)."""
    # depends on ``simulator`` so that readers stop before the simulator process ends
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "m.jsonl"))
    devices = DeviceManager(clock, BindingRepository(c.store), c.access(writer))
    try:
        yield devices
    finally:
        devices.stop_all()
