"""The station window on the real PostgreSQL: tiles by room, the alarm strip, reporting, detail."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from console.clock import SystemClock
from console.domain.alarms import AlarmEvent, EventKind, Priority
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft
from console.domain.sessions import Observation, ObservationCategory
from console.domain.vitals import Parameter, VitalPoint
from console.station.feed import StationFeed
from console.station.heartbeat import Heartbeat
from console.station.service import StationOptions, StationService
from console.store.database import Store
from console.store.review_repository import ReviewRepository
from tests.conftest import Clinic
from widgets.station_window import StationWindow

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_clinic(postgres_url: str):
    store = Store.open(postgres_url)
    clinic = Clinic(store, SystemClock())
    yield clinic
    store.close()


def _session(clinic: Clinic, room_id: int, chart: str, chair: int) -> int:
    patient = clinic.people.add_patient(
        PatientDraft(f"P. {chart}", chart, date(1980, 1, 1), 70.0), datetime.now(UTC)
    )
    return clinic.sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient.id,
        room_id=room_id,
        therapist_id=clinic.therapist.id,
        medical_staff_id=clinic.nurse.id,
        at=datetime.now(UTC) - timedelta(minutes=10),
        chair=chair,
    ).id


@pytest.fixture
def station(pg_clinic: Clinic, postgres_url: str, qtbot):
    clock = SystemClock()
    feed = StationFeed(postgres_url)
    service = StationService(clock, feed, StationOptions(not_reporting_after=timedelta(seconds=2)))
    window = StationWindow(service, clock, ReviewRepository(pg_clinic.store).dossier)
    qtbot.addWidget(window)
    yield service, window
    window.stop()
    service.stop()


def test_the_station_shows_each_room_its_beds_values_alarms_and_record(
    pg_clinic: Clinic, station, qtbot
):
    service, window = station
    second = pg_clinic.people.add_room("Room 2")
    one = _session(pg_clinic, pg_clinic.room.id, "MRN-A", 1)
    two = _session(pg_clinic, second.id, "MRN-B", 3)
    pg_clinic.sessions.add_observation(
        Observation(
            str(uuid.uuid4()),
            one,
            datetime.now(UTC),
            pg_clinic.nurse.id,
            ObservationCategory.AFFECT,
            "calm, talking",
        ),
        datetime.now(UTC),
    )
    with qtbot.waitSignal(service.statusChanged, timeout=10_000):
        service.start()
    window.show()
    qtbot.waitUntil(lambda: window.tile(one) is not None and window.tile(two) is not None)
    assert window.section(pg_clinic.room.id).title.text() == "Room 1"
    assert window.section(second.id).report.text() == "no console is reporting"

    now = datetime.now(UTC)
    pg_clinic.vitals.add_batch(one, [VitalPoint(Parameter.SPO2, 84, now, "masimo", device="/a")])
    qtbot.waitUntil(lambda: window.tile(one).numeric("spo2") == "84", timeout=3000)
    assert window.tile(two).numeric("spo2") == "—"  # never another room's value

    raised = AlarmEvent(EventKind.RAISED, 7, "limit:spo2:/a", Priority.HIGH, "SpO2 84 < 85", now)
    pg_clinic.workflow.add_alarm_events(one, [raised])
    qtbot.waitUntil(lambda: window.tile(one).priority == "high", timeout=3000)
    assert window.strip.shown_texts() == ["!!! Room 1 · Chair 1 · P. MRN-A — SpO2 84 < 85"]
    assert window.tile(two).priority == "none"

    detail = window.open_bed(one)
    assert detail is not None
    qtbot.waitUntil(lambda: detail.dossier is not None, timeout=5000)
    assert [detail.notes.item(i).text()[7:] for i in range(detail.notes.count())] == [
        "calm, talking"
    ]
    detail.close()

    pg_clinic.sessions.apply_transition(
        uid=str(uuid.uuid4()),
        session_id=two,
        from_state=SessionState.CHECKED_IN,
        to_state=SessionState.ABORTED,
        at=datetime.now(UTC),
        by_staff_id=pg_clinic.nurse.id,
        reason="left early",
    )
    qtbot.waitUntil(lambda: window.tile(two) is None, timeout=3000)
    assert window.section(second.id).empty.isVisibleTo(window)

    third = pg_clinic.people.add_room("Juniper")  # a room added while the station runs
    three = _session(pg_clinic, third.id, "MRN-J", 2)
    qtbot.waitUntil(lambda: window.tile(three) is not None, timeout=3000)
    assert window.section(third.id).title.text() == "Juniper"


def test_a_room_whose_console_stops_reporting_says_so_on_its_tiles(
    pg_clinic: Clinic, station, qtbot
):
    service, window = station
    session_id = _session(pg_clinic, pg_clinic.room.id, "MRN-C", 2)
    beat = Heartbeat(
        pg_clinic.store, SystemClock(), [pg_clinic.room.id], "test-console", interval_ms=300
    )
    beat.start()
    with qtbot.waitSignal(service.statusChanged, timeout=10_000):
        service.start()
    window.show()
    try:
        qtbot.waitUntil(lambda: window.tile(session_id) is not None, timeout=3000)
        qtbot.waitUntil(lambda: service.not_reporting(pg_clinic.room.id) is None, timeout=3000)
        assert window.tile(session_id).report.isHidden()
    finally:
        beat.stop()
    qtbot.waitUntil(lambda: not window.tile(session_id).report.isHidden(), timeout=5000)
    text = window.tile(session_id).report.full_text()
    assert text.startswith("not reporting since "), text
    assert window.section(pg_clinic.room.id).report.text() == text
