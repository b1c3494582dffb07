"""HL7 v2 ORU^R01 (IHE PCD-01) over MLLP: framing, OBX parsing by MDC mnemonic, and ACKs."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from devices.base import (
    DEVICE_TIME_REJECTED,
    DEVICE_YEARS,
    Decoded,
    DecoderStats,
    DriverInfo,
    OnceLog,
    Reading,
    SerialDefaults,
    plausible_time,
)
from devices.vocabulary import PARAMETERS, Parameter

__all__ = [
    "DEFAULT_TCP_PORT",
    "DRIVER",
    "END_BLOCK",
    "MDC_CODES",
    "MDC_MNEMONICS",
    "START_BLOCK",
    "Hl7Decoder",
    "frame",
    "handle_message",
    "parse_ts",
]

_log = logging.getLogger(__name__)

DEFAULT_TCP_PORT = 2575  # the IANA-registered HL7 port; the listener binds to loopback
START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
MAX_MESSAGE = 1 << 20  # 1 MiB: larger is not a monitor's ORU

#: MDC reference id → parameter. Mapped first: vendors disagree on the numeric codes.
MDC_MNEMONICS: dict[str, Parameter] = {
    "MDC_ECG_HEART_RATE": Parameter.HR,
    "MDC_PULS_OXIM_PULS_RATE": Parameter.PR,
    "MDC_PULS_RATE_NON_INV": Parameter.PR,
    "MDC_PULS_OXIM_SAT_O2": Parameter.SPO2,
    "MDC_PRESS_BLD_NONINV_SYS": Parameter.NIBP_SYS,
    "MDC_PRESS_BLD_NONINV_DIA": Parameter.NIBP_DIA,
    "MDC_PRESS_BLD_NONINV_MEAN": Parameter.NIBP_MEAN,
    "MDC_PRESS_CUFF_SYS": Parameter.NIBP_SYS,
    "MDC_PRESS_CUFF_DIA": Parameter.NIBP_DIA,
    "MDC_PRESS_CUFF_MEAN": Parameter.NIBP_MEAN,
    "MDC_TTHOR_RESP_RATE": Parameter.RR,
    "MDC_RESP_RATE": Parameter.RR,
    "MDC_CO2_RESP_RATE": Parameter.RR,
    "MDC_AWAY_CO2_ET": Parameter.ETCO2,
    "MDC_TEMP_BODY": Parameter.TEMP,
    "MDC_TEMP": Parameter.TEMP,
    "MDC_BLD_PERF_INDEX": Parameter.PI,
}

#: ISO/IEEE 11073-10101 numeric codes (partition × 65536 + term), used when no mnemonic matches.
MDC_CODES: dict[str, Parameter] = {
    "147842": Parameter.HR,  # MDC_ECG_HEART_RATE
    "149530": Parameter.PR,  # MDC_PULS_OXIM_PULS_RATE
    "150456": Parameter.SPO2,  # MDC_PULS_OXIM_SAT_O2
    "150021": Parameter.NIBP_SYS,  # MDC_PRESS_BLD_NONINV_SYS
    "150022": Parameter.NIBP_DIA,
    "150023": Parameter.NIBP_MEAN,
    "150301": Parameter.NIBP_SYS,  # MDC_PRESS_CUFF_SYS
    "150302": Parameter.NIBP_DIA,
    "150303": Parameter.NIBP_MEAN,
    "151562": Parameter.RR,  # MDC_RESP_RATE
    "151578": Parameter.RR,  # MDC_TTHOR_RESP_RATE
    "151594": Parameter.RR,  # MDC_CO2_RESP_RATE
    "151708": Parameter.ETCO2,  # MDC_AWAY_CO2_ET
    "150364": Parameter.TEMP,  # MDC_TEMP_BODY
    "150344": Parameter.TEMP,  # MDC_TEMP
    "150488": Parameter.PI,  # MDC_BLD_PERF_INDEX
}

_NIBP = frozenset({Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN})
_UNIT = {
    Parameter.HR: "/min",
    Parameter.PR: "/min",
    Parameter.SPO2: "%",
    Parameter.PI: "%",
    Parameter.NIBP_SYS: "mmHg",
    Parameter.NIBP_DIA: "mmHg",
    Parameter.NIBP_MEAN: "mmHg",
    Parameter.RR: "/min",
    Parameter.ETCO2: "mmHg",
    Parameter.TEMP: "°C",
}
_PRESSURE = frozenset({Parameter.ETCO2, *_NIBP})
_NATIVE_UNIT_OK = frozenset(set(Parameter) - _PRESSURE - {Parameter.TEMP})
_BOUNDS = {p: (info.minimum, info.maximum) for p, info in PARAMETERS.items()}
_KPA = frozenset({"MDC_DIM_KILO_PASCAL", "kPa", "268.0", "268"})
_FAHR = frozenset({"MDC_DIM_FAHR", "[degF]", "degF"})
_TS = re.compile(
    r"(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(?:\.(\d{1,4}))?(?:([+-])(\d\d)(\d\d))?"
)
_CACHE_MAX = 4096  # entries in each of the parse caches below (cleared when full)
_SPECIAL = re.compile(r"[\\|^&~\r]")
_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _local_zone(naive: datetime) -> tzinfo | None:
    return naive.astimezone().tzinfo


@lru_cache(maxsize=64)
def _offset_zone(sign: str, hours: int, minutes: int) -> tzinfo | None:
    """The fixed zone for a ``+HHMM``/``-HHMM`` offset (None when it is a day or more)."""
    offset = timedelta(hours=hours, minutes=minutes)
    if offset >= timedelta(hours=24):
        return None
    return timezone(-offset if sign == "-" else offset)


#: The seconds of a DTM ("00" … "59") → their offset within the minute.
_SECONDS = {f"{s:02d}": timedelta(seconds=s) for s in range(60)}


def parse_ts(text: str) -> datetime | None:
    """An HL7 TS/DTM (``YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]``) as an aware datetime.

    A time without a zone offset is the sender's local time; it is taken as the host's local
    zone (the same room and clock). Returns None for an empty or malformed value. Not cached:
    a parser (``Hl7Parser``) keeps its own caches.
    """
    return _parse_ts(text)


def _parse_ts(text: str) -> datetime | None:
    """parse_ts without its caches."""
    text = text.strip()
    m = _TS.fullmatch(text)
    if m is None:
        return None
    year, mo, dd, hh, mi, ss, frac, sign, zh, zm = m.groups()
    try:
        naive = datetime(
            int(year),
            int(mo or 1),
            int(dd or 1),
            int(hh or 0),
            int(mi or 0),
            int(ss or 0),
            int((frac or "0").ljust(6, "0")[:6]),
        )
        if sign:
            zone = _offset_zone(sign, int(zh), int(zm))
            return None if zone is None else naive.replace(tzinfo=zone)
        return naive.replace(tzinfo=_local_zone(naive))
    except (ValueError, OverflowError, OSError):
        return None


@lru_cache(maxsize=2)
def _now_ts(second: int) -> str:
    """The host's local time as an HL7 DTM with offset (computed once a second)."""
    return datetime.fromtimestamp(second).astimezone().strftime("%Y%m%d%H%M%S%z")


