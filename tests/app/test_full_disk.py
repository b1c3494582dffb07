"""A full disk loses nothing silently: a banner, entries held in memory and retried, marked."""

from __future__ import annotations

import errno
import subprocess
import threading
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles

from console.clock import SystemClock
from console.domain.sessions import ObservationCategory
from console.domain.vitals import Parameter
from console.settings import Settings
from console.store.account_repository import AccountRepository
from console.store.database import Store
from console.store.writer import EntryState
from devices.base import Reading
from main import build_services
from tests.conftest import Clinic

PASSWORD = "correct horse 1"


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 2 MB filesystem (tmpfs) as the data folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a 2 MB tmpfs cannot be mounted here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the filesystem with one file; returns it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def wait_until(qtbot, condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        qtbot.wait(50)


@pytest.mark.slow
def test_a_full_disk_keeps_entries_in_memory_says_so_and_stores_them_once_space_is_freed(
    qtbot, small_disk
):
    clock = SystemClock()
    store = Store.open(f"sqlite:///{small_disk / 'vigil.sqlite3'}")
    clinic = Clinic(store, clock)
    session_id = clinic.check_in(clock.now())
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    AccountRepository(store).give_account(clinic.therapist.id, "therapist", cheap.hash(PASSWORD))
    services = build_services(store, clock, small_disk / "spool" / "spool.jsonl", Settings())
    services.writer.start()
    status = services.store_status
    assert status is not None
    problems: list[str] = []
    states: dict[str, EntryState] = {}
    services.sessions.storeProblem.connect(problems.append)  # what the window's banner shows
    status.entryChanged.connect(states.__setitem__)
    services.room.load()
    services.accounts.sign_in("therapist", PASSWORD)
    bed = services.room.beds()[0]
    try:
        filler = fill(small_disk)
        notes = []
        for i in range(30):
            bed.vitals.ingest("ivy", [Reading(Parameter.HR, 60.0 + i, "bpm")], clock.now(), "pty")
            bed.vitals.flush()
            if i < 20:  # no raw OSError reaches the form
                notes.append(
                    bed.session.add_note(
                        ObservationCategory.OTHER, f"n{i}", bed.record.therapist_id
                    )
                )
        assert services.writer.drain(20)
        wait_until(qtbot, lambda: any("disk is full" in p for p in problems))
        wait_until(qtbot, lambda: all(n.uid in states for n in notes))
        held = [n for n in notes if states[n.uid] is EntryState.HELD]
        stored_meanwhile = [n.text for n in clinic.sessions.observations(session_id)]
        # every note is either in the database or held and marked as not stored yet
        assert len(held) + len(stored_meanwhile) == 20 and held
        assert all(not status.is_stored(n.uid) for n in held)
        assert services.writer.pending >= len(held)
        durable = threading.Event()  # an MLLP ACK would wait on this: nothing is durable yet
        services.writer.when_durable(durable.set)
        qtbot.wait(500)
        assert not durable.is_set()

        filler.unlink()  # space is freed: the writer retries by itself
        assert durable.wait(20)
        wait_until(qtbot, lambda: services.writer.pending == 0)
        wait_until(qtbot, lambda: status.unstored == 0)
    finally:
        services.stop()
    assert [o.text for o in clinic.sessions.observations(session_id)] == [
        f"n{i}" for i in range(20)
    ]
    assert [p.value for p in clinic.vitals.history(session_id)] == [60.0 + i for i in range(30)]
    store.close()
