"""Renders the clinic station with three rooms in the night theme to docs/station-night.png.

The data are real: a schema of its own on the PostgreSQL server (VIGIL_TEST_PG, default the
tests' server), filled through the repositories, read by the real station feed; dropped after.
Run: QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_station_screenshot.py
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from console.clock import SystemClock  # noqa: E402
from console.domain.alarms import AlarmEvent, EventKind, Priority  # noqa: E402
from console.domain.lifecycle import SessionState  # noqa: E402
from console.domain.people import PatientDraft, StaffRole  # noqa: E402
from console.domain.vitals import Parameter, VitalPoint  # noqa: E402
from console.station.feed import StationFeed  # noqa: E402
from console.station.service import StationOptions, StationService  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from console.store.review_repository import ReviewRepository  # noqa: E402
from console.store.station_repository import StationRepository  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402
from console.store.workflow_repository import WorkflowRepository  # noqa: E402
from widgets.station_window import StationWindow  # noqa: E402
from widgets.theme import apply_theme  # noqa: E402

SERVER = os.environ.get("VIGIL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OUT = ROOT / "docs" / "station-night.png"
SIZE = (1600, 1000)
# room → (name, chair, minutes since the dose or None, SpO2, HR, RR, BP)
ROOMS = {
    "Cedar": [
        ("A. Rivera", 1, 35, 97, 74, 14, (132, 84)),
        ("B. Chen", 2, 52, 88, 96, 11, (148, 92)),
        ("C. Okafor", 3, None, 99, 68, 15, (121, 78)),
    ],
    "Willow": [
        ("D. Novak", 1, 80, 96, 71, 13, (118, 76)),
        ("E. Haddad", 2, 20, 98, 82, 16, (139, 88)),
    ],
    "Juniper": [
        ("F. Lindqvist", 1, 64, 95, 66, 12, (126, 80)),
        ("G. Mensah", 4, 41, 97, 77, 14, (130, 86)),
    ],
}


def settle(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def seed(url: str) -> None:
    store = Store.open(url)
    people, sessions = PeopleRepository(store), SessionRepository(store)
    vitals, workflow = VitalsRepository(store), WorkflowRepository(store)
    station = StationRepository(store)
    nurse = people.add_staff("Jordan Lee", StaffRole.NURSE)
    now = datetime.now(UTC)
    for name, beds in ROOMS.items():
        room = people.add_room(name)
        for display, chair, dosed, spo2, hr, rr, (sys_bp, dia) in beds:
            patient = people.add_patient(
                PatientDraft(display, f"MRN-{uuid.uuid4().hex[:6]}", date(1984, 5, 2), 70.0), now
            )
            start = now - timedelta(minutes=(dosed or 0) + 15)
            record = sessions.check_in(
                uid=str(uuid.uuid4()),
                patient_id=patient.id,
                room_id=room.id,
                therapist_id=nurse.id,
                medical_staff_id=nurse.id,
                at=start,
                chair=chair,
            )
            steps = [(SessionState.CHECKED_IN, SessionState.BASELINE, None)]
            if dosed is not None:
                t0 = now - timedelta(minutes=dosed)
                steps.append((SessionState.BASELINE, SessionState.MONITORING, t0))
            for before, after, t0 in steps:
                sessions.apply_transition(
                    uid=str(uuid.uuid4()),
                    session_id=record.id,
                    from_state=before,
                    to_state=after,
                    at=start + timedelta(minutes=5),
                    by_staff_id=nurse.id,
                    t0=t0,
                )
            cuff = now - timedelta(minutes=6)
            vitals.add_batch(
                record.id,
                [
                    VitalPoint(Parameter.NIBP_SYS, sys_bp, cuff, "ivy", device="/dev/ttyUSB1"),
                    VitalPoint(Parameter.NIBP_DIA, dia, cuff, "ivy", device="/dev/ttyUSB1"),
                    VitalPoint(Parameter.HR, hr, now, "ivy", device="/dev/ttyUSB1"),
                    VitalPoint(Parameter.SPO2, spo2, now, "masimo", device="/dev/ttyUSB0"),
                    VitalPoint(Parameter.RR, rr, now, "ivy", device="/dev/ttyUSB1"),
                ],
            )
            if spo2 < 90:
                workflow.add_alarm_events(
                    record.id,
                    [
                        AlarmEvent(
                            EventKind.RAISED,
                            1,
                            "limit:spo2:/dev/ttyUSB0",
                            Priority.HIGH,
                            f"SpO2 {spo2} < 90",
                            now - timedelta(seconds=40),
                        )
                    ],
                )
        if name != "Juniper":
            station.beat(f"console-{name.lower()}", [room.id], now)
        else:  # this room's console stopped reporting four minutes ago
            with store.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO console_heartbeat (console_id, room_id, last_seen) "
                        "VALUES (:c, :r, now() - interval '4 minutes')"
                    ),
                    {"c": "console-juniper", "r": room.id},
                )
    store.close()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    admin = create_engine(SERVER)
    schema = f"shot_station_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{SERVER}?options=-csearch_path%3D{schema}"
    try:
        seed(url)
        apply_theme(app, "night")
        clock = SystemClock()
        store = Store.open(url, migrate=False)
        service = StationService(clock, StationFeed(url), StationOptions(night=True))
        window = StationWindow(service, clock, ReviewRepository(store).dossier, night=True)
        window.resize(*SIZE)
        service.start()
        window.show()
        deadline = time.monotonic() + 10
        while service.state == "connecting" and time.monotonic() < deadline:
            settle(app, 0.1)
        settle(app, 1.5)
        window.grab().save(str(OUT))
        print(f"wrote {OUT}")
        window.stop()
        service.stop()
        window.close()
        store.close()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
