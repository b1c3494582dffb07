"""A real main window over a real SQLite store, with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher, profiles
from PySide6.QtWidgets import QApplication

from console.clock import FakeClock
from console.services.alarms import AlarmService
from console.services.clock import ClockService
from console.services.devices import DeviceManager
from console.services.people import PeopleService
from console.services.sessions import SessionService
from console.services.vitals import VitalsService
from console.settings import Settings
from console.store.account_repository import AccountRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter
from main import Services, build_services
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
    def sessions(self) -> SessionService:
        return self.services.sessions

    @property
    def people(self) -> PeopleService:
        return self.services.people

    @property
    def clock_service(self) -> ClockService:
        return self.services.clock_service

    @property
    def vitals(self) -> VitalsService:
        return self.services.vitals

    @property
    def devices(self) -> DeviceManager:
        return self.services.devices

    @property
    def alarms(self) -> AlarmService:
        return self.services.alarms


@pytest.fixture
def app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    """Signed in as the clinic's therapist; ``app.sign_in("nurse")`` hands over to the nurse."""
    give_accounts(sqlite_clinic)
    services = build_services(sqlite_store, clock, tmp_path / "spool.jsonl", Settings())
    services.accounts.sign_in("therapist", PASSWORD)
    qapp = QApplication.instance()
    apply_theme(qapp, "day")
    window = MainWindow(services, 120, "day")
    qtbot.addWidget(window)
    window.show_start()
    window.show()
    qtbot.waitExposed(window)
    yield App(window, services, clock)
    services.stop()
    qapp.setStyleSheet("")


@pytest.fixture
def manager(qtbot, sqlite_clinic, clock, tmp_path, simulator) -> Iterator[DeviceManager]:
    """A real device manager over a real vitals service (no session open)."""
    # depends on ``simulator`` so that readers stop before the simulator process ends
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "m.jsonl"))
    vitals = VitalsService(clock, c.vitals, writer, c.access(writer))
    devices = DeviceManager(clock, vitals)
    try:
        yield devices
    finally:
        devices.stop_all()
