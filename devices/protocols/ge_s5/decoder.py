"""S5Decoder: the S/5 computer interface's record stream turned into Vigil readings and pleth."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from devices.base import (
    DEVICE_TIME_REJECTED,
    DEVICE_YEARS,
    Decoded,
    DecoderStats,
    OnceLog,
    Reading,
    WaveformChunk,
)
from devices.protocols.ge_s5.wire import (
    CLASS_BLOCK,
    FIELDS,
    FLAG_BYTE,
    HEADER_LEN,
    INVALID_LIMIT,
    MAIN_PHDB,
    MAIN_WAVE,
    MAX_ESCAPED,
    PHDB_SUBRECORD_LEN,
    PLETH_RATE_HZ,
    SUB_DISPLAYED,
    WAVE_NAMES,
    WAVE_PLETH,
    parse_header,
    phdb_class,
    samples_struct,
    unframe,
    wave_count,
)
from devices.vocabulary import PARAMETERS, Parameter

__all__ = ["S5Decoder"]

_log = logging.getLogger(__name__)

# Fields Vigil maps (or uses to convert): the rest are counted as unknown when they carry a value.
_USED = frozenset(
    {"ecg.hr", "ecg.imp_rr", "nibp.sys", "nibp.dia", "nibp.mean", "t1.temp"}
    | {"spo2.spo2", "spo2.pr", "co2.et", "co2.rr", "co2.amb_press"}
)
_UNUSED = tuple((name, *where) for name, where in FIELDS.items() if name not in _USED)
_Target = tuple[Parameter, str, float, float, int, int, int]


def _target(param: Parameter, field: str) -> _Target:
    """Parameter, unit, physical bounds, and where its field sits in the class block."""
    info = PARAMETERS[param]
    status, word, divisor = FIELDS[field]
    return (param, info.unit, info.minimum, info.maximum, status, word, divisor)


_SIMPLE = (  # one field, one parameter
    _target(Parameter.HR, "ecg.hr"),
    _target(Parameter.SPO2, "spo2.spo2"),
    _target(Parameter.PR, "spo2.pr"),
)
_NIBP = (
    _target(Parameter.NIBP_SYS, "nibp.sys"),
    _target(Parameter.NIBP_DIA, "nibp.dia"),
    _target(Parameter.NIBP_MEAN, "nibp.mean"),
)
_RR_CO2 = _target(Parameter.RR, "co2.rr")
_RR_ECG = _target(Parameter.RR, "ecg.imp_rr")  # impedance respiration: when no capnograph
_TEMP = _target(Parameter.TEMP, "t1.temp")
_ETCO2 = _target(Parameter.ETCO2, "co2.et")
_AMB = FIELDS["co2.amb_press"][1]
_NIBP_STATUS = _NIBP[0][4]
_NIBP_WORDS = tuple(t[5] for t in _NIBP)
_TIME_REJECTED = (DEVICE_TIME_REJECTED,)
_new = tuple.__new__  # builds a Reading without the Python-level NamedTuple __new__


class S5Decoder:
    """Splits the stream at flags, checks each record and maps its displayed values.

    Bytes before the first flag (the port opened mid-frame) are skipped as one resync; a frame
    that fails the checksum or length check, or whose subrecords do not fit, is a bad frame and
    costs nothing else: the next frame's own flags delimit it. From each displayed-values record
    (basic class) come HR, SpO2, pulse rate, NIBP (keyed by its values: the monitor repeats the
    last cuff reading), respiration rate (capnograph, else ECG impedance), EtCO2 converted from
    % to mmHg with the record's own ambient pressure (only with a capnograph rate: no breath, no
    end-tidal value) and T1, stamped with the record time; from wave records, the 100 Hz pleth.
    Other values the monitor fills in are counted once as unknown fields ("group.field").
    """

    def __init__(self, *, device_years: tuple[int, int] = DEVICE_YEARS) -> None:
        self.stats = DecoderStats()
        self._years = device_years
        self._pending = b""
        self._synced = False  # a flag has been seen: bytes between flags are frames
        self._skip_counted = False  # the current stretch of skipped bytes was counted
        self._bad_run = False  # the previous frame was bad (one resync per run)
        self._unused = _UNUSED  # unmapped fields not yet seen with a value
        self._time = -1
        self._t_device: datetime | None = None
        self._log_once = OnceLog(_log)

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._pending + data if self._pending else bytes(data)
        if not self._synced:
            first = buf.find(FLAG_BYTE)
            if first != 0 and buf:
                self._skipping()
            if first < 0:
                self._pending = b""
                return out
            self._synced, self._skip_counted = True, False
            buf = buf[first + 1 :]
        parts = buf.split(FLAG_BYTE)
        self._pending = parts.pop()
        for part in parts:
            if part:
                self._frame(part, out)
        if len(self._pending) > MAX_ESCAPED:
            self._bad("long", "S/5: over-long frame without a closing flag discarded")
            self._pending, self._synced, self._skip_counted = b"", False, True
        return out

    def _skipping(self) -> None:
        if not self._skip_counted:
            self._skip_counted = True
            self.stats.resyncs += 1

    def _bad(self, key: str, message: str) -> None:
        self.stats.bad_frames += 1
        if not self._bad_run:
            self._bad_run = True
            self.stats.resyncs += 1
        self._log_once(key, message)

    def _frame(self, part: bytes, out: list[Decoded]) -> None:
        record = unframe(part)
        if record is None:
            self._bad("frame", "S/5: frame with a wrong checksum or length skipped")
            return
        time, main, _, _, subrecords = parse_header(record)
        size = len(record)
        if main == MAIN_PHDB:
            if any(not HEADER_LEN <= s <= size - PHDB_SUBRECORD_LEN for s, _ in subrecords):
                self._bad("phdb", "S/5: values record with a subrecord that does not fit")
                return
            self._good()
            for position, (start, kind) in enumerate(subrecords):
                cls = phdb_class(record, start, position)
                if kind != SUB_DISPLAYED:
                    self._unknown(f"phdb{kind}", "S/5: values subrecord type %s not used")
                elif cls == 0:
                    self._basic(record, start + 4, self._device_time(time), out)
                else:
                    self._unknown(f"ext{cls}", "S/5: extension class %s not used", known=True)
        elif main == MAIN_WAVE:
            counts = [wave_count(record, start) for start, _ in subrecords]
            if -1 in counts:
                self._bad("wave", "S/5: waveform record with a subrecord that does not fit")
                return
            self._good()
            for (start, kind), count in zip(subrecords, counts, strict=True):
                if kind != WAVE_PLETH:
                    name = WAVE_NAMES.get(kind)
                    if name is None:
                        self._unknown(f"wave{kind}", "S/5: unknown waveform type %s counted")
                    else:
                        self._unknown(name, "S/5: waveform %s not used", known=True)
                    continue
                samples = samples_struct(count).unpack_from(record, start + 6)
                if samples and min(samples) > INVALID_LIMIT:  # no pleth marked invalid
                    out.append(_new(WaveformChunk, ("pleth", PLETH_RATE_HZ, samples)))
        else:
            self._good()
            self._unknown(f"record{main}", "S/5: record type %s counted as unknown")

    def _good(self) -> None:
        self.stats.good_frames += 1
        self._bad_run = False

    def _device_time(self, seconds: int) -> datetime | None:
        """The record's time, or None when the monitor's clock is implausible (readings kept)."""
        if seconds != self._time:
            self._time = seconds
            t = datetime.fromtimestamp(seconds, UTC)
            low, high = self._years
            self._t_device = t if low <= t.year <= high else None
            if self._t_device is None:
                self.stats.times_rejected += 1
        return self._t_device

    def _unknown(self, name: str, message: str, *, known: bool = False) -> None:
        """Count ``name`` once; a field the interface defines but Vigil does not use is info."""
        if self.stats.note_unknown(name):
            if known:
                _log.info(message, name)
            else:
                self._log_once("unknown:" + name, message, name)

    def _basic(self, record: bytes, block: int, t: datetime | None, out: list[Decoded]) -> None:
        w = CLASS_BLOCK.unpack_from(record, block)
        stats = self.stats
        for param, unit, low, high, status, word, divisor in _SIMPLE:
            raw = w[word]
            if raw > INVALID_LIMIT and w[status] & 3 == 3:
                self._emit(param, unit, low, high, raw / divisor, t, None, out)
        if w[_NIBP_STATUS] & 3 == 3 and all(w[i] > INVALID_LIMIT for i in _NIBP_WORDS):
            key = "nibp:" + "/".join(f"{w[i] / 100:g}" for i in _NIBP_WORDS)
            for param, unit, low, high, _, word, divisor in _NIBP:
                self._emit(param, unit, low, high, w[word] / divisor, t, key, out)
        co2_rr = w[_RR_CO2[5]] > INVALID_LIMIT and w[_RR_CO2[4]] & 3 == 3
        rr = _RR_CO2 if co2_rr else _RR_ECG
        param, unit, low, high, status, word, divisor = rr
        if w[word] > INVALID_LIMIT and w[status] & 3 == 3:
            self._emit(param, unit, low, high, w[word] / divisor, t, None, out)
        param, unit, low, high, status, word, divisor = _ETCO2
        if co2_rr and w[word] > INVALID_LIMIT:
            if w[_AMB] > INVALID_LIMIT:  # % of the ambient pressure (0.1 mmHg units) → mmHg
                value = round(w[word] * w[_AMB] / 100_000, 1)
                self._emit(param, unit, low, high, value, t, None, out)
            else:
                self._log_once("amb", "S/5: EtCO2 without an ambient pressure not converted")
        param, unit, low, high, status, word, divisor = _TEMP
        if w[word] > INVALID_LIMIT and w[status] & 3 == 3:
            self._emit(param, unit, low, high, w[word] / divisor, t, None, out)
        if self._unused:
            seen = [
                name
                for name, status, word, _ in self._unused
                if w[word] > INVALID_LIMIT and (status < 0 or w[status] & 3 == 3)
            ]
            if seen:
                for name in seen:
                    self._unknown(name, "S/5: value %s not used (counted as unknown)", known=True)
                self._unused = tuple(u for u in self._unused if u[0] not in stats.unknown_fields)

    def _emit(
        self,
        param: Parameter,
        unit: str,
        low: float,
        high: float,
        value: float,
        t: datetime | None,
        key: str | None,
        out: list[Decoded],
    ) -> None:
        if low <= value <= high:
            flags = () if t is not None else _TIME_REJECTED
            out.append(_new(Reading, (param, value, unit, t, flags, key)))
        else:
            self.stats.out_of_range += 1
            self._log_once("range:" + param, "S/5: impossible %s=%s dropped", param.value, value)
