"""DeviceReader over real ptys: a tiny decoder, the simulator, replies, silence and a cable pull."""

from __future__ import annotations

import os
import tty
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.domain.vitals import Parameter
from devices.base import Decoded, DecoderStats, DriverInfo, Reading, SerialDefaults
from devices.reader import DeviceReader, ReaderState, ReaderStatus, ReadingBatch
from devices.registry import available_drivers
from devices.transport import SerialPort, open_port

PROJECT = Path(__file__).resolve().parents[2]
FIXED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


class LineDecoder:
    """``V=<n>\\n`` gives an HR reading; ``PING\\n`` queues the reply ``PONG\\n``."""

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._buf = b""
        self._replies: list[bytes] = []

    def feed(self, data: bytes) -> list[Decoded]:
        self._buf += data
        out: list[Decoded] = []
        while b"\n" in self._buf:
            line, _, self._buf = self._buf.partition(b"\n")
            if line.startswith(b"V="):
                out.append(Reading(Parameter.HR, float(line[2:]), "/min"))
                self.stats.good_frames += 1
            elif line == b"PING":
                self._replies.append(b"PONG\n")
            else:
                self.stats.bad_frames += 1
        return out

    def take_replies(self) -> list[bytes]:
        replies, self._replies = self._replies, []
        return replies


def _driver(period: float = 5.0) -> DriverInfo:
    return DriverInfo("line", "test lines", SerialDefaults(), period, "", LineDecoder)


class Recorder:
    def __init__(self, reader: DeviceReader) -> None:
        self.batches: list[ReadingBatch] = []
        self.statuses: list[ReaderStatus] = []
        reader.readings.connect(self.batches.append)
        reader.statusChanged.connect(self.statuses.append)

    def values(self) -> list[float]:
        return [i.value for b in self.batches for i in b.items if isinstance(i, Reading)]

    def states(self) -> list[ReaderState]:
        return [s.state for s in self.statuses]


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)


@pytest.fixture
def start_reader(qtbot) -> Iterator:  # type: ignore[no-untyped-def]
    readers: list[DeviceReader] = []

    def start(port: str, driver: DriverInfo, **kwargs: object) -> tuple[DeviceReader, Recorder]:
        reader = DeviceReader(port, driver, **kwargs)  # type: ignore[arg-type]
        recorder = Recorder(reader)
        readers.append(reader)
        reader.start()
        return reader, recorder

    yield start
    for reader in readers:
        reader.stop()
        assert reader.isFinished()


def test_tiny_decoder_readings_replies_and_host_time(qtbot, pty_pair, start_reader) -> None:
    master, path = pty_pair
    _reader, rec = start_reader(path, _driver(), clock=lambda: FIXED)
    qtbot.waitUntil(lambda: ReaderState.CONNECTED in rec.states(), timeout=3000)
    os.write(master, b"V=71\nV=7")
    os.write(master, b"2\nPING\n")
    qtbot.waitUntil(lambda: rec.values() == [71.0, 72.0], timeout=3000)
    assert all(b.t_host == FIXED and b.source == path for b in rec.batches)
    assert isinstance(rec.batches[0].items, tuple)
    got = bytearray()

    def pong() -> bool:
        got.extend(_read_nb(master))
        return b"PONG\n" in got

    qtbot.waitUntil(pong, timeout=3000)


def _read_nb(fd: int) -> bytes:
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 100)
    except BlockingIOError:
        return b""


def test_watchdog_marks_silent_then_connected_again(qtbot, pty_pair, start_reader) -> None:
    master, path = pty_pair
    reader, rec = start_reader(path, _driver(period=0.3))
    os.write(master, b"V=60\n")
    qtbot.waitUntil(lambda: ReaderState.SILENT in rec.states(), timeout=3000)
    os.write(master, b"junk\nV=61\n")
    qtbot.waitUntil(lambda: reader.status().state is ReaderState.CONNECTED, timeout=3000)
    qtbot.waitUntil(lambda: reader.status().bad_frames == 1, timeout=3000)
    assert rec.values()[-1] == 61.0


def test_missing_port_is_disconnected_and_retried(qtbot, tmp_path, start_reader) -> None:
    reader, rec = start_reader(str(tmp_path / "nothing"), _driver(), backoff_initial_s=0.05)
    qtbot.waitUntil(lambda: rec.states().count(ReaderState.CONNECTING) >= 3, timeout=3000)
    assert reader.status().state in (ReaderState.DISCONNECTED, ReaderState.CONNECTING)
    assert "nothing" in reader.status().last_error


