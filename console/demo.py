"""Demo data for `make run`: a small clinic with a couples session in progress, in its own database."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from console.clock import Clock
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft, StaffRole
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter, VitalPoint
from console.store.account_repository import AccountRepository
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.vitals_repository import VitalsRepository
from console.store.workflow_repository import WorkflowRepository

if TYPE_CHECKING:
    from argon2 import PasswordHasher


def seed_demo(
    clock: Clock,
    people: PeopleRepository,
    sessions: SessionRepository,
    vitals: VitalsRepository | None = None,
    workflow: WorkflowRepository | None = None,
    accounts: AccountRepository | None = None,
) -> int | None:
    """Fill an empty demo database; returns the id of the session in progress, or None if not empty.

    With ``accounts`` the demo staff get accounts too (see ``demo_accounts``).
    """
    if people.staff():
        if accounts is not None:
            demo_accounts(people, accounts)  # a demo database from before accounts existed
        return None
    now = clock.now()
    therapist = people.add_staff("Alex Morgan", StaffRole.THERAPIST)
    people.add_staff("Sam Rivera", StaffRole.THERAPIST)
    nurse = people.add_staff("Jordan Lee, RN", StaffRole.NURSE)
    people.add_staff("Dr. Priya Nair", StaffRole.PHYSICIAN)
    people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    demo_pins(people)
    if accounts is not None:
        demo_accounts(people, accounts)
    room = people.add_room("Room 1")
    people.add_room("Room 2")
    patient = people.add_patient(PatientDraft("J. D.", "DEMO-1001", date(1986, 4, 12), 72.5), now)
    partner = people.add_patient(PatientDraft("M. K.", "DEMO-1002", date(1992, 9, 3), 64.0), now)
    record = _dosed_session(
        sessions, vitals, workflow, (patient.id, room.id, 1), (therapist.id, nurse.id), now
    )
    if vitals is not None:  # the full demo: a couples session, the partner in chair 2 dosed later
        _dosed_session(
            sessions,
            vitals,
            workflow,
            (partner.id, room.id, 2),
            (therapist.id, nurse.id),
            now,
            minutes_in=42,
            monitor="masimo",
        )
    return record


def _dosed_session(
    sessions: SessionRepository,
    vitals: VitalsRepository | None,
    workflow: WorkflowRepository | None,
    where: tuple[int, int, int],
    who: tuple[int, int],
    now: datetime,
    *,
    minutes_in: int = 55,
    monitor: str = "ivy",
) -> int:
    """A session checked in ``minutes_in`` ago, dosed 17 minutes after check-in."""
    (patient_id, room_id, chair), (therapist_id, nurse_id) = where, who
    checked_in = now - timedelta(minutes=minutes_in)
    record = sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient_id,
        room_id=room_id,
        therapist_id=therapist_id,
        medical_staff_id=nurse_id,
        at=checked_in,
        chair=chair,
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
            by_staff_id=nurse_id,
            t0=t0,
        )
    if vitals is not None:  # up to a minute ago: the live demo monitor carries on from there
        seed_demo_history(
            vitals,
            record.id,
            checked_in,
            checked_in + timedelta(minutes=17),
            now - HISTORY_GAP,
            monitor,
        )
    if workflow is not None:
        checks = PreDoseChecks(
            False, False, False, False, True, True, "Sam Rivera", "5550102233", "partner"
        )
        workflow.save_predose(record.id, checks, nurse_id, checked_in)
    return record.id


HISTORY_GAP = timedelta(seconds=70)  # the stored history ends this long before the demo starts


def seed_demo_history(
    vitals: VitalsRepository,
    session_id: int,
    checked_in: datetime,
    t0: datetime,
    until: datetime,
    source: str = "ivy",
) -> None:
    """Fill a demo session with its monitor's values from check-in until ``until`` (1 Hz, cuff
    every 5 min), under the monitor's own name.
    """
    from devices.simulator.physiology import vitals_at

    points: list[VitalPoint] = []
    second = 0
    at = checked_in
    while at < until:
        v = vitals_at((at - t0).total_seconds() / 60)
        points.append(VitalPoint(Parameter.HR, v.hr, at, source))
        if v.spo2 is not None:
            points.append(VitalPoint(Parameter.SPO2, v.spo2, at, source))
        points.append(VitalPoint(Parameter.RR, v.rr, at, source))
        points.append(VitalPoint(Parameter.ETCO2, v.etco2, at, source))
        if second % 300 == 0:
            key = f"nibp:{v.sbp}/{v.dbp}/{v.map}"
            points.append(VitalPoint(Parameter.NIBP_SYS, v.sbp, at, source, None, key))
            points.append(VitalPoint(Parameter.NIBP_DIA, v.dbp, at, source, None, key))
            points.append(VitalPoint(Parameter.NIBP_MEAN, v.map, at, source, None, key))
            points.append(VitalPoint(Parameter.TEMP, v.temp, at, "ivy"))
        second += 1
        at += timedelta(seconds=1)
    vitals.add_batch(session_id, points)


DEMO_PIN = "1234"  # every demo staff member signs with this PIN


def demo_pins(people: PeopleRepository) -> None:
    """Give every demo staff member the demo PIN, so signatures can be tried."""
    from console.services.signatures import hash_pin

    people.set_pin_hashes({member.id: hash_pin(DEMO_PIN) for member in people.staff()})


DEMO_PASSWORD = "vigil-demo-1"  # every demo account signs in (and signs) with this password
DEMO_ADMIN = ("Robin Hale", "admin")  # the demo's admin: name, user name
DEMO_SIGN_IN = "jordan"  # demo mode opens signed in as the nurse (all bedside records)
#: The demo staff's user names, by name (first names, lower case).
DEMO_USERNAMES = {
    "Alex Morgan": "alex",
    "Sam Rivera": "sam",
    "Jordan Lee, RN": "jordan",
    "Dr. Priya Nair": "priya",
    "Casey Brooks": "casey",
}


def demo_accounts(
    people: PeopleRepository, accounts: AccountRepository, hasher: PasswordHasher | None = None
) -> bool:
    """Give the demo staff accounts and add the demo admin, all with DEMO_PASSWORD.

    Does nothing (False) once any account exists, so it is safe on every demo start.
    """
    if accounts.has_accounts():
        return False
    from console.services.accounts import default_hasher

    # one hash for all: it is the same public demo password, and the demo starts faster
    password_hash = (hasher or default_hasher()).hash(DEMO_PASSWORD)
    for member in people.staff():
        username = DEMO_USERNAMES.get(member.name)
        if username is not None:
            accounts.give_account(member.id, username, password_hash)
    name, username = DEMO_ADMIN
    accounts.create(username, name, StaffRole.ADMIN, password_hash)
    return True
