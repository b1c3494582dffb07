"""Two room consoles and the station as separate processes on the real PostgreSQL server."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from console.cli_audit import verify
from console.clock import SystemClock
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft
from console.station.feed import APPLICATION_NAME
from console.store.database import Store
from tests.conftest import PROJECT, Clinic

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class Process:
    """A test module run as a process, answering JSON lines on stdin/stdout."""

    def __init__(self, module: str, *args: str) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=PROJECT,
        )
        self._selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self._selector.register(self.process.stdout, selectors.EVENT_READ)
        self._buffer = b""
        assert self.read(timeout=30).get("ready") is True

    def read(self, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                raise TimeoutError(f"no answer (exit code {self.process.poll()})")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError(f"the process ended (exit code {self.process.wait()})")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        self.process.stdin.flush()
        return self.read()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} not seen within {timeout} s (last: {last})")


def _in_recovery(clinic: Clinic, room_id: int, chart: str) -> int:
    now = datetime.now(UTC)
    patient = clinic.people.add_patient(
        PatientDraft(f"P. {chart}", chart, date(1980, 1, 1), 70.0), now
    )
    record = clinic.sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient.id,
        room_id=room_id,
        therapist_id=clinic.therapist.id,
        medical_staff_id=clinic.nurse.id,
        at=now - timedelta(minutes=60),
        chair=1,
    )
    for before, after, t0 in (
        (SessionState.CHECKED_IN, SessionState.BASELINE, None),
        (SessionState.BASELINE, SessionState.MONITORING, now - timedelta(minutes=50)),
        (SessionState.MONITORING, SessionState.RECOVERY, None),
    ):
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=record.id,
            from_state=before,
            to_state=after,
            at=now - timedelta(minutes=55),
            by_staff_id=clinic.nurse.id,
            t0=t0,
        )
    return record.id


def test_two_rooms_reach_the_station_and_a_dead_console_or_connection_is_seen(
    postgres_url: str, tmp_path: Path
):
    store = Store.open(postgres_url)
    clinic = Clinic(store, SystemClock())
    second = clinic.people.add_room("Room 2")
    rooms = {
        clinic.room.id: _in_recovery(clinic, clinic.room.id, "A"),
        second.id: _in_recovery(clinic, second.id, "B"),
    }
    tag = f"vigil-room-{uuid.uuid4().hex[:8]}"
    console_url = f"{postgres_url}&application_name={tag}"
    consoles: dict[int, Process] = {}
    station: Process | None = None
    admin = create_engine(postgres_url)
    try:
        for room_id, session_id in rooms.items():
            home = tmp_path / f"room{room_id}"
            consoles[room_id] = Process(
                "tests.station.room_console",
                "--db",
                console_url,
                "--home",
                str(home),
                "--room",
                str(room_id),
                "--beat-ms",
                "500",
            )
            assert consoles[room_id].ask(cmd="beds")["beds"] == [session_id]
        station = Process(
            "tests.station.station_process", "--db", postgres_url, "--not-reporting-s", "3"
        )
        wait_for(lambda: station.ask(cmd="status")["state"] == "connected", 15, "connection")

        def tile(room_id: int) -> dict[str, Any]:
            assert station is not None
            return station.ask(cmd="bed", bed=rooms[room_id])

        # readings: each room's value reaches its own tile, never the other room's
        for room_id, spo2 in zip(rooms, (96, 93), strict=True):
            consoles[room_id].ask(cmd="vitals", bed=rooms[room_id], spo2=spo2, hr=61)
        for room_id, spo2 in zip(rooms, ("96", "93"), strict=True):
            wait_for(lambda r=room_id, s=spo2: tile(r)["spo2"] == s, 5, f"SpO2 {spo2}")
        for room_id in rooms:
            wait_for(lambda r=room_id: tile(r)["report"] == "", 5, "reporting")

        # an alarm in each room: the tile and the station's strip, with room and bed
        for room_id, session_id in rooms.items():
            consoles[room_id].ask(cmd="vitals", bed=session_id, spo2=80, hr=61)
        for room_id in rooms:
            shown = wait_for(
                lambda r=room_id: tile(r)["priority"] == "high" and tile(r), 8, "alarm"
            )
            assert "SpO2" in shown["alarm"]
        strip = tile(clinic.room.id)["strip"]
        assert any(t.startswith("!!! Room 1 · Chair 1 · P. A") for t in strip), strip
        assert any(t.startswith("!!! Room 2 · Chair 1 · P. B") for t in strip), strip

        # the server drops the station's and the consoles' connections: nothing is lost
        with admin.begin() as connection:
            dropped = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name IN (:station, :room)"
                ),
                {"station": APPLICATION_NAME, "room": tag},
            ).scalar()
        assert dropped and dropped >= 2
        for room_id, spo2 in zip(rooms, (91, 92), strict=True):
            consoles[room_id].ask(cmd="vitals", bed=rooms[room_id], spo2=spo2, hr=64)
        status = wait_for(
            lambda: (s := station.ask(cmd="status"))["state"] == "caught_up" and s, 15, "catch-up"
        )
        assert "lost" in status["history"], status
        assert status["message"].startswith("Reconnected at")
        for room_id, spo2 in zip(rooms, ("91", "92"), strict=True):
            wait_for(lambda r=room_id, s=spo2: tile(r)["spo2"] == s, 8, f"SpO2 {spo2} after")

        # a discharge in each room: the bed leaves the station
        for room_id in rooms:
            assert consoles[room_id].ask(
                cmd="discharge", bed=rooms[room_id], staff=clinic.nurse.id
            )["ok"]
        for room_id in rooms:
            wait_for(lambda r=room_id: tile(r)["open"] is False, 8, "discharge")

        # killing room 1's console: its room says "not reporting", room 2 does not
        third = _in_recovery(clinic, clinic.room.id, "C")
        fourth = _in_recovery(clinic, second.id, "D")
        wait_for(lambda: station.ask(cmd="bed", bed=third)["open"], 8, "new bed")
        wait_for(lambda: station.ask(cmd="bed", bed=fourth)["open"], 8, "new bed")
        killed_at = time.monotonic()
        consoles[clinic.room.id].kill()
        report = wait_for(lambda: station.ask(cmd="bed", bed=third)["report"], 10, "not reporting")
        assert time.monotonic() - killed_at <= 3 + 3  # the limit, plus one heartbeat and a check
        assert report.startswith("not reporting since ")
        assert station.ask(cmd="bed", bed=fourth)["report"] == ""

        # several consoles, one database: nothing crossed over, and the audit chain holds
        for session_id in rooms.values():
            assert {p.device for p in clinic.vitals.history(session_id)} == {
                f"/dev/test-{session_id}"
            }
        with store.engine.connect() as connection:
            keys = connection.execute(
                text("SELECT session_id, alarm_key FROM alarm_event WHERE alarm_key LIKE '%spo2%'")
            ).all()
        assert {sid for sid, _ in keys} == set(rooms.values())
        assert all(key.endswith(f"/dev/test-{sid}") for sid, key in keys), keys
        code, message = verify(store)
        assert code == 0, message
    finally:
        for process in [*consoles.values(), *([station] if station else [])]:
            process.stop()
        admin.dispose()
        store.close()
