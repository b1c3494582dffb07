"""Nonin serial data formats #2 and #7 (5-byte frames, 25-frame packets): a pure packet parser."""

from __future__ import annotations

import logging
import re
import struct

from devices.base import (
    Decoded,
    DecoderStats,
    DeviceEvent,
    DriverInfo,
    OnceLog,
    Reading,
    SerialDefaults,
    WaveformChunk,
)
from devices.vocabulary import Parameter

__all__ = [
    "DRIVER",
    "FRAMES_PER_PACKET",
    "FRAME_LEN",
    "PACKET_LEN",
    "PLETH_RATE_HZ",
    "NoninDecoder",
    "heart_rate",
]

_log = logging.getLogger(__name__)

FRAME_LEN = 5
FRAMES_PER_PACKET = 25
PACKET_LEN = FRAME_LEN * FRAMES_PER_PACKET
PLETH_RATE_HZ = 75.0
HR_MISSING = 511
SPO2_MISSING = 127

# STATUS byte bits.
_SNSD = 0x40  # sensor disconnected
_ARTF = 0x20  # artifact
_OOT = 0x10  # out of track
_SNSA = 0x08  # sensor alarm
_STATUS_CODES = (
    (_SNSD, "sensor_off"),
    (_ARTF, "artifact"),
    (_OOT, "out_of_track"),
    (_SNSA, "sensor_alarm"),
)
_PERF_MASK = 0x06  # bits 2-1: 01 green, 10 red, 11 yellow
_PERF_RED = 0x04
_PERF_YELLOW = 0x06
_PERF_GREEN = 0x02
_PERF_RANK = {0: 0, _PERF_GREEN: 1, _PERF_YELLOW: 2, _PERF_RED: 3}

# Status byte translated so one bytes comparison checks a whole packet: bit 7 must be set
# everywhere, SYNC (bit 0) only on the first frame.  T[b] = bit7 | sync << 1.
_STATUS_CLASS = bytes(((b >> 7) & 1) | ((b & 1) << 1) for b in range(256))
_STATUS_EXPECTED = b"\x03" + b"\x01" * (FRAMES_PER_PACKET - 1)
_ONES = b"\x01" * FRAMES_PER_PACKET
# Bytes that can start a packet: a status byte with bit 7 and SYNC set.
_SYNC_CLASS = b"[" + b"".join(re.escape(bytes([b])) for b in range(256) if b & 0x81 == 0x81) + b"]"
_CANDIDATE = {2: re.compile(b"\x01" + _SYNC_CLASS), 7: re.compile(_SYNC_CLASS)}
_UNPACK7 = struct.Struct(">25H").unpack


def heart_rate(high: int, low: int) -> int:
    """The 9-bit heart rate split 2 + 7 bits over two DATA bytes (511 = missing)."""
    return ((high & 0x03) << 7) | (low & 0x7F)


