"""One bad entry never poisons the rest: it is set aside, everything behind it is stored once."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime as dt
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from console.domain.alarms import AlarmBoard, AlarmCondition, Priority
from console.domain.sessions import Observation, ObservationCategory, validate_note
from console.domain.text import check_text
from console.domain.vitals import Parameter, VitalPoint
from console.store.database import Store
from console.store.quarantine import Quarantine
from console.store.spool import Spool
from console.store.vitals_repository import WaveformBlob
from console.store.writer import (
    DurableWriter,
    Outcome,
    SaveAlarmEvents,
    SaveObservation,
    SaveVitals,
    Targets,
)

YEAR_ONE = dt(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=23, minutes=59)))


def note(session_id: int, author: int, at: dt, text: str) -> SaveObservation:
    return SaveObservation(
        Observation(str(uuid.uuid4()), session_id, at, author, ObservationCategory.OTHER, text), at
    )


def reading(session_id: int, at: dt, value: float, device_time: dt | None = None) -> SaveVitals:
    return SaveVitals(
        session_id, (VitalPoint(Parameter.HR, value, at, "ivy", device_time, None, None, "pty"),)
    )


def quarantined(spool: Path) -> list[dict]:
    return Quarantine(spool.with_name(spool.stem + ".quarantine.jsonl")).entries()


@pytest.fixture
def lock(sqlite_store: Store):
    """Another connection (like another program) that can hold the SQLite file exclusively."""
    other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
    yield other
    other.close()


def test_a_year_one_device_time_is_set_aside_and_the_readings_behind_it_are_stored_once(
    sqlite_clinic, sqlite_store, clock, tmp_path, lock
):
    session_id = sqlite_clinic.check_in(clock.now())
    spool = tmp_path / "spool.jsonl"
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(spool))
    assert writer.write(reading(session_id, clock.now(), 70)) is Outcome.SAVED
    lock.execute("BEGIN EXCLUSIVE")  # the database briefly locked, as in the failure seen
    for i, device_time in enumerate((None, YEAR_ONE, None)):
        clock.advance(timedelta(milliseconds=500))
        assert writer.write(reading(session_id, clock.now(), 71 + i, device_time)) is (
            Outcome.QUEUED
        )
    writer.write(note(session_id, sqlite_clinic.therapist.id, clock.now(), "after the bad one"))
    lock.rollback()
    assert writer.flush() == 0
    values = [p.value for p in sqlite_clinic.vitals.history(session_id)]
    assert values == [70, 71, 73]  # the year-1 batch alone is set aside, nothing twice
    assert [o.text for o in sqlite_clinic.sessions.observations(session_id)] == [
        "after the bad one"
    ]
    aside = quarantined(spool)
    assert len(aside) == 1 and aside[0]["entry"]["points"][0][1] == 72
    assert "Overflow" in aside[0]["reason"]
    assert "set aside" in writer.notices[0] and str(spool.parent) in writer.notices[0]
    # a restart finds nothing waiting and stores nothing again
    again = DurableWriter(Targets.for_store(sqlite_store), Spool(spool))
    assert again.pending == 0 and again.flush() == 0
    assert len(sqlite_clinic.vitals.history(session_id)) == 3


def test_a_refused_entry_on_the_live_path_is_set_aside_at_once(
    sqlite_clinic, sqlite_store, clock, tmp_path
):
    session_id = sqlite_clinic.check_in(clock.now())
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"))
    bad = reading(session_id, clock.now(), 72, YEAR_ONE)
    assert writer.write(bad) is Outcome.REFUSED
    assert writer.write(reading(session_id, clock.now(), 73)) is Outcome.SAVED
    assert writer.pending == 0
    assert [p.value for p in sqlite_clinic.vitals.history(session_id)] == [73]


def test_an_entry_is_stored_whole_or_not_at_all(sqlite_clinic, sqlite_store, clock, tmp_path):
    session_id = sqlite_clinic.check_in(clock.now())
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"))
    points = tuple(
        VitalPoint(Parameter.HR, 60 + i, clock.now() + timedelta(seconds=i), "ivy")
        for i in range(5)
    )
    # the waveform names a session that does not exist: the database refuses it after the
    # five readings of the same batch went in, and none of them may stay
    broken = WaveformBlob(session_id + 99, "ecg", 250.0, clock.now(), b"\x00\x01" * 250)
    assert writer.write(SaveVitals(session_id, points, (broken,))) is Outcome.REFUSED
    assert sqlite_clinic.vitals.history(session_id) == []
    assert writer.write(SaveVitals(session_id, points)) is Outcome.SAVED
    assert len(sqlite_clinic.vitals.history(session_id)) == 5


def test_replaying_a_spool_whose_entries_were_stored_already_stores_nothing_twice(
    sqlite_clinic, sqlite_store, clock, tmp_path
):
    """A kill between the commit and the spool's rewrite leaves stored entries in the spool."""
    session_id = sqlite_clinic.check_in(clock.now())
    board = AlarmBoard()
    events = board.update(
        [AlarmCondition("limit:spo2", Priority.HIGH, "SpO2 86 < 88")], clock.now()
    )
    entries = [
        reading(session_id, clock.now(), 70),
        SaveVitals(
            session_id, (), (WaveformBlob(session_id, "pleth", 75.0, clock.now(), b"\x01\x00"),)
        ),
        SaveAlarmEvents(session_id, tuple(events)),
        note(session_id, sqlite_clinic.therapist.id, clock.now(), "once"),
    ]
    targets = Targets.for_store(sqlite_store)
    spool = Spool(tmp_path / "spool.jsonl")
    for entry in entries:
        entry.apply(targets)
        spool.append(entry.to_json())
    writer = DurableWriter(targets, spool)
    assert writer.pending == 4
    assert writer.flush() == 0
    assert [p.value for p in sqlite_clinic.vitals.history(session_id)] == [70]
    assert sqlite_clinic.vitals.waveform_seconds(session_id, "pleth") == 1
    assert len(sqlite_clinic.workflow.alarm_history(session_id)) == 1
    assert [o.text for o in sqlite_clinic.sessions.observations(session_id)] == ["once"]
    assert quarantined(tmp_path / "spool.jsonl") == []


