"""B-station: the clinic station over PostgreSQL, 8 rooms × 4 beds at 1 Hz — reading → tile, CPU.

A writer process stands in for the 8 room consoles: one thread per room, each second a batch per
bed (HR, PR, SpO2, RR, EtCO2, temperature; one transaction each, as a console's vitals service
commits) and a heartbeat every 10 s, through the real repositories. The NOTIFY triggers of
migration 0011 tell the station; this process runs the real station (feed thread, service and
window, offscreen). Latency is a sample's host time (stamped just before its batch is written)
to the moment its tile shows it (after the window's own slot has redrawn the tile). CPU is
``time.process_time`` of this process over wall time after a warm-up. Runs in a schema of its own
on the PostgreSQL server (VIGIL_TEST_PG, default the tests' server), dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.ingest import percentile  # noqa: E402
from bench.room_replay import row  # noqa: E402

SERVER = os.environ.get("VIGIL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROOMS, BEDS = 8, 4
LATENCY_TARGET_S = 1.0
CPU_TARGET = 50.0
PARAMETERS = ("hr", "pr", "spo2", "rr", "etco2", "temp")
VALUES = {"hr": 72, "pr": 72, "spo2": 97, "rr": 14, "etco2": 36, "temp": 36.8}


def write(url: str, seconds: float, sessions: dict[int, list[int]]) -> None:
    """The room consoles: one thread per room, a batch per bed each second, a heartbeat each 10 s."""
    from console.domain.vitals import Parameter, VitalPoint
    from console.store.database import Store
    from console.store.station_repository import StationRepository
    from console.store.vitals_repository import VitalsRepository

    store = Store.open(url, migrate=False)
    vitals, station = VitalsRepository(store), StationRepository(store)
    end = time.monotonic() + seconds

    def room(room_id: int, beds: list[int]) -> None:
        tick = 0
        start = time.monotonic() + room_id / ROOMS  # the rooms spread over the second
        while time.monotonic() < end:
            if tick % 10 == 0:
                station.beat(f"bench-room-{room_id}", [room_id], datetime.now(UTC))
            for index, session_id in enumerate(beds):
                time.sleep(max(0.0, start + tick + index / (ROOMS * BEDS) - time.monotonic()))
                now = datetime.now(UTC)
                points = [
                    VitalPoint(
                        Parameter(p), VALUES[p] + tick % 3, now, "bench", device=f"/b{session_id}"
                    )
                    for p in PARAMETERS
                ]
                vitals.add_batch(session_id, points)
            tick += 1

    threads = [threading.Thread(target=room, args=item) for item in sessions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()


def seed(url: str) -> dict[int, list[int]]:
    """8 rooms of 4 dosed patients; returns room id → session ids."""
    from datetime import date

    from console.domain.lifecycle import SessionState
    from console.domain.people import PatientDraft, StaffRole
    from console.store.database import Store
    from console.store.repositories import PeopleRepository, SessionRepository

    store = Store.open(url)
    people, sessions = PeopleRepository(store), SessionRepository(store)
    nurse = people.add_staff("Bench Nurse", StaffRole.NURSE)
    now = datetime.now(UTC)
    found: dict[int, list[int]] = {}
    for r in range(ROOMS):
        room = people.add_room(f"Room {r + 1}")
        for chair in range(1, BEDS + 1):
            patient = people.add_patient(
                PatientDraft(f"P. {r}-{chair}", f"B-{r}-{chair}", date(1980, 1, 1), 70.0), now
            )
            record = sessions.check_in(
                uid=str(uuid.uuid4()),
                patient_id=patient.id,
                room_id=room.id,
                therapist_id=nurse.id,
                medical_staff_id=nurse.id,
                at=now - timedelta(minutes=30),
                chair=chair,
            )
            for before, after, t0 in (
                (SessionState.CHECKED_IN, SessionState.BASELINE, None),
                (SessionState.BASELINE, SessionState.MONITORING, now - timedelta(minutes=20)),
            ):
                sessions.apply_transition(
                    uid=str(uuid.uuid4()),
                    session_id=record.id,
                    from_state=before,
                    to_state=after,
                    at=now - timedelta(minutes=25),
                    by_staff_id=nurse.id,
                    t0=t0,
                )
            found.setdefault(room.id, []).append(record.id)
    store.close()
    return found


def measure(url: str, sessions: dict[int, list[int]], warm: float, steady: float) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.clock import SystemClock
    from console.station.feed import StationFeed
    from console.station.service import StationService
    from console.store.database import Store
    from console.store.review_repository import ReviewRepository
    from widgets.station_window import StationWindow
    from widgets.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app, "night")
    clock = SystemClock()
    store = Store.open(url, migrate=False)
    feed = StationFeed(url)
    service = StationService(clock, feed)
    window = StationWindow(service, clock, ReviewRepository(store).dossier, night=True)
    window.resize(1920, 1080)
    latencies: list[float] = []
    shown: dict[int, datetime] = {}
    state = {"measuring": False}

    def on_bed_changed(session_id: int) -> None:  # after the window's slot: the tile shows it
        latest = service.latest(session_id)
        if not latest or not state["measuring"]:
            return
        newest = max(p.at for p in latest.values())
        if shown.get(session_id) != newest:
            shown[session_id] = newest
            latencies.append((clock.now() - newest).total_seconds())

    service.bedChanged.connect(on_bed_changed)
    service.start()
    window.show()
    writer = subprocess.Popen(
        [sys.executable, __file__, "--writer", url, "--seconds", str(warm + steady + 2)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        text=True,
    )
    assert writer.stdin is not None
    writer.stdin.write(repr(sessions))
    writer.stdin.close()
    marks: dict[str, float] = {}

    def begin() -> None:
        state["measuring"] = True
        marks["cpu"], marks["wall"] = time.process_time(), time.monotonic()

    def finish() -> None:
        marks["cpu"] = time.process_time() - marks["cpu"]
        marks["wall"] = time.monotonic() - marks["wall"]
        state["measuring"] = False
        app.quit()

    QTimer.singleShot(int(warm * 1000), begin)
    QTimer.singleShot(int((warm + steady) * 1000), finish)
    app.exec()
    window.stop()
    service.stop()
    writer.wait(timeout=30)
    store.close()
    cpu = 100 * marks["cpu"] / marks["wall"]
    p95 = percentile(latencies, 95) if latencies else float("inf")
    print(
        f"B-station: clinic station, {ROOMS} rooms × {BEDS} beds at 1 Hz over PostgreSQL, "
        f"{marks['wall']:.0f} s steady after {warm:g} s warm-up ({app.platformName()})"
    )
    row("metric", "figure", "target", "verdict")
    row(
        "reading → station tile p95",
        f"{p95 * 1000:.0f} ms",
        f"≤ {LATENCY_TARGET_S * 1000:.0f} ms",
        "PASS" if p95 <= LATENCY_TARGET_S else "FAIL",
    )
    if latencies:
        row(
            f"   median / max of {len(latencies)} readings",
            f"{percentile(latencies, 50) * 1000:.0f}/{max(latencies) * 1000:.0f} ms",
        )
    row(
        "station steady CPU (feed thread + GUI)",
        f"{cpu:.1f} %",
        f"≤ {CPU_TARGET:g} %",
        "PASS" if cpu <= CPU_TARGET else "FAIL",
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writer", metavar="URL")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warm", type=float, default=5)
    args = parser.parse_args()
    if args.writer:
        import ast

        write(args.writer, args.seconds, ast.literal_eval(sys.stdin.read()))
        return 0
    admin = create_engine(SERVER, connect_args={"connect_timeout": 3})
    schema = f"bench_station_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # the server is not there: say so, do not fail the other benches
        print(f"B-station skipped: PostgreSQL at {SERVER} unreachable ({type(error).__name__})")
        return 0
    url = f"{SERVER}?options=-csearch_path%3D{schema}"
    try:
        sessions = seed(url)
        measure(url, sessions, args.warm, args.seconds)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
