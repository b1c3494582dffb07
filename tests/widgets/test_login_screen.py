"""The sign-in screen over a real account service and store, typed into with qtbot."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher, profiles
from PySide6.QtCore import Qt

from console.domain.accounts import clock_time
from console.domain.people import StaffRole
from console.services.accounts import AccountService
from console.store.account_repository import AccountRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter
from widgets.login_screen import FIRST_ADMIN, SIGN_IN, LoginScreen

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
NURSE_PW = "nurse pass 456"


@dataclass
class Rig:
    screen: LoginScreen
    service: AccountService
    repo: AccountRepository
    clinic: object


@pytest.fixture
def make(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    services: list[AccountService] = []

    def build(*, with_account: bool) -> Rig:
        repo = AccountRepository(sqlite_store)
        if with_account:
            repo.give_account(sqlite_clinic.nurse.id, "jordan", CHEAP.hash(NURSE_PW))
        writer = DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "spool.jsonl"))
        service = AccountService(clock, repo, sqlite_clinic.access(writer), hasher=CHEAP)
        services.append(service)
        screen = LoginScreen(service)
        qtbot.addWidget(screen)
        screen.resize(1000, 700)
        screen.show()
        qtbot.waitExposed(screen)
        return Rig(screen, service, repo, sqlite_clinic)

    yield build
    for service in services:
        service.stop()


def shown_error(form, key: str) -> str:
    return form.message(key)


def test_typing_and_enter_signs_in(qtbot, make):
    rig = make(with_account=True)
    screen = rig.screen
    assert screen.mode == SIGN_IN and screen.first_admin_panel.isHidden()
    qtbot.keyClicks(screen.username_edit, "Jordan")
    with qtbot.assertNotEmitted(rig.service.signedIn):
        qtbot.keyClick(screen.username_edit, Qt.Key.Key_Return)  # Enter moves on to the password
    assert shown_error(screen.sign_in_form, "password") == ""
    qtbot.keyClicks(screen.password_edit, NURSE_PW)
    with qtbot.waitSignal(rig.service.signedIn) as signed:
        qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    assert signed.args[0].id == rig.clinic.nurse.id
    assert screen.username_edit.text() == "" and screen.password_edit.text() == ""


def test_a_wrong_password_shows_beside_the_password(qtbot, make):
    rig = make(with_account=True)
    screen = rig.screen
    qtbot.keyClicks(screen.username_edit, "jordan")
    qtbot.keyClicks(screen.password_edit, "not the password")
    with qtbot.assertNotEmitted(rig.service.signedIn):
        qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    assert shown_error(screen.sign_in_form, "password") == "Wrong user name or password."
    assert shown_error(screen.sign_in_form, "username") == ""
    assert screen.password_edit.property("invalid") == "true"
    assert screen.password_edit.text() == ""  # cleared for the next try
    assert screen.username_edit.text() == "jordan"
    qtbot.keyClicks(screen.password_edit, "x")  # typing clears the error
    assert shown_error(screen.sign_in_form, "password") == ""
    assert screen.password_edit.property("invalid") == "false"


def test_empty_fields_are_named_beside_them(qtbot, make):
    screen = make(with_account=True).screen
    qtbot.mouseClick(screen.sign_in_button, Qt.MouseButton.LeftButton)
    assert shown_error(screen.sign_in_form, "username") == "Enter your user name."
    assert shown_error(screen.sign_in_form, "password") == "Enter your password."


def test_the_lockout_message_names_the_time(qtbot, make, clock):
    from datetime import timedelta

    rig = make(with_account=True)
    screen = rig.screen
    screen.username_edit.setText("jordan")
    for _ in range(5):
        qtbot.keyClicks(screen.password_edit, "wrong password")
        qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    until = clock_time(clock.now() + timedelta(minutes=15))
    assert f"locked until {until}" in shown_error(screen.sign_in_form, "password")


def test_with_no_account_it_creates_the_first_admin_and_signs_in(qtbot, make):
    rig = make(with_account=False)
    screen = rig.screen
    assert screen.mode == FIRST_ADMIN and screen.sign_in_panel.isHidden()
    qtbot.keyClicks(screen.admin_name_edit, "Robin Hale")
    qtbot.keyClicks(screen.admin_username_edit, "robin")
    qtbot.keyClicks(screen.admin_password_edit, "short")
    qtbot.keyClicks(screen.admin_repeat_edit, "shorter")
    qtbot.keyClick(screen.admin_repeat_edit, Qt.Key.Key_Return)
    assert "at least 10 characters" in shown_error(screen.admin_form, "password")
    assert "differ" in shown_error(screen.admin_form, "repeat")
    assert shown_error(screen.admin_form, "name") == ""
    assert not rig.service.has_accounts()
    for edit in (screen.admin_password_edit, screen.admin_repeat_edit):
        edit.clear()
        qtbot.keyClicks(edit, "a calm night shift")
    with qtbot.waitSignal(rig.service.signedIn) as signed:
        qtbot.keyClick(screen.admin_repeat_edit, Qt.Key.Key_Return)
    admin = signed.args[0]
    assert (admin.name, admin.role) == ("Robin Hale", StaffRole.ADMIN)
    assert rig.service.current == admin
    assert screen.mode == SIGN_IN  # the next sign-in is an ordinary one
    audit = rig.clinic.audit
    assert audit.count("account-create") == 1 and audit.count("login") == 1
