"""The admin's settings dialog through the real window: messages under fields, all-or-nothing
saves, audit entries, the clinic's alarm limits for later sessions, the test tone, one more page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, profiles

from console.domain.alarms import Bound, Priority
from console.domain.people import StaffRole
from console.domain.vitals import Parameter
from console.services.alarm_sound import NO_DEVICE, SilentSound
from console.services.room_sound import RoomSound
from console.store.account_repository import AccountRepository
from tests.widgets.conftest import PASSWORD, App, give_accounts, open_console
from widgets.settings_dialog import SettingsDialog, SettingsPage, whole_number


def give_admin(clinic) -> int:
    admin = clinic.people.add_staff("Robin Hale", StaffRole.ADMIN)
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    AccountRepository(clinic.store).give_account(admin.id, "robin", cheap.hash(PASSWORD))
    return admin.id


@pytest.fixture
def app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    """The admin at the console; one session open (checked in 20 min ago)."""
    give_accounts(sqlite_clinic)
    give_admin(sqlite_clinic)
    sqlite_clinic.check_in(clock.now() - timedelta(minutes=20))
    with open_console(qtbot, sqlite_store, clock, tmp_path, "robin") as running:
        yield running


def open_dialog(app: App) -> SettingsDialog:
    assert app.window.action_settings.isVisible() and app.window.action_settings.isEnabled()
    app.window.action_settings.trigger()
    [dialog] = app.window.findChildren(SettingsDialog)
    assert dialog.isVisible()
    return dialog


def retype(qtbot, dialog: SettingsDialog, name: str, text: str) -> None:
    """Select a field's text and type over it, as a person does."""
    for page in dialog.pages.values():
        if name in page.form.edits:
            edit = page.form.edits[name]
            edit.selectAll()
            qtbot.keyClicks(edit, text)
            return
    edit = dialog.limits.edits[name]  # an alarm limit: "hr.medium_upper"
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def audit(clinic, action: str) -> list:
    return [e for e in clinic.audit.entries() if e.action == action]


def test_settings_are_on_the_menu_for_admins_only(qtbot, app):
    assert app.window.action_settings.isVisible()
    app.sign_in("nurse")
    assert not app.window.action_settings.isVisible()
    assert app.window.open_settings() is None


def test_bad_values_show_under_their_fields_go_once_fixed_and_nothing_partial_is_saved(
    qtbot, app, sqlite_clinic, tmp_path
):
    dialog = open_dialog(app)
    retype(qtbot, dialog, "clinic_name", "Harbor KAP")  # fine on its own
    retype(qtbot, dialog, "first_check_min", "forty")
    retype(qtbot, dialog, "gate_warn_sys", "170")  # above the hold level (160)
    retype(qtbot, dialog, "clinic_phone", "call us")
    retype(qtbot, dialog, "hr.medium_upper", "160")  # above the high limit (150)
    assert dialog.message("first_check_min") == "Enter a whole number."
    assert "below the hold (160)" in dialog.message("gate_warn_sys")
    assert "Digits" in dialog.message("clinic_phone")
    assert "must be below the high upper limit 150" in dialog.message("hr.medium_upper")
    assert dialog.message("clinic_name") == ""
    assert not dialog.save()
    assert dialog.isVisible()
    assert not (tmp_path / "settings.json").exists()
    assert audit(sqlite_clinic, "settings-change") == []
    assert sqlite_clinic.workflow.limit_overrides(None) == {}
    # fixed one by one: each message goes as soon as its field is right
    retype(qtbot, dialog, "first_check_min", "30")
    assert dialog.message("first_check_min") == ""
    assert "below the hold" in dialog.message("gate_warn_sys")  # the others stay
    retype(qtbot, dialog, "gate_warn_sys", "145")
    retype(qtbot, dialog, "clinic_phone", "(555) 010-4400")
    retype(qtbot, dialog, "hr.medium_upper", "110")
    assert not any(
        dialog.message(n)
        for n in ("first_check_min", "gate_warn_sys", "clinic_phone", "hr.medium_upper")
    )
    assert dialog.save()
    assert not dialog.isVisible()
    saved = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    assert (saved["clinic_name"], saved["first_check_min"], saved["gate_warn_sys"]) == (
        "Harbor KAP",
        30,
        145,
    )
    [entry] = audit(sqlite_clinic, "settings-change")
    assert entry.entity_id == "clinic_name,clinic_phone,first_check_min,gate_warn_sys"
    assert '"first_check_min":40' in entry.detail  # before → after
    [limit] = audit(sqlite_clinic, "limit-change")
    assert (limit.entity_id, limit.actor_id) == ("hr", app.services.access.current.id)
    assert '"scope":"clinic"' in limit.detail and '"old":120' in limit.detail
    assert sqlite_clinic.workflow.limit_overrides(None) == {(Parameter.HR, Bound.MEDIUM_UPPER): 110}


