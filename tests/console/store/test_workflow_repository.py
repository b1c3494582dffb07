"""The dosing-workflow tables on SQLite and PostgreSQL: round trips, idempotence, limits in force."""

from __future__ import annotations

import uuid
from datetime import timedelta

from console.domain.alarms import AlarmBoard, AlarmCondition, Bound, Priority
from console.domain.events import AdverseEvent, Override, OverrideKind, RatingEntry, Severity
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter
from console.store.workflow_repository import WorkflowRepository


def test_predose_checks_round_trip_and_replace(clinic, store, clock):
    repo = WorkflowRepository(store)
    session_id = clinic.check_in(clock.now())
    first = PreDoseChecks(False, False, True, False, True, True)
    repo.save_predose(session_id, first, clinic.nurse.id, clock.now())
    assert repo.predose(session_id) == first
    second = PreDoseChecks(
        False, False, True, False, True, True, "Sam Lee", "5551234567", "partner"
    )
    repo.save_predose(session_id, second, clinic.nurse.id, clock.now())
    assert repo.predose(session_id) == second and repo.predose(session_id).ride_arranged


def test_overrides_ratings_and_adverse_events_are_stored_once(clinic, store, clock):
    repo = WorkflowRepository(store)
    session_id = clinic.check_in(clock.now())
    override = Override(
        str(uuid.uuid4()),
        session_id,
        OverrideKind.BP_GATE,
        "BP settled on repeat",
        clinic.nurse.id,
        clock.now(),
        {"baseline": "164/96"},
    )
    rating = RatingEntry(
        str(uuid.uuid4()), session_id, "moaas", 4, "", clock.now(), clinic.therapist.id
    )
    event = AdverseEvent(
        str(uuid.uuid4()),
        session_id,
        clock.now(),
        "nausea / vomiting",
        Severity.MODERATE,
        "ondansetron given",
        clinic.nurse.id,
        "ondansetron",
        4.0,
        "sublingual",
        clock.now() + timedelta(minutes=2),
    )
    for _ in range(2):
        repo.add_override(override)
        repo.add_rating(rating)
        repo.add_adverse_event(event)
    assert repo.overrides(session_id) == [override]
    assert repo.ratings(session_id) == [rating]
    assert repo.adverse_events(session_id) == [event]
    assert repo.adverse_events(session_id)[0].rescue_given


def test_alarm_events_and_limit_changes(clinic, store, clock):
    repo = WorkflowRepository(store)
    session_id = clinic.check_in(clock.now())
    board = AlarmBoard()
    condition = AlarmCondition("limit:nibp_sys", Priority.MEDIUM, "SBP 186 > 180")
    events = board.update([condition], clock.now())
    acknowledged = board.acknowledge(
        "limit:nibp_sys", clinic.nurse.id, clock.now() + timedelta(seconds=5)
    )
    assert acknowledged is not None
    repo.add_alarm_events(session_id, [*events, acknowledged])
    history = repo.alarm_history(session_id)
    assert [(h[1], h[3], h[4]) for h in history] == [
        ("raised", "SBP 186 > 180", None),
        ("acknowledged", "SBP 186 > 180", clinic.nurse.id),
    ]
    repo.add_limit_change(
        patient_id=None,
        parameter=Parameter.NIBP_SYS,
        bound=Bound.MEDIUM_UPPER,
        value=170,
        old_value=180,
        by_staff_id=clinic.nurse.id,
        at=clock.now(),
    )
    repo.add_limit_change(
        patient_id=None,
        parameter=Parameter.NIBP_SYS,
        bound=Bound.MEDIUM_UPPER,
        value=175,
        old_value=170,
        by_staff_id=clinic.nurse.id,
        at=clock.now() + timedelta(minutes=1),
    )
    repo.add_limit_change(
        patient_id=clinic.patient.id,
        parameter=Parameter.HR,
        bound=Bound.MEDIUM_LOWER,
        value=None,
        old_value=50,
        by_staff_id=clinic.nurse.id,
        at=clock.now(),
    )
    assert repo.limit_overrides(None) == {(Parameter.NIBP_SYS, Bound.MEDIUM_UPPER): 175}
    assert repo.limit_overrides(clinic.patient.id) == {(Parameter.HR, Bound.MEDIUM_LOWER): None}
