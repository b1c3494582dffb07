"""Clinic settings: an admin changes them (checked, saved, audited); others are refused."""

from __future__ import annotations

import pytest

from console.domain.people import StaffRole
from console.errors import PermissionDenied, ValidationFailed
from console.services.clinic_settings import ClinicSettings
from console.settings import Settings, load_settings
from console.store.spool import Spool
from console.store.writer import DurableWriter


@pytest.fixture
def rig(sqlite_clinic, tmp_path):
    access = sqlite_clinic.access(DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "s.jsonl")))
    admin = sqlite_clinic.people.add_staff("Robin Hale", StaffRole.ADMIN)
    return ClinicSettings(Settings(), tmp_path / "settings.json", access), admin.id


def test_an_admin_change_is_saved_and_audited_with_before_and_after(rig, sqlite_clinic, tmp_path):
    settings, admin = rig
    settings.update(admin, min_monitoring_min=150, clinic_name="Harbor KAP")
    assert load_settings(tmp_path / "settings.json").min_monitoring_min == 150
    [entry] = [e for e in sqlite_clinic.audit.entries() if e.action == "settings-change"]
    assert (entry.actor_id, entry.entity_id) == (admin, "clinic_name,min_monitoring_min")
    assert '"before":{"clinic_name":"","min_monitoring_min":120}' in entry.detail


def test_bad_or_personal_settings_are_refused_and_nothing_is_saved(rig, tmp_path):
    settings, admin = rig
    with pytest.raises(ValidationFailed) as failed:
        settings.update(admin, min_monitoring_min=20, theme="night")
    assert {(e.field, e.message) for e in failed.value.errors} == {
        ("min_monitoring_min", "Between 60 and 480 minutes."),
        ("theme", "This is not a clinic setting."),
    }
    assert not (tmp_path / "settings.json").exists()


def test_a_nurse_may_not_change_settings(rig, sqlite_clinic, tmp_path):
    settings, _ = rig
    with pytest.raises(PermissionDenied, match=r"Jordan Lee \(nurse\) may not change settings"):
        settings.update(sqlite_clinic.nurse.id, idle_lock_min=30)
    assert settings.current.idle_lock_min == 10


def limits_rig(sqlite_clinic, tmp_path, clock):
    access = sqlite_clinic.access(DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "l.jsonl")))
    admin = sqlite_clinic.people.add_staff("Robin Hale", StaffRole.ADMIN)
    settings = ClinicSettings(
        Settings(),
        tmp_path / "settings.json",
        access,
        limits=sqlite_clinic.workflow,
        clock=clock,
    )
    return settings, admin.id


def test_settings_and_clinic_limits_are_saved_together_or_not_at_all(
    sqlite_clinic, tmp_path, clock
):
    from console.domain.alarms import Bound
    from console.domain.vitals import Parameter

    settings, admin = limits_rig(sqlite_clinic, tmp_path, clock)
    bad_limit = {(Parameter.SPO2, Bound.MEDIUM_LOWER): 80.0}  # below the high limit (88)
    with pytest.raises(ValidationFailed) as failed:
        settings.update_all(admin, {"clinic_name": "Harbor KAP"}, bad_limit)
    assert [e.field for e in failed.value.errors] == ["spo2.medium_lower"]
    assert not (tmp_path / "settings.json").exists()
    assert sqlite_clinic.workflow.limit_overrides(None) == {}
    assert sqlite_clinic.audit.count("settings-change") == 0
    settings.update_all(
        admin, {"clinic_name": "Harbor KAP"}, {(Parameter.SPO2, Bound.MEDIUM_LOWER): 90.0}
    )
    assert load_settings(tmp_path / "settings.json").clinic_name == "Harbor KAP"
    assert settings.clinic_limits().get(Parameter.SPO2).medium_lower == 90
    assert sqlite_clinic.audit.count("limit-change") == 1


def test_the_gate_warning_must_stay_below_the_hold(rig):
    settings, admin = rig
    with pytest.raises(ValidationFailed) as failed:
        settings.update(admin, gate_hold_dia=85)  # the warning level is 90
    assert [(e.field, e.message) for e in failed.value.errors] == [
        ("gate_hold_dia", "The warning level (90) must be below the hold (85).")
    ]


def test_a_preference_is_kept_without_a_role_or_an_audit_entry_and_keeps_clinic_changes(
    rig, sqlite_clinic, tmp_path
):
    settings, admin = rig
    settings.update(admin, clinic_name="Harbor KAP")
    settings.remember(theme="night")
    saved = load_settings(tmp_path / "settings.json")
    assert (saved.theme, saved.clinic_name) == ("night", "Harbor KAP")
    assert sqlite_clinic.audit.count("settings-change") == 1
    with pytest.raises(ValueError):
        settings.remember(clinic_name="sneaky")