def frame(message: bytes) -> bytes:
    """Wrap one HL7 message in MLLP framing."""
    return START_BLOCK + message + END_BLOCK


class _Msh:
    __slots__ = ("control_id", "field_sep", "message_type", "receiver", "sender", "version")

    def __init__(self, fields: list[str], comp: str) -> None:
        if len(fields) < 12:
            fields = fields + _PAD[len(fields) : 12]
        # fields[0] = "MSH", fields[1] = encoding characters; MSH-n is fields[n - 1].
        self.field_sep = "|"
        self.sender = (fields[2], fields[3])  # MSH-3 application, MSH-4 facility
        self.receiver = (fields[4], fields[5])
        self.message_type = fields[8].split(comp)
        self.control_id = fields[9]
        self.version = fields[11].split(comp)[0] or "2.6"


def _ack(msh: _Msh | None, code: str, reason: str = "", error: str = "") -> bytes:
    """A complete MLLP-framed ACK: MSA|AA, or AE/AR with the reason in MSA-3 and an ERR."""
    now = _now_ts(int(time.time()))
    control = _esc(msh.control_id) if msh is not None else ""
    version = msh.version if msh is not None else "2.6"
    trigger = msh.message_type[1] if msh is not None and len(msh.message_type) > 1 else "R01"
    to_app, to_fac = msh.sender if msh is not None else ("", "")
    head, tail = _ack_parts(to_app, to_fac, now, trigger, version)
    segments = [
        f"{head}{control}{tail}",
        f"MSA|{code}|{control}" + (f"|{_esc(reason)}" if reason else ""),
    ]
    if error:
        segments.append(f"ERR|||{error}|E|||{_esc(reason)}")
    return frame(("\r".join(segments) + "\r").encode("utf-8", "replace"))


