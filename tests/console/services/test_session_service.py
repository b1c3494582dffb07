"""The session service over a real SQLite store, observed through its signals."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from console.domain.lifecycle import SessionState
from console.domain.sessions import ObservationCategory
from console.errors import IllegalTransition, ValidationFailed
from console.services.clock import ClockService
from console.services.sessions import SessionService
from console.settings import Settings
from console.store.spool import Spool
from console.store.writer import DurableWriter


@pytest.fixture
def service(qtbot, sqlite_clinic, clock, tmp_path):
    writer = DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "spool.jsonl"))
    svc = SessionService(
        clock, sqlite_clinic.people, sqlite_clinic.sessions, sqlite_clinic.access(writer), writer
    )
    yield svc
    svc.deleteLater()


def test_a_whole_lifecycle_is_stored_with_who_and_when(qtbot, service, sqlite_clinic, clock):
    c = sqlite_clinic
    with qtbot.waitSignal(service.sessionChanged) as changed:
        record = service.check_in(c.patient.id, c.room.id, c.therapist.id, c.nurse.id)
        service.open(record.id)
    assert changed.args[0].state is SessionState.CHECKED_IN
    assert c.audit.count("create") == 1
    clock.advance(timedelta(minutes=5))
    service.transition(SessionState.BASELINE, c.nurse.id)
    clock.advance(timedelta(minutes=10))
    dose_at = clock.now() - timedelta(minutes=2)
    service.transition(SessionState.MONITORING, c.nurse.id, t0=dose_at)
    assert service.active.t0 == dose_at
    with pytest.raises(IllegalTransition, match="only to recovery"):
        service.transition(SessionState.DISCHARGED, c.nurse.id)
    stored = c.sessions.get(record.id)
    assert stored.state is SessionState.MONITORING and stored.t0 == dose_at
    assert [t.at for t in c.sessions.transitions(record.id)] == [
        clock.now() - timedelta(minutes=10),
        clock.now(),
    ]


def test_a_dose_time_in_the_future_is_refused(service, sqlite_clinic, clock):
    c = sqlite_clinic
    service.open(service.check_in(c.patient.id, c.room.id, c.therapist.id, None).id)
    service.transition(SessionState.BASELINE, c.nurse.id)
    with pytest.raises(IllegalTransition, match="future"):
        service.transition(
            SessionState.MONITORING, c.nurse.id, t0=clock.now() + timedelta(minutes=1)
        )
    assert c.sessions.get(service.active.id).state is SessionState.BASELINE


def test_notes_are_validated_and_stored(qtbot, service, sqlite_clinic):
    c = sqlite_clinic
    service.open(service.check_in(c.patient.id, c.room.id, c.therapist.id, None).id)
    with pytest.raises(ValidationFailed) as failed:
        service.add_note(ObservationCategory.AFFECT, "   ", c.therapist.id)
    assert failed.value.errors[0].field == "text"
    with qtbot.waitSignal(service.observationAdded) as added:
        service.add_note(ObservationCategory.NAUSEA, " mild nausea ", c.therapist.id)
    assert added.args[0].text == "mild nausea"
    assert [o.text for o in c.sessions.observations(service.active.id)] == ["mild nausea"]


def test_a_locked_database_is_reported_and_entries_are_saved_when_it_frees(
    qtbot, service, sqlite_clinic, sqlite_store
):
    c = sqlite_clinic
    record = service.check_in(c.patient.id, c.room.id, c.therapist.id, None)
    service.open(record.id)
    other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    with qtbot.waitSignal(service.storeProblem) as problem:
        service.add_note(ObservationCategory.OTHER, "during the lock", c.therapist.id)
    assert "locked" in problem.args[0]
    assert service.pending == 2  # the note and its audit entry
    assert [o.text for o in service.observations()] == ["during the lock"]  # still on screen
    other.rollback()
    other.close()
    with qtbot.waitSignal(service.storeRecovered, timeout=10_000):
        pass
    assert [o.text for o in c.sessions.observations(record.id)] == ["during the lock"]
    assert [e.entity for e in c.audit.entries()] == ["session", "observation"]
    assert c.audit.verify() == (2, None)


def test_the_clock_service_computes_from_stored_times(qtbot, sqlite_clinic, clock):
    c = sqlite_clinic
    session_id = c.check_in(clock.now() - timedelta(minutes=30))
    svc = ClockService(clock, c.sessions, Settings().schedule())
    svc.set_session(c.sessions.get(session_id))
    assert svc.face.since_check_in == "0:30:00"
    clock.advance(timedelta(hours=3))  # e.g. the machine slept: no ticks were counted
    with qtbot.waitSignal(svc.faceChanged) as face:
        svc.refresh()
    assert face.args[0].since_check_in == "3:30:00"
    svc.deleteLater()
