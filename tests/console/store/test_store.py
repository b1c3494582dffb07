"""Store tests: each runs on a SQLite file and on the PostgreSQL server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from console.domain.lifecycle import SessionState
from console.domain.sessions import Observation, ObservationCategory
from console.errors import IllegalTransition
from console.store.database import Store
from console.store.migrate import current_revision, head_revision

S = SessionState


def test_migrations_bring_a_new_database_to_head(store: Store):
    assert current_revision(store.engine) == head_revision()


def test_times_come_back_timezone_aware_in_utc(clinic):
    at = datetime(2026, 11, 21, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    session_id = clinic.check_in(at)
    record = clinic.sessions.get(session_id)
    assert record.checked_in_at == at
    assert record.checked_in_at.tzinfo is not None
    assert record.checked_in_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(clinic):
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="timezone-aware"):
        clinic.check_in(datetime(2026, 11, 21, 10, 0))


def test_every_transition_is_stored_with_who_when_and_t0(clinic, clock):
    session_id = clinic.check_in(clock.now())
    steps = [
        (S.CHECKED_IN, S.BASELINE, None, ""),
        (S.BASELINE, S.MONITORING, clock.now() + timedelta(minutes=9), ""),
        (S.MONITORING, S.ABORTED, None, "patient asked to stop"),
    ]
    for minutes, (before, after, t0, reason) in enumerate(steps, start=1):
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=session_id,
            from_state=before,
            to_state=after,
            at=clock.now() + timedelta(minutes=10 * minutes),
            by_staff_id=clinic.nurse.id,
            reason=reason,
            t0=t0,
        )
    record = clinic.sessions.get(session_id)
    assert record.state is S.ABORTED
    assert record.t0 == clock.now() + timedelta(minutes=9)
    assert record.closed_at == clock.now() + timedelta(minutes=30)
    stored = clinic.sessions.transitions(session_id)
    assert [(t.from_state, t.to_state) for t in stored] == [(b, a) for b, a, _, _ in steps]
    assert all(t.by_staff_id == clinic.nurse.id for t in stored)
    assert stored[-1].reason == "patient asked to stop"


def test_a_transition_from_a_stale_state_is_refused(clinic, clock):
    session_id = clinic.check_in(clock.now())
    with pytest.raises(IllegalTransition, match="changed elsewhere"):
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=session_id,
            from_state=S.BASELINE,
            to_state=S.MONITORING,
            at=clock.now(),
            by_staff_id=clinic.nurse.id,
        )
    assert clinic.sessions.get(session_id).state is S.CHECKED_IN


def test_saving_the_same_entry_twice_stores_it_once(clinic, clock):
    session_id = clinic.check_in(clock.now())
    note = Observation(
        str(uuid.uuid4()),
        session_id,
        clock.now(),
        clinic.therapist.id,
        ObservationCategory.AFFECT,
        "calm",
    )
    clinic.sessions.add_observation(note, clock.now())
    clinic.sessions.add_observation(note, clock.now())
    assert clinic.sessions.observations(session_id) == [note]
    uid = str(uuid.uuid4())
    for _ in range(2):
        clinic.sessions.apply_transition(
            uid=uid,
            session_id=session_id,
            from_state=S.CHECKED_IN,
            to_state=S.BASELINE,
            at=clock.now(),
            by_staff_id=clinic.nurse.id,
        )
    assert len(clinic.sessions.transitions(session_id)) == 1


def test_several_sessions_can_be_open_in_one_room(clinic, clock):
    first = clinic.check_in(clock.now())
    second = clinic.check_in(clock.now() + timedelta(minutes=5))
    open_ids = [r.id for r in clinic.sessions.open_sessions([clinic.room.id])]
    assert open_ids == [first, second]


def test_foreign_keys_are_enforced(store: Store):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO session (uid, patient_id, room_id, therapist_id, checked_in_at, state)"
                " VALUES ('x', 999, 999, 999, '2026-01-01 00:00:00', 'checked_in')"
            )
        )


def test_audit_events_are_appended(clinic, clock):
    clinic.audit.append(
        at=clock.now(), actor_id=clinic.nurse.id, action="x.y", entity="session", entity_id="1"
    )
    assert clinic.audit.count("x.y") == 1


def test_inactive_staff_are_not_offered_but_stay_on_record(clinic, store: Store):
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE staff SET active = false WHERE id = :i"), {"i": clinic.nurse.id}
        )
    assert [s.name for s in clinic.people.staff()] == ["Alex Morgan"]


def test_utc_is_what_the_database_holds(clinic, store: Store):
    at = datetime(2026, 11, 21, 15, 30, tzinfo=UTC)
    clinic.check_in(at)
    with store.engine.connect() as connection:
        raw = connection.execute(text("SELECT checked_in_at FROM session")).scalar_one()
    if isinstance(raw, str):  # SQLite keeps text
        assert raw.startswith("2026-11-21 15:30:00")
    else:
        assert raw == at


def test_history_before_a_moment_reads_only_what_arrived_earlier(clinic, clock):
    from console.domain.vitals import Parameter, VitalPoint

    session_id = clinic.check_in(clock.now())
    start = clock.now()
    points = [
        VitalPoint(Parameter.HR, 60 + i, start + timedelta(seconds=i), "ivy", device="/dev/pts/1")
        for i in range(10)
    ]
    clinic.vitals.add_batch(session_id, points)
    moment = start + timedelta(seconds=4, microseconds=500_000)
    before = clinic.vitals.history(session_id, before=moment)
    assert [p.value for p in before] == [60, 61, 62, 63, 64]
    assert clinic.vitals.history(session_id, before=start) == []
    assert len(clinic.vitals.history(session_id)) == 10


def test_trend_rows_carry_posix_seconds_and_the_source_id(clinic, clock):
    from console.domain.vitals import Parameter, VitalPoint

    session_id = clinic.check_in(clock.now())
    at = clock.now() + timedelta(seconds=1, microseconds=250_000)
    clinic.vitals.add_batch(
        session_id,
        [
            VitalPoint(Parameter.SPO2, 97, at, "masimo", device="/dev/ttyUSB1"),
            VitalPoint(Parameter.SPO2, 95, at + timedelta(seconds=1), "manual", entered_by_id=1),
        ],
    )
    rows = clinic.vitals.trend_rows(session_id)
    assert [(p, v, s) for p, v, _, s in rows] == [
        (Parameter.SPO2, 97, "/dev/ttyUSB1"),
        (Parameter.SPO2, 95, "manual"),
    ]
    assert abs(rows[0][2] - at.timestamp()) < 0.001
    assert abs(rows[1][2] - rows[0][2] - 1.0) < 0.001