@lru_cache(maxsize=64)
def _ack_parts(to_app: str, to_fac: str, now: str, trigger: str, version: str) -> tuple[str, str]:
    """The ACK's MSH around its control id: the same for every message of a second."""
    return (
        f"MSH|^~\\&|VIGIL|VIGIL|{_esc(to_app)}|{_esc(to_fac)}|{now}||ACK^{_esc(trigger)}^ACK|A",
        f"|P|{_esc(version)}",
    )


def _esc(text: str) -> str:
    if not _SPECIAL.search(text):
        return text
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
        .replace("\r", " ")
    )


class _Parse:
    """Results and counters of parsing one message."""

    __slots__ = ("bad_obx", "out_of_range", "readings", "times_rejected", "unknown")

    def __init__(self) -> None:
        self.readings: list[Decoded] = []
        self.unknown: set[str] = set()
        self.bad_obx = 0
        self.out_of_range = 0
        self.times_rejected = 0  # device times dropped as implausible (the readings are kept)


def _parse_message(payload: bytes, p: Hl7Parser) -> tuple[_Parse, bytes]:
    result = _Parse()
    text = payload.decode("utf-8", "replace")
    text = text.strip("\r\n\x0b\x1c")
    if "\n" in text:  # CRLF or LF segment ends (a non-conforming sender): normalise
        text = text.replace("\r\n", "\r").replace("\n", "\r")
    segments = [s for s in text.split("\r") if s]
    if not segments or not segments[0].startswith("MSH") or len(segments[0]) < 8:
        return result, _ack(None, "AR", "no MSH segment", "100^Segment sequence error^HL70357")
    msh_text = segments[0]
    fs = msh_text[3]
    enc = msh_text[4:8] if len(msh_text) >= 8 else "^~\\&"
    comp = enc[0]
    msh = _Msh(msh_text.split(fs), comp)
    kind = msh.message_type[:2]
    if kind != ["ORU", "R01"]:
        shown = comp.join(kind) or "(empty)"
        return result, _ack(
            msh,
            "AR",
            f"unsupported message type {shown}: only ORU^R01 is accepted",
            "200^Unsupported message type^HL70357",
        )
    obr_time: datetime | None = None
    nibp_untimed: list[Reading] = []
    obx_seen = 0
    idents = p.idents.get(comp)
    if idents is None:
        idents = p.idents.setdefault(comp, {})
    obr_rejected = False
    for seg in segments[1:]:
        fields = seg.split(fs)
        name = fields[0]
        if name == "OBR":
            obr_time, obr_rejected = p.device_time(
                fields[7].split(comp)[0] if len(fields) > 7 else ""
            )
            result.times_rejected += obr_rejected
        elif name == "OBX":
            obx_seen += 1
            reading = _obx(fields, comp, obr_time, obr_rejected, result, idents, p)
            if reading is not None:
                if reading.parameter in _NIBP and reading.measurement_key is None:
                    nibp_untimed.append(reading)
                else:
                    result.readings.append(reading)
    if nibp_untimed:
        values = {r.parameter: r.value for r in nibp_untimed}
        shown = "/".join(
            f"{values[p]:g}" if p in values else "-"
            for p in (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)
        )
        key = f"nibp:{shown}"
        result.readings.extend(
            Reading(r.parameter, r.value, r.unit, r.t_device, r.flags, key) for r in nibp_untimed
        )
    if obx_seen and result.bad_obx == obx_seen:
        return result, _ack(
            msh, "AE", "no OBX segment could be read", "207^Application internal error^HL70357"
        )
    return result, _ack(msh, "AA")


_PAD = [""] * 18
_REJECTED = datetime.min  # a parser cache's mark for a device time refused as implausible
_new = tuple.__new__  # builds a Reading without the Python-level NamedTuple __new__


def _ident(
    text: str, comp: str, idents: dict[str, tuple[Parameter | None, str]]
) -> tuple[Parameter | None, str]:
    """OBX-3 → its parameter (mnemonic first, then the alternates and numeric codes); cached."""
    ident = text.split(comp)
    param = MDC_MNEMONICS.get(ident[1]) if len(ident) > 1 else None
    if param is None:
        param = _lookup(ident)
    label = (ident[1] if len(ident) > 1 and ident[1] else ident[0]) or "(empty)"
    if len(idents) >= _CACHE_MAX:
        idents.clear()
    found = idents[text] = (param, label)
    return found


