"""A device time that was not plausible is stored as a flag on the reading, and comes back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from console.domain.vitals import Parameter, VitalPoint
from console.store.commands import SaveVitals, command_from_json
from console.store.database import Store
from console.store.engine import create_store_engine
from console.store.migrate import alembic_config, upgrade_to_head
from console.store.spool import Spool
from console.store.vitals_repository import VitalsRepository
from console.store.writer import DurableWriter, Outcome, Targets


def points(at: datetime) -> tuple[VitalPoint, ...]:
    """A reading whose device said year 1 (dropped, flagged) and one whose device time held."""
    return (
        VitalPoint(Parameter.HR, 71, at, "ivy", None, None, None, "/dev/pts/3", True),
        VitalPoint(
            Parameter.SPO2, 97, at + timedelta(seconds=1), "ivy", at, None, None, "/dev/pts/3"
        ),
    )


def test_the_flag_is_stored_and_read_back(clinic, store, clock):
    session_id = clinic.check_in(clock.now())
    repo = VitalsRepository(store)
    repo.add_batch(session_id, points(clock.now()))
    history = repo.history(session_id)
    assert [(p.parameter, p.device_time_rejected) for p in history] == [
        (Parameter.HR, True),
        (Parameter.SPO2, False),
    ]
    assert history[0].device_time is None and history[1].device_time == clock.now()
    latest = repo.latest(session_id)
    assert latest[Parameter.HR].device_time_rejected is True
    assert latest[Parameter.SPO2].device_time_rejected is False
    assert repo.device_time_rejections(session_id) == [(clock.now(), "/dev/pts/3")]


def test_the_flag_survives_the_spool(clinic, store, clock, tmp_path: Path):
    session_id = clinic.check_in(clock.now())
    gone = Store(create_store_engine("postgresql+psycopg://postgres@127.0.0.1:1/test"))
    spool_path = tmp_path / "spool.jsonl"
    try:
        batch = SaveVitals(session_id, points(clock.now()))
        assert DurableWriter(Targets.for_store(gone), Spool(spool_path)).write(batch) is (
            Outcome.QUEUED
        )
    finally:
        gone.close()
    [spooled] = Spool(spool_path).items()
    assert command_from_json(spooled) == batch
    assert DurableWriter(Targets.for_store(store), Spool(spool_path)).flush() == 0
    stored = VitalsRepository(store).history(session_id)
    assert [p.device_time_rejected for p in stored] == [True, False]


def test_a_vitals_entry_spooled_by_an_older_version_reads_as_not_flagged(clock):
    at = clock.now().isoformat()
    older = {
        "kind": "vitals",
        "uid": "u-old",
        "session_id": 1,
        "points": [["hr", 70, at, "ivy", None, None, None, "/dev/pts/3"]],
        "waveforms": [],
    }
    entry = command_from_json(older)
    assert isinstance(entry, SaveVitals)
    assert entry.points[0].device_time_rejected is False


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


def test_samples_stored_before_the_flag_existed_read_as_not_flagged(engine: Engine):
    at = "2026-03-08 06:30:00+00:00"
    command.upgrade(alembic_config(engine), "0011")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO staff (id, name, role) VALUES (1, 'Old Hand', 'nurse')",
            "INSERT INTO room (id, name) VALUES (1, 'Room 1')",
            "INSERT INTO patient (id, display_name, chart_id, date_of_birth, weight_kg, created_at)"
            f" VALUES (1, 'J. D.', 'MRN-1', '1986-04-12', 72.5, '{at}')",
            "INSERT INTO session (id, uid, patient_id, room_id, therapist_id, checked_in_at, state)"
            f" VALUES (1, 'u-1', 1, 1, 1, '{at}', 'monitoring')",
            "INSERT INTO vital_sample (session_id, source, device, parameter, value, unit,"
            " host_time) VALUES (1, 'ivy', '/dev/pts/1', 'hr', 70, '/min', 1772951400000000)",
        ):
            connection.execute(text(statement))
    upgrade_to_head(engine)
    [point] = VitalsRepository(Store(engine)).history(1)
    assert point.at == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert point.device_time_rejected is False
    command.downgrade(alembic_config(engine), "0011")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT value FROM vital_sample")).scalar() == 70
