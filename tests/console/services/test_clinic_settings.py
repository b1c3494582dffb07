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