def _number(raw: str, numbers: dict[str, float | None]) -> float | None:
    """A plain decimal number (``72``, ``-1.5``, ``.5``); None for anything else; cached."""
    value = float(raw) if _NUMERIC.fullmatch(raw) is not None else None
    if len(numbers) >= _CACHE_MAX:
        numbers.clear()
    numbers[raw] = value
    return value


def _unit_kind(unit: str, comp: str, units_seen: dict[tuple[str, str], str]) -> str:
    units = {u.strip() for u in unit.split(comp)}
    kind = "kpa" if units & _KPA else "fahr" if units & _FAHR else ""
    if len(units_seen) >= _CACHE_MAX:
        units_seen.clear()
    units_seen[unit, comp] = kind
    return kind


def _obx(
    fields: list[str],
    comp: str,
    obr_time: datetime | None,
    obr_rejected: bool,
    result: _Parse,
    idents: dict[str, tuple[Parameter | None, str]],
    p: Hl7Parser,
) -> Reading | None:
    if len(fields) < 18:
        fields = fields + _PAD[len(fields) :]
    value_type = fields[2]
    if value_type not in ("NM", "SN", ""):
        return None  # text, waveform (NA/MA) or coded values: not a numeric vital sign
    ident = fields[3]
    param, label = idents.get(ident) or _ident(ident, comp, idents)
    if param is None:
        result.unknown.add(f"OBX:{label}")
        return None
    status = fields[11]
    if status in ("X", "D", "W"):  # cannot be obtained / deleted / wrong: absent
        return None
    raw = fields[5]
    if value_type == "SN":  # structured numeric: <comparator>^<num>
        parts = raw.split(comp)
        raw = parts[1] if len(parts) > 1 else parts[0]
    numbers = p.numbers
    if raw in numbers:
        value = numbers[raw]
    else:
        raw = raw.strip()
        if not raw:
            return None
        value = numbers.get(raw, 0.0) if raw in numbers else _number(raw, numbers)
    if value is None:
        result.bad_obx += 1
        return None
    unit = fields[6]
    if unit and param not in _NATIVE_UNIT_OK:
        kind = p.units.get((unit, comp))
        if kind is None:
            kind = _unit_kind(unit, comp, p.units)
        if kind == "kpa" and param in _PRESSURE:
            value = round(value * 7.50062, 1)
        elif kind == "fahr" and param is Parameter.TEMP:
            value = round((value - 32.0) * 5.0 / 9.0, 2)
    low, high = _BOUNDS[param]
    if not low <= value <= high:
        result.out_of_range += 1
        return None
    obs_text = fields[14]
    if comp in obs_text:
        obs_text = obs_text.split(comp)[0]
    t_device, rejected = p.device_time(obs_text) if obs_text else (None, False)
    if rejected:
        result.times_rejected += 1
    elif obs_text and t_device is None:
        result.bad_obx += 1
    if t_device is None and not rejected:
        t_device, rejected = obr_time, obr_rejected
    flags: tuple[str, ...] = (DEVICE_TIME_REJECTED,) if rejected else ()
    if "APERIODIC" in fields[17]:
        flags = (*flags, "aperiodic")
    if status and status not in ("R", "F", "C", "P"):
        flags = (*flags, f"status_{status}")
    key = None
    if param in _NIBP and t_device is not None:
        key = _nibp_key(t_device, t_device.tzinfo)
    return _new(Reading, (param, value, _UNIT[param], t_device, flags, key))


@lru_cache(maxsize=64)
def _nibp_key(t_device: datetime, zone: tzinfo | None) -> str:
    """The NIBP measurement key for an OBX-14 time.

    The zone is part of the cache key: the same instant in two zones compares equal but prints
    differently.
    """
    return "nibp@" + t_device.isoformat()


def _lookup(ident: list[str]) -> Parameter | None:
    """Slow path: the alternate mnemonic (CWE-5), then the numeric codes (CWE-1, CWE-4)."""
    candidates = [ident[i].strip() for i in (1, 4) if len(ident) > i]
    for mnemonic in candidates:
        if mnemonic in MDC_MNEMONICS:
            return MDC_MNEMONICS[mnemonic]
    for code in (ident[i].strip() for i in (0, 3) if len(ident) > i):
        if code in MDC_CODES:
            return MDC_CODES[code]
    return None


