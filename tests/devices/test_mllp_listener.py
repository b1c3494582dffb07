"""MLLP listener over real TCP on 127.0.0.1 (ephemeral port): ACKs, readings, rejects, simulator."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.domain.vitals import Parameter
from devices.base import Decoded, Reading
from devices.mllp_listener import MllpListener
from devices.reader import ReaderState, ReaderStatus, ReadingBatch
from devices.simulator import encoders as enc
from devices.simulator.physiology import vitals_at

PROJECT = Path(__file__).resolve().parents[2]
T = datetime(2025, 3, 4, 10, 20, 30, tzinfo=UTC)


class Recorder:
    def __init__(self, listener: MllpListener) -> None:
        self.batches: list[ReadingBatch] = []
        self.statuses: list[ReaderStatus] = []
        listener.readings.connect(self.batches.append)
        listener.statusChanged.connect(self.statuses.append)

    def readings(self) -> list[Reading]:
        return [i for b in self.batches for i in b.items if isinstance(i, Reading)]


@pytest.fixture
def listen(qtbot) -> Iterator:  # type: ignore[no-untyped-def]
    listeners: list[MllpListener] = []

    def start(**kwargs: object) -> tuple[MllpListener, Recorder, int]:
        listener = MllpListener(port=0, **kwargs)  # type: ignore[arg-type]
        rec = Recorder(listener)
        listeners.append(listener)
        listener.start()
        qtbot.waitUntil(lambda: listener.address() is not None, timeout=3000)
        address = listener.address()
        assert address is not None and address[0] == "127.0.0.1"
        return listener, rec, address[1]

    yield start
    for listener in listeners:
        listener.stop()
        assert listener.isFinished()


def _exchange(port: int, data: bytes, acks: int = 1) -> list[bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(data)
        buf = b""
        while buf.count(b"\x1c\x0d") < acks:
            chunk = sock.recv(4096)
            assert chunk, "listener closed the connection"
            buf += chunk
    return [part + b"\x1c\x0d" for part in buf.split(b"\x1c\x0d")[:-1]]


def _oru(control_id: str, with_nibp: bool = False) -> bytes:
    v = vitals_at(40, seed=1)
    nibp = enc.Nibp(v.sbp, v.dbp, v.map, v.hr, T) if with_nibp else None
    return enc.mllp_frame(enc.hl7_oru(v, T, control_id, nibp))


def test_each_message_is_acked_and_its_readings_emitted(qtbot, listen) -> None:
    listener, rec, port = listen()
    acks = _exchange(port, _oru("A1") + _oru("A2", with_nibp=True), acks=2)
    assert b"MSA|AA|A1" in acks[0] and b"MSA|AA|A2" in acks[1]
    assert all(a.startswith(b"\x0b") for a in acks)
    qtbot.waitUntil(lambda: len(rec.batches) == 2, timeout=3000)
    params = {r.parameter for r in rec.readings()}
    assert {Parameter.HR, Parameter.SPO2, Parameter.NIBP_SYS} <= params
    assert rec.batches[0].source.startswith("127.0.0.1:")
    qtbot.waitUntil(lambda: listener.status().good_frames == 2, timeout=3000)
    assert ReaderState.CONNECTED in [s.state for s in rec.statuses]
    qtbot.waitUntil(lambda: listener.status().state is ReaderState.LISTENING, timeout=3000)


def test_unusable_message_gets_a_negative_ack(qtbot, listen) -> None:
    listener, rec, port = listen()
    adt = b"MSH|^~\\&|X|X|VIGIL|VIGIL|20250101000000||ADT^A01|Z9|P|2.6\rEVN|A01\r"
    acks = _exchange(port, b"noise" + enc.mllp_frame(adt) + enc.mllp_frame(b"not hl7"), acks=2)
    assert all(b"MSA|AR" in a or b"MSA|AE" in a for a in acks)
    qtbot.waitUntil(lambda: listener.status().bad_frames == 2, timeout=3000)
    assert listener.status().resyncs == 1
    assert rec.batches == []


def test_a_failing_handler_still_answers_ar(qtbot, listen) -> None:
    def broken(payload: bytes) -> tuple[list[Decoded], bytes]:
        raise RuntimeError("bug")

    _listener, _rec, port = listen(handler=broken)
    acks = _exchange(port, _oru("B7"))
    assert b"MSA|AR|B7" in acks[0]


def test_simulator_over_tcp(qtbot, listen) -> None:
    listener, rec, port = listen()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devices.simulator",
            "--protocol",
            "hl7",
            "--speed",
            "5",
            "--connect",
            f"127.0.0.1:{port}",
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("TCP 127.0.0.1:")
        qtbot.waitUntil(lambda: len(rec.batches) >= 3, timeout=8000)
        assert listener.status().good_frames >= 3
        assert listener.status().bad_frames == 0
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        assert proc.stdout is not None
        proc.stdout.close()


def test_port_in_use_is_reported(qtbot, listen) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        listener = MllpListener(port=busy)
        rec = Recorder(listener)
        listener.start()
        try:
            qtbot.waitUntil(
                lambda: ReaderState.DISCONNECTED in [s.state for s in rec.statuses], timeout=3000
            )
            assert str(busy) in listener.status().last_error
        finally:
            listener.stop()
