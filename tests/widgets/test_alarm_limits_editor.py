"""A patient's alarm limits for the session, through the real window: a nurse changes them from
the bed on screen; messages under the fields; all or nothing; audited; only that bed changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from console.domain.alarms import DEFAULT_LIMITS, Bound
from console.domain.vitals import Parameter
from console.errors import PermissionDenied
from devices.base import Reading
from tests.widgets.conftest import App, give_accounts, open_console
from widgets.alarm_limits_editor import PatientLimitsDialog


@pytest.fixture
def app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    """The nurse at the console, two sessions open, the first on screen."""
    give_accounts(sqlite_clinic)
    first = sqlite_clinic.check_in(clock.now() - timedelta(minutes=30))
    sqlite_clinic.check_in(clock.now() - timedelta(minutes=20))
    with open_console(qtbot, sqlite_store, clock, tmp_path, "nurse") as running:
        running.open(first)
        yield running


def open_editor(app: App) -> PatientLimitsDialog:
    action = app.window.action_limits
    assert action.isVisible() and action.isEnabled()
    action.trigger()
    [dialog] = app.window.findChildren(PatientLimitsDialog)
    assert dialog.isVisible() and dialog.bed is app.bed
    return dialog


def retype(qtbot, dialog: PatientLimitsDialog, name: str, text: str) -> None:
    edit = dialog.table.edits[name]
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def limit_changes(clinic) -> list:
    return [e for e in clinic.audit.entries() if e.action == "limit-change"]


def spo2(app: App, value: float) -> None:
    """A reading from the bed's oximeter."""
    reading = Reading(Parameter.SPO2, value, "%")
    app.bed.vitals.ingest("masimo", [reading], app.clock.now(), "/dev/ttySIM0")


def test_a_nurse_changes_this_patients_limits_with_messages_under_the_fields(
    qtbot, app, sqlite_clinic
):
    other = next(b for b in app.services.room.beds() if b is not app.bed)
    spo2(app, 91)
    assert [a.key for a in app.bed.alarms.active()] == ["limit:spo2@/dev/ttySIM0"]
    dialog = open_editor(app)
    assert dialog.table.edits["spo2.medium_lower"].text() == "92"
    retype(qtbot, dialog, "spo2.medium_lower", "85")  # below the high limit (88)
    retype(qtbot, dialog, "rr.high_upper", "lots")
    assert "must be above the high lower limit 88" in dialog.table.message("spo2.medium_lower")
    assert dialog.table.message("rr.high_upper").startswith("Enter a number")
    assert not dialog.save()
    assert app.bed.alarms.limits == DEFAULT_LIMITS  # nothing partial
    assert limit_changes(sqlite_clinic) == []
    retype(qtbot, dialog, "spo2.medium_lower", "90")
    assert dialog.table.message("spo2.medium_lower") == ""
    assert dialog.table.message("rr.high_upper") != ""  # still wrong
    retype(qtbot, dialog, "rr.high_upper", "")  # empty: no limit there
    assert dialog.table.message("rr.high_upper") == ""
    assert dialog.save()
    assert not dialog.isVisible()
    limits = app.bed.alarms.limits
    assert limits.get(Parameter.SPO2).medium_lower == 90
    assert limits.get(Parameter.RR).high_upper is None
    assert app.bed.alarms.active() == ()  # 91 is fine for this patient now
    assert other.alarms.limits == DEFAULT_LIMITS  # the other bed keeps its own
    assert sqlite_clinic.workflow.limit_overrides(None) == {}  # the clinic's are unchanged
    entries = {e.entity_id: e for e in limit_changes(sqlite_clinic)}
    assert set(entries) == {"spo2", "rr"}
    entry = entries["spo2"]
    assert entry.actor_id == sqlite_clinic.nurse.id
    assert f'"session_id":{app.bed.session_id}' in entry.detail
    assert '"old":92' in entry.detail and '"new":90' in entry.detail
    assert '"bound":"medium_lower"' in entry.detail


def test_a_therapist_has_no_limits_editor_and_the_service_refuses(qtbot, app):
    app.sign_in("therapist")
    assert not app.window.action_limits.isVisible()
    with pytest.raises(PermissionDenied):
        app.bed.alarms.change_limits(
            {(Parameter.HR, Bound.MEDIUM_UPPER): 125}, app.window.acting_staff_id()
        )
    assert app.bed.alarms.limits == DEFAULT_LIMITS


def test_without_a_bed_on_screen_the_editor_says_so(qtbot, app):
    app.window.show_overview()
    assert app.window.open_patient_limits() is None
    assert "Open a bed first" in app.window.statusBar().currentMessage()
