"""Simulated bedside monitors: protocol sources, scripted events and the pty / TCP links they write to.

Cable pull on a pty: a pseudo-terminal's /dev/pts/N node vanishes when its master closes and a
new pty gets a new number, so the simulator publishes a *stable symlink* to the current slave (as
udev's /dev/serial/by-id links do for USB adapters) and prints that path. A pull removes the link
and closes the master and the spare slave fd: the reader's next read fails with EIO and reopening
fails (no such file) until the "cable" returns, when a fresh pty is linked under the same path.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import socket
import struct
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from devices.protocols.ge_s5 import wire as s5_wire
from devices.simulator import encoders
from devices.simulator.physiology import Condition, Vitals, ecg_sample, pleth_sample, vitals_at

PROTOCOLS = ("masimo", "nonin", "ivy", "hl7", "s5")
EVENTS = ("hypertensive", "desaturation", "sensor_off", "cable_pull", "garbage", "clock_skew")
DEFAULT_DURATION_S = {"hypertensive": 120.0, "desaturation": 60.0, "sensor_off": 20.0}
DEFAULT_CABLE_PULL_S = 3.0
DEFAULT_GARBAGE_BYTES = 64
DEFAULT_SKEW_MIN = 7.0


@dataclass(frozen=True, slots=True)
class EventSpec:
    """``NAME@START[:ARG]``: seconds of simulated time; ARG = duration s, byte count or minutes."""

    name: str
    start_s: float
    arg: float | None = None

    @classmethod
    def parse(cls, text: str) -> EventSpec:
        name, _, rest = text.partition("@")
        if name not in EVENTS or not rest:
            raise ValueError(f"event {text!r}: expected NAME@SECONDS[:ARG], NAME in {EVENTS}")
        start, _, arg = rest.partition(":")
        return cls(name, float(start), float(arg) if arg else None)


@dataclass(frozen=True, slots=True)
class SimState:
    """What the scripted events make true at one simulated instant."""

    conditions: frozenset[Condition] = frozenset()
    skew_min: float = 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """The scripted events of one run."""

    events: tuple[EventSpec, ...] = ()

    def state_at(self, sim_s: float) -> SimState:
        conditions: set[Condition] = set()
        skew = 0.0
        for event in self.events:
            if event.name == "clock_skew" and sim_s >= event.start_s:
                skew = DEFAULT_SKEW_MIN if event.arg is None else event.arg
            elif event.name in DEFAULT_DURATION_S:
                duration = event.arg if event.arg is not None else DEFAULT_DURATION_S[event.name]
                if event.start_s <= sim_s < event.start_s + duration:
                    conditions.add(Condition(event.name))
        return SimState(frozenset(conditions), skew)


class Source(Protocol):
    """A device: bytes to send at a simulated instant and the simulated seconds until the next."""

    def step(self, sim_s: float, state: SimState) -> tuple[bytes, float]: ...


@dataclass
class _Clocked:
    start: datetime  # device clock at simulated second 0 (aware)
    t0_offset_min: float = -5.0
    seed: int = 1
    nibp_interval_s: float = 180.0
    nibp_first_s: float = 5.0

    def vitals(self, sim_s: float, state: SimState) -> Vitals:
        return vitals_at(
            self.t0_offset_min + sim_s / 60.0, seed=self.seed, conditions=state.conditions
        )

    def device_time(self, sim_s: float, state: SimState) -> datetime:
        return self.start + timedelta(seconds=sim_s, minutes=state.skew_min)

    def last_cuff(self, sim_s: float, state: SimState) -> encoders.Nibp | None:
        if sim_s < self.nibp_first_s:
            return None
        k = math.floor((sim_s - self.nibp_first_s) / self.nibp_interval_s)
        taken_s = self.nibp_first_s + k * self.nibp_interval_s
        v = self.vitals(taken_s, state)
        return encoders.Nibp(v.sbp, v.dbp, v.map, v.hr, self.device_time(taken_s, state))


@dataclass
class MasimoSource(_Clocked):
    """Masimo ASCII 1: one line a second, device time as naive local wall time."""

    def step(self, sim_s: float, state: SimState) -> tuple[bytes, float]:
        t_dev = self.device_time(sim_s, state).astimezone().replace(tzinfo=None)
        return encoders.masimo_line(self.vitals(sim_s, state), t_dev), 1.0


@dataclass
class NoninSource(_Clocked):
    """Nonin format #2: 75 frames a second in 25-frame packets, ``frames_per_write`` per write."""

    frames_per_write: int = 1
    _packet: bytes = b""
    _offset: int = 0

    def step(self, sim_s: float, state: SimState) -> tuple[bytes, float]:
        out = bytearray()
        for _ in range(self.frames_per_write):
            if self._offset >= len(self._packet):
                v = self.vitals(sim_s, state)
                hr = float(v.pr or v.hr)
                rate = encoders.NONIN_FRAME_RATE_HZ
                pleth = [pleth_sample(sim_s + i / rate, hr) for i in range(25)]
                self._packet, self._offset = encoders.nonin_packet(v, pleth), 0
            out += self._packet[self._offset : self._offset + 5]
            self._offset += 5
        return bytes(out), self.frames_per_write / encoders.NONIN_FRAME_RATE_HZ


