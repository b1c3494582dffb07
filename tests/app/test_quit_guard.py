"""Quitting while patients are monitored: never from the lock screen, asked and audited otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, profiles
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from console.domain.people import StaffRole
from console.store.account_repository import AccountRepository
from tests.widgets.conftest import PASSWORD, App, give_accounts, open_console

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    """The nurse at the console, one patient's session open (chair 1 · J. D.)."""
    give_accounts(sqlite_clinic)
    sqlite_clinic.check_in(clock.now() - timedelta(minutes=50))
    with open_console(qtbot, sqlite_store, clock, tmp_path, "nurse", size=(1300, 850)) as running:
        running.window.activateWindow()
        qtbot.waitUntil(running.window.isActiveWindow, timeout=2000)
        yield running


@pytest.fixture
def idle_app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    """The nurse at the console, no session open."""
    give_accounts(sqlite_clinic)
    with open_console(qtbot, sqlite_store, clock, tmp_path, "nurse") as running:
        running.window.activateWindow()
        qtbot.waitUntil(running.window.isActiveWindow, timeout=2000)
        yield running


def answer_quit(button: str, seen: list[str]) -> None:
    """Click ``button`` on the quit question once it is up, keeping its text in ``seen``."""
    tries = [0]

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            tries[0] += 1
            if tries[0] < 100:
                QTimer.singleShot(20, click)
            return
        seen.append(f"{box.text()}\n{box.informativeText()}")
        [chosen] = [b for b in box.buttons() if b.text() == button]
        chosen.click()

    QTimer.singleShot(0, click)


def quits(sqlite_clinic) -> list:
    return [e for e in sqlite_clinic.audit.entries() if e.action == "console-quit"]


def close_button(app: App) -> bool:
    """The title bar's close button: the window system sends a close event to the window."""
    handle = app.window.windowHandle()
    assert handle is not None
    event = QCloseEvent()
    QApplication.sendEvent(handle, event)
    return event.isAccepted()


def press_ctrl_q(qtbot, app: App) -> None:
    target = QApplication.focusWidget() or app.window
    qtbot.keyClick(target, Qt.Key.Key_Q, CTRL)


def test_ctrl_q_on_the_lock_screen_does_nothing_and_every_menu_is_off(qtbot, app, sqlite_clinic):
    window = app.window
    assert app.window.bed_view is not None
    window.lock()
    assert window.screen_name() == "locked"
    press_ctrl_q(qtbot, app)
    qtbot.wait(50)
    assert window.isVisible()
    assert not window.action_quit.isEnabled()
    assert not window.menuBar().isEnabled()
    menu_actions = [
        action
        for top in window.menuBar().actions()
        if top.menu() is not None
        for action in top.menu().actions()  # type: ignore[union-attr]
        if not action.isSeparator()
    ]
    assert menu_actions and not [a.text() for a in menu_actions if a.isEnabled()]
    window_wide = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
    keyed = [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty()]
    assert not [a.text() for a in keyed if a.isEnabled() and a.shortcutContext() in window_wide]
    assert quits(sqlite_clinic) == []
    # unlocking brings Ctrl+Q back (and it asks first)
    window.lock_screen.password_edit.setText(PASSWORD)
    assert window.lock_screen.unlock()
    assert window.action_quit.isEnabled()


def test_the_close_button_on_the_lock_screen_is_refused_with_a_reason(qtbot, app, sqlite_clinic):
    window = app.window
    window.lock()
    assert not close_button(app)
    assert window.isVisible()
    assert window.lock_screen.notice.isVisible()
    assert "sign in to quit" in window.lock_screen.notice.text()
    assert quits(sqlite_clinic) == []


def test_the_close_button_while_signed_in_asks_the_same_question(qtbot, app, sqlite_clinic):
    seen: list[str] = []
    answer_quit("Keep monitoring", seen)
    assert not close_button(app)
    assert seen and app.bed.label in seen[0]
    assert app.window.isVisible()
    answer_quit("Quit Vigil", seen)
    assert close_button(app)
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=2000)
    assert len(seen) == 2
    assert len(quits(sqlite_clinic)) == 1


def test_quit_names_the_open_sessions_and_keep_monitoring_keeps_the_console(
    qtbot, app, sqlite_clinic
):
    seen: list[str] = []
    answer_quit("Keep monitoring", seen)
    press_ctrl_q(qtbot, app)
    assert seen, "no question was asked"
    assert app.bed.label in seen[0]
    assert f"session {app.bed.session_id}" in seen[0]
    assert app.window.isVisible()
    assert quits(sqlite_clinic) == []


def test_a_confirmed_quit_closes_and_is_audited_with_the_sessions(qtbot, app, sqlite_clinic):
    session_id, label = app.bed.session_id, app.bed.label
    seen: list[str] = []
    answer_quit("Quit Vigil", seen)
    press_ctrl_q(qtbot, app)
    assert seen
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=2000)
    [entry] = quits(sqlite_clinic)
    assert entry.actor_id == sqlite_clinic.nurse.id
    assert f'"session_id":{session_id}' in entry.detail
    assert label in entry.detail


def test_a_non_clinical_user_may_not_quit_while_patients_are_monitored(qtbot, app, sqlite_clinic):
    admin = sqlite_clinic.people.add_staff("Robin Hale", StaffRole.ADMIN)
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    AccountRepository(sqlite_clinic.store).give_account(admin.id, "robin", cheap.hash(PASSWORD))
    app.sign_in("robin")
    assert app.window.screen_name() == "console"
    assert not app.window.request_quit()
    assert app.window.isVisible()
    assert "nurse or physician may quit" in app.window.statusBar().currentMessage()
    assert quits(sqlite_clinic) == []


def test_with_no_session_open_quit_works_at_once(qtbot, idle_app, sqlite_clinic):
    assert idle_app.services.room.beds() == []
    press_ctrl_q(qtbot, idle_app)
    qtbot.waitUntil(lambda: not idle_app.window.isVisible(), timeout=2000)
    assert quits(sqlite_clinic) == []
