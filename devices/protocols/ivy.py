"""Ivy Biomedical 450C "ANSAR-B" serial output: waveform block plus NAME=status;value;… lines."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from devices.base import Decoded, DecoderStats, DriverInfo, OnceLog, Reading, SerialDefaults
from devices.vocabulary import PARAMETERS, Parameter

__all__ = ["DRIVER", "HEADER", "WAVEFORM_LEN", "IvyDecoder", "parse_field"]

_log = logging.getLogger(__name__)

#: Every message starts with this header: two marker bytes and the tag.
HEADER = b"\xfe\xffANSAR-B "
#: Length of the binary waveform block between the header and the text lines (as observed in
#: the real capture: 350 samples and 50 bytes of 0xFB padding, in every one of its messages).
WAVEFORM_LEN = 400
_TAG = b"ANSAR-B "
_MAX_TEXT = 2048  # a real text section is about 150 bytes
_NAME = re.compile(rb"[A-Z][A-Z0-9]{0,7}")
_PRINTABLE = bytes(range(0x20, 0x7F))
_NUMBER = re.compile(rb"[0-9]+(?:\.[0-9]+)?")

# Fields Vigil knows and deliberately does not map (invasive pressures, a second temperature).
_IGNORED = frozenset({"P1", "P2", "T2"})

_HUNT, _WAVE, _TEXT = 0, 1, 2

_Target = tuple[Parameter, str, float, float]  # parameter, unit, physical minimum and maximum


def _target(param: Parameter, unit: str) -> _Target:
    info = PARAMETERS[param]
    return (param, unit, info.minimum, info.maximum)


# Fields with one value (the first after the status) and what it is.
_SIMPLE: dict[str, _Target] = {
    "HR": _target(Parameter.HR, "/min"),
    "RR": _target(Parameter.RR, "/min"),
    "ETCO2": _target(Parameter.ETCO2, "mmHg"),
    "T1": _target(Parameter.TEMP, "°C"),
}
_SPO2 = _target(Parameter.SPO2, "%")
_PR = _target(Parameter.PR, "/min")
_NIBP_TARGETS = (
    _target(Parameter.NIBP_SYS, "mmHg"),
    _target(Parameter.NIBP_DIA, "mmHg"),
    _target(Parameter.NIBP_MEAN, "mmHg"),
)
_CACHE_MAX = 4096
_UNSEEN = -1.0  # a sentinel: _value never gives a negative number
_new = tuple.__new__  # builds a Reading without the Python-level NamedTuple __new__


def _value(raw: bytes) -> float | None:
    raw = raw.strip()
    if not raw or _NUMBER.fullmatch(raw) is None:
        return None
    return float(raw)


@lru_cache(maxsize=64)
def _name(raw: bytes) -> str | None:
    return raw.decode("ascii") if _NAME.fullmatch(raw) else None


def parse_field(line: bytes) -> tuple[str, list[bytes]] | None:
    """Split ``NAME=status;v1;v2;…;`` into the name and its ``;`` parts (status first)."""
    raw_name, sep, rest = line.partition(b"=")
    if not sep or not rest.endswith(b";") or rest.translate(None, _PRINTABLE):
        return None  # no "=", no final ";", or bytes that are not printable ASCII
    name = _name(raw_name)
    if name is None:
        return None
    parts = rest[:-1].split(b";")
    status = parts[0]
    if status and not status.isdigit():
        return None
    return name, parts


class IvyDecoder:
    """Finds each ``FE FF "ANSAR-B "`` header, skips the waveform block, parses the text lines.

    Readings are emitted line by line as each CR arrives; a message is counted
    (``stats.good_frames``) when its text section ends (at the next header's first byte). Bytes
    before the first header (the port was opened mid-message) are skipped as one resync. NIBP
    readings carry ``measurement_key`` = the values themselves (the device gives no measurement
    time), so a repeated reading is recognisable and a change of values is a new measurement.
    """

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self.messages = 0
        self._pending = b""
        self._state = _HUNT
        self._skip = 0  # waveform bytes still to skip
        self._lines_ok = 0  # good lines in the current message
        self._text_len = 0
        self._started = False  # a header has been seen
        self._hunt_counted = False  # the current stretch of skipped bytes was counted
        self._log_once = OnceLog(_log)
        self._numbers: dict[bytes, float | None] = {}  # raw value text → number (or absent)

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._pending + data if self._pending else bytes(data)
        pos = 0
        n = len(buf)
        while pos < n:
            if self._state == _HUNT:
                i = buf.find(HEADER, pos)
                if i < 0:
                    # keep a tail that may be the start of a header
                    keep = max(pos, n - len(HEADER) + 1)
                    if keep > pos:
                        self._skipped(buf, pos, keep)
                    pos = keep
                    break
                if i > pos:
                    self._skipped(buf, pos, i)
                pos = i + len(HEADER)
                self._state = _WAVE
                self._skip = WAVEFORM_LEN
                self._started = True
                self._hunt_counted = False
            elif self._state == _WAVE:
                take = min(self._skip, n - pos)
                again = buf.find(HEADER, pos, pos + take + len(HEADER) - 1)
                if again >= 0:  # a header inside the waveform: the previous one was cut short
                    self.stats.bad_frames += 1
                    self._log_once("cut", "Ivy: message cut short by a new header")
                    pos = again
                    self._state = _HUNT
                    continue
                pos += take
                self._skip -= take
                if self._skip == 0:
                    self._state = _TEXT
                    self._lines_ok = 0
                    self._text_len = 0
            else:
                pos = self._text(buf, pos, out)
                if pos < 0:  # need more bytes
                    pos = -pos - 1
                    break
        self._pending = buf[pos:]
        return out

    def _skipped(self, buf: bytes, start: int, end: int) -> None:
        if not self._hunt_counted:
            self._hunt_counted = True
            self.stats.resyncs += 1
            if self._started:
                self._log_once("garbage", "Ivy: bytes outside a message skipped")

    def _text(self, buf: bytes, pos: int, out: list[Decoded]) -> int:
        """Consume text lines from ``pos``; return the new position, or -(pos+1) to wait."""
        n = len(buf)
        while pos < n:
            b = buf[pos]
            if b in (0xFE, 0xFF):  # the next message's header: this message is complete
                self._end_message()
                return pos
            cr = buf.find(b"\r", pos)
            marker = buf.find(b"\xfe", pos, cr if cr >= 0 else n)
            if marker >= 0:  # a line cut short by the next message's header
                self._abandon()
                return marker
            if cr < 0:
                if n - pos + self._text_len > _MAX_TEXT:
                    self._abandon()
                    return n
                return -(pos + 1)
            line = buf[pos:cr]
            self._text_len += cr + 1 - pos
            pos = cr + 1
            if self._text_len > _MAX_TEXT or not self._line(line, out):
                self._abandon()
                return pos
        return pos

    def _end_message(self) -> None:
        if self._lines_ok:
            self.stats.good_frames += 1
            self.messages += 1
        else:
            self.stats.bad_frames += 1
            self._log_once("empty", "Ivy: message without any readable line")
        self._state = _HUNT

    def _abandon(self) -> None:
        self.stats.bad_frames += 1
        self.stats.resyncs += 1
        self._hunt_counted = True
        self._log_once("badline", "Ivy: unreadable text line, waiting for the next header")
        self._state = _HUNT

    def _line(self, line: bytes, out: list[Decoded]) -> bool:
        parsed = parse_field(line)
        if parsed is None:
            return False
        self._lines_ok += 1
        name, parts = parsed
        simple = _SIMPLE.get(name)
        if simple is not None:  # HR, RR, ETCO2, T1: one value
            if len(parts) > 1:
                self._emit(simple, parts[1], out, None)
        elif name == "SPO2":
            if len(parts) > 1:
                self._emit(_SPO2, parts[1], out, None)
            for extra in parts[2:]:
                key, sep, raw = extra.partition(b"=")
                if sep and key.strip() == b"PR":
                    self._emit(_PR, raw, out, None)
        elif name == "NIBP":
            self._nibp(parts[1:], out)
        elif self.stats.note_unknown(name):  # bounded
            if name in _IGNORED:
                _log.info("Ivy: field %s is not used by Vigil (counted as unknown)", name)
            else:
                self._log_once("field:" + name, "Ivy: unknown field %s counted", name)
        return True

    def _number(self, raw: bytes) -> float | None:
        numbers = self._numbers
        value = numbers.get(raw, _UNSEEN)
        if value is _UNSEEN:
            if len(numbers) >= _CACHE_MAX:
                numbers.clear()
            value = numbers[raw] = _value(raw)
        return value

    def _emit(self, target: _Target, raw: bytes, out: list[Decoded], key: str | None) -> None:
        value = self._number(raw)
        if value is None:
            return
        param, unit, low, high = target
        if low <= value <= high:  # False for NaN too
            out.append(_new(Reading, (param, value, unit, None, (), key)))
        else:
            self.stats.out_of_range += 1
            self._log_once("range:" + param, "Ivy: impossible %s=%s dropped", param.value, value)

    def _nibp(self, vals: list[bytes], out: list[Decoded]) -> None:
        numbers = [self._number(v) for v in vals[:3]]
        if all(v is None for v in numbers):
            return
        shown = "/".join("-" if v is None else f"{v:g}" for v in numbers)
        key = f"nibp:{shown}"
        for target, raw in zip(_NIBP_TARGETS, vals, strict=False):
            self._emit(target, raw, out, key)


DRIVER = DriverInfo(
    name="ivy",
    title="Ivy Biomedical 450C (ANSAR-B serial output)",
    serial=SerialDefaults(baudrate=9600, bytesize=8, parity="N", stopbits=1),
    expected_period_s=10.0,
    help_text=(
        "Connect the Ivy 450C serial port (9600 baud, 8N1) and select the ANSAR-B output. "
        "Vigil reads HR, SpO2 and pulse rate, NIBP, respiration rate, EtCO2 and T1; invasive "
        "pressures are not used."
    ),
    decoder_factory=IvyDecoder,
)