class NoninDecoder:
    """Decodes format #2 (``fmt=2``) or #7 (``fmt=7``) one whole, checked packet at a time.

    A packet is accepted only when all 25 frames are well formed (bit 7 of STATUS set, SYNC on the
    first frame only, format #2's leading 0x01, every checksum). Anything else is counted as a
    bad frame and the decoder hunts forward byte by byte for the next SYNC frame, so garbage
    costs at most the packet it touches and the next complete packet after it is decoded.
    Per packet it emits the pulse rate (Parameter.PR, the oximeter's rate) and SpO2 when present,
    one 75 Hz pleth WaveformChunk, and DeviceEvents when a status condition starts or ends.
    """

    def __init__(self, fmt: int = 2) -> None:
        if fmt not in (2, 7):
            raise ValueError(f"Nonin data format must be 2 or 7, not {fmt}")
        self.stats = DecoderStats()
        self._fmt = fmt
        self._candidate = _CANDIDATE[fmt]
        self._pending = b""
        self._hunting = False  # True while skipping garbage (one resync counted per episode)
        self._status: int = 0  # status bits (sensor/artifact/oot/alarm) active in the last packet
        self._perf: int = 0
        self._log_once = OnceLog(_log)
        self.firmware_revision: int | None = None

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._pending + data if self._pending else bytes(data)
        n = len(buf)
        pos = 0
        fmt2 = self._fmt == 2
        stats = self.stats
        ones = _ONES
        status_class = _STATUS_CLASS
        expected = _STATUS_EXPECTED
        good = 0
        while n - pos >= PACKET_LEN:
            p = buf[pos : pos + PACKET_LEN]
            if fmt2:
                st = p[1::5]
                ok = p[0::5] == ones and st.translate(status_class) == expected
                if ok:
                    pl = p[2::5]
                    da = p[3::5]
                    ok = [
                        (1 + a + b + c) & 255 for a, b, c in zip(st, pl, da, strict=True)
                    ] == list(p[4::5])
            else:
                st = p[0::5]
                ok = st.translate(status_class) == expected
                if ok:
                    ph = p[1::5]
                    pl = p[2::5]
                    da = p[3::5]
                    ok = [
                        (s + a + b + c) & 255 for s, a, b, c in zip(st, ph, pl, da, strict=True)
                    ] == list(p[4::5])
            if ok:
                if self._hunting:
                    self._hunting = False
                good += FRAMES_PER_PACKET
                self._packet(st, pl if fmt2 else _pleth16(ph, pl), da, out)
                pos += PACKET_LEN
                continue
            # Not a whole valid packet here: count it once and hunt for the next SYNC frame.
            if not self._hunting:
                self._hunting = True
                stats.bad_frames += 1
                stats.resyncs += 1
                self._log_once("bad", "Nonin: corrupt or misaligned frame, resynchronising")
            m = self._candidate.search(buf, pos + 1)
            pos = m.start() if m is not None else max(pos + 1, n - 1)
        stats.good_frames += good
        self._pending = buf[pos:]
        return out

    def _packet(
        self, st: bytes, pleth: tuple[int, ...] | bytes, da: bytes, out: list[Decoded]
    ) -> None:
        status = 0
        perf = 0
        for s in set(st):
            status |= s
            p = s & _PERF_MASK
            if _PERF_RANK[p] > _PERF_RANK[perf]:
                perf = p  # the worst perfusion shown during the packet
        status &= _SNSD | _ARTF | _OOT | _SNSA
        if status != self._status:
            changed = status ^ self._status
            for bit, code in _STATUS_CODES:
                if changed & bit:
                    out.append(DeviceEvent(code, bool(status & bit)))
            self._status = status
        if perf and perf != self._perf:
            self._perf_events(perf, out)
        flags: tuple[str, ...] = ()
        if status:
            flags = tuple(code for bit, code in _STATUS_CODES if status & bit)
        if not status & _SNSD:
            hr = ((da[0] & 0x03) << 7) | (da[1] & 0x7F)
            if hr != HR_MISSING:
                if hr <= 350:
                    out.append(Reading(Parameter.PR, float(hr), "/min", None, flags))
                else:
                    self.stats.out_of_range += 1
            spo2 = da[2] & 0x7F
            if spo2 != SPO2_MISSING:
                if spo2 <= 100:
                    out.append(Reading(Parameter.SPO2, float(spo2), "%", None, flags))
                else:
                    self.stats.out_of_range += 1
        self.firmware_revision = da[3]
        out.append(WaveformChunk("pleth", PLETH_RATE_HZ, tuple(pleth)))

    def _perf_events(self, perf: int, out: list[Decoded]) -> None:
        was_red = self._perf == _PERF_RED
        was_yellow = self._perf == _PERF_YELLOW
        if (perf == _PERF_RED) != was_red:
            out.append(DeviceEvent("low_perfusion", perf == _PERF_RED))
        if (perf == _PERF_YELLOW) != was_yellow:
            out.append(DeviceEvent("marginal_perfusion", perf == _PERF_YELLOW))
        self._perf = perf


def _pleth16(high: bytes, low: bytes) -> tuple[int, ...]:
    pairs = bytearray(2 * FRAMES_PER_PACKET)
    pairs[0::2] = high
    pairs[1::2] = low
    return _UNPACK7(pairs)


def make_format2() -> NoninDecoder:
    """A decoder for serial data format #2 (8-bit pleth)."""
    return NoninDecoder(2)


def make_format7() -> NoninDecoder:
    """A decoder for serial data format #7 (16-bit pleth)."""
    return NoninDecoder(7)


_HELP = (
    "Connect the Nonin OEM module or oximeter serial output (9600 baud, 8N1). Set the device "
    "to serial data format #{fmt}: 75 frames a second in packets of 25; Vigil checks every "
    "checksum and reports the pulse rate, SpO2 and the pleth waveform."
)

DRIVER = DriverInfo(
    name="nonin",
    title="Nonin pulse oximeter (serial data format #2)",
    serial=SerialDefaults(baudrate=9600, bytesize=8, parity="N", stopbits=1),
    expected_period_s=10.0,
    help_text=_HELP.format(fmt=2),
    decoder_factory=make_format2,
)