@dataclass
class IvySource(_Clocked):
    """Ivy 450C ANSAR-B: a message every 1-2 s, NIBP repeated until the next cuff cycle."""

    def step(self, sim_s: float, state: SimState) -> tuple[bytes, float]:
        v = self.vitals(sim_s, state)
        ecg = [ecg_sample(sim_s + i / 200.0, v.hr) for i in range(200)]
        pleth = [pleth_sample(sim_s + i / 100.0, float(v.pr or v.hr)) for i in range(100)]
        resp = [
            round(150 + 60 * math.sin(2 * math.pi * v.rr / 60.0 * (sim_s + i / 50.0)))
            for i in range(50)
        ]
        message = encoders.ivy_message(v, ecg, pleth, resp, self.last_cuff(sim_s, state))
        return message, 1.0 + random.Random(f"{self.seed}:{sim_s:.3f}").random()


@dataclass
class Hl7Source(_Clocked):
    """HL7 ORU^R01 (MLLP-framed): one message every 1-5 s, NIBP OBXs after each cuff cycle."""

    _sent_cuff: datetime | None = None
    _count: int = 0

    def step(self, sim_s: float, state: SimState) -> tuple[bytes, float]:
        cuff = self.last_cuff(sim_s, state)
        new_cuff = cuff if cuff is not None and cuff.taken != self._sent_cuff else None
        if new_cuff is not None:
            self._sent_cuff = new_cuff.taken
        self._count += 1
        message = encoders.hl7_oru(
            self.vitals(sim_s, state),
            self.device_time(sim_s, state),
            f"SIM{self._count:08d}",
            new_cuff,
        )
        return encoders.mllp_frame(message), 1.0 + 4.0 * random.Random(self._count).random()


@dataclass
class S5Source(_Clocked):
    """GE S/5 computer interface: silent until the host asks, then what it asked for.

    A displayed-values request sets the interval of the values records (and which classes they
    carry); a waveform request starts (or stops) the 100 Hz pleth, one record a second. A pulled
    cable ends both (the interface resets), so a host must ask again once the cable is back.
    """

    interval_s: float = 0.0  # displayed values every this many seconds (0: not asked)
    classes: tuple[int, ...] = (0,)
    pleth: bool = False
    requests: int = 0  # host requests understood
    _inbox: bytes = b""
    _next_values_s: float = 0.0
    _number: int = 0

    def receive(self, data: bytes) -> None:
        """Bytes the host wrote: framed request records."""
        parts = (self._inbox + data).split(s5_wire.FLAG_BYTE)
        self._inbox = parts.pop()[-4096:]
        for part in parts:
            record = s5_wire.unframe(part) if part else None
            if record is not None:
                self._request(record)

    def _request(self, record: bytes) -> None:
        _, main, _, _, subrecords = s5_wire.parse_header(record)
        if not subrecords or subrecords[0][1] != s5_wire.SUB_REQUEST or len(record) < 49:
            return
        body = record[s5_wire.HEADER_LEN :]
        if main == s5_wire.MAIN_PHDB and body[0] == s5_wire.SUB_DISPLAYED:
            interval, bits = struct.unpack_from("<hI", body, 1)
            self.interval_s = float(max(0, interval))
            # bit 0 refuses the basic class, bits 1-3 ask for the extension classes
            basic = () if bits & 1 else (0,)
            self.classes = basic + tuple(c for c in (1, 2, 3) if bits >> c & 1)
            self._next_values_s = 0.0
            self.requests += 1
        elif main == s5_wire.MAIN_WAVE and len(body) >= 12:
            start = struct.unpack_from("<h", body)[0] == 0  # 0 starts, 1 stops
            kinds = body[4:12]  # waveform types, the list ending at 0xFF
            end = kinds.find(0xFF)
            self.pleth = start and encoders.S5_PLETH in (kinds if end < 0 else kinds[:end])
            self.requests += 1

    def hang_up(self) -> None:
        """The cable was pulled: whatever the host asked for ends."""
        self.interval_s, self.pleth, self._inbox = 0.0, False, b""

    def step(self, sim_s: float, state: SimState) -> tuple[bytes, float]:
        if not self.interval_s and not self.pleth:
            return b"", 0.1
        t_dev = self.device_time(sim_s, state)
        v = self.vitals(sim_s, state)
        out = bytearray()
        if self.pleth:
            hr = float(v.pr or v.hr)
            samples = [
                encoders.S5_INVALID
                if v.sensor_off
                else (pleth_sample(sim_s + i / 100.0, hr) - 128) * 4
                for i in range(100)
            ]
            out += encoders.s5_frame(encoders.s5_wave_record(samples, t_dev, self._next()))
        if self.interval_s and sim_s >= self._next_values_s:
            cuff = self.last_cuff(sim_s, state)
            record = encoders.s5_values_record(v, t_dev, self._next(), cuff, self.classes)
            out += encoders.s5_frame(record)
            self._next_values_s = sim_s + self.interval_s
        return bytes(out), 1.0

    def _next(self) -> int:
        self._number += 1
        return self._number


