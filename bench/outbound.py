"""HL7 out: queue throughput to a local receiver, and what queuing adds to each reading's commit (B3)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.clock import SystemClock  # noqa: E402
from console.demo import seed_demo  # noqa: E402
from console.domain.vitals import Parameter, VitalPoint  # noqa: E402
from console.outbound.config import OutboundConfig  # noqa: E402
from console.outbound.messages import Endpoints, Subject, vitals_message  # noqa: E402
from console.outbound.queue import OutboundQueue  # noqa: E402
from console.outbound.sender import OutboundSender  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402

RECEIVER = ROOT / "tests" / "console" / "outbound" / "receiver.py"
BATCHES = 300  # one-second batches of 8 patients × 7 parameters
MESSAGES = 1500
PARAMS = (Parameter.HR, Parameter.SPO2, Parameter.RR, Parameter.ETCO2, Parameter.PR, Parameter.PI)
T = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def batch(second: int) -> list[VitalPoint]:
    at = T + timedelta(seconds=second)
    points = [VitalPoint(p, 60 + second % 30, at, "ivy") for p in PARAMS for _ in range(8)]
    if second % 60 == 0:  # a cuff reading now and then
        points.append(VitalPoint(Parameter.NIBP_SYS, 120, at, "ivy", None, f"nibp:{second}"))
    return points


def commit_times(repo: VitalsRepository, session_id: int, offset: int) -> list[float]:
    times = []
    for second in range(BATCHES):
        points = batch(offset + second)
        start = time.perf_counter()
        repo.add_batch(session_id, points)
        times.append(time.perf_counter() - start)
    return times


def ingest_cost(tmp: str) -> None:
    store = Store.open(f"sqlite:///{tmp}/ingest.sqlite3")
    session_id = seed_demo(SystemClock(), PeopleRepository(store), SessionRepository(store))
    assert session_id is not None
    repo = VitalsRepository(store)
    queue = OutboundQueue(store)
    commit_times(repo, session_id, 0)  # warm up
    off = commit_times(repo, session_id, BATCHES)
    queue.save_config(OutboundConfig(True, "127.0.0.1", 9), None, T)
    on = commit_times(repo, session_id, 2 * BATCHES)
    per_batch = len(batch(0))
    added_us = (statistics.mean(on) - statistics.mean(off)) / per_batch * 1e6
    p99_on = percentile(on, 99) * 1000
    print(
        f"ingest, interface off: commit mean {statistics.mean(off) * 1000:.2f} ms, "
        f"p99 {percentile(off, 99) * 1000:.2f} ms ({per_batch} readings a batch)"
    )
    print(
        f"ingest, interface on:  commit mean {statistics.mean(on) * 1000:.2f} ms, "
        f"p99 {p99_on:.2f} ms; queued {len(queue.messages())} messages"
    )
    verdict = "PASS" if p99_on <= 50 else "FAIL"
    print(
        f"added cost per reading {added_us:.1f} µs (ratio on/off "
        f"{statistics.mean(on) / statistics.mean(off):.2f}); B3 commit p99 ≤ 50 ms: {verdict}"
    )
    store.close()


def raw_round_trips(port: int, payload: bytes, count: int) -> float:
    """Messages a second over one MLLP connection, send-and-wait, without any database."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        for _ in range(count):
            sock.sendall(b"\x0b" + payload + b"\x1c\x0d")
            data = b""
            while b"\x1c\x0d" not in data:
                data += sock.recv(65536)
        return count / (time.perf_counter() - start)


def throughput(tmp: str) -> None:
    store = Store.open(f"sqlite:///{tmp}/queue.sqlite3")
    session_id = seed_demo(SystemClock(), PeopleRepository(store), SessionRepository(store))
    assert session_id is not None
    port = free_port()
    queue = OutboundQueue(store)
    queue.save_config(OutboundConfig(True, "127.0.0.1", port), None, T)
    repo = VitalsRepository(store)
    for minute in range(0, MESSAGES, 60):  # one message per minute of data
        points = [
            VitalPoint(p, 70, T + timedelta(minutes=m), "ivy")
            for m in range(minute, min(minute + 60, MESSAGES))
            for p in PARAMS
        ]
        repo.add_batch(session_id, points)
    assert len(queue.messages()) == MESSAGES
    log = Path(tmp) / "received.log"
    receiver = subprocess.Popen(
        [sys.executable, str(RECEIVER), str(port), str(log)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.stdout is not None and receiver.stdout.readline().strip() == "listening"
        sample = vitals_message(
            Endpoints(), Subject("DEMO-1001", "x"), repo.history(session_id)[:6], "RAW1", T
        ).encode()
        floor = raw_round_trips(port, sample, 300)
        sender = OutboundSender(store.engine.url.render_as_string(hide_password=False))
        start = time.perf_counter()
        sender.start()
        while sender.status().sent < MESSAGES:
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        sender.stop()
        rate = MESSAGES / elapsed
        print(
            f"queue throughput: {MESSAGES} messages in {elapsed:.2f} s = {rate:,.0f} msgs/s "
            f"(raw MLLP send-and-ACK without the database: {floor:,.0f} msgs/s, ratio "
            f"{rate / floor:.2f}); a clinic of 8 beds makes ~0.3 msgs/s"
        )
    finally:
        receiver.terminate()
        receiver.wait(10)
        if receiver.stdout is not None:
            receiver.stdout.close()
        store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ingest_cost(tmp)
        throughput(tmp)


if __name__ == "__main__":
    main()
