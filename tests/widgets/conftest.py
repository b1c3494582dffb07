"""A real main window over a real SQLite store, with a fake clock."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication

from console.clock import FakeClock
from console.services.clock import ClockService
from console.services.people import PeopleService
from console.services.sessions import SessionService
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


@pytest.fixture
def app(qtbot, sqlite_clinic, clock, tmp_path) -> App:
    c = sqlite_clinic
    people = PeopleService(clock, c.people)
    sessions = SessionService(
        clock,
        c.people,
        c.sessions,
        c.audit,
        DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl")),
    )
    clock_service = ClockService(clock, c.sessions, Settings().schedule())
    qapp = QApplication.instance()
    apply_theme(qapp, "day")
    window = MainWindow(clock, people, sessions, clock_service, 120, "day")
    qtbot.addWidget(window)
    window.show_start()
    window.show()
    qtbot.waitExposed(window)
    yield App(window, people, sessions, clock_service, clock)
    qapp.setStyleSheet("")
