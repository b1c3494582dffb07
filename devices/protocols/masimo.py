"""Masimo "ASCII 1" serial text output (Rad-8, Radical-7, Rad-5): a pure line parser."""

from __future__ import annotations

import logging
import re
from datetime import datetime, tzinfo

from console.domain.vitals import PARAMETERS, Parameter
from devices.base import (
    Decoded,
    DecoderStats,
    DeviceEvent,
    DriverInfo,
    Reading,
    SerialDefaults,
)

__all__ = [
    "ALARM_BITS",
    "DRIVER",
    "EXCEPTION_BITS",
    "MasimoDecoder",
    "parse_line",
]

_log = logging.getLogger(__name__)

#: EXC exception bits (hex) and the DeviceEvent code each one raises. 0x800 ("SET running")
#: is the normal state and raises nothing.
EXCEPTION_BITS: dict[int, str] = {
    0x001: "no_sensor",
    0x002: "defective_sensor",
    0x004: "low_perfusion",
    0x008: "pulse_search",
    0x010: "interference",
    0x020: "sensor_off",
    0x040: "ambient_light",
    0x080: "unrecognised_sensor",
    0x400: "low_signal_iq",
}
_EXC_NORMAL = 0x800 | 0x100 | 0x200  # SET running, and two bits with no published meaning

#: ALARM bits (hex) and their DeviceEvent codes.
ALARM_BITS: dict[int, str] = {
    0x01: "alarm_spo2_high",
    0x02: "alarm_spo2_low",
    0x04: "alarm_pr_high",
    0x08: "alarm_pr_low",
    0x10: "alarm_active",
    0x20: "alarm_silenced",
    0x40: "low_battery",
}

# Keys the Masimo output is known to carry but which Vigil does not map to a parameter.
_KNOWN_UNMAPPED = frozenset(
    {b"SN", b"SPCO", b"SPMET", b"DESAT", b"PIDELTA", b"PVI", b"SPHB", b"SPOC", b"RESVD", b"EXC1"}
)
_KNOWN = _KNOWN_UNMAPPED | {b"SPO2", b"BPM", b"PI", b"EXC", b"ALARM"}
_STAMP = re.compile(rb"\d\d/\d\d/\d\d \d\d:\d\d:\d\d(?= |$)")
_MAX_LINE = 1024  # a real line is about 150 bytes; anything longer is garbage
# (field, parameter, unit, physical minimum, physical maximum)
_VALUES = tuple(
    (key, param, PARAMETERS[param].unit, PARAMETERS[param].minimum, PARAMETERS[param].maximum)
    for key, param in ((b"SPO2", Parameter.SPO2), (b"BPM", Parameter.PR), (b"PI", Parameter.PI))
)


