"""The lock screen over real account, clock and alarm services: the clock and alarms stay in view."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, profiles
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from console.domain.lifecycle import SessionState
from console.domain.vitals import Parameter, VitalPoint
from console.services.accounts import AccountService
from console.services.alarms import AlarmService
from console.services.clock import ClockService
from console.settings import Settings
from console.store.account_repository import AccountRepository
from main import build_services
from widgets.alarm_strip import AlarmStrip
from widgets.lock_screen import NO_SESSION, ActivityWatcher, LockScreen

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
NURSE_PW = "nurse pass 456"
THERAPIST_PW = "therapy pass 789"


@dataclass
class Rig:
    screen: LockScreen
    accounts: AccountService
    clock_service: ClockService
    alarms: AlarmService
    clinic: object
    session_id: int
    strip: AlarmStrip


@pytest.fixture
def rig(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    c = sqlite_clinic
    repo = AccountRepository(sqlite_store)
    repo.give_account(c.nurse.id, "jordan", CHEAP.hash(NURSE_PW))
    repo.give_account(c.therapist.id, "alex", CHEAP.hash(THERAPIST_PW))
    # a session dosed 30 minutes ago
    session_id = c.check_in(clock.now() - timedelta(minutes=45))
    for before, after, t0 in (
        (SessionState.CHECKED_IN, SessionState.BASELINE, None),
        (SessionState.BASELINE, SessionState.MONITORING, clock.now() - timedelta(minutes=30)),
    ):
        c.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=session_id,
            from_state=before,
            to_state=after,
            at=clock.now() - timedelta(minutes=30),
            by_staff_id=c.nurse.id,
            t0=t0,
        )
    services = build_services(sqlite_store, clock, tmp_path / "spool.jsonl", Settings())
    services.room.load()
    bed = services.room.bed(session_id)
    accounts = services.accounts
    accounts.sign_in("jordan", NURSE_PW)
    strip = AlarmStrip(services.room, lambda: None)
    screen = LockScreen(accounts, strip, staff_name=lambda i: f"#{i}")
    qtbot.addWidget(screen)
    screen.resize(1200, 760)
    screen.show()
    qtbot.waitExposed(screen)
    yield Rig(screen, accounts, bed.clock, bed.alarms, c, session_id, strip)
    services.stop()


def lock_after_idle(rig: Rig, clock) -> None:
    clock.advance(timedelta(minutes=10))
    assert rig.accounts.check_idle()


def test_the_lock_screen_keeps_the_session_clock(qtbot, rig, clock):
    assert rig.screen.no_session.text() == NO_SESSION and not rig.screen.no_session.isHidden()
    lock_after_idle(rig, clock)
    rig.screen.follow(rig.clock_service, "J. D.")
    assert rig.screen.no_session.isHidden()
    assert rig.screen.bed_label.text() == "J. D."
    assert rig.screen.dose_value.text() == "T+0:40:00"
    assert rig.screen.minimum_value.text() == "1:20:00"
    assert rig.screen.check_text.text() == "Vitals check due now (T+0:40)"
    assert rig.screen.check_text.property("level") == "due"
    clock.advance(timedelta(seconds=5))
    rig.clock_service.refresh()  # the service's tick
    assert rig.screen.dose_value.text() == "T+0:40:05"
    assert "Locked · Jordan Lee" in rig.screen.locked_title.text()
    assert "after 10 min without activity" in rig.screen.locked_note.text()


def test_the_lock_screen_shows_every_beds_alarms_without_acknowledging(qtbot, rig, clock):
    strip = rig.screen.alarm_summary
    assert strip is rig.strip and strip.shown_alarms() == []
    rig.accounts.lock()
    rig.alarms.on_points([VitalPoint(Parameter.SPO2, 85, clock.now(), "masimo")])
    [shown] = strip.shown_alarms()
    assert shown.session_id == rig.session_id and shown.alarm.message == "SpO2 85 < 88"
    texts = " ".join(label.text() for label in strip.findChildren(QLabel) if label.isVisible())
    texts += " ".join(b.text() for b in strip.findChildren(QPushButton) if b.isVisible())
    assert "SpO2 85 < 88" in texts
    # nobody acts on a locked console: acknowledging waits for unlock or switch user
    assert not any(
        b.isEnabled() for b in strip.findChildren(QPushButton) if "cknowledge" in b.text()
    )
    rig.alarms.on_points([VitalPoint(Parameter.SPO2, 97, clock.now(), "masimo")])
    assert strip.shown_alarms() == []


def test_escape_never_unlocks(qtbot, rig):
    rig.accounts.lock()
    qtbot.keyClick(rig.screen.password_edit, Qt.Key.Key_Escape)
    qtbot.keyClick(rig.screen, Qt.Key.Key_Escape)
    assert rig.accounts.is_locked and rig.screen.isVisible()


def test_the_password_unlocks_and_a_wrong_one_shows_beside_it(qtbot, rig):
    rig.accounts.lock()
    screen = rig.screen
    qtbot.keyClicks(screen.password_edit, "not my password")
    qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    assert screen.unlock_form.message("password") == "That password is not right."
    assert rig.accounts.is_locked and screen.password_edit.text() == ""
    qtbot.keyClicks(screen.password_edit, NURSE_PW)
    with qtbot.waitSignal(rig.accounts.lockedChanged) as changed:
        qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    assert changed.args == [False]
    assert rig.accounts.current.id == rig.clinic.nurse.id


def test_switch_user_at_shift_change(qtbot, rig):
    rig.accounts.lock()
    screen = rig.screen
    qtbot.keyClicks(screen.switch_username_edit, "alex")
    qtbot.keyClick(screen.switch_username_edit, Qt.Key.Key_Return)  # on to the password
    assert rig.accounts.current.id == rig.clinic.nurse.id
    qtbot.keyClicks(screen.switch_password_edit, "wrong password")
    qtbot.keyClick(screen.switch_password_edit, Qt.Key.Key_Return)
    assert screen.switch_form.message("password") == "Wrong user name or password."
    assert screen.unlock_form.message("password") == ""
    qtbot.keyClicks(screen.switch_password_edit, THERAPIST_PW)
    with qtbot.waitSignal(rig.accounts.signedIn) as signed:
        qtbot.keyClick(screen.switch_password_edit, Qt.Key.Key_Return)
    assert signed.args[0].id == rig.clinic.therapist.id
    assert not rig.accounts.is_locked
    assert rig.clinic.audit.count("logout") == 1


def test_after_sign_out_the_screen_offers_sign_in_only(qtbot, rig):
    rig.accounts.sign_out()
    assert rig.screen.unlock_panel.isHidden()
    assert rig.screen.switch_button.text() == "Sign in"
    rig.screen.switch_username_edit.setText("jordan")
    rig.screen.switch_password_edit.setText(NURSE_PW)
    assert rig.screen.switch_user()
    assert rig.accounts.current.id == rig.clinic.nurse.id


def test_typing_anywhere_counts_as_activity(qtbot, rig, clock):
    app = QApplication.instance()
    watcher = ActivityWatcher(rig.accounts)
    app.installEventFilter(watcher)
    try:
        edit = QLineEdit()
        qtbot.addWidget(edit)
        edit.show()
        clock.advance(timedelta(minutes=9))
        qtbot.keyClicks(edit, "a")
        clock.advance(timedelta(minutes=9))
        assert not rig.accounts.check_idle()
        clock.advance(timedelta(minutes=1))
        assert rig.accounts.check_idle()
    finally:
        app.removeEventFilter(watcher)


def test_switch_user_puts_the_cursor_in_the_user_name_never_the_password(qtbot, rig):
    rig.accounts.lock()
    screen = rig.screen
    screen.switch_password_edit.setText("left over")
    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow, timeout=2000)
    screen.focus_switch_user()
    assert QApplication.focusWidget() is screen.switch_username_edit
    assert screen.switch_password_edit.text() == ""
    qtbot.keyClicks(QApplication.focusWidget(), "alex")
    assert screen.switch_username_edit.text() == "alex" and screen.password_edit.text() == ""
