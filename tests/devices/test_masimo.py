"""Masimo ASCII 1 decoder: real fixture lines, partial first line, dashes, status bits."""

from __future__ import annotations

import tracemalloc
from datetime import datetime

import pytest

from console.domain.vitals import Parameter
from devices.base import DEVICE_TIME_REJECTED, MAX_UNKNOWN_FIELDS, DeviceEvent, Reading
from devices.protocols.masimo import DRIVER, MasimoDecoder

RAD7 = (
    b"12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=240 PI=20.00% SPCO=01.0% SPMET=00.5% "
    b"DESAT=01 PIDELTA=-02 PVI=027 ALARM=0000 EXC=000820\r\n"
)
RAD5 = b"09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800\r\n"


def readings(items: list[object]) -> dict[Parameter, Reading]:
    return {i.parameter: i for i in items if isinstance(i, Reading)}


def events(items: list[object]) -> list[tuple[str, bool]]:
    return [(i.code, i.active) for i in items if isinstance(i, DeviceEvent)]


def test_radical7_line_values_time_and_exceptions() -> None:
    dec = MasimoDecoder()
    items = dec.feed(RAD7)
    r = readings(items)
    assert r[Parameter.SPO2].value == 98.0
    assert r[Parameter.PR].value == 240.0
    assert r[Parameter.PI].value == 20.0
    t = r[Parameter.SPO2].t_device
    assert t is not None and t.tzinfo is not None
    assert t.replace(tzinfo=None) == datetime(2005, 12, 1, 11, 56, 29)
    assert t.utcoffset() == datetime(2005, 12, 1, 11, 56, 29).astimezone().utcoffset()
    # EXC 0x820 = SET running (normal, no event) + sensor off
    assert events(items) == [("sensor_off", True)]
    assert r[Parameter.SPO2].flags == ("sensor_off",)
    assert dec.stats.good_frames == 1 and dec.stats.bad_frames == 0


def test_radical5_line_without_sn_and_alarm_silenced() -> None:
    dec = MasimoDecoder()
    items = dec.feed(RAD5)
    r = readings(items)
    assert (r[Parameter.SPO2].value, r[Parameter.PR].value, r[Parameter.PI].value) == (
        97.0,
        64.0,
        11.82,
    )
    assert events(items) == [("alarm_silenced", True)]
    assert r[Parameter.SPO2].flags == ()


def test_fixture_files(device_fixture) -> None:
    dec = MasimoDecoder()
    out: list[object] = []
    for name in ("nmenon_masimo_datacapture_lines.txt", "mdpnp_poxrad_example_strings.txt"):
        out += dec.feed(device_fixture(f"masimo_ascii/{name}").read_bytes())
    assert dec.stats.good_frames == 4
    assert dec.stats.bad_frames == 0
    values = [(i.parameter, i.value) for i in out if isinstance(i, Reading)]
    # line 2 of the nmenon file: Rad-7 "color", PI without %, many dashed keys
    assert (Parameter.PR, 123.0) in values
    assert (Parameter.PI, 0.55) in values
    # the all-dashes line gives no readings at all (absent, not zero)
    assert all(v != 0.0 for _, v in values)
    assert len(values) == 3 + 3 + 3  # 4 lines, the last one entirely dashed
    # EXC=0000C00: SET running + low signal IQ
    assert ("low_signal_iq", True) in events(out)
    assert dec.stats.unknown_fields == set()


def test_dashes_are_absent() -> None:
    line = (
        b"05/15/07 08:12:21 SN=0000070986 SPO2=---% BPM=--- PI=--.--% SPCO=--.-% "
        b"SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000000\r\n"
    )
    dec = MasimoDecoder()
    assert readings(dec.feed(line)) == {}
    assert dec.stats.good_frames == 1


def test_partial_first_line_dropped_without_wrong_values() -> None:
    dec = MasimoDecoder()
    # opened mid-line: "SPO2=0" is cut, the tail "98% BPM=…" must not become a reading
    items = dec.feed(RAD7[26:] + RAD5)
    r = readings(items)
    assert r[Parameter.SPO2].value == 97.0
    assert len([i for i in items if isinstance(i, Reading)]) == 3
    assert dec.stats.bad_frames == 0
    assert dec.stats.resyncs == 1


def test_complete_first_line_is_kept() -> None:
    dec = MasimoDecoder()
    assert readings(dec.feed(RAD5))[Parameter.PR].value == 64.0


