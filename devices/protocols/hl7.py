"""HL7 v2 ORU^R01 (IHE PCD-01) over MLLP: framing, OBX parsing by MDC mnemonic, and ACKs."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from console.domain.vitals import PARAMETERS, Parameter
from devices.base import Decoded, DecoderStats, DriverInfo, OnceLog, Reading, SerialDefaults

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
#: DTM text → its datetime (or None), for the texts seen lately (a message repeats its time).
_TS_SEEN: dict[str, datetime | None] = {}
#: "YYYYMMDDHHMM" + zone offset → that minute, for ``YYYYMMDDHHMMSS[+/-ZZZZ]`` texts: a new
#: second costs a lookup and an addition instead of a full parse.
_TS_MINUTES: dict[str, datetime] = {}


def parse_ts(text: str) -> datetime | None:
    """An HL7 TS/DTM (``YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]``) as an aware datetime.

    A time without a zone offset is the sender's local time; it is taken as the host's local
    zone (the same room and clock). Returns None for an empty or malformed value.
    """
    try:
        return _TS_SEEN[text]
    except KeyError:
        pass
    found: datetime | None = None
    second = _SECONDS.get(text[12:14])
    size = len(text)
    by_minute = second is not None and (size == 14 or (size == 19 and text[14] in "+-"))
    if by_minute:
        minute = _TS_MINUTES.get(text[:12] + text[14:])
        if minute is not None and second is not None:
            found = minute + second
    if found is None:
        found = _parse_ts(text)
        if found is not None and second is not None and by_minute:
            if len(_TS_MINUTES) >= _CACHE_MAX:
                _TS_MINUTES.clear()
            _TS_MINUTES[text[:12] + text[14:]] = found - second
    if len(_TS_SEEN) >= _CACHE_MAX:
        _TS_SEEN.clear()
    _TS_SEEN[text] = found
    return found


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

    __slots__ = ("bad_obx", "out_of_range", "readings", "unknown")

    def __init__(self) -> None:
        self.readings: list[Decoded] = []
        self.unknown: set[str] = set()
        self.bad_obx = 0
        self.out_of_range = 0


def _parse_message(payload: bytes) -> tuple[_Parse, bytes]:
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
    idents = _IDENTS.get(comp)
    if idents is None:
        idents = _IDENTS.setdefault(comp, {})
    for seg in segments[1:]:
        fields = seg.split(fs)
        name = fields[0]
        if name == "OBR":
            obr_time = parse_ts(fields[7].split(comp)[0]) if len(fields) > 7 else None
        elif name == "OBX":
            obx_seen += 1
            reading = _obx(fields, comp, obr_time, result, idents)
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
#: Per component separator: OBX-3 text → (parameter or None, label for an unknown one).
_IDENTS: dict[str, dict[str, tuple[Parameter | None, str]]] = {}
#: OBX-5 text → its number, or None when it is not a plain decimal number.
_NUMBERS: dict[str, float | None] = {}
#: (OBX-6 text, component separator) → "kpa", "fahr" or "" (the unit needs no conversion).
_UNITS: dict[tuple[str, str], str] = {}
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


def _number(raw: str) -> float | None:
    """A plain decimal number (``72``, ``-1.5``, ``.5``); None for anything else; cached."""
    value = float(raw) if _NUMERIC.fullmatch(raw) is not None else None
    if len(_NUMBERS) >= _CACHE_MAX:
        _NUMBERS.clear()
    _NUMBERS[raw] = value
    return value


def _unit_kind(unit: str, comp: str) -> str:
    units = {u.strip() for u in unit.split(comp)}
    kind = "kpa" if units & _KPA else "fahr" if units & _FAHR else ""
    if len(_UNITS) >= _CACHE_MAX:
        _UNITS.clear()
    _UNITS[unit, comp] = kind
    return kind


def _obx(
    fields: list[str],
    comp: str,
    obr_time: datetime | None,
    result: _Parse,
    idents: dict[str, tuple[Parameter | None, str]],
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
    if raw in _NUMBERS:
        value = _NUMBERS[raw]
    else:
        raw = raw.strip()
        if not raw:
            return None
        value = _NUMBERS.get(raw, 0.0) if raw in _NUMBERS else _number(raw)
    if value is None:
        result.bad_obx += 1
        return None
    unit = fields[6]
    if unit and param not in _NATIVE_UNIT_OK:
        kind = _UNITS.get((unit, comp))
        if kind is None:
            kind = _unit_kind(unit, comp)
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
    t_device = parse_ts(obs_text) if obs_text else None
    if obs_text and t_device is None:
        result.bad_obx += 1
    if t_device is None:
        t_device = obr_time
    flags: tuple[str, ...] = ()
    if "APERIODIC" in fields[17]:
        flags = ("aperiodic",)
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


def handle_message(payload: bytes) -> tuple[list[Decoded], bytes]:
    """Parse one HL7 message (without MLLP framing); return its readings and the framed ACK.

    Never raises: a message without MSH, or of another type than ORU^R01, is answered with
    ``MSA|AR`` and its reason (MSA-3 and an ERR segment) and gives no readings.
    """
    try:
        result, ack = _parse_message(payload)
    except Exception:  # a parser bug must not take the listener down; answer AE
        _log.exception("HL7: unexpected error while parsing a message")
        return [], _ack(
            None, "AE", "message could not be processed", "207^Application internal error^HL70357"
        )
    return result.readings, ack


class Hl7Decoder:
    """MLLP stream framer (serial line or TCP) that parses each ORU^R01 and queues its ACK.

    ``stats.good_frames`` counts messages answered AA; ``bad_frames`` counts messages answered
    AE/AR, truncated messages and over-long ones; ``resyncs`` counts stretches of bytes outside
    ``0x0B … 0x1C 0x0D``.
    """

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._pending = b""
        self._replies: list[bytes] = []
        self._log_once = OnceLog(_log)

    def take_replies(self) -> list[bytes]:
        """The ACKs owed to the sender since the last call, in order (MLLP-framed)."""
        replies, self._replies = self._replies, []
        return replies

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._pending + data if self._pending else bytes(data)
        pos = 0
        n = len(buf)
        stats = self.stats
        while pos < n:
            start = buf.find(START_BLOCK, pos)
            if start < 0:
                if buf[pos:].strip(b"\r\n\x00 "):
                    stats.resyncs += 1
                    self._log_once("garbage", "HL7: bytes outside MLLP framing skipped")
                pos = n
                break
            if start > pos and buf[pos:start].strip(b"\r\n\x00 "):
                stats.resyncs += 1
                self._log_once("garbage", "HL7: bytes outside MLLP framing skipped")
            end = buf.find(END_BLOCK, start + 1)
            restart = buf.find(START_BLOCK, start + 1)
            if restart >= 0 and (end < 0 or restart < end):
                stats.bad_frames += 1  # a message cut short by a new start block
                self._log_once("truncated", "HL7: truncated MLLP message discarded")
                pos = restart
                continue
            if end < 0:
                if n - start > MAX_MESSAGE:
                    stats.bad_frames += 1
                    self._log_once("long", "HL7: over-long MLLP message discarded")
                    pos = n
                else:
                    pos = start
                break
            self._message(buf[start + 1 : end], out)
            pos = end + len(END_BLOCK)
        self._pending = buf[pos:]
        return out

    def _message(self, payload: bytes, out: list[Decoded]) -> None:
        try:
            result, ack = _parse_message(payload)
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
        for name in result.unknown:
            if name not in stats.unknown_fields:
                stats.unknown_fields.add(name)
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
