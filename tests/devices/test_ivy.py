"""Ivy 450C ANSAR-B: the real capture, NIBP measurement keys, empty fields, resync."""

from __future__ import annotations

from console.domain.vitals import Parameter
from devices.base import Reading
from devices.protocols.ivy import DRIVER, HEADER, WAVEFORM_LEN, IvyDecoder

TEXT = (
    b"HR=1;80;ECG-II-DIAG;\rRR=1;35;APNEA: 20 SEC;\rETCO2=1;;;\rSPO2=1;100;PR=80 ;\r"
    b"NIBP=4;121;75;92;80;;\rP1=3;111;73;88;;\rP2=3;;;;NO TRANSDUCER;\rT1=1;;;\rT2=1;;;\r"
)


def message(text: bytes = TEXT) -> bytes:
    wave = bytes((i * 7) % 250 for i in range(350))  # includes CR, "=", ";" bytes
    return HEADER + wave + b"\xfb" * (WAVEFORM_LEN - 350) + text


def readings(items: list[object]) -> list[Reading]:
    return [i for i in items if isinstance(i, Reading)]


def test_real_capture_27_messages(device_fixture) -> None:
    data = device_fixture("ivy_450c_ansar_b/Ivy450C.1.data").read_bytes()
    dec = IvyDecoder()
    out: list[object] = []
    for i in range(0, len(data), 64):
        out += dec.feed(data[i : i + 64])
    assert dec.stats.good_frames == 27
    assert dec.messages == 27
    assert dec.stats.bad_frames == 0
    rs = readings(out)
    assert len(rs) == 27 * 7
    first = {r.parameter: r for r in rs[:7]}
    assert first[Parameter.HR].value == 80.0
    assert first[Parameter.SPO2].value == 100.0
    assert first[Parameter.PR].value == 80.0
    assert first[Parameter.RR].value == 35.0
    assert (
        first[Parameter.NIBP_SYS].value,
        first[Parameter.NIBP_DIA].value,
        first[Parameter.NIBP_MEAN].value,
    ) == (121.0, 75.0, 92.0)
    assert Parameter.ETCO2 not in first and Parameter.TEMP not in first  # empty = absent
    keys = {r.measurement_key for r in rs if r.parameter is Parameter.NIBP_SYS}
    assert keys == {"nibp:121/75/92"}  # repeated 27 times, one measurement
    assert {"P1", "P2"} <= dec.stats.unknown_fields


def test_whole_capture_in_one_feed_matches_chunked(device_fixture) -> None:
    data = device_fixture("ivy_450c_ansar_b/Ivy450C.1.data").read_bytes()
    one = IvyDecoder().feed(data)
    dec = IvyDecoder()
    many: list[object] = []
    for b in data:
        many += dec.feed(bytes([b]))
    assert one == many


def test_synthetic_message_values_and_new_nibp_key() -> None:
    dec = IvyDecoder()
    items = dec.feed(message() + message(TEXT.replace(b"121;75;92", b"130;80;97")) + b"\xfe")
    nibp = [r for r in readings(items) if r.parameter is Parameter.NIBP_SYS]
    assert [r.value for r in nibp] == [121.0, 130.0]
    assert nibp[0].measurement_key != nibp[1].measurement_key
    assert dec.messages == 2


def test_temperature_and_etco2_when_present() -> None:
    text = b"HR=1;72;ECG;\rETCO2=1;38;;\rT1=1;36.8;;\r"
    items = IvyDecoder().feed(message(text) + b"\xfe")
    got = {r.parameter: r.value for r in readings(items)}
    assert got == {Parameter.HR: 72.0, Parameter.ETCO2: 38.0, Parameter.TEMP: 36.8}


def test_out_of_range_value_dropped() -> None:
    dec = IvyDecoder()
    items = dec.feed(message(b"HR=1;999;ECG;\rRR=1;12;;\r") + b"\xfe")
    assert [(r.parameter, r.value) for r in readings(items)] == [(Parameter.RR, 12.0)]
    assert dec.stats.out_of_range == 1


def test_corrupt_text_then_next_message_parses() -> None:
    dec = IvyDecoder()
    items = dec.feed(message(b"HR=1;7\x00\x9a\x12;;\rgarbage\r") + message())
    assert dec.stats.bad_frames == 1
    assert readings(items)[0].value == 80.0


def test_driver_info() -> None:
    assert DRIVER.name == "ivy"
    assert isinstance(DRIVER.decoder_factory(), IvyDecoder)
