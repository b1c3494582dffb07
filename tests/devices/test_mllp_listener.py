"""MLLP listener over real TCP on 127.0.0.1 (ephemeral port): ACKs, readings, rejects, simulator."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
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


# ---- one slow client, size limit, connection cap, ACKs held until stored (issue 10) ----------


def _ack_count(sock: socket.socket, want: int, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    buf = b""
    while buf.count(b"\x1c\x0d") < want:
        chunk = sock.recv(65536)
        assert chunk, "listener closed the connection"
        buf += chunk
    return buf


def test_a_client_that_never_reads_its_acks_does_not_delay_another(qtbot, listen) -> None:
    _listener, rec, port = listen()
    message = _oru("S1")
    with socket.create_connection(("127.0.0.1", port), timeout=3) as slow:
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.setblocking(False)
        sent = 0
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:  # until its own send buffer is full: ACKs pile up
            try:
                sent += slow.send(message * 50)
            except BlockingIOError:
                break
        assert sent > 100 * len(message)
        qtbot.waitUntil(lambda: len(rec.batches) > 100, timeout=5000)
        started = time.monotonic()
        acks = _exchange(port, _oru("FAST"))
        took = time.monotonic() - started
    assert b"MSA|AA|FAST" in acks[0]
    assert took < 0.5, f"the other monitor's ACK took {took:.2f} s"


def test_a_message_over_the_size_limit_gets_an_ar_and_the_next_one_is_read(qtbot, listen) -> None:
    listener, rec, port = listen(max_message=10_000)
    head = b"MSH|^~\\&|MON|X|VIGIL|VIGIL|20250101000000||ORU^R01|BIG1|P|2.6\r"
    huge = b"\x0b" + head + b"NTE|" + b"x" * 50_000 + b"\x1c\x0d"
    acks = _exchange(port, huge + _oru("AFTER"), acks=2)
    assert b"MSA|AR|BIG1" in acks[0] and b"too long" in acks[0]
    assert b"MSA|AA|AFTER" in acks[1]
    qtbot.waitUntil(lambda: listener.status().bad_frames == 1, timeout=3000)
    qtbot.waitUntil(lambda: len(rec.batches) == 1, timeout=3000)


def test_connections_past_the_cap_are_refused_with_a_log_line(qtbot, listen, caplog) -> None:
    listener, _rec, port = listen(max_connections=2)
    first = socket.create_connection(("127.0.0.1", port), timeout=3)
    second = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        with caplog.at_level(logging.WARNING, logger="devices.mllp_listener"):
            with socket.create_connection(("127.0.0.1", port), timeout=3) as third:
                third.settimeout(3)
                assert third.recv(100) == b""  # closed by the listener
            qtbot.waitUntil(lambda: "refused" in listener.status().last_error, timeout=3000)
        assert any(
            "refused" in r.getMessage() and "limit" in r.getMessage() for r in caplog.records
        )
        first.sendall(_oru("STILL"))
        assert b"MSA|AA|STILL" in _ack_count(first, 1)
    finally:
        first.close()
        second.close()


def test_held_acks_go_out_only_when_released_and_in_order(qtbot, listen) -> None:
    _listener, rec, port = listen(hold_acks=True)
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(_oru("H1") + _oru("H2"))
        qtbot.waitUntil(lambda: len(rec.batches) == 2, timeout=3000)
        assert all(b.ack is not None for b in rec.batches)
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(100)  # nothing is acknowledged before it is stored
        second = rec.batches[1].ack
        assert second is not None
        threading.Thread(target=second).start()  # released from another thread, out of order
        with pytest.raises(TimeoutError):
            sock.recv(100)  # H2 waits behind H1
        first = rec.batches[0].ack
        assert first is not None
        first()
        first()  # a second call does nothing
        acks = _ack_count(sock, 2)
    assert acks.index(b"MSA|AA|H1") < acks.index(b"MSA|AA|H2")
    assert acks.count(b"MSA|") == 2


def test_a_rejected_message_is_answered_at_once_even_when_acks_are_held(qtbot, listen) -> None:
    _listener, rec, port = listen(hold_acks=True)
    acks = _exchange(port, enc.mllp_frame(b"not hl7"))
    assert b"MSA|AR" in acks[0] or b"MSA|AE" in acks[0]
    assert rec.batches == []