class _LocalZones:
    """Caches the host's local zone per wall-clock hour (mktime is slow; 1 lookup an hour)."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int, int, int], tzinfo | None] = {}

    def zone(self, year: int, month: int, day: int, hour: int) -> tzinfo | None:
        key = (year, month, day, hour)
        found = self._cache.get(key)
        if found is None and key not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            found = datetime(year, month, day, hour).astimezone().tzinfo
            self._cache[key] = found
        return found


_ZONES = _LocalZones()


def _parse_stamp(line: bytes) -> datetime | None:
    """MM/DD/YY HH:MM:SS as naive *host local* time, returned timezone-aware (None if invalid).

    The Masimo clock carries no zone: we take it as the host's local wall time (the device is
    set by hand from the same clock on the wall) and attach the host's local UTC offset for that
    hour, so the value compares correctly with the host's UTC receive time.
    """
    try:
        year = 2000 + int(line[6:8])
        mo = int(line[0:2])
        dd = int(line[3:5])
        hh = int(line[9:11])
        zone = _ZONES.zone(year, mo, dd, hh)
        return datetime(year, mo, dd, hh, int(line[12:14]), int(line[15:17]), tzinfo=zone)
    except (ValueError, OverflowError, OSError):
        return None


def _number(raw: bytes) -> float | None:
    """A value such as ``098%``, ``20.00%``, ``064``; dashes (or anything unparsable) → None."""
    raw = raw.rstrip(b"%")
    if not raw or b"-" in raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def _hex(raw: bytes) -> int | None:
    if not raw or b"-" in raw:
        return None
    try:
        return int(raw, 16)
    except ValueError:
        return None


def _fields(rest: bytes) -> dict[bytes, bytes] | None:
    """``KEY=value`` items of a line (after the stamp); None when one is not ``KEY=value``."""
    items = rest.split()
    n = len(items)
    if rest.count(b"=") == n and b" =" not in rest and b"\t" not in rest and rest[:1] != b"=":
        flat = rest.replace(b"=", b" ").split()
        if len(flat) == 2 * n:  # every item is exactly KEY=value with both non-empty
            return dict(zip(flat[0::2], flat[1::2], strict=True))
    fields: dict[bytes, bytes] = {}
    for item in items:
        key, sep, raw = item.partition(b"=")
        if not sep or not key:
            return None  # a bare word: not an ASCII 1 line (or a corrupt one)
        fields[key] = raw
    return fields


def parse_line(line: bytes) -> tuple[datetime, dict[bytes, bytes]] | None:
    """Split one line (without CRLF) into its device time and raw ``KEY: value`` fields.

    Returns None when it is not a complete ASCII 1 line: it must start with the
    ``MM/DD/YY HH:MM:SS`` stamp (a line cut at the front never does), hold only ``KEY=value``
    items, and carry at least one of SPO2, BPM or PI.
    """
    if _STAMP.match(line) is None:
        return None
    t_device = _parse_stamp(line)
    if t_device is None:
        return None
    fields = _fields(line[17:])
    if fields is None or not (b"SPO2" in fields or b"BPM" in fields or b"PI" in fields):
        return None
    return t_device, fields


class MasimoDecoder:
    """Frames CRLF lines and parses them; status bits become edge-triggered DeviceEvents.

    The first line after start is dropped when it does not parse as a complete line (the port
    was opened mid-line). EXC/ALARM conditions are reported when they appear (active=True) and
    when they clear (active=False), not repeated every second; readings carry the active
    exception codes as flags.
    """

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._pending = b""
        self._first = True
        self._exc_active: frozenset[str] = frozenset()
        self._alarm_active: frozenset[str] = frozenset()
        self._exc_raw: bytes | None = None  # last EXC text seen: unchanged means no new events
        self._alarm_raw: bytes | None = None
        self._flags: tuple[str, ...] = ()
        self._logged: set[str] = set()

    def _log_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._logged:
            self._logged.add(key)
            _log.warning(message, *args)

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._pending + data if self._pending else bytes(data)
        lines = buf.split(b"\n")
        self._pending = lines.pop()
        if len(self._pending) > _MAX_LINE:
            self.stats.bad_frames += 1
            self.stats.resyncs += 1
            self._log_once("long", "Masimo: over-long line without CRLF discarded")
            self._pending = b""
            self._first = False
        for raw in lines:
            line = raw.rstrip(b"\r")
            if not line:
                continue
            self._line(line, out)
        return out

    def _line(self, line: bytes, out: list[Decoded]) -> None:
        parsed = parse_line(line) if len(line) <= _MAX_LINE else None
        first = self._first
        self._first = False
        stats = self.stats
        if parsed is None:
            if first:
                stats.resyncs += 1  # the partial line the port was opened in
            else:
                stats.bad_frames += 1
                self._log_once("bad", "Masimo: unparsable line skipped: %r", line[:80])
            return
        stats.good_frames += 1
        t_device, fields = parsed
        unknown = fields.keys() - _KNOWN
        if unknown:
            for key in unknown:
                self._note_unknown(key.decode("ascii", "replace"))
        exc_raw = fields.get(b"EXC")
        if exc_raw is not None and exc_raw != self._exc_raw:
            self._exc_raw = exc_raw
            self._exception_bits(_hex(exc_raw), out)
        alarm_raw = fields.get(b"ALARM")
        if alarm_raw is not None and alarm_raw != self._alarm_raw:
            self._alarm_raw = alarm_raw
            self._alarm_bits(_hex(alarm_raw), out)
        flags = self._flags if exc_raw is not None else ()
        for key, param, unit, low, high in _VALUES:
            raw = fields.get(key)
            if raw is None:
                continue
            value = _number(raw)
            if value is None:
                continue
            if low <= value <= high:
                out.append(Reading(param, value, unit, t_device, flags))
            else:
                stats.out_of_range += 1
                self._log_once(
                    "range:" + param, "Masimo: impossible %s=%s dropped", param.value, value
                )

    def _exception_bits(self, exc: int | None, out: list[Decoded]) -> None:
        if exc is None:
            return
        active = frozenset(code for bit, code in EXCEPTION_BITS.items() if exc & bit)
        unknown_bits = exc & ~(_EXC_NORMAL | sum(EXCEPTION_BITS))
        if unknown_bits:
            self._note_unknown(f"EXC:{unknown_bits:#x}")
        self._exc_active = self._edges(self._exc_active, active, out)
        self._flags = tuple(sorted(active))

    def _alarm_bits(self, alarm: int | None, out: list[Decoded]) -> None:
        if alarm is None:
            return
        active = frozenset(code for bit, code in ALARM_BITS.items() if alarm & bit)
        unknown_bits = alarm & ~sum(ALARM_BITS)
        if unknown_bits:
            self._note_unknown(f"ALARM:{unknown_bits:#x}")
        self._alarm_active = self._edges(self._alarm_active, active, out)

    def _note_unknown(self, name: str) -> None:
        if name not in self.stats.unknown_fields:
            self.stats.unknown_fields.add(name)
            self._log_once("bits:" + name, "Masimo: unknown status bits %s counted", name)

    @staticmethod
    def _edges(before: frozenset[str], now: frozenset[str], out: list[Decoded]) -> frozenset[str]:
        if now != before:
            out.extend(DeviceEvent(code, True) for code in sorted(now - before))
            out.extend(DeviceEvent(code, False) for code in sorted(before - now))
        return now


DRIVER = DriverInfo(
    name="masimo",
    title="Masimo Rad-8 / Radical-7 / Rad-5 (ASCII 1 serial output)",
    serial=SerialDefaults(baudrate=9600, bytesize=8, parity="N", stopbits=1),
    expected_period_s=10.0,
    help_text=(
        "Connect the oximeter's serial output (9600 baud, 8N1, no flow control). "
        "The Rad-8 ships in 'ASCII 2' output mode: switch it to 'ASCII 1' in the device's "
        "serial-output settings, or Vigil will receive nothing it can read. Radical-7 and "
        "Rad-5: select the ASCII 1 (text) serial output."
    ),
    decoder_factory=MasimoDecoder,
)
