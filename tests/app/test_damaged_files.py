"""A damaged file never locks a clinic out: the real program starts, sets aside, and says so."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.errors import StoreUnavailable
from console.settings import AppPaths, Settings, load_settings_checked, save_settings
from console.store.database import Store
from console.store.quarantine import Quarantine
from console.store.spool import Spool
from tests.app.test_kill_and_resume import Program
from tests.conftest import PROJECT, Clinic


def start(home: Path) -> dict:
    """Start main.py over ``home`` (its own database), and return its first state report."""
    program = Program(home, f"sqlite:///{AppPaths.default(home).database}")
    try:
        return program.ask(cmd="state")
    finally:
        program.stop()


def make_clinic(home: Path, clock) -> tuple[Clinic, int]:
    store = Store.open(f"sqlite:///{AppPaths.default(home).database}")
    clinic = Clinic(store, clock)
    return clinic, clinic.check_in(clock.now())


def note_entry(session_id: int, author: int, text: str) -> dict:
    now = datetime.now(UTC).isoformat()
    return {
        "kind": "observation",
        "uid": str(uuid.uuid4()),
        "session_id": session_id,
        "at": now,
        "author_id": author,
        "category": "other",
        "text": text,
        "amends_uid": None,
        "recorded_at": now,
    }


@pytest.mark.slow
def test_bad_spool_lines_are_set_aside_and_the_console_starts(tmp_path, clock):
    home = tmp_path
    clinic, session_id = make_clinic(home, clock)
    url = f"sqlite:///{AppPaths.default(home).database}"
    spool = AppPaths.default(home).spool(url)
    spool.parent.mkdir(parents=True, exist_ok=True)
    good = note_entry(session_id, clinic.therapist.id, "kept through it all")
    with spool.open("wb") as handle:
        handle.write(b'{"kind": "observation", "uid": "x"}\n')  # valid JSON, wrong shape
        handle.write(b"[1, 2, 3]\n")  # a JSON array
        handle.write(b'{"kind": "teleport", "uid": "y"}\n')  # an unknown kind
        handle.write(b'{"kind": "observation", "text": "caf\xe9"}\n')  # not UTF-8
        handle.write(json.dumps(good).encode() + b"\n")
    state = start(home)
    assert state["screen"] != ""  # it started and answers
    assert "4 entries left by an earlier run could not be read" in state["banner"]
    assert [o.text for o in clinic.sessions.observations(session_id)] == ["kept through it all"]
    aside = Quarantine(spool.with_name(spool.stem + ".quarantine.jsonl")).entries()
    assert len(aside) == 4
    assert not spool.exists() or Spool(spool).read() == ([], [])
    clinic.store.close()


@pytest.mark.parametrize(
    ("written", "named"),
    [
        ({"scale_files": ["/nowhere/scales.json"]}, "scale_files"),
        ({"scale_files": [5]}, "scale_files"),
        ({"idle_lock_min": 1e30}, "idle_lock_min"),
    ],
)
def test_a_bad_setting_falls_back_to_its_default_and_says_so(tmp_path, written, named):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "night", **written}))
    settings, problems = load_settings_checked(path)
    assert settings == Settings(theme="night")
    assert len(problems) == 1 and named in problems[0] and "default" in problems[0]


@pytest.mark.slow
def test_the_console_starts_with_a_bad_settings_file_and_shows_it(tmp_path):
    settings = AppPaths.default(tmp_path).settings
    settings.parent.mkdir(parents=True)
    settings.write_text(
        json.dumps({"scale_files": ["/nowhere/scales.json"], "idle_lock_min": 1e30})
    )
    state = start(tmp_path)
    assert "scale_files" in state["banner"] and "idle_lock_min" in state["banner"]


@pytest.mark.parametrize(
    ("value", "fine"),
    [(0, False), (121, False), (True, False), ("10", False), (10.5, False), (1, True), (120, True)],
)
def test_every_number_setting_has_a_type_and_a_range(tmp_path, value, fine):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"idle_lock_min": value}))
    settings, problems = load_settings_checked(path)
    assert (settings.idle_lock_min == value) is fine and (problems == []) is fine


def test_a_zero_byte_database_is_refused_with_a_message(tmp_path):
    empty = tmp_path / "vigil.sqlite3"
    empty.touch()
    with pytest.raises(StoreUnavailable, match="0 bytes"):
        Store.open(f"sqlite:///{empty}")
    assert empty.stat().st_size == 0  # left as it was, not turned into an empty clinic


@pytest.mark.slow
def test_the_console_refuses_a_zero_byte_database_file_and_names_it(tmp_path):
    database = AppPaths.default(tmp_path).database
    database.parent.mkdir(parents=True)
    database.touch()
    finished = subprocess.run(
        [sys.executable, str(PROJECT / "main.py"), "--home", str(tmp_path), "--script"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=PROJECT,
        stdin=subprocess.DEVNULL,
    )
    assert finished.returncode == 2
    assert str(database) in finished.stderr and "0 bytes" in finished.stderr


def test_a_damaged_sqlite_file_is_found_at_start_and_named(tmp_path, clock):
    path = tmp_path / "vigil.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    clinic = Clinic(store, clock)
    for _ in range(30):
        clinic.check_in(clock.now())
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for at in range(page * 2, min(len(data), page * 6)):  # scribble over pages 3 to 6
        data[at] = 0xA5
    path.write_bytes(bytes(data))
    with pytest.raises(StoreUnavailable, match="damaged") as refused:
        Store.open(f"sqlite:///{path}", check=True)
    assert str(path) in str(refused.value)


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    path.write_bytes(b"this is a spreadsheet, not a database" * 200)
    with pytest.raises(StoreUnavailable, match="damaged") as refused:
        Store.open(f"sqlite:///{path}", check=True)
    assert str(path) in str(refused.value)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_files_are_readable_by_their_owner_only(tmp_path, clock):
    old = os.umask(0o022)  # a usual umask: files would be world-readable by default
    try:
        paths = AppPaths.default(tmp_path / "home")
        store = Store.open(f"sqlite:///{paths.database}")
        clinic = Clinic(store, clock)
        clinic.check_in(clock.now())
        spool = Spool(paths.spool(store.url))
        spool.append({"kind": "x"})
        save_settings(paths.settings, Settings())
        logged_to_file(paths)
        wal = paths.database.with_name(paths.database.name + "-wal")
        shm = paths.database.with_name(paths.database.name + "-shm")
        for file in (
            paths.database,
            wal,
            shm,
            spool.path,
            paths.settings,
            paths.data_dir / "vigil.log",
        ):
            assert mode(file) == 0o600, file
        for folder in (paths.data_dir, spool.path.parent, paths.config_dir):
            assert mode(folder) == 0o700, folder
        store.close()
    finally:
        os.umask(old)


def logged_to_file(paths: AppPaths) -> None:
    """Run main.py's logging set-up alone (pytest's own handlers set aside meanwhile)."""
    import logging

    import main

    root = logging.getLogger()
    kept = list(root.handlers)
    for handler in kept:
        root.removeHandler(handler)
    try:
        main.setup_logging(paths)
        logging.getLogger("vigil").info("a line in the log")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in kept:
            root.addHandler(handler)
    assert "a line in the log" in (paths.data_dir / "vigil.log").read_text()
