"""The driver contract shared by every protocol: immutable readings out, a decoder fed with bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from console.domain.vitals import Parameter


@dataclass(frozen=True, slots=True)
class Reading:
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


@dataclass(frozen=True, slots=True)
class WaveformChunk:
    """A run of waveform samples (e.g. the 75 Hz pleth) in device units."""

    name: str  # "pleth"
    rate_hz: float
    samples: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A status condition reported by the device: sensor off, no sensor, low perfusion, alarm bits."""

    code: str  # e.g. "sensor_off", "no_sensor", "low_perfusion", "artifact"
    active: bool = True
    detail: str = ""


Decoded = Reading | WaveformChunk | DeviceEvent


@dataclass(slots=True)
class DecoderStats:
    """Frame counters shown in the device status panel."""

    good_frames: int = 0
    bad_frames: int = 0
    resyncs: int = 0
    unknown_fields: set[str] = field(default_factory=set)
    out_of_range: int = 0  # values dropped because they lie outside the physical bounds


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