@pytest.mark.parametrize("protocol", ["masimo", "nonin", "ivy", "hl7", "s5"])
def test_simulator_to_reader(qtbot, simulator, start_reader, protocol: str) -> None:
    driver = available_drivers()[protocol]
    port = simulator(protocol, "--speed", "4", "--t0-offset-min", "40")
    reader, rec = start_reader(port, driver)
    qtbot.waitUntil(lambda: len(rec.values()) >= 6, timeout=8000)
    assert reader.status().state is ReaderState.CONNECTED


def test_cable_pull_disconnects_and_the_reader_reconnects(qtbot, simulator, start_reader) -> None:
    driver = available_drivers()["nonin"]
    port = simulator("nonin", "--event", "cable_pull@1.5:1.5")
    reader, rec = start_reader(port, driver)
    qtbot.waitUntil(lambda: len(rec.values()) >= 2, timeout=5000)
    before = len(rec.batches)
    qtbot.waitUntil(lambda: ReaderState.DISCONNECTED in rec.states(), timeout=5000)
    assert reader.status().last_error
    pulled_at = len(rec.batches)
    qtbot.waitUntil(lambda: reader.status().reconnects >= 1, timeout=10000)
    qtbot.waitUntil(lambda: len(rec.batches) > pulled_at + 2, timeout=5000)
    assert reader.status().state is ReaderState.CONNECTED
    assert before > 0 and len(rec.batches) > pulled_at
    states = rec.states()
    first_down = states.index(ReaderState.DISCONNECTED)
    assert ReaderState.CONNECTED in states[first_down:]


class FreshPtys:
    """A port opener handing the reader a new pty on every (re)connect; keeps each master."""

    def __init__(self) -> None:
        self.ends: list[tuple[int, int]] = []  # (master, the slave fd held open here)

    def __call__(self, port: str, defaults: SerialDefaults) -> SerialPort:
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self.ends.append((master, slave))
        return open_port(os.ttyname(slave), defaults)

    def received(self, index: int) -> bytes:
        out = b""
        while True:
            try:
                chunk = os.read(self.ends[index][0], 4096)
            except (BlockingIOError, OSError):
                return out
            if not chunk:
                return out
            out += chunk

    def pull(self, index: int) -> None:
        """Close this pty's ends: the reader's next read fails as on an unplugged adapter."""
        for fd in self.ends[index]:
            os.close(fd)
        self.ends[index] = (-1, -1)

    def close(self) -> None:
        for index, (master, _) in enumerate(self.ends):
            if master >= 0:
                self.pull(index)


@pytest.fixture
def fresh_ptys() -> Iterator[FreshPtys]:
    """Request it before ``start_reader``: its ptys close after the readers have stopped."""
    ptys = FreshPtys()
    yield ptys
    ptys.close()


def test_connect_request_is_sent_on_every_connect_and_while_silent(
    qtbot, fresh_ptys: FreshPtys, start_reader
) -> None:
    driver = DriverInfo(
        "asked", "a monitor that talks when asked", SerialDefaults(), 0.4, "", LineDecoder,
        connect_request=b"HELLO\n",
    )  # fmt: skip
    reader, rec = start_reader("fresh", driver, opener=fresh_ptys, backoff_initial_s=0.05)
    got = bytearray()

    def asked(index: int, times: int) -> bool:
        if index >= len(fresh_ptys.ends):
            return False
        got.extend(fresh_ptys.received(index))
        return got.count(b"HELLO\n") >= times

    qtbot.waitUntil(lambda: asked(0, 1), timeout=3000)  # on connecting
    os.write(fresh_ptys.ends[0][0], b"V=70\n")
    qtbot.waitUntil(lambda: rec.values() == [70.0], timeout=3000)
    qtbot.waitUntil(lambda: asked(0, 2), timeout=3000)  # no answer for a period: asked again
    assert ReaderState.SILENT in rec.states()
    fresh_ptys.pull(0)
    qtbot.waitUntil(lambda: reader.status().reconnects >= 1, timeout=5000)
    got.clear()
    qtbot.waitUntil(lambda: asked(1, 1), timeout=3000)  # and on the port it reconnected to
