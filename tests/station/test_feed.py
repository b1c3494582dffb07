"""The station's feed on the real PostgreSQL: notices per committed batch, reads of what changed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from console.clock import SystemClock
from console.domain.alarms import AlarmEvent, EventKind, Priority
from console.domain.lifecycle import SessionState
from console.domain.vitals import Parameter, VitalPoint
from console.station.feed import CHANNEL, StationFeed, listen_conninfo
from console.station.service import StationService
from console.store.database import Store
from console.store.station_repository import StationRepository
from tests.conftest import Clinic

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_clinic(postgres_url: str):
    store = Store.open(postgres_url)
    clinic = Clinic(store, SystemClock())
    yield clinic
    store.close()


def _points(now: datetime, spo2: float = 97) -> list[VitalPoint]:
    return [
        VitalPoint(Parameter.HR, 72, now, "masimo", device="/dev/a"),
        VitalPoint(Parameter.SPO2, spo2, now, "masimo", device="/dev/a"),
    ]


def test_a_batch_of_samples_sends_one_notice_naming_its_first_row(pg_clinic: Clinic, postgres_url):
    session_id = pg_clinic.check_in(datetime.now(UTC))
    with psycopg.connect(listen_conninfo(postgres_url), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        now = datetime.now(UTC)
        pg_clinic.vitals.add_batch(session_id, _points(now) * 5)  # ten rows, ten INSERTs
        notices = list(listener.notifies(timeout=1.0))
    payloads = [n.payload for n in notices if '"vitals"' in n.payload]
    assert len(payloads) == 1, payloads
    first = StationRepository(pg_clinic.store).samples_since(session_id, 0).points
    assert len(first) == 10


def test_the_station_service_follows_samples_alarms_and_discharge(
    pg_clinic: Clinic, postgres_url, qtbot
):
    now = datetime.now(UTC)
    session_id = pg_clinic.check_in(now - timedelta(minutes=5))
    feed = StationFeed(postgres_url)
    service = StationService(SystemClock(), feed)
    with qtbot.waitSignal(feed.connectionChanged, timeout=10_000):
        service.start()
    try:
        qtbot.waitUntil(lambda: service.bed(session_id) is not None, timeout=5000)
        with qtbot.waitSignal(service.bedChanged, timeout=5000):
            pg_clinic.vitals.add_batch(session_id, _points(datetime.now(UTC), 85))
        assert service.latest(session_id)[Parameter.SPO2].value == 85
        raised = AlarmEvent(
            EventKind.RAISED, 1, "limit:spo2:/dev/a", Priority.HIGH, "SpO2 85 < 90", now
        )
        with qtbot.waitSignal(service.alarmsChanged, timeout=5000):
            pg_clinic.workflow.add_alarm_events(session_id, [raised])
        assert [a.message for a in service.active_alarms()] == ["SpO2 85 < 90"]
        with qtbot.waitSignal(service.layoutChanged, timeout=5000):
            pg_clinic.sessions.apply_transition(
                uid=str(uuid.uuid4()),
                session_id=session_id,
                from_state=SessionState.CHECKED_IN,
                to_state=SessionState.ABORTED,
                at=datetime.now(UTC),
                by_staff_id=pg_clinic.nurse.id,
                reason="test",
            )
        assert service.bed(session_id) is None
        assert service.active_alarms() == ()
    finally:
        service.stop()


def test_alarms_raised_before_the_console_restarted_are_over(
    pg_clinic: Clinic, postgres_url, qtbot
):
    now = datetime.now(UTC)
    session_id = pg_clinic.check_in(now - timedelta(minutes=30))
    station = StationRepository(pg_clinic.store)
    station.beat("console-1", [pg_clinic.room.id], now, started_at=now - timedelta(minutes=20))
    old = AlarmEvent(
        EventKind.RAISED,
        1,
        "limit:hr:/dev/a",
        Priority.MEDIUM,
        "HR 125 > 120",
        now - timedelta(minutes=10),
    )
    pg_clinic.workflow.add_alarm_events(session_id, [old])
    feed = StationFeed(postgres_url)
    service = StationService(SystemClock(), feed)
    with qtbot.waitSignal(feed.connectionChanged, timeout=10_000):
        service.start()
    try:
        qtbot.waitUntil(lambda: service.bed(session_id) is not None, timeout=5000)
        assert [a.message for a in service.active_alarms()] == ["HR 125 > 120"]
        # the console is killed and started again: its new board no longer holds that alarm
        with qtbot.waitSignal(service.alarmsChanged, timeout=5000):
            station.beat("console-1", [pg_clinic.room.id], now, started_at=datetime.now(UTC))
        assert service.active_alarms() == ()
        assert service.alarms(session_id) == []
        again = AlarmEvent(
            EventKind.RAISED,
            1,
            "limit:hr:/dev/a",
            Priority.MEDIUM,
            "HR 126 > 120",
            datetime.now(UTC),
        )
        with qtbot.waitSignal(service.alarmsChanged, timeout=5000):
            pg_clinic.workflow.add_alarm_events(session_id, [again])
        assert [a.message for a in service.active_alarms()] == ["HR 126 > 120"]
    finally:
        service.stop()