def test_any_chunking_gives_same_result() -> None:
    stream = RAD7 + RAD5 + RAD7
    whole = MasimoDecoder().feed(stream)
    dec = MasimoDecoder()
    pieces: list[object] = []
    for i in range(len(stream)):
        pieces += dec.feed(stream[i : i + 1])
    assert pieces == whole


def test_garbage_line_counted_and_next_line_parsed() -> None:
    dec = MasimoDecoder()
    dec.feed(RAD5)
    items = dec.feed(b"\x00\xff garbage SPO2=55\r\n" + RAD5)
    assert dec.stats.bad_frames == 1
    assert readings(items)[Parameter.SPO2].value == 97.0


def test_out_of_range_dropped_and_counted() -> None:
    dec = MasimoDecoder()
    items = dec.feed(b"09/15/10 15:10:29 SPO2=120% BPM=400 PI=05.00% ALARM=0 EXC=800\r\n")
    r = readings(items)
    assert set(r) == {Parameter.PI}
    assert dec.stats.out_of_range == 2


def test_unknown_field_counted() -> None:
    dec = MasimoDecoder()
    dec.feed(b"09/15/10 15:10:29 SPO2=097% BPM=064 NEWKEY=1 EXC=800\r\n")
    assert dec.stats.unknown_fields == {"NEWKEY"}


def test_exception_events_are_edge_triggered() -> None:
    dec = MasimoDecoder()
    on = b"09/15/10 15:10:29 SPO2=097% BPM=064 ALARM=0 EXC=804\r\n"
    off = b"09/15/10 15:10:30 SPO2=097% BPM=064 ALARM=0 EXC=800\r\n"
    assert events(dec.feed(on)) == [("low_perfusion", True)]
    assert events(dec.feed(on)) == []
    assert events(dec.feed(off)) == [("low_perfusion", False)]


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (0x001, "no_sensor"),
        (0x002, "defective_sensor"),
        (0x008, "pulse_search"),
        (0x010, "interference"),
        (0x040, "ambient_light"),
        (0x080, "unrecognised_sensor"),
        (0x400, "low_signal_iq"),
    ],
)
def test_each_exception_bit(exc: int, code: str) -> None:
    dec = MasimoDecoder()
    line = f"09/15/10 15:10:29 SPO2=097% BPM=064 EXC={exc:06X}\r\n".encode()
    assert events(dec.feed(line)) == [(code, True)]


def test_driver_info() -> None:
    assert DRIVER.name == "masimo"
    assert DRIVER.serial.baudrate == 9600 and DRIVER.serial.parity == "N"
    assert DRIVER.expected_period_s == 10.0
    assert "ASCII 2" in DRIVER.help_text and "ASCII 1" in DRIVER.help_text
    assert isinstance(DRIVER.decoder_factory(), MasimoDecoder)


# ---- bounded memory, per-decoder caches, implausible device times (issue 10) -----------------


def test_memory_stays_bounded_under_a_stream_of_new_keys() -> None:
    dec = MasimoDecoder()

    def feed(start: int, count: int) -> None:
        for n in range(start, start + count):
            dec.feed(b"09/15/10 15:10:29 SPO2=097%% BPM=064 K%d=1 EXC=800\r\n" % n)

    feed(0, 2_000)  # warm up: every cache reaches its bound
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        feed(2_000, 20_000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, f"20,000 lines with new keys grew {grown:,} bytes"
    assert len(dec.stats.unknown_fields) <= MAX_UNKNOWN_FIELDS
    assert dec.stats.unknown_dropped > 20_000
    assert dec.stats.good_frames == 22_000


def test_each_decoder_keeps_its_own_time_cache() -> None:
    one, two = MasimoDecoder(), MasimoDecoder()
    one.feed(RAD5)
    assert one._minutes and not two._minutes


def test_a_device_clock_outside_the_clinic_years_keeps_values_without_time() -> None:
    dec = MasimoDecoder(device_years=(2015, 2100))  # RAD5 says 2010
    r = readings(dec.feed(RAD5))
    assert r[Parameter.SPO2].value == 97 and r[Parameter.SPO2].t_device is None
    assert DEVICE_TIME_REJECTED in r[Parameter.SPO2].flags
    assert dec.stats.times_rejected == 1
    assert readings(MasimoDecoder().feed(RAD5))[Parameter.SPO2].t_device is not None
