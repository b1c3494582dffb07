"""Nonin format #2 and #7: the real test vector, 9-bit heart rate, missing values, resync."""

from __future__ import annotations

import pytest

from console.domain.vitals import Parameter
from devices.base import DeviceEvent, Reading, WaveformChunk
from devices.protocols import nonin, nonin7
from devices.protocols.nonin import NoninDecoder, heart_rate


def load_hex(path) -> bytes:
    return bytes.fromhex(path.read_text())


def frame2(status: int, pleth: int, data: int) -> bytes:
    return bytes([1, status, pleth, data, (1 + status + pleth + data) & 0xFF])


def frame7(status: int, pleth: int, data: int) -> bytes:
    hi, lo = pleth >> 8, pleth & 0xFF
    return bytes([status, hi, lo, data, (status + hi + lo + data) & 0xFF])


def packet(hr: int, spo2: int, status: int = 0x80, fmt: int = 2, pleth0: int = 0) -> bytes:
    data = [0] * 25
    data[0] = (hr >> 7) & 0x03
    data[1] = hr & 0x7F
    data[2] = spo2
    data[3] = 48
    make = frame2 if fmt == 2 else frame7
    return b"".join(make(status | (1 if i == 0 else 0), pleth0 + i, data[i]) for i in range(25))


def values(items: list[object]) -> dict[Parameter, float]:
    return {i.parameter: i.value for i in items if isinstance(i, Reading)}


def test_pufferfish_fixture_hr72_spo297(device_fixture) -> None:
    raw = load_hex(device_fixture("nonin_format2/pufferfish_valid_packet_hr72_spo297.hex"))
    assert len(raw) == 125
    dec = NoninDecoder()
    items = dec.feed(raw)
    assert values(items) == {Parameter.PR: 72.0, Parameter.SPO2: 97.0}
    chunks = [i for i in items if isinstance(i, WaveformChunk)]
    assert len(chunks) == 1
    assert chunks[0].name == "pleth" and chunks[0].rate_hz == 75.0
    assert chunks[0].samples == (1,) * 25
    assert dec.firmware_revision == 48
    assert dec.stats.good_frames == 25 and dec.stats.bad_frames == 0


def test_fixture_byte_by_byte_and_after_garbage(device_fixture) -> None:
    raw = load_hex(device_fixture("nonin_format2/pufferfish_valid_packet_hr72_spo297.hex"))
    dec = NoninDecoder()
    out: list[object] = []
    for b in b"\x01\x81\x07garbage\x01" + raw:
        out += dec.feed(bytes([b]))
    assert values(out) == {Parameter.PR: 72.0, Parameter.SPO2: 97.0}
    assert dec.stats.resyncs == 1


@pytest.mark.parametrize("hr", [127, 128, 129, 200, 255, 256, 300, 350])
def test_heart_rate_above_127(hr: int) -> None:
    dec = NoninDecoder()
    assert values(dec.feed(packet(hr, 95)))[Parameter.PR] == float(hr)


def test_heart_rate_bits() -> None:
    assert heart_rate(0x01, 0x00) == 128
    assert heart_rate(0x02, 0x2C) == 300
    assert heart_rate(0xFF, 0xFF) == 511


def test_missing_values_are_absent() -> None:
    dec = NoninDecoder()
    items = dec.feed(packet(511, 127))
    assert values(items) == {}
    assert any(isinstance(i, WaveformChunk) for i in items)


def test_impossible_rate_dropped_and_counted() -> None:
    dec = NoninDecoder()
    assert values(dec.feed(packet(400, 98))) == {Parameter.SPO2: 98.0}
    assert dec.stats.out_of_range == 1


def test_one_chunk_per_packet_three_packets() -> None:
    dec = NoninDecoder()
    items = dec.feed(packet(60, 99) * 3)
    assert len([i for i in items if isinstance(i, WaveformChunk)]) == 3
    assert dec.stats.good_frames == 75


def test_corrupt_checksum_skips_packet_and_next_parses() -> None:
    bad = bytearray(packet(70, 96))
    bad[4 + 5 * 7] ^= 0x55
    dec = NoninDecoder()
    items = dec.feed(bytes(bad) + packet(71, 95))
    assert values(items) == {Parameter.PR: 71.0, Parameter.SPO2: 95.0}
    assert dec.stats.bad_frames == 1


def test_garbage_inside_a_frame_then_resync() -> None:
    good = packet(88, 94)
    dec = NoninDecoder()
    dec.feed(good)
    items = dec.feed(good[:12] + b"\xde\xad" + good)
    assert values(items) == {Parameter.PR: 88.0, Parameter.SPO2: 94.0}
    assert dec.stats.resyncs == 1


def test_status_bits_become_events_and_flags() -> None:
    dec = NoninDecoder()
    items = dec.feed(packet(80, 97, status=0x80 | 0x20 | 0x04))
    codes = [(i.code, i.active) for i in items if isinstance(i, DeviceEvent)]
    assert ("artifact", True) in codes
    assert ("low_perfusion", True) in codes
    assert all(r.flags == ("artifact",) for r in items if isinstance(r, Reading))
    # unchanged status: no repeated events; cleared: events with active=False
    assert not [i for i in dec.feed(packet(80, 97, 0xA4)) if isinstance(i, DeviceEvent)]
    cleared = [
        (i.code, i.active) for i in dec.feed(packet(80, 97, 0x82)) if isinstance(i, DeviceEvent)
    ]
    assert ("artifact", False) in cleared and ("low_perfusion", False) in cleared


def test_sensor_disconnected_event_and_no_values() -> None:
    dec = NoninDecoder()
    items = dec.feed(packet(511, 127, status=0x80 | 0x40))
    assert DeviceEvent("sensor_off", True) in items
    assert values(items) == {}


@pytest.mark.parametrize(("bit", "code"), [(0x10, "out_of_track"), (0x08, "sensor_alarm")])
def test_other_status_bits(bit: int, code: str) -> None:
    items = NoninDecoder().feed(packet(80, 97, status=0x80 | bit))
    assert DeviceEvent(code, True) in items


def test_format7_16bit_pleth() -> None:
    dec = nonin7.DRIVER.decoder_factory()
    items = dec.feed(packet(150, 93, fmt=7, pleth0=1000))
    assert values(items) == {Parameter.PR: 150.0, Parameter.SPO2: 93.0}
    chunk = next(i for i in items if isinstance(i, WaveformChunk))
    assert chunk.samples == tuple(range(1000, 1025))


def test_format7_resync_after_garbage() -> None:
    dec = NoninDecoder(7)
    good = packet(66, 99, fmt=7)
    items = dec.feed(b"\x81\x00\x13" + good[:30] + good + good)
    assert [i.value for i in items if isinstance(i, Reading)] == [66.0, 99.0, 66.0, 99.0]


def test_drivers() -> None:
    assert nonin.DRIVER.name == "nonin" and nonin7.DRIVER.name == "nonin7"
    assert nonin.DRIVER.serial.baudrate == 9600
    with pytest.raises(ValueError, match="format"):
        NoninDecoder(3)
