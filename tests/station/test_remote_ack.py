"""Acknowledging from the station: the room console that holds the bed applies it and audits it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from console.clock import SystemClock
from console.domain.people import StaffRole
from console.domain.vitals import Parameter
from console.settings import Settings
from console.station.remote_ack import StationAcknowledgements, room_acknowledger
from console.store.database import Store
from console.store.station_repository import StationRepository
from devices.base import Reading
from main import build_services
from tests.conftest import Clinic

pytestmark = pytest.mark.postgres


@pytest.fixture
def console(postgres_url: str, tmp_path: Path, qtbot):
    store = Store.open(postgres_url)
    clinic = Clinic(store, SystemClock())
    session_id = clinic.check_in(datetime.now(UTC) - timedelta(minutes=5))
    services = build_services(
        store, SystemClock(), tmp_path / "spool.jsonl", Settings(rooms=(clinic.room.id,))
    )
    services.room.load()
    bed = services.room.bed(session_id)
    assert bed is not None
    bed.vitals.ingest("masimo", [Reading(Parameter.SPO2, 80, "%")], datetime.now(UTC), "/dev/s")
    qtbot.waitUntil(lambda: bool(bed.alarms.active()), timeout=3000)
    acks = StationAcknowledgements(postgres_url, room_acknowledger(services.room))
    acks.start()
    qtbot.waitUntil(lambda: acks.listening, timeout=5000)
    yield clinic, bed, acks
    acks.stop()
    services.stop()
    store.close()


def _ack_audit(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT detail FROM audit_event WHERE action = 'alarm-ack' ORDER BY id")
        ).scalars()
        return [json.loads(r) for r in rows]


def test_the_console_acknowledges_and_the_audit_names_the_station_and_the_user(console, qtbot):
    clinic, bed, acks = console
    alarm = bed.alarms.active()[0]
    with qtbot.waitSignal(acks.handled, timeout=5000) as handled:
        StationRepository(clinic.store).request_acknowledge(
            bed.session_id, alarm.key, clinic.nurse.id, "station@desk"
        )
    assert handled.args[2] == "acknowledged from station@desk"
    assert bed.alarms.active()[0].acknowledged_by == clinic.nurse.id
    qtbot.waitUntil(lambda: bool(_ack_audit(clinic.store)), timeout=3000)
    assert _ack_audit(clinic.store)[-1]["via"] == "station@desk"


def test_a_request_from_someone_who_may_not_acknowledge_changes_nothing(console, qtbot):
    clinic, bed, acks = console
    supervisor = clinic.people.add_staff("Casey Supervisor", StaffRole.SUPERVISOR)
    alarm = bed.alarms.active()[0]
    with qtbot.waitSignal(acks.handled, timeout=5000) as handled:
        StationRepository(clinic.store).request_acknowledge(
            bed.session_id, alarm.key, supervisor.id, "station@desk"
        )
    assert "may not acknowledge alarms" in handled.args[2]
    assert bed.alarms.active()[0].acknowledged_by is None