def make_source(protocol: str, start: datetime, t0_offset_min: float, seed: int = 1) -> Source:
    """The source for ``protocol`` ("masimo", "nonin", "ivy", "hl7", "s5")."""
    kinds: dict[str, Callable[..., Source]] = {
        "masimo": MasimoSource,
        "nonin": NoninSource,
        "ivy": IvySource,
        "hl7": Hl7Source,
        "s5": S5Source,
    }
    return kinds[protocol](start=start, t0_offset_min=t0_offset_min, seed=seed)


class Link(Protocol):
    """Where the simulated device's bytes go."""

    def write(self, data: bytes) -> None: ...

    def read_available(self) -> bytes: ...

    def hang_up(self) -> None: ...

    def reconnect(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class PtyLink:
    """A pseudo-terminal whose slave is published under a stable symlink ``path``."""

    path: Path
    dropped: int = 0
    _master: int = -1
    _spare_slave: int = -1
    slave_name: str = ""

    def __post_init__(self) -> None:
        self.reconnect()

    def reconnect(self) -> None:
        if self._master >= 0:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._spare_slave = master, slave  # spare slave: master never sees EIO
        self.slave_name = os.ttyname(slave)
        fresh = self.path.with_name(self.path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
        os.symlink(self.slave_name, fresh)
        os.replace(fresh, self.path)

    def hang_up(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for fd in (self._master, self._spare_slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._spare_slave = -1

    def write(self, data: bytes) -> None:
        if self._master < 0:
            self.dropped += len(data)
            return
        try:
            written = os.write(self._master, data)
        except BlockingIOError:  # nobody reads: the pty buffer is full, bytes are lost
            written = 0
        self.dropped += len(data) - written

    def read_available(self) -> bytes:
        if self._master < 0:
            return b""
        try:
            return os.read(self._master, 4096)
        except (BlockingIOError, OSError):
            return b""

    def close(self) -> None:
        self.hang_up()


@dataclass
class TcpLink:
    """An MLLP client socket to an HL7 listener; reconnects on the next write after a failure."""

    host: str
    port: int
    acks: int = 0
    naks: int = 0
    _sock: socket.socket | None = None
    _pulled: bool = False
    _retry_at: float = 0.0
    _inbox: bytes = field(default=b"")

    def reconnect(self) -> None:
        self._pulled = False
        self._connect()

    def _connect(self) -> None:
        if self._sock is not None or self._pulled or time.monotonic() < self._retry_at:
            return
        try:
            sock = socket.create_connection((self.host, self.port), timeout=2.0)
        except OSError:
            self._retry_at = time.monotonic() + 0.5
            return
        sock.setblocking(False)
        self._sock = sock

    def write(self, data: bytes) -> None:
        self._connect()
        if self._sock is None:
            return
        try:
            self._sock.setblocking(True)
            self._sock.sendall(data)
            self._sock.setblocking(False)
        except OSError:
            self._drop()

    def read_available(self) -> bytes:
        if self._sock is None:
            return b""
        try:
            data = self._sock.recv(65536)
        except BlockingIOError:
            return b""
        except OSError:
            self._drop()
            return b""
        if not data:
            self._drop()
            return b""
        self._inbox += data
        while b"\x1c\x0d" in self._inbox:
            ack, _, self._inbox = self._inbox.partition(b"\x1c\x0d")
            if b"MSA|AA" in ack or b"MSA|CA" in ack:
                self.acks += 1
            else:
                self.naks += 1
        return data

    def _drop(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._retry_at = time.monotonic() + 0.5

    def hang_up(self) -> None:
        self._pulled = True
        self._drop()

    def close(self) -> None:
        self.hang_up()
