"""Hypothesis: random and mutated bytes into every registered decoder never escape as errors."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.vitals import Parameter, is_possible
from devices.base import Decoded, Reading
from devices.protocols.hl7 import frame
from devices.protocols.ivy import HEADER, WAVEFORM_LEN
from devices.registry import available_drivers
from devices.simulator import encoders
from devices.simulator.physiology import vitals_at

DRIVERS = available_drivers()


def nonin2_packet(hr: int, spo2: int) -> bytes:
    data = [(hr >> 7) & 3, hr & 0x7F, spo2] + [0] * 22
    out = b""
    for i, d in enumerate(data):
        s = 0x80 | (i == 0)
        out += bytes([1, s, 100 + i, d, (1 + s + 100 + i + d) & 0xFF])
    return out


def nonin7_packet(hr: int, spo2: int) -> bytes:
    data = [(hr >> 7) & 3, hr & 0x7F, spo2] + [0] * 22
    out = b""
    for i, d in enumerate(data):
        s = 0x80 | (i == 0)
        out += bytes([s, 2, i, d, (s + 2 + i + d) & 0xFF])
    return out


IVY = (
    HEADER
    + bytes((i * 7) % 250 for i in range(350))
    + b"\xfb" * (WAVEFORM_LEN - 350)
    + b"HR=1;80;ECG-II-DIAG;\rSPO2=1;100;PR=80 ;\rNIBP=4;121;75;92;80;;\r"
)
HL7 = frame(
    b"MSH|^~\\&|MON|ICU|||20240301101502||ORU^R01^ORU_R01|M1|P|2.6\r"
    b"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||"
    b"20240301101500+0100\r"
    b"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|97|262688^MDC_DIM_PERCENT^MDC|||||R\r"
)
S5 = encoders.s5_frame(  # a displayed-values record with HR, SpO2, PR, NIBP, RR, EtCO2, T1
    encoders.s5_values_record(
        vitals_at(40, seed=2),
        datetime(2024, 3, 1, 10, 15, tzinfo=UTC),
        1,
        encoders.Nibp(121, 75, 90, 80, datetime(2024, 3, 1, 10, 14, tzinfo=UTC)),
    )
)

#: One valid frame per protocol, and what must separate it from junk (line protocols need the
#: line end that a real device sends before its next line).
VALID: dict[str, tuple[bytes, bytes]] = {
    "masimo": (b"09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800\r\n", b"\r\n"),
    "nonin": (nonin2_packet(140, 96), b""),
    "nonin7": (nonin7_packet(140, 96), b""),
    "ivy": (IVY, b""),
    "hl7": (HL7, b""),
    "s5": (S5, b""),  # each frame brings its own opening flag
}
MINE = sorted(VALID)


@pytest.fixture(autouse=True)
def _quiet_parser_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)


def feed_all(name: str, chunks: list[bytes]) -> tuple[object, list[Decoded]]:
    decoder = DRIVERS[name].decoder_factory()
    out: list[Decoded] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
        take = getattr(decoder, "take_replies", None)
        if take is not None:
            take()
    return decoder, out


def values(items: list[Decoded]) -> list[tuple[Parameter, float]]:
    return [(i.parameter, i.value) for i in items if isinstance(i, Reading)]


def check_possible(items: list[Decoded]) -> None:
    for item in items:
        if isinstance(item, Reading):
            assert is_possible(item.parameter, item.value), item


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in pairwise(edges)]


FUZZ = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("name", sorted(DRIVERS))
@FUZZ
@given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 4000), max_size=6))
def test_random_bytes_never_raise(name: str, data: bytes, cuts: list[int]) -> None:
    decoder, items = feed_all(name, split(data, cuts))
    check_possible(items)
    stats = decoder.stats  # type: ignore[attr-defined]
    assert stats.good_frames >= 0 and stats.bad_frames >= 0


@pytest.mark.parametrize("name", MINE)
@FUZZ
@given(garbage=st.binary(max_size=600), cuts=st.lists(st.integers(0, 4000), max_size=4))
def test_next_valid_frame_parses_after_garbage(name: str, garbage: bytes, cuts: list[int]) -> None:
    valid, separator = VALID[name]
    _, expected = feed_all(name, [valid])
    assert values(expected)
    _, items = feed_all(name, split(garbage + separator + valid, cuts))
    check_possible(items)
    got = values(items)
    assert got[-len(values(expected)) :] == values(expected)


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base * 3)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "delete", "insert"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        if not data:
            data = bytearray(b"\x00")
    return bytes(data)


@pytest.mark.parametrize("name", MINE)
@FUZZ
@given(data=st.data())
def test_mutated_frames_then_recovery(name: str, data: st.DataObject) -> None:
    valid, separator = VALID[name]
    broken = data.draw(mutated(valid))
    _, expected = feed_all(name, [valid])
    decoder, items = feed_all(name, [broken, separator + valid])
    check_possible(items)
    assert values(items)[-len(values(expected)) :] == values(expected)
    assert decoder.stats.bad_frames + decoder.stats.resyncs + decoder.stats.good_frames > 0  # type: ignore[attr-defined]