def test_the_clinic_limits_apply_to_sessions_opened_afterwards(qtbot, app, sqlite_clinic):
    open_bed = app.services.room.beds()[0]
    dialog = open_dialog(app)
    retype(qtbot, dialog, "spo2.medium_lower", "90")
    assert dialog.save()
    assert open_bed.alarms.limits.get(Parameter.SPO2).medium_lower == 92  # its own, as started
    later = sqlite_clinic.check_in(app.clock.now())
    app.sign_in("nurse")
    app.open(later)
    assert app.bed.session_id == later
    assert app.bed.alarms.limits.get(Parameter.SPO2).medium_lower == 90


def test_the_test_tone_plays_or_says_why_it_cannot(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    give_accounts(sqlite_clinic)
    give_admin(sqlite_clinic)
    loudspeaker = SilentSound()  # stands in for a working device
    with open_console(
        qtbot,
        sqlite_store,
        clock,
        tmp_path,
        "robin",
        before_window=lambda s: setattr(s, "sound", RoomSound(loudspeaker)),
    ) as app:
        dialog = open_dialog(app)
        dialog.test_button.click()
        assert dialog.test_result.text() == "A tone was played."
        assert loudspeaker.played == [Priority.MEDIUM]
        dialog.reject()
        app.window.show_sound_problem(NO_DEVICE)
        silent = RoomSound(SilentSound(problem=NO_DEVICE))
        other = SettingsDialog(app.services.clinic_settings, silent, app.window.acting_staff_id)
        qtbot.addWidget(other)
        assert other.sound_state.text() == "Alarm tones off — no audio device."
        other.test_button.click()
        assert other.test_result.text() == "Cannot play a tone: no audio device."


def test_the_volume_and_the_idle_lock_are_checked_and_used_at_once(qtbot, app):
    dialog = open_dialog(app)
    retype(qtbot, dialog, "alarm_volume", "0")
    retype(qtbot, dialog, "idle_lock_min", "500")
    assert "Between 5 % and 100 %" in dialog.message("alarm_volume")
    assert dialog.message("idle_lock_min") == "Between 1 and 120 minutes."
    assert not dialog.save()
    assert app.services.sound.output.volume == 0.5  # type: ignore[attr-defined]
    retype(qtbot, dialog, "alarm_volume", "80")
    retype(qtbot, dialog, "idle_lock_min", "5")
    assert dialog.message("alarm_volume") == dialog.message("idle_lock_min") == ""
    assert dialog.save()
    assert app.services.clinic_settings.current.alarm_volume == 0.8
    assert app.services.sound.output.volume == 0.8  # type: ignore[attr-defined]
    assert app.services.accounts.idle_timeout == timedelta(minutes=5)


def test_one_more_page_is_checked_and_saved_with_the_rest(qtbot, app, sqlite_clinic, tmp_path):
    dialog = open_dialog(app)
    interface = SettingsPage("Where results are sent.")
    interface.add_field("hl7_port", "HL7 port", "2575", whole_number)
    dialog.add_page("Interface", interface)
    assert dialog.tabs.tabText(dialog.tabs.count() - 1) == "Interface"
    retype(qtbot, dialog, "hl7_port", "70000")
    assert dialog.message("hl7_port") == "A port number between 1 and 65535."
    assert not dialog.save()
    assert dialog.tabs.currentWidget() is interface  # the page with the message comes forward
    retype(qtbot, dialog, "hl7_port", "2600")
    assert dialog.save()
    assert json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))["hl7_port"] == 2600
