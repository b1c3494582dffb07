"""Acknowledged HL7 readings lost when the console is SIGKILLed N times (target 0).

A sender process-side MLLP client sends an ORU^R01 about 15 times a second and resends every
message it has not seen acknowledged; the console (the real pipeline: MLLP listener, device
manager, room, bed, durable writer on a SQLite file) runs in another process and is killed with
SIGKILL at random moments, then restarted (it reconnects the monitor bound to the open session).
At the end every message answered AA must have its reading in the database.

    python bench/b_ack_kills.py [--kills N]        the figure (N = 50 by default)
    python bench/b_ack_kills.py --serve HOME PORT   the console side (run by the above)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RATE_HZ = 15.0
ACK_TIMEOUT_S = 2.0
BASE = datetime(2026, 1, 1, tzinfo=UTC)  # message n carries the device time BASE + n seconds


def message(n: int) -> bytes:
    """One framed ORU^R01 with one heart rate stamped BASE + n seconds (control id M<n>)."""
    stamp = (BASE + timedelta(seconds=n)).strftime("%Y%m%d%H%M%S+0000")
    text = (
        f"MSH|^~\\&|BENCH|WARD|VIGIL|VIGIL|{stamp}||ORU^R01^ORU_R01|M{n}|P|2.6\r"
        f"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|{60 + n % 40}|/min|||||R|||{stamp}\r"
    )
    return b"\x0b" + text.encode() + b"\x1c\r"


# ---------------------------------------------------------------- the console side (child)


def serve(home: Path, port: int) -> None:
    """The console's device pipeline on ``home``/vigil.sqlite3; prints "ready" once listening."""
    from PySide6.QtCore import QCoreApplication, QTimer

    from console.clock import SystemClock
    from console.domain.people import PatientDraft, StaffRole
    from console.services.devices import DeviceSpec
    from console.settings import Settings
    from console.store.database import Store
    from console.store.repositories import PeopleRepository
    from devices.reader import ReaderState
    from main import build_services

    app = QCoreApplication.instance() or QCoreApplication([])
    store = Store.open(f"sqlite:///{home / 'vigil.sqlite3'}")
    services = build_services(store, SystemClock(), home / "spool.jsonl", Settings())
    services.room.load()  # after a kill: the open session's bed, its monitor listening again
    if not services.room.beds():
        people = PeopleRepository(store)
        therapist = people.add_staff("Alex Morgan", StaffRole.THERAPIST)
        nurse = people.add_staff("Jordan Lee", StaffRole.NURSE)
        room = people.add_room("Room 1")
        patient = people.add_patient(
            PatientDraft("J. D.", "MRN-1", datetime(1986, 4, 12).date(), 72.5),
            datetime.now(UTC),
        )
        bed = services.room.check_in(
            patient.id, room.id, 1, therapist.id, nurse.id, by_staff_id=therapist.id
        )
        services.devices.connect_device(
            DeviceSpec("hl7", f"mllp://127.0.0.1:{port}"), bed.session_id, nurse.id
        )
    services.room.start()
    port_name = f"mllp://127.0.0.1:{port}"

    def announce() -> None:
        status = services.devices.status(port_name)
        if status is not None and status.state in (ReaderState.LISTENING, ReaderState.CONNECTED):
            print("ready", flush=True)
            poll.stop()

    poll = QTimer()
    poll.timeout.connect(announce)
    poll.start(20)
    app.exec()


# ---------------------------------------------------------------- the sender and the killer


@dataclass
class Sender:
    """A real MLLP client: sends message n until it sees MSA|AA for it, then n + 1."""

    port: int
    acknowledged: list[int] = field(default_factory=list)
    resent: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        n = 0
        sock: socket.socket | None = None
        buffer = b""
        while not self._stop.is_set():
            if sock is None:
                try:
                    sock = socket.create_connection(("127.0.0.1", self.port), timeout=0.5)
                    sock.settimeout(ACK_TIMEOUT_S)
                    buffer = b""
                except OSError:
                    time.sleep(0.05)
                    continue
            try:
                sock.sendall(message(n))
                while b"\x1c\r" not in buffer:
                    chunk = sock.recv(4096)
                    if not chunk:
                        raise ConnectionError("closed")
                    buffer += chunk
                ack, buffer = buffer.split(b"\x1c\r", 1)
            except OSError:  # a timeout or a dropped connection: not acknowledged, resend
                with contextlib.suppress(OSError):
                    sock.close()
                sock = None
                self.resent += 1
                continue
            if f"MSA|AA|M{n}".encode() in ack:
                self.acknowledged.append(n)
                n += 1
                time.sleep(1.0 / RATE_HZ)
        if sock is not None:
            sock.close()

    def stop(self) -> None:
        self._stop.set()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_console(home: Path, port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(home), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        process.wait()
        raise RuntimeError(f"the console did not start (exit code {process.poll()})")
    return process


@dataclass(frozen=True)
class KillResult:
    kills: int
    acknowledged: int
    lost: int
    duplicates: int
    resent: int


def run_kills(
    home: Path, kills: int, *, seed: int = 1, between_s: tuple[float, float] = (0.3, 1.2)
) -> KillResult:
    """Kill the console ``kills`` times under a sending monitor; count acknowledged losses."""
    from console.store.database import Store
    from console.store.repositories import SessionRepository  # noqa: F401 (schema)
    from console.store.vitals_repository import VitalsRepository

    rng = random.Random(seed)
    port = _free_port()
    sender = Sender(port)
    thread = threading.Thread(target=sender.run, daemon=True)
    console = _start_console(home, port)
    thread.start()
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(*between_s))  # the console runs this long, then is killed
            console.send_signal(signal.SIGKILL)
            console.wait()
            assert console.stdout is not None
            console.stdout.close()
            console = _start_console(home, port)
        time.sleep(1.0)  # the last run: the sender catches up
    finally:
        sender.stop()
        thread.join(timeout=10)
        console.send_signal(signal.SIGKILL)
        console.wait()
        if console.stdout is not None:
            console.stdout.close()
    store = Store.open(f"sqlite:///{home / 'vigil.sqlite3'}")
    try:
        repo = VitalsRepository(store)
        from sqlalchemy import text

        with store.transaction() as tx:
            session_ids = [row[0] for row in tx.execute(text("SELECT id FROM session"))]
        stored: dict[datetime, int] = {}
        for session_id in session_ids:
            for point in repo.history(session_id):
                if point.device_time is not None:
                    key = point.device_time.astimezone(UTC)
                    stored[key] = stored.get(key, 0) + 1
    finally:
        store.close()
    acked = sender.acknowledged
    lost = sum(1 for n in acked if BASE + timedelta(seconds=n) not in stored)
    duplicates = sum(count - 1 for count in stored.values() if count > 1)
    return KillResult(kills, len(acked), lost, duplicates, sender.resent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--serve", nargs=2, metavar=("HOME", "PORT"))
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("VIGIL_AUDIT_KEY", str(Path(tmp) / "audit.key"))
        started = time.monotonic()
        result = run_kills(Path(tmp), args.kills, between_s=(0.5, 3.0))
        took = time.monotonic() - started
    print(
        f"acknowledged HL7 readings lost over {result.kills} kills: {result.lost} (target 0)"
        f"   [{result.acknowledged:,} acknowledged, {result.resent:,} resends, "
        f"{result.duplicates:,} stored twice after a resend, {took:.0f} s]"
    )


if __name__ == "__main__":
    main()
