"""The real program, killed with SIGKILL mid-session, restarts with every entry and the right clock."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles

from console.clock import SystemClock
from console.domain.lifecycle import SessionState
from console.store.account_repository import AccountRepository
from console.store.database import Store
from tests.conftest import PROJECT, Clinic

RUNS = int(os.environ.get("VIGIL_KILL_RUNS", "20"))
PASSWORD = "correct horse 1"
CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)  # fast hashing for tests only


class Program:
    """main.py in a subprocess, driven through --script (JSON lines on stdin/stdout)."""

    def __init__(self, home: Path, db_url: str, *extra: str) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(PROJECT / "main.py"),
                "--home",
                str(home),
                "--db",
                db_url,
                "--script",
                *extra,
            ],
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
                raise TimeoutError(f"no answer from the program (exit code {self.process.poll()})")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError(f"the program ended (exit code {self.process.wait()})")
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
        assert self.process.returncode == -signal.SIGKILL
        self._close()

    def _close(self) -> None:
        self._selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._close()


def parse_duration(text: str) -> timedelta:
    hours, minutes, seconds = (int(p) for p in text.removeprefix("T+").split(":"))
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


@pytest.mark.slow
@pytest.mark.parametrize("run", range(RUNS))
def test_a_kill_loses_nothing_and_the_session_resumes(tmp_path: Path, run: int):
    db_url = f"sqlite:///{tmp_path / 'vigil.sqlite3'}"
    store = Store.open(db_url)
    clinic = Clinic(store, SystemClock())
    now = datetime.now(UTC)
    checked_in = now - timedelta(minutes=31, seconds=run)
    session_id = clinic.check_in(checked_in)
    for before, after, t0 in (
        (SessionState.CHECKED_IN, SessionState.BASELINE, None),
        (SessionState.BASELINE, SessionState.MONITORING, now - timedelta(minutes=20)),
    ):
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=session_id,
            from_state=before,
            to_state=after,
            at=now - timedelta(minutes=25),
            by_staff_id=clinic.nurse.id,
            t0=t0,
        )

    accounts = AccountRepository(store)
    accounts.give_account(clinic.therapist.id, "alex", CHEAP.hash(PASSWORD))
    accounts.give_account(clinic.nurse.id, "jordan", CHEAP.hash(PASSWORD))
    first = Program(tmp_path, db_url, "--session", str(session_id))
    try:
        assert first.ask(cmd="sign_in", user="alex", password=PASSWORD)["staff_id"] == (
            clinic.therapist.id
        )
        texts = [f"run {run} note {i}: {'ÄÖ ✓ ' * (i % 2)}calm" for i in range(5)]
        for text in texts:
            answer = first.ask(cmd="note", text=text)
            assert answer["saved"] is True, answer
        assert first.ask(cmd="next")["ok"] is True  # → recovery
        first.kill()  # at once, right after the last acknowledged entry
    finally:
        first.stop()

    second = Program(tmp_path, db_url)  # no --session: resumes the open session by itself
    try:
        asked = datetime.now(UTC)
        state = second.ask(cmd="state")
        answered = datetime.now(UTC)
    finally:
        second.stop()
    assert state["session_id"] == session_id
    # nobody signed in yet: the lock screen is up, and it shows the session clock
    assert state["screen"] == "locked"
    assert state["lock_clock"] == state["since_dose"]
    assert state["state"] == SessionState.RECOVERY.value
    assert state["notes"] == len(texts)
    assert [o.text for o in clinic.sessions.observations(session_id)] == [t.strip() for t in texts]
    transitions = clinic.sessions.transitions(session_id)
    assert transitions[-1].to_state is SessionState.RECOVERY
    shown = parse_duration(state["since_check_in"])
    # the clock shown was read between the question and the answer (whole seconds on screen)
    earliest, latest = asked - checked_in, answered - checked_in
    assert earliest - timedelta(seconds=2) <= shown <= latest + timedelta(seconds=2)
    assert abs(
        parse_duration(state["since_dose"]) - (shown - timedelta(minutes=11, seconds=run))
    ) <= timedelta(seconds=2)
    store.close()


def _dosed_in_chair(clinic: Clinic, patient_id: int, chair: int, now: datetime) -> int:
    record = clinic.sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient_id,
        room_id=clinic.room.id,
        therapist_id=clinic.therapist.id,
        medical_staff_id=clinic.nurse.id,
        at=now - timedelta(minutes=30),
        chair=chair,
    )
    for before, after, t0 in (
        (SessionState.CHECKED_IN, SessionState.BASELINE, None),
        (SessionState.BASELINE, SessionState.MONITORING, now - timedelta(minutes=20)),
    ):
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=record.id,
            from_state=before,
            to_state=after,
            at=now - timedelta(minutes=25),
            by_staff_id=clinic.nurse.id,
            t0=t0,
        )
    return record.id


def _devices_by_session(clinic: Clinic, session_ids: list[int]) -> dict[int, set[str]]:
    return {sid: {p.device for p in clinic.vitals.history(sid)} for sid in session_ids}


@pytest.mark.slow
def test_a_kill_with_three_beds_streaming_resumes_every_bed_with_its_monitor(
    tmp_path: Path, simulator
):
    from console.domain.people import PatientDraft

    db_url = f"sqlite:///{tmp_path / 'vigil.sqlite3'}"
    store = Store.open(db_url)
    clinic = Clinic(store, SystemClock())
    now = datetime.now(UTC)
    patients = [clinic.patient.id] + [
        clinic.people.add_patient(
            PatientDraft(name, f"MRN-{n}", datetime(1980, 1, n).date(), 70.0), now
        ).id
        for n, name in ((2, "K. L."), (3, "M. N."))
    ]
    sessions = [_dosed_in_chair(clinic, p, chair, now) for chair, p in enumerate(patients, 1)]
    AccountRepository(store).give_account(clinic.nurse.id, "jordan", CHEAP.hash(PASSWORD))
    ports = {
        sessions[0]: simulator("ivy", "--t0-offset-min", "20"),
        sessions[1]: simulator("masimo"),
        sessions[2]: simulator("nonin"),
    }
    protocols = {sessions[0]: "ivy", sessions[1]: "masimo", sessions[2]: "nonin"}

    first = Program(tmp_path, db_url)
    try:
        assert first.ask(cmd="sign_in", user="jordan", password=PASSWORD)["staff_id"]
        beds = first.ask(cmd="beds")["beds"]
        assert sorted(b["session_id"] for b in beds) == sorted(sessions)
        for sid in sessions:
            answer = first.ask(cmd="connect", bed=sid, protocol=protocols[sid], port=ports[sid])
            assert answer["ok"], answer
        notes = {sid: f"bed {sid}: resting, eyes closed" for sid in sessions}
        for sid, text in notes.items():
            assert first.ask(cmd="note", bed=sid, text=text)["saved"] is True
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # every monitor's readings reach its own patient
            if all(_devices_by_session(clinic, sessions).values()):
                break
            time.sleep(0.5)
        first.kill()
    finally:
        first.stop()
    stored_before = {sid: len(clinic.vitals.history(sid)) for sid in sessions}
    assert all(stored_before.values()), stored_before

    second = Program(tmp_path, db_url)
    try:
        beds = {b["session_id"]: b for b in second.ask(cmd="beds")["beds"]}
        deadline = time.monotonic() + 20
        grown = False
        while time.monotonic() < deadline and not grown:  # the monitors were reconnected
            time.sleep(0.5)
            grown = all(
                len(clinic.vitals.history(sid)) > stored_before[sid] + 2 for sid in sessions
            )
    finally:
        second.stop()
    assert sorted(beds) == sorted(sessions)
    for sid in sessions:
        assert beds[sid]["ports"] == [ports[sid]]
        assert beds[sid]["state"] == SessionState.MONITORING.value
        assert [o.text for o in clinic.sessions.observations(sid)] == [notes[sid]]
    assert grown, "the monitors did not resume after the restart"
    # every stored reading belongs to the patient whose monitor sent it
    assert _devices_by_session(clinic, sessions) == {sid: {ports[sid]} for sid in sessions}
    store.close()


@pytest.mark.slow
def test_a_kill_keeps_a_patients_own_alarm_limits_for_the_session(tmp_path: Path):
    from console.domain.people import PatientDraft

    db_url = f"sqlite:///{tmp_path / 'vigil.sqlite3'}"
    store = Store.open(db_url)
    clinic = Clinic(store, SystemClock())
    now = datetime.now(UTC)
    other_patient = clinic.people.add_patient(
        PatientDraft("K. L.", "MRN-2", datetime(1980, 1, 2).date(), 70.0), now
    )
    mine = _dosed_in_chair(clinic, clinic.patient.id, 1, now)
    other = _dosed_in_chair(clinic, other_patient.id, 2, now)
    AccountRepository(store).give_account(clinic.nurse.id, "jordan", CHEAP.hash(PASSWORD))

    first = Program(tmp_path, db_url)
    try:
        assert first.ask(cmd="sign_in", user="jordan", password=PASSWORD)["staff_id"]
        before = first.ask(cmd="limits", bed=mine)["limits"]
        answer = first.ask(
            cmd="limits", bed=mine, set={"hr.medium_upper": "130", "spo2.medium_lower": "90"}
        )
        assert answer["saved"] is True, answer
        set_here = answer["limits"]
        # the answer comes once the change is durable: kill at once
        first.kill()
    finally:
        first.stop()
    assert before["hr.medium_upper"] == 120 and before["spo2.medium_lower"] == 92
    assert set_here["hr.medium_upper"] == 130 and set_here["pr.medium_upper"] == 130  # PR follows
    assert set_here["spo2.medium_lower"] == 90

    second = Program(tmp_path, db_url)  # resumes both beds by itself
    try:
        resumed = second.ask(cmd="limits", bed=mine)
        untouched = second.ask(cmd="limits", bed=other)
    finally:
        second.stop()
    assert resumed["limits"] == set_here
    assert untouched["limits"] == before  # the other patient keeps the clinic's limits
    store.close()
