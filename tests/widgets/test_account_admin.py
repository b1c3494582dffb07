"""The admin's account dialog over a real account service: list, add, reset, unlock, deactivate."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from console.domain.people import StaffRole
from console.errors import AuthenticationFailed
from console.services.accounts import AccountService
from console.store.account_repository import AccountRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter
from widgets.account_admin import AccountAdmin

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
ADMIN_PW = "admin pass 123"
NURSE_PW = "nurse pass 456"


@pytest.fixture
def service(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    repo = AccountRepository(sqlite_store)
    repo.create("root", "Robin Hale", StaffRole.ADMIN, CHEAP.hash(ADMIN_PW))
    repo.give_account(sqlite_clinic.nurse.id, "jordan", CHEAP.hash(NURSE_PW))
    access = sqlite_clinic.access(DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "s.jsonl")))
    svc = AccountService(clock, repo, access, hasher=CHEAP)
    yield svc
    svc.stop()


def open_dialog(qtbot, service) -> AccountAdmin:
    dialog = AccountAdmin(service)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_an_admin_sees_every_staff_member_and_adds_an_account(qtbot, service, sqlite_clinic):
    service.sign_in("root", ADMIN_PW)
    dialog = open_dialog(qtbot, service)
    assert dialog.row_texts() == [
        ["Alex Morgan", "—", "Therapist", "no account"],
        ["Jordan Lee", "jordan", "Nurse", "active"],
        ["Robin Hale", "root", "Admin", "active"],
    ]
    # give Alex (added without an account) one
    dialog.person_combo.setCurrentIndex(dialog.person_combo.findData(sqlite_clinic.therapist.id))
    assert not dialog.name_edit.isEnabled() and dialog.name_edit.text() == "Alex Morgan"
    qtbot.keyClicks(dialog.username_edit, "alex")
    qtbot.keyClicks(dialog.password_edit, "therapy pass 1")
    qtbot.keyClicks(dialog.repeat_edit, "therapy pass 2")
    assert not dialog.add_account()
    assert "differ" in dialog.add_form.message("repeat")
    dialog.repeat_edit.setText("therapy pass 1")
    assert dialog.add_account()
    assert ["Alex Morgan", "alex", "Therapist", "active"] in dialog.row_texts()
    assert service.sign_in("alex", "therapy pass 1").id == sqlite_clinic.therapist.id


def test_reset_unlock_and_deactivate_from_the_list(qtbot, service, sqlite_clinic):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            service.sign_in("jordan", "wrong password")
    service.sign_in("root", ADMIN_PW)
    dialog = open_dialog(qtbot, service)
    dialog.select(sqlite_clinic.nurse.id)
    assert dialog.row_texts()[1][3].startswith("locked until")
    assert dialog.unlock_button.isEnabled()
    assert dialog.unlock_selected()
    assert dialog.row_texts()[1][3] == "active"
    dialog.select(sqlite_clinic.nurse.id)
    dialog.reset_password_edit.setText("a fresh password")
    dialog.reset_repeat_edit.setText("a fresh password")
    assert dialog.reset_password()
    dialog.select(sqlite_clinic.nurse.id)
    assert dialog.active_button.text() == "Deactivate"
    assert dialog.toggle_active()
    assert dialog.row_texts()[1][3] == "inactive"
    service.sign_out()
    with pytest.raises(AuthenticationFailed, match="no longer active"):
        service.sign_in("jordan", "a fresh password")
    changes = sqlite_clinic.audit.count("account-change")
    assert changes == 3


def test_a_non_admin_is_refused_by_the_service(qtbot, service, sqlite_clinic):
    service.sign_in("jordan", NURSE_PW)
    dialog = open_dialog(qtbot, service)
    assert dialog.row_texts() == []
    assert "may not manage staff accounts" in dialog.error.text()
    assert not dialog.add_button.isEnabled()
    assert sqlite_clinic.audit.count("denied") == 1
