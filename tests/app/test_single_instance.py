"""One console per database, as real processes: a second start is refused and the first keeps its
data; the demo database survives a restart (and a kill); --demo-reset rebuilds it on purpose.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from main import EXIT_RUNNING
from tests.conftest import PROJECT

pytestmark = pytest.mark.slow


def environment(home: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "VIGIL_HOME": str(home)}


class Console:
    """``main.py --demo`` in a subprocess, driven through --script (JSON lines)."""

    def __init__(self, home: Path, *flags: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(PROJECT / "main.py"), *flags, "--no-simulator", "--script"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=environment(home),
            cwd=PROJECT,
        )
        self._selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self._selector.register(self.process.stdout, selectors.EVENT_READ)
        self._buffer = b""
        assert self.read(timeout=60).get("ready") is True

    def read(self, timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                raise TimeoutError(f"no answer (exit code {self.process.poll()})")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError(f"the console ended (exit code {self.process.wait()})")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        self.process.stdin.flush()
        return self.read()

    def kill(self) -> None:
        """A crash: no clean-up of any kind."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def second_start(home: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT / "main.py"), *flags, "--no-simulator"],
        check=False,
        capture_output=True,
        text=True,
        env=environment(home),
        cwd=PROJECT,
        timeout=60,
    )


def notes(home: Path, text: str) -> int:
    database = home / "data" / "vigil-demo.sqlite3"
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute(
            "select count(*) from observation where text = ?", (text,)
        ).fetchone()
    return int(count)


def sessions(home: Path) -> int:
    database = home / "data" / "vigil-demo.sqlite3"
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("select count(*) from session").fetchone()
    return int(count)


def write_note(console: Console, text: str) -> int:
    beds = console.ask(cmd="beds")["beds"]
    assert beds, "the demo has no open session"
    bed = beds[0]["session_id"]
    assert console.ask(cmd="show", bed=bed)["ok"] is True
    assert console.ask(cmd="note", text=text)["saved"] is True
    return int(bed)


def test_a_second_console_on_the_demo_database_is_refused_and_the_first_keeps_its_data(
    tmp_path: Path,
):
    first = Console(tmp_path, "--demo")
    try:
        bed = write_note(first, "resting, music on")
        refused = second_start(tmp_path, "--demo")
        assert refused.returncode == EXIT_RUNNING, refused.stderr
        assert "already open on this database" in refused.stderr
        assert "brought to the front" in refused.stderr  # the first window was raised
        # the first console goes on, over the same database (not rebuilt under it)
        assert notes(tmp_path, "resting, music on") == 1
        assert bed in [b["session_id"] for b in first.ask(cmd="beds")["beds"]]
        assert first.ask(cmd="note", text="second note")["saved"] is True
    finally:
        first.kill()
    assert notes(tmp_path, "second note") == 1


def test_the_demo_survives_a_kill_and_a_restart_and_demo_reset_rebuilds_it(tmp_path: Path):
    first = Console(tmp_path, "--demo")
    try:
        write_note(first, "kept across restarts")
        seeded = sessions(tmp_path)
    finally:
        first.kill()  # a crash never leaves the database locked
    again = Console(tmp_path, "--demo")
    try:
        assert notes(tmp_path, "kept across restarts") == 1
        assert sessions(tmp_path) == seeded, "a restart seeds nothing more into a kept demo"
        refused = second_start(tmp_path, "--demo-reset")  # not even a reset under a running one
        assert refused.returncode == EXIT_RUNNING
        assert notes(tmp_path, "kept across restarts") == 1
    finally:
        again.kill()
    fresh = Console(tmp_path, "--demo-reset")
    try:
        assert notes(tmp_path, "kept across restarts") == 0
        assert fresh.ask(cmd="beds")["beds"], "the rebuilt demo has its sessions"
    finally:
        fresh.kill()


def test_another_database_is_not_held_by_the_demo(tmp_path: Path):
    demo = Console(tmp_path, "--demo")
    try:
        other = Console(tmp_path, "--db", f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
        other.kill()
    finally:
        demo.kill()


def test_a_postgresql_console_is_keyed_on_the_url_and_its_rooms(tmp_path: Path):
    from console.instance_lock import InstanceLock, lock_path

    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    room_1, room_2 = lock_path(url, (1,)), lock_path(url, (2,))
    assert room_1 != room_2  # two rooms of one clinic database: two consoles
    assert lock_path(url, (2, 1)) == lock_path(url, (1, 2))
    assert lock_path(f"sqlite:///{tmp_path / 'a.sqlite3'}").parent == tmp_path
    held = InstanceLock(tmp_path / "console.lock")
    assert held.acquire()
    try:
        assert not InstanceLock(tmp_path / "console.lock").acquire()
    finally:
        held.release()
    again = InstanceLock(tmp_path / "console.lock")
    assert again.acquire()  # released: the next console may start
    again.release()