def test_every_entry_carries_a_uid_through_the_spool(clock):
    batch = reading(1, clock.now(), 70)
    again = SaveVitals(1, batch.points)
    assert batch.uid != again.uid
    from console.store.writer import command_from_json

    assert command_from_json(json.loads(json.dumps(batch.to_json()))).uid == batch.uid


@pytest.mark.postgres
def test_a_nul_byte_on_postgresql_is_set_aside_and_the_next_note_is_stored(
    postgres_url, clock, tmp_path
):
    from tests.conftest import Clinic

    store = Store.open(postgres_url)
    try:
        clinic = Clinic(store, clock)
        session_id = clinic.check_in(clock.now())
        spool = tmp_path / "spool.jsonl"
        writer = DurableWriter(Targets.for_store(store), Spool(spool))
        author = clinic.therapist.id
        assert writer.write(note(session_id, author, clock.now(), "a\x00b")) is Outcome.REFUSED
        assert writer.write(note(session_id, author, clock.now(), "next")) is Outcome.SAVED
        assert [o.text for o in clinic.sessions.observations(session_id)] == ["next"]
        assert "NUL" in quarantined(spool)[0]["reason"]
        assert writer.pending == 0
    finally:
        store.close()


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc\x1b[2J", "line\u2028sep", "\x7f"])
def test_text_with_a_control_character_is_refused_beside_the_field(bad):
    errors = validate_note(bad)
    assert [e.field for e in errors] == ["text"]
    assert "control character" in errors[0].message


def test_newlines_and_tabs_are_kept():
    assert validate_note("first line\n\tindented") == []
    assert check_text("reason", "ok\r") != []  # a bare carriage return is not kept either
