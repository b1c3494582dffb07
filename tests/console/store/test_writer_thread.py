"""The writer's own thread: ``write`` returns at once; order, durability callbacks and close hold."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import timedelta

import pytest

from console.domain.sessions import Observation, ObservationCategory
from console.store.spool import Spool
from console.store.writer import DurableWriter, Outcome, SaveObservation, Targets


def note(session_id: int, author: int, at, text: str) -> SaveObservation:
    return SaveObservation(
        Observation(str(uuid.uuid4()), session_id, at, author, ObservationCategory.OTHER, text), at
    )


@pytest.fixture
def running(sqlite_store, tmp_path):
    writer = DurableWriter(
        Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"), retry_s=0.2
    )
    writer.start()
    yield writer
    writer.stop()


def test_writes_return_at_once_while_the_database_is_locked_and_land_in_order(
    sqlite_clinic, sqlite_store, clock, running
):
    session_id = sqlite_clinic.check_in(clock.now())
    other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    slowest = 0.0
    for i in range(20):
        clock.advance(timedelta(seconds=1))
        started = time.perf_counter()
        outcome = running.write(note(session_id, sqlite_clinic.therapist.id, clock.now(), f"{i}"))
        slowest = max(slowest, time.perf_counter() - started)
        assert outcome is Outcome.ACCEPTED
    assert slowest < 0.02  # the caller never waits on the database
    assert running.drain(10)
    assert running.pending == 20  # all in the spool meanwhile
    other.rollback()
    other.close()
    deadline = time.monotonic() + 10
    while running.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    texts = [o.text for o in sqlite_clinic.sessions.observations(session_id)]
    assert texts == [str(i) for i in range(20)]


def test_when_durable_calls_back_once_the_entries_before_it_are_committed_or_spooled(
    sqlite_clinic, sqlite_store, clock, running, tmp_path
):
    session_id = sqlite_clinic.check_in(clock.now())
    other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    called = threading.Event()
    seen: list[int] = []
    running.write(note(session_id, sqlite_clinic.therapist.id, clock.now(), "locked"))

    def durable() -> None:
        seen.append(len(Spool(tmp_path / "spool.jsonl").read()[0]))
        called.set()

    running.when_durable(durable)
    assert called.wait(5)
    assert seen == [1]  # it was in the fsynced spool when the callback ran
    other.rollback()
    other.close()
    done = threading.Event()
    running.when_durable(done.set)  # nothing outstanding: at once, on this thread
    assert done.is_set()


def test_closing_keeps_what_is_still_queued_in_the_spool(
    sqlite_clinic, sqlite_store, clock, tmp_path
):
    session_id = sqlite_clinic.check_in(clock.now())
    spool = tmp_path / "spool.jsonl"
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(spool))
    writer.start()
    other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    for i in range(5):
        writer.write(note(session_id, sqlite_clinic.therapist.id, clock.now(), f"{i}"))
    writer.stop(wait_s=0.1)
    other.rollback()
    other.close()
    again = DurableWriter(Targets.for_store(sqlite_store), Spool(spool))
    assert again.flush() == 0
    texts = [o.text for o in sqlite_clinic.sessions.observations(session_id)]
    assert texts == [str(i) for i in range(5)]
