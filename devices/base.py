"""The driver contract shared by every protocol: immutable readings out, a decoder fed with bytes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from devices.vocabulary import Parameter

# Reading, WaveformChunk and DeviceEvent are built by the thousand per second in the parsers, so
# they are NamedTuples (a frozen dataclass costs ~2 µs each: object.__setattr__ per field).
# They keep dataclass semantics where it matters: immutable, keyword or positional construction,
# and equality/hash only between two items of the same class (a Reading never equals a plain
# tuple or a DeviceEvent with the same contents). A hot path may build one with
# ``tuple.__new__(Reading, (parameter, value, unit, t_device, flags, measurement_key))``.


#: Years a device clock may plausibly read; a device time outside them is dropped (the reading
#: is kept, with no device time and the DEVICE_TIME_REJECTED flag). A clinic can pass its own.
DEVICE_YEARS: tuple[int, int] = (2000, 2100)
DEVICE_TIME_REJECTED = "device_time_rejected"  # the flag on a Reading whose device time was dropped
MAX_UNKNOWN_FIELDS = 64  # distinct unknown field names a decoder keeps (and logs) at most


def plausible_time(t: datetime | None, years: tuple[int, int] = DEVICE_YEARS) -> bool:
    """True when ``t`` lies within ``years`` (inclusive) and converts to UTC without overflow."""
    if t is None:
        return False
    low, high = years
    if not low <= t.year <= high:
        return False
    try:
        t.astimezone(UTC)
    except (OverflowError, ValueError, OSError):
        return False
    return True


class Reading(NamedTuple):
    """One numeric value decoded from a device.

    ``t_device`` is the time the device stamped on the value (timezone-aware; a device clock
    without a zone is taken as naive local time and given ``None`` here unless the driver knows
    better). ``measurement_key`` identifies a discrete measurement (a cuff inflation) so that a
    value the device repeats in every message is stored once.
    """

    parameter: Parameter
    value: float
    unit: str
    t_device: datetime | None = None
    flags: tuple[str, ...] = ()
    measurement_key: str | None = None

    def __eq__(self, other: object) -> bool:
        return type(other) is Reading and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class WaveformChunk(NamedTuple):
    """A run of waveform samples (e.g. the 75 Hz pleth) in device units."""

    name: str  # "pleth"
    rate_hz: float
    samples: tuple[int, ...]

    def __eq__(self, other: object) -> bool:
        return type(other) is WaveformChunk and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class DeviceEvent(NamedTuple):
    """A status condition reported by the device: sensor off, no sensor, low perfusion, alarm bits."""

    code: str  # e.g. "sensor_off", "no_sensor", "low_perfusion", "artifact"
    active: bool = True
    detail: str = ""

    def __eq__(self, other: object) -> bool:
        return type(other) is DeviceEvent and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


Decoded = Reading | WaveformChunk | DeviceEvent


class OnceLog:
    """Logs each kind of input problem once per decoder (unknown fields, odd codes), not per frame."""

    __slots__ = ("_limit", "_logger", "_seen")

    def __init__(self, logger: logging.Logger, limit: int = 256) -> None:
        self._logger = logger
        self._seen: set[str] = set()
        self._limit = limit  # distinct keys remembered; past it, further new keys are not logged

    def __call__(self, key: str, message: str, *args: object) -> None:
        if key in self._seen:
            return
        if len(self._seen) >= self._limit:
            if "(limit)" not in self._seen:
                self._seen.add("(limit)")
                self._logger.warning("(more input problems of new kinds are not logged)")
            return
        self._seen.add(key)
        self._logger.warning(message, *args)


@dataclass(slots=True)
class DecoderStats:
    """Frame counters shown in the device status panel."""

    good_frames: int = 0
    bad_frames: int = 0
    resyncs: int = 0
    unknown_fields: set[str] = field(default_factory=set)
    out_of_range: int = 0  # values dropped because they lie outside the physical bounds
    unknown_dropped: int = 0  # unknown field names not kept (past MAX_UNKNOWN_FIELDS)
    times_rejected: int = 0  # device times dropped as implausible (the readings were kept)

    def note_unknown(self, name: str) -> bool:
        """Count an unknown field name; True when it is new and kept (the set stays bounded)."""
        if name in self.unknown_fields:
            return False
        if len(self.unknown_fields) >= MAX_UNKNOWN_FIELDS:
            self.unknown_dropped += 1
            return False
        self.unknown_fields.add(name)
        return True


class Decoder(Protocol):
    """A framer plus a pure parser: bytes in (any chunking), decoded items out. Never raises on input."""

    stats: DecoderStats

    def feed(self, data: bytes) -> list[Decoded]: ...


class Replying(Protocol):
    """A decoder that must answer the device (HL7 ACKs): the reader writes these bytes back."""

    def take_replies(self) -> list[bytes]: ...


@dataclass(frozen=True, slots=True)
class SerialDefaults:
    """Line settings a protocol expects on a serial port."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"  # pyserial parity constant: "N", "E", "O"
    stopbits: float = 1
    rtscts: bool = False
    xonxoff: bool = False


@dataclass(frozen=True, slots=True)
class DriverInfo:
    """What the connection dialog lists for a protocol, and how to build its decoder."""

    name: str  # short id used on the command line: "masimo", "nonin", "ivy", "hl7"
    title: str  # shown to the user
    serial: SerialDefaults
    expected_period_s: float  # a valid reading arrives at least this often; the watchdog uses it
    help_text: str
    decoder_factory: Callable[[], Decoder]  # builds a fresh decoder for one connection
    # Bytes the reader writes after every (re)connect, and again while the device stays silent:
    # the request of a monitor that streams only when asked (b"": the device just talks).
    connect_request: bytes = b""
