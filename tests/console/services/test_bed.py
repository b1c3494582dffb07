"""A bed over a real SQLite store: its parts serve its own session only, with the clinic's rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from console.domain.discharge import ItemId
from console.domain.doses import DoseDraft, Drug, Route
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter, VitalPoint
from console.settings import Settings
from console.store.account_repository import AccountRepository
from main import Services, build_services
from tests.widgets.conftest import _CHEAP, PASSWORD

CALM = {
    "schema": 1,
    "scales": [
        {
            "id": "clinic-agitation",
            "name": "Agitation",
            "description": "The clinic's own agitation rating.",
            "min": 0,
            "max": 10,
            "step": 1,
            "anchors": {"0": "calm", "10": "frantic"},
            "alarm_at_or_above": 8,
            "alarm_priority": "medium",
        }
    ],
}


@pytest.fixture
def room(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[Services]:
    c = sqlite_clinic
    AccountRepository(sqlite_store).give_account(c.nurse.id, "nurse", _CHEAP.hash(PASSWORD))
    scales = tmp_path / "clinic-scales.json"
    scales.write_text(json.dumps(CALM), encoding="utf-8")
    settings = Settings(scale_files=[str(scales)])
    services = build_services(sqlite_store, clock, Path(tmp_path / "spool.jsonl"), settings)
    services.room.load()
    services.accounts.sign_in("nurse", PASSWORD)
    second = c.people.add_patient(
        PatientDraft("K. L.", "MRN-2", c.patient.date_of_birth, 60.0), clock.now()
    )
    for chair, patient in ((1, c.patient.id), (2, second.id)):
        services.room.check_in(
            patient, c.room.id, chair, c.therapist.id, c.nurse.id, by_staff_id=c.nurse.id
        )
    services.start()
    yield services
    services.stop()


def test_a_clinic_scales_own_limit_raises_and_clears_an_alarm_on_that_bed_only(room, sqlite_clinic):
    one, two = room.room.beds()
    nurse = sqlite_clinic.nurse.id
    one.workflow.add_rating("clinic-agitation", "9", "pacing", nurse)
    [alarm] = one.alarms.active()
    assert alarm.key == "obs:clinic-agitation" and alarm.priority.value == "medium"
    assert "Agitation 9" in alarm.message
    assert two.alarms.active() == ()
    [shown] = room.room.active_alarms()
    assert (shown.session_id, shown.bed_label) == (one.session_id, one.label)
    one.workflow.add_rating("clinic-agitation", "3", "settled", nurse)
    assert one.alarms.active() == ()


def test_moaas_at_one_raises_a_high_alarm(room, sqlite_clinic):
    one, _ = room.room.beds()
    one.workflow.add_rating("moaas", "1", "", sqlite_clinic.nurse.id)
    assert [a.message for a in one.alarms.active()] == ["MOAA/S 1 ≤ 1"]
    assert one.alarms.active()[0].priority.value == "high"


def test_an_esketamine_dose_adds_the_rems_item_to_that_beds_discharge(room, sqlite_clinic, clock):
    one, two = room.room.beds()
    nurse = sqlite_clinic.nurse.id
    for bed in (one, two):
        bed.workflow.save_predose(
            PreDoseChecks(False, False, False, False, True, True, "Sam", "555 010 2233", "partner"),
            nurse,
        )
        bed.session.transition(SessionState.BASELINE, nurse)
        bed.vitals.record_manual(
            {
                Parameter.HR: "72",
                Parameter.NIBP_SYS: "120",
                Parameter.NIBP_DIA: "78",
                Parameter.SPO2: "98",
                Parameter.RR: "14",
            },
            nurse,
            confirmed=True,
        )
    clock.advance(timedelta(minutes=1))
    one.workflow.record_dose(
        DoseDraft(Drug.ESKETAMINE, Route.INTRANASAL, 56, clock.now(), lot="LOT-1", device_count=2),
        nurse,
    )
    state_one, state_two = one.discharge.state(), two.discharge.state()
    assert state_one is not None and state_two is not None
    assert ItemId.REMS_FACTS in {item.id for item in state_one.items}
    assert ItemId.REMS_FACTS not in {item.id for item in state_two.items}


def test_alarm_events_are_stored_under_the_bed_they_belong_to(room, sqlite_clinic, clock):
    one, two = room.room.beds()
    two.alarms.on_points([VitalPoint(Parameter.SPO2, 84, clock.now(), "manual")])
    one.alarms.on_points([VitalPoint(Parameter.SPO2, 97, clock.now(), "manual")])
    history_two = sqlite_clinic.workflow.alarm_history(two.session_id)
    assert history_two and all("SpO2 84" in str(row) for row in history_two)
    assert sqlite_clinic.workflow.alarm_history(one.session_id) == []


def test_an_occupied_chair_is_refused_naming_who_sits_in_it(room, sqlite_clinic, clock):
    from console.errors import ValidationFailed

    c = sqlite_clinic
    third = c.people.add_patient(
        PatientDraft("M. N.", "MRN-3", c.patient.date_of_birth, 60.0), clock.now()
    )
    before = len(c.sessions.open_sessions())
    with pytest.raises(ValidationFailed) as refused:
        room.room.check_in(third.id, c.room.id, 1, c.therapist.id, None, by_staff_id=c.nurse.id)
    [error] = refused.value.errors
    assert error.field == "chair" and "Chair 1" in error.message and "J. D." in error.message
    assert len(c.sessions.open_sessions()) == before  # nothing stored
    bed = room.room.check_in(third.id, c.room.id, 3, c.therapist.id, None, by_staff_id=c.nurse.id)
    assert bed.label == "Chair 3 · M. N." and len(room.room.beds()) == 3


def test_a_console_set_up_for_one_room_watches_only_that_rooms_beds(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    c = sqlite_clinic
    other = c.people.add_room("Room 2")
    here = c.check_in(clock.now())
    c.sessions.check_in(
        uid="elsewhere-1",
        patient_id=c.people.add_patient(
            PatientDraft("K. L.", "MRN-9", c.patient.date_of_birth, 60.0), clock.now()
        ).id,
        room_id=other.id,
        therapist_id=c.therapist.id,
        medical_staff_id=None,
        at=clock.now(),
        chair=1,
    )
    services = build_services(
        sqlite_store, clock, tmp_path / "spool.jsonl", Settings(rooms=(c.room.id,))
    )
    try:
        services.room.load()
        assert [b.session_id for b in services.room.beds()] == [here]
    finally:
        services.stop()


def test_a_patients_own_limits_come_back_when_the_bed_is_built_again(
    room, sqlite_clinic, sqlite_store, clock, tmp_path
):
    from console.domain.alarms import DEFAULT_LIMITS, Bound

    one, two = room.room.beds()
    nurse = sqlite_clinic.nurse.id
    one.alarms.change_limits(
        {(Parameter.HR, Bound.MEDIUM_UPPER): 130, (Parameter.SPO2, Bound.MEDIUM_LOWER): 90},
        nurse,
    )
    one.alarms.change_limits({(Parameter.SPO2, Bound.MEDIUM_LOWER): None}, nurse)
    expected = one.alarms.limits
    assert expected != DEFAULT_LIMITS
    room.stop()  # the console goes away; a new one is built over the same database
    again = build_services(sqlite_store, clock, Path(tmp_path / "spool-2.jsonl"), Settings())
    try:
        again.room.load()
        beds = {bed.session_id: bed for bed in again.room.beds()}
        resumed = beds[one.session_id]
        assert resumed.alarms.limits == expected
        assert resumed.alarms.limits.get(Parameter.PR) == expected.get(Parameter.PR)  # HR moved PR
        assert beds[two.session_id].alarms.limits == DEFAULT_LIMITS  # the other bed is untouched
        # the resumed limits are in force: HR 125 is within this patient's 130
        resumed.alarms.on_points([VitalPoint(Parameter.HR, 125, clock.now(), "manual")])
        resumed.alarms.on_points([VitalPoint(Parameter.SPO2, 91, clock.now(), "manual")])
        assert resumed.alarms.active() == ()
        beds[two.session_id].alarms.on_points(
            [VitalPoint(Parameter.HR, 125, clock.now(), "manual")]
        )
        assert [a.message for a in beds[two.session_id].alarms.active()] != []
    finally:
        again.stop()
