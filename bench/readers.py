"""Benchmark B2: 8 DeviceReaders on ptys at full Nonin line rate; reader CPU and byte-to-emit p99."""

from __future__ import annotations

import argparse
import bisect
import os
import sys
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, Qt, QTimer

from devices.base import SerialDefaults
from devices.reader import COALESCE_S, DeviceReader, ReadingBatch
from devices.registry import available_drivers
from devices.simulator import NoninSource, SimState
from devices.transport import SerialPort, open_port

PACKET_LEN = 125  # a Nonin packet: 25 frames of 5 bytes, decoded whole
CPU_TARGET_PCT = 5.0
P99_TARGET_MS = 20.0


@dataclass
class Feed:
    """One simulated port: the pty, what was written when, and what the reader has read."""

    master: int
    slave: int
    path: str
    ends: list[int] = field(default_factory=list)  # cumulative bytes after each write
    times: list[float] = field(default_factory=list)  # perf_counter just before each write
    written: int = 0
    read: int = 0
    latencies: list[float] = field(default_factory=list)
    packets_emitted: int = 0  # Nonin packets (125 bytes) whose latency has been recorded

    def write_time_of_byte(self, n: int) -> float | None:
        i = bisect.bisect_left(self.ends, n)
        return self.times[i] if i < len(self.times) else None


class CountingPort:
    """Wraps a serial port to count bytes read (for byte-in -> emit latency)."""

    def __init__(self, port: SerialPort, feed: Feed) -> None:
        self._port, self._feed = port, feed

    @property
    def in_waiting(self) -> int:
        return self._port.in_waiting

    def read(self, size: int = 1) -> bytes:
        data = self._port.read(size)
        self._feed.read += len(data)
        return data

    def write(self, data: bytes) -> int | None:
        return self._port.write(data)

    def close(self) -> None:
        self._port.close()


def _thread_cpu_s(tid: int) -> float:
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _writer(feeds: list[Feed], stop: threading.Event, frames_per_s: float) -> None:
    sources = [NoninSource(start=_now(), t0_offset_min=30.0, seed=i) for i in range(len(feeds))]
    period = 1.0 / frames_per_s
    started = time.perf_counter()
    tick = 0
    while not stop.is_set():
        sim = tick / 75.0
        for feed, source in zip(feeds, sources, strict=True):
            data, _ = source.step(sim, SimState())
            # Recorded before the write: a reader may read and emit these bytes before
            # os.write even returns here.
            feed.times.append(time.perf_counter())
            feed.ends.append(feed.written + len(data))
            try:
                n = os.write(feed.master, data)
            except BlockingIOError:
                n = 0
            if n != len(data):  # (never seen at 375 B/s) the pty is full
                feed.ends[-1] = feed.written + n
            feed.written += n
        tick += 1
        delay = started + tick * period - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ports", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=1.0, help="x Nonin's 75 frames/s")
    parser.add_argument(
        "--coalesce-ms",
        type=float,
        default=COALESCE_S * 1000,
        help="the readers' pause after the first byte of a burst (0: read at once)",
    )
    args = parser.parse_args()

    app = QCoreApplication.instance() or QCoreApplication(sys.argv)
    driver = available_drivers()["nonin"]
    feeds: list[Feed] = []
    for _ in range(args.ports):
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        feeds.append(Feed(master, slave, os.ttyname(slave)))

    readers: list[DeviceReader] = []
    emitted = [0]
    for feed in feeds:

        def opener(port: str, defaults: SerialDefaults, feed: Feed = feed) -> SerialPort:
            return CountingPort(open_port(port, defaults), feed)

        def on_readings(batch: ReadingBatch, feed: Feed = feed) -> None:
            # Runs in the reader thread, right at emit. The latency of each packet completed
            # since the last emit runs from the write of its last byte (the byte that lets the
            # decoder emit it) — not from the newest byte read, which would hide any time the
            # completing byte spent waiting in the port while the reader coalesced reads.
            t = time.perf_counter()
            complete = feed.read // PACKET_LEN
            for k in range(feed.packets_emitted, complete):
                sent = feed.write_time_of_byte((k + 1) * PACKET_LEN)
                if sent is not None:
                    feed.latencies.append(t - sent)
            feed.packets_emitted = complete
            emitted[0] += 1

        reader = DeviceReader(
            feed.path, driver, opener=opener, coalesce_s=args.coalesce_ms / 1000.0
        )
        reader.readings.connect(on_readings, Qt.ConnectionType.DirectConnection)
        readers.append(reader)
        reader.start()

    while any(r.native_thread_id is None for r in readers):
        time.sleep(0.01)
    time.sleep(0.5)  # let every reader open its port
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(feeds, stop, 75.0 * args.rate), daemon=True)
    tids = [r.native_thread_id for r in readers if r.native_thread_id is not None]
    for feed in feeds:
        feed.latencies.clear()
        feed.packets_emitted = feed.read // PACKET_LEN  # nothing was written yet: 0
    cpu0 = sum(_thread_cpu_s(t) for t in tids)
    proc0 = time.process_time()
    wall0 = time.perf_counter()
    writer.start()
    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    app.exec()
    wall = time.perf_counter() - wall0
    cpu = sum(_thread_cpu_s(t) for t in tids) - cpu0
    proc = time.process_time() - proc0
    stop.set()
    writer.join()
    for reader in readers:
        reader.stop()
    for feed in feeds:
        os.close(feed.master)
        os.close(feed.slave)

    lat = sorted(x for feed in feeds for x in feed.latencies)
    p50 = lat[len(lat) // 2] * 1000 if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
    cpu_pct = 100.0 * cpu / wall
    total_bytes = sum(f.read for f in feeds)
    print(
        f"B2 readers: {args.ports} Nonin ports on ptys, {wall:.1f} s, "
        f"{total_bytes / wall / args.ports:.0f} B/s per port, {emitted[0]} emits, "
        f"{len(lat)} latency samples, reads coalesced over {args.coalesce_ms:g} ms"
    )
    print("(latency: from the write of a packet's last byte to the emit of its readings)")
    print(f"{'metric':<34}{'figure':>12}{'target':>12}  verdict")
    ok_cpu = cpu_pct <= CPU_TARGET_PCT
    ok_lat = bool(lat) and p99 <= P99_TARGET_MS
    print(
        f"{'reader threads CPU, % of a core':<34}{cpu_pct:>11.2f}%{'<= 5.00%':>12}  "
        f"{'PASS' if ok_cpu else 'FAIL'}"
    )
    print(
        f"{'byte-in -> emit latency p99':<34}{p99:>10.2f}ms{'<= 20 ms':>12}  "
        f"{'PASS' if ok_lat else 'FAIL'}"
    )
    print(f"{'  (p50)':<34}{p50:>10.2f}ms")
    print(f"{'  (whole process incl. writer, Qt)':<34}{100.0 * proc / wall:>11.2f}%")
    print(f"verdict: {'PASS' if ok_cpu and ok_lat else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
