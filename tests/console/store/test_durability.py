"""Nothing recorded is lost: a locked, read-only or failing database sends entries to the spool."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from console.domain.lifecycle import SessionState
from console.domain.sessions import Observation, ObservationCategory
from console.store.database import Store
from console.store.spool import Spool
from console.store.writer import DurableWriter, Outcome, SaveObservation, SaveTransition, Targets


def note(session_id: int, author: int, at, text: str) -> SaveObservation:
    return SaveObservation(
        Observation(str(uuid.uuid4()), session_id, at, author, ObservationCategory.OTHER, text), at
    )


@pytest.fixture
def locked(sqlite_store: Store):
    """Hold an exclusive lock on the SQLite file from another connection, like another program."""
    path = sqlite_store.engine.url.database
    other = sqlite3.connect(path, timeout=0)
    holder = {"connection": other}

    def lock() -> None:
        other.execute("BEGIN EXCLUSIVE")

    def unlock() -> None:
        other.rollback()

    holder["lock"], holder["unlock"] = lock, unlock
    yield holder
    other.close()


def test_entries_made_while_the_database_is_locked_wait_in_the_spool_in_order(
    sqlite_clinic, sqlite_store, clock, tmp_path: Path, locked
):
    session_id = sqlite_clinic.check_in(clock.now())
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"))
    author = sqlite_clinic.therapist.id
    assert writer.write(note(session_id, author, clock.now(), "before")) is Outcome.SAVED
    locked["lock"]()
    for i in range(3):
        clock.advance(timedelta(seconds=1))
        outcome = writer.write(note(session_id, author, clock.now(), f"locked {i}"))
        assert outcome is Outcome.QUEUED
    assert "locked" in writer.last_error
    assert writer.pending == 3
    locked["unlock"]()
    assert writer.flush() == 0
    texts = [o.text for o in sqlite_clinic.sessions.observations(session_id)]
    assert texts == ["before", "locked 0", "locked 1", "locked 2"]
    assert not (tmp_path / "spool.jsonl").exists()


def test_a_new_writer_after_a_kill_catches_up_from_the_spool(
    sqlite_clinic, sqlite_store, clock, tmp_path, locked
):
    session_id = sqlite_clinic.check_in(clock.now())
    spool_path = tmp_path / "spool.jsonl"
    first = DurableWriter(Targets.for_store(sqlite_store), Spool(spool_path))
    locked["lock"]()
    first.write(
        SaveTransition(
            str(uuid.uuid4()),
            session_id,
            SessionState.CHECKED_IN,
            SessionState.BASELINE,
            clock.now(),
            sqlite_clinic.nurse.id,
        )
    )
    first.write(note(session_id, sqlite_clinic.therapist.id, clock.now(), "kept"))
    with spool_path.open("a") as handle:
        handle.write('{"kind": "observation", "uid": "cut-sh')  # a line torn by a kill mid-write
    locked["unlock"]()
    del first
    second = DurableWriter(Targets.for_store(sqlite_store), Spool(spool_path))
    assert second.flush() == 0
    assert sqlite_clinic.sessions.get(session_id).state is SessionState.BASELINE
    assert [o.text for o in sqlite_clinic.sessions.observations(session_id)] == ["kept"]


def test_a_read_only_database_keeps_entries_in_the_spool(
    sqlite_clinic, sqlite_store, clock, tmp_path
):
    session_id = sqlite_clinic.check_in(clock.now())
    path = sqlite_store.engine.url.database
    read_only = Store.open(f"sqlite:///file:{path}?mode=ro&uri=true", migrate=False)
    writer = DurableWriter(Targets.for_store(read_only), Spool(tmp_path / "spool.jsonl"))
    assert (
        writer.write(note(session_id, sqlite_clinic.therapist.id, clock.now(), "ro"))
        is Outcome.QUEUED
    )
    assert "read-only" in writer.last_error
    read_only.close()
    assert (
        DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl")).flush() == 0
    )
    assert [o.text for o in sqlite_clinic.sessions.observations(session_id)] == ["ro"]


def test_a_database_server_that_is_gone_keeps_entries_in_the_spool(tmp_path, clock):
    # nothing listens on port 1: the connection is refused at once
    from console.store.engine import create_store_engine

    gone = Store(create_store_engine("postgresql+psycopg://postgres@127.0.0.1:1/test"))
    writer = DurableWriter(Targets.for_store(gone), Spool(tmp_path / "spool.jsonl"))
    assert writer.write(note(1, 1, clock.now(), "server down")) is Outcome.QUEUED
    assert "not answering" in writer.last_error
    assert Spool(tmp_path / "spool.jsonl").items()[0]["text"] == "server down"
    gone.close()


def test_alarm_events_wait_in_the_spool_while_the_database_is_locked(
    sqlite_clinic, sqlite_store, clock, tmp_path, locked
):
    from console.domain.alarms import AlarmBoard, AlarmCondition, Priority
    from console.store.writer import SaveAlarmEvents

    session_id = sqlite_clinic.check_in(clock.now())
    board = AlarmBoard()
    events = board.update(
        [AlarmCondition("limit:spo2", Priority.HIGH, "SpO2 86 < 88")], clock.now()
    )
    acknowledged = board.acknowledge(
        "limit:spo2", sqlite_clinic.nurse.id, clock.now() + timedelta(seconds=4)
    )
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"))
    locked["lock"]()
    assert writer.write(SaveAlarmEvents(session_id, (*events, acknowledged))) is Outcome.QUEUED
    locked["unlock"]()
    fresh = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"))
    assert fresh.flush() == 0
    history = sqlite_clinic.workflow.alarm_history(session_id)
    assert [(h[1], h[2], h[3], h[4]) for h in history] == [
        ("raised", "high", "SpO2 86 < 88", None),
        ("acknowledged", "high", "SpO2 86 < 88", sqlite_clinic.nurse.id),
    ]