class Hl7Parser:
    """Parses HL7 messages with caches of its own (times, identifiers, numbers, units).

    ``device_years``: a device time outside these years is dropped (the reading is kept with no
    device time and the ``device_time_rejected`` flag).
    """

    __slots__ = ("idents", "numbers", "ts_minutes", "ts_seen", "units", "years")

    def __init__(self, *, device_years: tuple[int, int] = DEVICE_YEARS) -> None:
        self.years = device_years
        #: DTM text → its datetime (None: malformed, _REJECTED: implausible), seen lately
        self.ts_seen: dict[str, datetime | None] = {}
        #: "YYYYMMDDHHMM" + zone offset → that minute, for ``YYYYMMDDHHMMSS[+/-ZZZZ]`` texts: a
        #: new second costs a lookup and an addition instead of a full parse
        self.ts_minutes: dict[str, datetime] = {}
        #: per component separator: OBX-3 text → (parameter or None, label for an unknown one)
        self.idents: dict[str, dict[str, tuple[Parameter | None, str]]] = {}
        #: OBX-5 text → its number, or None when it is not a plain decimal number
        self.numbers: dict[str, float | None] = {}
        #: (OBX-6 text, component separator) → "kpa", "fahr" or "" (no conversion needed)
        self.units: dict[tuple[str, str], str] = {}

    def device_time(self, text: str) -> tuple[datetime | None, bool]:
        """(the time, False), (None, False) when empty or malformed, (None, True) when the time
        parses but is not plausible (outside the years, or beyond what UTC can hold).
        """
        found = self.ts_seen.get(text, _REJECTED) if text in self.ts_seen else self._parse(text)
        if found is _REJECTED:
            return None, True
        return found, False

    def _parse(self, text: str) -> datetime | None:
        found: datetime | None = None
        second = _SECONDS.get(text[12:14])
        size = len(text)
        by_minute = second is not None and (size == 14 or (size == 19 and text[14] in "+-"))
        if by_minute:
            minute = self.ts_minutes.get(text[:12] + text[14:])
            if minute is not None and second is not None:
                found = minute + second
        if found is None:
            found = _parse_ts(text)
            if found is not None and not plausible_time(found, self.years):
                found = _REJECTED
            elif found is not None and second is not None and by_minute:
                if len(self.ts_minutes) >= _CACHE_MAX:
                    self.ts_minutes.clear()
                self.ts_minutes[text[:12] + text[14:]] = found - second
        if len(self.ts_seen) >= _CACHE_MAX:
            self.ts_seen.clear()
        self.ts_seen[text] = found
        return found

    def handle(self, payload: bytes) -> tuple[list[Decoded], bytes]:
        """Parse one HL7 message (without MLLP framing); return its readings and the framed ACK.

        Never raises: a message without MSH, or of another type than ORU^R01, is answered with
        ``MSA|AR`` and its reason (MSA-3 and an ERR segment) and gives no readings.
        """
        try:
            result, ack = _parse_message(payload, self)
        except Exception:  # a parser bug must not take the listener down; answer AE
            _log.exception("HL7: unexpected error while parsing a message")
            return [], _ack(
                None,
                "AE",
                "message could not be processed",
                "207^Application internal error^HL70357",
            )
        return result.readings, ack


def handle_message(payload: bytes) -> tuple[list[Decoded], bytes]:
    """``Hl7Parser().handle`` with a fresh parser (no cache shared between callers)."""
    return Hl7Parser().handle(payload)


def reject_too_long(head: bytes) -> bytes:
    """The MSA|AR for a message over MAX_MESSAGE, naming its control id when its head has one."""
    control = ""
    first = head.split(b"\r", 1)[0].decode("utf-8", "replace")
    if first.startswith("MSH") and len(first) > 8:
        fields = first.split(first[3])
        control = fields[9] if len(fields) > 9 else ""
    return _ack(
        _Msh(["MSH", "^~\\&", "", "", "", "", "", "", "ORU^R01", control], "^"),
        "AR",
        f"message over {MAX_MESSAGE} bytes",
        "100^Segment sequence error^HL70357",
    )


