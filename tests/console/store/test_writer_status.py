"""The writer's state reaches the GUI thread as signals: a banner while entries wait, and after."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime as dt
from datetime import timedelta, timezone

from console.domain.sessions import Observation, ObservationCategory
from console.domain.vitals import Parameter, VitalPoint
from console.services.store_status import StoreStatus
from console.store.spool import Spool
from console.store.writer import DurableWriter, EntryState, SaveObservation, SaveVitals, Targets


def note(session_id: int, author: int, at, text: str) -> SaveObservation:
    return SaveObservation(
        Observation(str(uuid.uuid4()), session_id, at, author, ObservationCategory.OTHER, text), at
    )


def test_a_locked_database_shows_a_banner_until_everything_is_stored(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    session_id = sqlite_clinic.check_in(clock.now())
    writer = DurableWriter(
        Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"), retry_s=0.2
    )
    status = StoreStatus(writer)
    problems: list[str] = []
    states: dict[str, EntryState] = {}
    status.problem.connect(problems.append)
    status.entryChanged.connect(states.__setitem__)
    writer.start()
    try:
        other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
        other.execute("BEGIN EXCLUSIVE")
        entry = note(session_id, sqlite_clinic.therapist.id, clock.now(), "waits")
        writer.write(entry)
        qtbot.waitUntil(lambda: states.get(entry.uid) is EntryState.SPOOLED, timeout=5000)
        assert problems and status.is_stored(entry.uid)  # spooled is durable: not "unstored"
        with qtbot.waitSignal(status.recovered, timeout=10000):
            other.rollback()
        other.close()
        assert states[entry.uid] is EntryState.STORED
    finally:
        writer.stop()


def test_a_set_aside_entry_stays_in_the_banner_when_the_database_returns(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    session_id = sqlite_clinic.check_in(clock.now())
    writer = DurableWriter(
        Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"), retry_s=0.2
    )
    status = StoreStatus(writer)
    problems: list[str] = []
    aside: list[str] = []
    status.problem.connect(problems.append)
    status.quarantined.connect(aside.append)
    writer.start()
    try:
        other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
        other.execute("BEGIN EXCLUSIVE")
        year_one = dt(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))
        bad = SaveVitals(session_id, (VitalPoint(Parameter.HR, 70, clock.now(), "ivy", year_one),))
        writer.write(bad)
        writer.write(note(session_id, sqlite_clinic.therapist.id, clock.now(), "after"))
        # the batch is refused at once (its time cannot be converted); the note waits
        qtbot.waitUntil(lambda: writer.pending == 1 and len(aside) == 1, timeout=5000)
        other.rollback()
        other.close()
        qtbot.waitUntil(lambda: writer.pending == 0, timeout=5000)
        qtbot.waitUntil(lambda: "set aside" in problems[-1], timeout=5000)
        assert not status.is_stored(bad.uid)
        assert [o.text for o in sqlite_clinic.sessions.observations(session_id)] == ["after"]
    finally:
        writer.stop()
