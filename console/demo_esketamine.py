"""The demo's esketamine session: two days ago, discharged, its REMS monitoring form still due."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from console.clock import Clock
from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.lifecycle import SessionState
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter, VitalPoint
from console.store.database import Store
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.vitals_repository import VitalsRepository
from console.store.workflow_repository import WorkflowRepository

DEMO_CHART = "DEMO-1001"
DEMO_LOT = "ESK-24B117"
NURSE = "Jordan Lee, RN"
THERAPIST = "Alex Morgan"
#: (minutes after the dose, systolic, diastolic, mean): the cuff readings of the session
CUFF = (
    (-10, 124, 78, 93),
    (5, 138, 86, 103),
    (40, 142, 88, 106),
    (80, 130, 82, 98),
    (125, 122, 76, 91),
)


def seed_demo_esketamine(store: Store, clock: Clock) -> int | None:
    """Add the closed esketamine session of the demo patient (None when the demo lacks them)."""
    people = PeopleRepository(store)
    patient = people.patient_by_chart(DEMO_CHART)
    staff = {s.name: s for s in people.staff()}
    if patient is None or NURSE not in staff or THERAPIST not in staff:
        return None
    nurse, therapist = staff[NURSE].id, staff[THERAPIST].id
    rooms = people.rooms()
    day = clock.now().astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
    checked_in = day - timedelta(days=2)
    t0 = checked_in + timedelta(minutes=20)
    end = t0 + timedelta(minutes=130)
    sessions = SessionRepository(store)
    record = sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient.id,
        room_id=rooms[-1].id,
        therapist_id=therapist,
        medical_staff_id=nurse,
        at=checked_in,
        chair=1,
    )
    WorkflowRepository(store).save_predose(
        record.id,
        PreDoseChecks(
            False, False, False, False, True, True, "Sam Rivera", "5550102233", "partner", False
        ),
        nurse,
        checked_in + timedelta(minutes=2),
    )
    _vitals(VitalsRepository(store), record.id, checked_in, t0, end)
    steps = (
        (SessionState.CHECKED_IN, SessionState.BASELINE, checked_in + timedelta(minutes=3)),
        (SessionState.BASELINE, SessionState.MONITORING, t0),
        (SessionState.MONITORING, SessionState.RECOVERY, t0 + timedelta(minutes=90)),
    )
    for before, after, at in steps:
        sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=record.id,
            from_state=before,
            to_state=after,
            at=at,
            by_staff_id=nurse,
            t0=t0 if after is SessionState.MONITORING else None,
        )
    DoseRepository(store).add(
        DoseRecord(
            str(uuid.uuid4()),
            record.id,
            Drug.ESKETAMINE,
            Route.INTRANASAL,
            56,
            t0,
            nurse,
            t0,
            lot=DEMO_LOT,
            device_count=2,
        )
    )
    data = {
        "esketamine": True,
        "answers": {"vitals_stable": {"done": True, "by": nurse, "at": end.isoformat()}},
        "rems": {"total_minutes": 130, "ready_minutes": 95},
        "signature": {"name": NURSE, "meaning": "discharged by", "at": end.isoformat()},
    }
    DischargeRepository(store).sign(record.id, data, nurse, end)
    sessions.apply_transition(
        uid=str(uuid.uuid4()),
        session_id=record.id,
        from_state=SessionState.RECOVERY,
        to_state=SessionState.DISCHARGED,
        at=end,
        by_staff_id=nurse,
    )
    return record.id


def _vitals(
    vitals: VitalsRepository, session_id: int, start: datetime, t0: datetime, end: datetime
) -> None:
    """A reading of HR and SpO2 every 30 s, and the cuff readings above."""
    points: list[VitalPoint] = []
    at = start
    while at <= end:
        minute = (at - t0).total_seconds() / 60
        points.append(VitalPoint(Parameter.HR, 72 + (6 if 0 < minute < 60 else 0), at, "ivy"))
        points.append(VitalPoint(Parameter.SPO2, 97, at, "ivy"))
        at += timedelta(seconds=30)
    for offset, sbp, dbp, mean in CUFF:
        at = t0 + timedelta(minutes=offset)
        key = f"nibp:{sbp}/{dbp}/{mean}"
        for parameter, value in (
            (Parameter.NIBP_SYS, sbp),
            (Parameter.NIBP_DIA, dbp),
            (Parameter.NIBP_MEAN, mean),
        ):
            points.append(VitalPoint(parameter, value, at, "ivy", None, key))
    points.sort(key=lambda p: p.at)
    vitals.add_batch(session_id, points)