class Hl7Decoder:
    """MLLP stream framer (serial line or TCP) that parses each ORU^R01 and queues its ACK.

    ``stats.good_frames`` counts messages answered AA; ``bad_frames`` counts messages answered
    AE/AR, truncated messages and over-long ones (answered AR); ``resyncs`` counts stretches of
    bytes outside ``0x0B … 0x1C 0x0D``. Linear in the input however it is chunked: a partial
    message is searched only where new bytes arrived.
    """

    def __init__(self, *, device_years: tuple[int, int] = DEVICE_YEARS) -> None:
        self.stats = DecoderStats()
        self._parser = Hl7Parser(device_years=device_years)
        self._buf = bytearray()  # from the start block of a partial message (or empty)
        self._scanned = 1  # bytes of _buf already searched for the end and a new start
        self._skipping = False  # inside an over-long message: drop bytes up to its end block
        self._replies: list[bytes] = []
        self._log_once = OnceLog(_log)

    def take_replies(self) -> list[bytes]:
        """The ACKs owed to the sender since the last call, in order (MLLP-framed)."""
        replies, self._replies = self._replies, []
        return replies

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._buf
        stats = self.stats
        buf += data
        while buf:
            if self._skipping:
                end = buf.find(END_BLOCK)
                if end < 0:
                    del buf[:-1]  # the end block may straddle two reads
                    break
                del buf[: end + len(END_BLOCK)]
                self._skipping = False
                continue
            if buf[0] != START_BLOCK[0]:
                start = buf.find(START_BLOCK)
                garbage = buf[: start if start >= 0 else len(buf)]
                if garbage.strip(b"\r\n\x00 "):
                    stats.resyncs += 1
                    self._log_once("garbage", "HL7: bytes outside MLLP framing skipped")
                if start < 0:
                    buf.clear()
                    break
                del buf[:start]
                self._scanned = 1
            # buf starts with a start block: search only the bytes not searched yet
            end = buf.find(END_BLOCK, max(1, self._scanned - 1))
            restart = buf.find(START_BLOCK, self._scanned, end if end >= 0 else len(buf))
            if restart >= 0:
                stats.bad_frames += 1  # a message cut short by a new start block
                self._log_once("truncated", "HL7: truncated MLLP message discarded")
                del buf[:restart]
                self._scanned = 1
                continue
            if end < 0:
                if len(buf) - 1 > MAX_MESSAGE:
                    self._too_long(bytes(buf[1:4096]))
                    del buf[:-1]
                    self._skipping = True
                    self._scanned = 1
                else:
                    self._scanned = len(buf)
                break
            if end - 1 > MAX_MESSAGE:
                self._too_long(bytes(buf[1:4096]))
            else:
                self._message(bytes(buf[1:end]), out)
            del buf[: end + len(END_BLOCK)]
            self._scanned = 1
        return out

    def _too_long(self, head: bytes) -> None:
        self.stats.bad_frames += 1
        self._log_once("long", "HL7: over-long MLLP message refused (AR)")
        self._replies.append(reject_too_long(head))

    def _message(self, payload: bytes, out: list[Decoded]) -> None:
        try:
            result, ack = _parse_message(payload, self._parser)
        except Exception:
            _log.exception("HL7: unexpected error while parsing a message")
            result, ack = _Parse(), _ack(None, "AE", "message could not be processed")
        self._replies.append(ack)
        stats = self.stats
        if b"MSA|AA|" in ack:
            stats.good_frames += 1
        else:
            stats.bad_frames += 1
            self._log_once("rejected", "HL7: message rejected: %r", ack[:200])
        stats.out_of_range += result.out_of_range
        if result.times_rejected:
            stats.times_rejected += result.times_rejected
            self._log_once("time", "HL7: implausible device times dropped (readings kept)")
        for name in result.unknown:
            if stats.note_unknown(name):
                self._log_once("field:" + name, "HL7: unmapped observation %s counted", name)
        out.extend(result.readings)


DRIVER = DriverInfo(
    name="hl7",
    title="HL7 v2 ORU^R01 over MLLP (IHE PCD-01: Mindray, Philips, GE, Edan, Comen …)",
    serial=SerialDefaults(baudrate=9600, bytesize=8, parity="N", stopbits=1),
    expected_period_s=30.0,
    help_text=(
        "Point the monitor's or gateway's HL7 output (ORU^R01, IHE PCD-01, MLLP framing) at "
        f"this computer, TCP port {DEFAULT_TCP_PORT}: as the port, type "
        f"mllp://127.0.0.1:{DEFAULT_TCP_PORT} to listen on this computer only (or "
        f"mllp://0.0.0.0:{DEFAULT_TCP_PORT} for a gateway on the network). A serial HL7 output "
        "is chosen like any other port. Every message is acknowledged."
    ),
    decoder_factory=Hl7Decoder,
)
