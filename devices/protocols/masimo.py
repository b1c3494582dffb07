"""Masimo "ASCII 1" serial text output (Rad-8, Radical-7, Rad-5): a pure line parser."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, tzinfo

from devices.base import (
    DEVICE_TIME_REJECTED,
    DEVICE_YEARS,
    Decoded,
    DecoderStats,
    DeviceEvent,
    DriverInfo,
    OnceLog,
    Reading,
    SerialDefaults,
)
from devices.vocabulary import PARAMETERS, Parameter

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
_MINUTE = re.compile(rb"\d\d/\d\d/\d\d \d\d:\d\d")
_MAX_LINE = 1024  # a real line is about 150 bytes; anything longer is garbage
# (field, parameter, unit, physical minimum, physical maximum)
_VALUES = tuple(
    (key, param, PARAMETERS[param].unit, PARAMETERS[param].minimum, PARAMETERS[param].maximum)
    for key, param in ((b"SPO2", Parameter.SPO2), (b"BPM", Parameter.PR), (b"PI", Parameter.PI))
)
#: The seconds field of a stamp ("00" … "59") → its offset within the minute.
_SECONDS: dict[bytes, timedelta] = {b"%02d" % s: timedelta(seconds=s) for s in range(60)}
#: Every byte except the field separators (space, "=") and the other ASCII whitespace: deleting
#: them leaves the line's skeleton, b" =" * n for a well-formed line of n ``KEY=value`` items.
_NOT_SEPARATOR = bytes(b for b in range(256) if b not in b" =\t\n\r\x0b\x0c")
_SKELETONS = tuple(b" =" * n for n in range(128))
_CACHE_MAX = 4096
_UNSEEN = -1.0  # a sentinel: no cached number is negative (_number never gives -x)
_new = tuple.__new__  # builds a Reading without the Python-level NamedTuple __new__


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


def _minute(head: bytes, minutes: dict[bytes, datetime], zones: _LocalZones) -> datetime | None:
    """``MM/DD/YY HH:MM`` as host local time, timezone-aware (None if invalid); cached in
    ``minutes`` (a decoder's own: a line arrives every second, so a stamp is one dict lookup
    plus adding its seconds).
    """
    found = minutes.get(head)
    if found is not None:
        return found
    if _MINUTE.fullmatch(head) is None:
        return None
    try:
        year = 2000 + int(head[6:8])
        mo = int(head[0:2])
        dd = int(head[3:5])
        hh = int(head[9:11])
        zone = zones.zone(year, mo, dd, hh)
        found = datetime(year, mo, dd, hh, int(head[12:14]), tzinfo=zone)
    except (ValueError, OverflowError, OSError):
        return None
    if len(minutes) >= _CACHE_MAX:
        minutes.clear()
    minutes[head] = found
    return found


def _parse_stamp(
    line: bytes, minutes: dict[bytes, datetime], zones: _LocalZones
) -> datetime | None:
    """MM/DD/YY HH:MM:SS as naive *host local* time, returned timezone-aware (None if invalid).

    The Masimo clock carries no zone: we take it as the host's local wall time (the device is
    set by hand from the same clock on the wall) and attach the host's local UTC offset for that
    hour, so the value compares correctly with the host's UTC receive time. The stamp must be
    followed by a space or the end of the line.
    """
    second = _SECONDS.get(line[15:17])
    if second is None or line[14:15] != b":" or line[17:18] not in (b" ", b""):
        return None
    minute = _minute(line[:14], minutes, zones)
    return None if minute is None else minute + second


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


def _flat(rest: bytes) -> list[bytes] | None:
    """``[key, value, key, value, …]`` when ``rest`` is exactly `` KEY=value`` items separated
    by single spaces, each with a non-empty key and value (the lines a device sends); else None.
    """
    flat = rest.replace(b"=", b" ").split()
    n = len(flat) >> 1
    if (
        len(flat) == 2 * n
        and n < len(_SKELETONS)
        and rest.translate(None, _NOT_SEPARATOR) == _SKELETONS[n]
    ):
        return flat
    return None


def _fields(rest: bytes) -> dict[bytes, bytes] | None:
    """``KEY=value`` items of a line (after the stamp); None when one is not ``KEY=value``."""
    flat = _flat(rest)
    if flat is not None:
        return dict(zip(flat[0::2], flat[1::2], strict=True))
    fields: dict[bytes, bytes] = {}
    for item in rest.split():
        key, sep, raw = item.partition(b"=")
        if not sep or not key:
            return None  # a bare word: not an ASCII 1 line (or a corrupt one)
        fields[key] = raw
    return fields


def parse_line(
    line: bytes,
    minutes: dict[bytes, datetime] | None = None,
    zones: _LocalZones | None = None,
) -> tuple[datetime, dict[bytes, bytes]] | None:
    """Split one line (without CRLF) into its device time and raw ``KEY: value`` fields.

    Returns None when it is not a complete ASCII 1 line: it must start with the
    ``MM/DD/YY HH:MM:SS`` stamp (a line cut at the front never does), hold only ``KEY=value``
    items, and carry at least one of SPO2, BPM or PI.
    """
    t_device = _parse_stamp(line, {} if minutes is None else minutes, zones or _LocalZones())
    if t_device is None:
        return None
    fields = _fields(line[17:])
    if fields is None or not (b"SPO2" in fields or b"BPM" in fields or b"PI" in fields):
        return None
    return t_device, fields


class _Layout:
    """Where the fields Vigil reads sit in a line's ``[key, value, …]`` list, for one key order.

    A device sends the same keys in the same order every second, so this is worked out once.
    """

    __slots__ = ("alarm", "exc", "keys", "size", "skeleton", "unknown", "values")

    def __init__(self, keys: tuple[bytes, ...]) -> None:
        self.keys = list(keys)
        where = {key: 2 * i + 1 for i, key in enumerate(keys)}  # the last one wins, as in a dict
        self.exc = where.get(b"EXC", 0)  # 0: absent (index 0 is always a key)
        self.alarm = where.get(b"ALARM", 0)
        self.values = tuple(
            (where[key], param, unit, low, high)
            for key, param, unit, low, high in _VALUES
            if key in where
        )
        self.size = 2 * len(keys)
        self.skeleton = b" =" * len(keys)  # the separators of a well-formed line
        self.unknown = sorted(where.keys() - _KNOWN)


_NO_LAYOUT = _Layout(())  # "no layout": matches no line (no line splits into -1 parts)
_NO_LAYOUT.size = -1


class MasimoDecoder:
    """Frames CRLF lines and parses them; status bits become edge-triggered DeviceEvents.

    The first line after start is dropped when it does not parse as a complete line (the port
    was opened mid-line). EXC/ALARM conditions are reported when they appear (active=True) and
    when they clear (active=False), not repeated every second; readings carry the active
    exception codes as flags.
    """

    def __init__(self, *, device_years: tuple[int, int] = DEVICE_YEARS) -> None:
        self.stats = DecoderStats()
        self._years = device_years
        self._minutes: dict[bytes, datetime] = {}  # this decoder's own caches
        self._zones = _LocalZones()
        self._pending = b""
        self._first = True
        self._exc_active: frozenset[str] = frozenset()
        self._alarm_active: frozenset[str] = frozenset()
        self._exc_raw: bytes | None = None  # last EXC text seen: unchanged means no new events
        self._alarm_raw: bytes | None = None
        self._flags: tuple[str, ...] = ()
        self._log_once = OnceLog(_log)
        self._layouts: dict[tuple[bytes, ...], _Layout] = {}
        self._numbers: dict[bytes, float | None] = {}  # raw value text → number (or absent)
        self._last = _NO_LAYOUT  # the layout of the last good line

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
        # The hot path, once a second per device, inlined here: the stamp's minute comes from a
        # cache, the line's layout is the last one seen (a device sends the same keys in the
        # same order every second) and brings the skeleton a well-formed line must have, the
        # value texts' numbers are cached too, and Readings are built straight from tuples.
        # Anything unusual (a new minute or key order, odd spacing, garbage) takes _general.
        stats = self.stats
        numbers = self._numbers
        seconds = _SECONDS
        minutes = self._minutes
        low_year, high_year = self._years
        t_device: datetime | None
        for ended in lines:
            line = ended.rstrip(b"\r")
            if not line:
                continue
            second = seconds.get(line[15:17])
            minute = minutes.get(line[:14])
            layout = self._last
            if (
                second is not None
                and minute is not None
                and line[14:18:3] == b": "  # ":" before the seconds, a space after them
                and len(line) <= _MAX_LINE
            ):
                rest = line[17:]
                flat = rest.replace(b"=", b" ").split()
                keys = flat[0::2]
                if keys != layout.keys:
                    layout = self._layouts.get(tuple(keys), _NO_LAYOUT)
                if (
                    len(flat) == layout.size
                    and rest.translate(None, _NOT_SEPARATOR) == layout.skeleton
                ):
                    t_device = minute + second
                    self._first = False
                else:
                    layout = _NO_LAYOUT
            else:
                layout = _NO_LAYOUT
            if layout is _NO_LAYOUT:
                parsed = self._general(line)
                if parsed is None:
                    continue
                flat, layout, t_device = parsed
            self._last = layout
            stats.good_frames += 1
            flags: tuple[str, ...] = ()
            if layout.exc:
                exc_raw = flat[layout.exc]
                if exc_raw != self._exc_raw:
                    self._exc_raw = exc_raw
                    self._exception_bits(_hex(exc_raw), out)
                flags = self._flags
            if t_device is not None and not low_year <= t_device.year <= high_year:
                t_device = None  # an implausible device clock: keep the values, drop the time
                flags = (*flags, DEVICE_TIME_REJECTED)
                stats.times_rejected += 1
            if layout.alarm:
                alarm_raw = flat[layout.alarm]
                if alarm_raw != self._alarm_raw:
                    self._alarm_raw = alarm_raw
                    self._alarm_bits(_hex(alarm_raw), out)
            for index, param, unit, low, high in layout.values:
                raw = flat[index]
                value = numbers.get(raw, _UNSEEN)
                if value is _UNSEEN:
                    if len(numbers) >= _CACHE_MAX:
                        numbers.clear()
                    value = numbers[raw] = _number(raw)
                if value is None:
                    continue
                if low <= value <= high:
                    out.append(_new(Reading, (param, value, unit, t_device, flags, None)))
                else:
                    stats.out_of_range += 1
                    self._log_once(
                        "range:" + param, "Masimo: impossible %s=%s dropped", param.value, value
                    )
        return out

    def _general(self, line: bytes) -> tuple[list[bytes], _Layout, datetime] | None:
        """Any line, validated from scratch (its minute and layout are cached for the next).

        Returns ``[key, value, …]``, its layout and the device time, or None (counted) when the
        line is not a complete ASCII 1 line.
        """
        parsed = parse_line(line, self._minutes, self._zones) if len(line) <= _MAX_LINE else None
        first = self._first
        self._first = False
        if parsed is not None:
            t_device, fields = parsed
            flat = [part for item in fields.items() for part in item]
            keys = tuple(flat[0::2])
            layout = self._layouts.get(keys) or self._new_layout(keys)
            return flat, layout, t_device  # parse_line ensured SPO2, BPM or PI is there
        if first:
            self.stats.resyncs += 1  # the partial line the port was opened in
        else:
            self.stats.bad_frames += 1
            self._log_once("bad", "Masimo: unparsable line skipped: %r", line[:80])
        return None

    def _new_layout(self, keys: tuple[bytes, ...]) -> _Layout:
        layout = _Layout(keys)
        for key in layout.unknown:
            self._note_unknown(key.decode("ascii", "replace"))
        if len(self._layouts) >= 64:
            self._layouts.clear()
        self._layouts[keys] = layout
        return layout

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
        if self.stats.note_unknown(name):  # bounded: a stream of new keys does not grow memory
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
