"""A patient's own alarm limits for a session are stored whole, through the spool, once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from console.domain.alarms import Bound
from console.domain.vitals import Parameter
from console.store.commands import SaveSessionLimits, command_from_json
from console.store.database import Store
from console.store.engine import create_store_engine
from console.store.limits_repository import SessionLimit, SessionLimitsRepository
from console.store.quarantine import Quarantine
from console.store.spool import Spool
from console.store.writer import DurableWriter, Outcome, Targets

HR_UP = (Parameter.HR, Bound.MEDIUM_UPPER)
SPO2_LOW = (Parameter.SPO2, Bound.MEDIUM_LOWER)


@pytest.fixture
def gone(clock) -> Iterator[Store]:
    """A database server that is not there (nothing listens on port 1): every write is refused."""
    store = Store(create_store_engine("postgresql+psycopg://postgres@127.0.0.1:1/test"))
    yield store
    store.close()


def change(session_id: int, by: int, clock, *limits: SessionLimit) -> SaveSessionLimits:
    return SaveSessionLimits(session_id, limits, by, clock.now())


def test_each_change_comes_back_whole_and_in_order(clinic, store, clock):
    session_id = clinic.check_in(clock.now())
    other = clinic.check_in(clock.now())
    repo = SessionLimitsRepository(store)
    targets = Targets.for_store(store)
    nurse = clinic.nurse.id
    change(
        session_id,
        nurse,
        clock,
        SessionLimit(Parameter.HR, Bound.MEDIUM_UPPER, 130.0, 120.0),
        SessionLimit(Parameter.SPO2, Bound.MEDIUM_LOWER, 90.0, 92.0),
    ).apply(targets)
    clock.advance(timedelta(minutes=3))
    change(
        session_id, nurse, clock, SessionLimit(Parameter.SPO2, Bound.MEDIUM_LOWER, None, 90.0)
    ).apply(targets)
    assert repo.changes(session_id) == [{HR_UP: 130.0, SPO2_LOW: 90.0}, {SPO2_LOW: None}]
    assert repo.changes(other) == []


def test_a_change_made_while_the_database_is_down_is_spooled_and_replayed_once(
    clinic, store, clock, gone, tmp_path: Path
):
    session_id = clinic.check_in(clock.now())
    spool_path = tmp_path / "spool.jsonl"
    entry = change(
        session_id,
        clinic.nurse.id,
        clock,
        SessionLimit(Parameter.HR, Bound.MEDIUM_UPPER, 130.0, 120.0),
        SessionLimit(Parameter.PR, Bound.MEDIUM_UPPER, 120.0, 120.0),
    )
    assert DurableWriter(Targets.for_store(gone), Spool(spool_path)).write(entry) is Outcome.QUEUED
    [spooled] = Spool(spool_path).items()
    assert spooled["kind"] == "session_limits" and command_from_json(spooled) == entry
    # a kill between the commit and the spool's rewrite leaves the entry in the spool: replay twice
    Spool(spool_path).append(spooled)
    writer = DurableWriter(Targets.for_store(store), Spool(spool_path))
    assert writer.pending == 2
    assert writer.flush() == 0
    repo = SessionLimitsRepository(store)
    assert repo.changes(session_id) == [{HR_UP: 130.0, (Parameter.PR, Bound.MEDIUM_UPPER): 120.0}]
    assert entry.apply(Targets.for_store(store)) is None  # applied again: still stored once
    assert len(repo.changes(session_id)) == 1
    quarantine = Quarantine(spool_path.with_name("spool.quarantine.jsonl"))
    assert quarantine.entries() == []


@pytest.mark.parametrize("value", ['"high"', "true", "[1]"])
def test_a_spooled_change_of_the_wrong_shape_is_set_aside_not_stored(
    sqlite_clinic, sqlite_store, clock, tmp_path: Path, value: str
):
    session_id = sqlite_clinic.check_in(clock.now())
    spool_path = tmp_path / "spool.jsonl"
    good = change(
        session_id,
        sqlite_clinic.nurse.id,
        clock,
        SessionLimit(Parameter.HR, Bound.MEDIUM_UPPER, 130.0, 120.0),
    ).to_json()
    bad = json.loads(json.dumps(good).replace("130.0", value))
    bad["uid"] = "bad-one"
    Spool(spool_path).append_all([bad, good])
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(spool_path))
    assert writer.flush() == 0
    assert SessionLimitsRepository(sqlite_store).changes(session_id) == [{HR_UP: 130.0}]
    quarantine = Quarantine(spool_path.with_name("spool.quarantine.jsonl"))
    assert len(quarantine.entries()) == 1
