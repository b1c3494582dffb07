"""A real main window over a real SQLite store, with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication

from console.clock import FakeClock
from console.services.clock import ClockService
from console.services.devices import DeviceManager
from console.services.people import PeopleService
from console.services.sessions import SessionService
from console.services.vitals import VitalsService
from console.settings import Settings
from console.store.spool import Spool
from console.store.writer import DurableWriter
from widgets.main_window import MainWindow
from widgets.theme import apply_theme


@dataclass
class App:
    window: MainWindow
    people: PeopleService
    sessions: SessionService
    clock_service: ClockService
    clock: FakeClock
    vitals: VitalsService
    devices: DeviceManager


@pytest.fixture
def app(qtbot, sqlite_clinic, clock, tmp_path) -> App:
    c = sqlite_clinic
    people = PeopleService(clock, c.people)
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    sessions = SessionService(clock, c.people, c.sessions, c.audit, writer)
    clock_service = ClockService(clock, c.sessions, Settings().schedule())
    vitals = VitalsService(clock, c.vitals, writer)
    devices = DeviceManager(clock, vitals)
    sessions.sessionChanged.connect(vitals.set_session)
    qapp = QApplication.instance()
    apply_theme(qapp, "day")
    window = MainWindow(clock, people, sessions, clock_service, 120, "day", vitals, devices)
    qtbot.addWidget(window)
    window.show_start()
    window.show()
    qtbot.waitExposed(window)
    yield App(window, people, sessions, clock_service, clock, vitals, devices)
    devices.stop_all()
    qapp.setStyleSheet("")


@pytest.fixture
def manager(qtbot, sqlite_clinic, clock, tmp_path, simulator) -> Iterator[DeviceManager]:
    """A real device manager over a real vitals service (no session open)."""
    # depends on ``simulator`` so that readers stop before the simulator process ends
    c = sqlite_clinic
    vitals = VitalsService(clock, c.vitals, DurableWriter(c.targets, Spool(tmp_path / "m.jsonl")))
    devices = DeviceManager(clock, vitals)
    try:
        yield devices
    finally:
        devices.stop_all()
