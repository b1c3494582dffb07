"""Demo data for `make run`: a small clinic with one session in progress, in its own database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from console.clock import Clock
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft, StaffRole
from console.store.repositories import PeopleRepository, SessionRepository


def seed_demo(clock: Clock, people: PeopleRepository, sessions: SessionRepository) -> int | None:
    """Fill an empty demo database; returns the id of the session in progress, or None if not empty."""
    if people.staff():
        return None
    now = clock.now()
    therapist = people.add_staff("Alex Morgan", StaffRole.THERAPIST)
    people.add_staff("Sam Rivera", StaffRole.THERAPIST)
    nurse = people.add_staff("Jordan Lee, RN", StaffRole.NURSE)
    people.add_staff("Dr. Priya Nair", StaffRole.PHYSICIAN)
    people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    room = people.add_room("Room 1")
    people.add_room("Room 2")
    patient = people.add_patient(PatientDraft("J. D.", "DEMO-1001", date(1986, 4, 12), 72.5), now)
    people.add_patient(PatientDraft("M. K.", "DEMO-1002", date(1992, 9, 3), 64.0), now)
    checked_in = now - timedelta(minutes=55)
    record = sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient.id,
        room_id=room.id,
        therapist_id=therapist.id,
        medical_staff_id=nurse.id,
        at=checked_in,
    )
    steps = [
        (SessionState.CHECKED_IN, SessionState.BASELINE, checked_in + timedelta(minutes=3), None),
        (
            SessionState.BASELINE,
            SessionState.MONITORING,
            checked_in + timedelta(minutes=17),
            checked_in + timedelta(minutes=17),
        ),
    ]
    for before, after, at, t0 in steps:
        sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=record.id,
            from_state=before,
            to_state=after,
            at=at,
            by_staff_id=nurse.id,
            t0=t0,
        )
    return record.id
