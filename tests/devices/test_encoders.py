"""Round trips: simulator encoders -> real wire bytes -> the registered protocol decoders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.domain.vitals import Parameter
from devices.base import Decoded, DeviceEvent, Reading, WaveformChunk
from devices.registry import available_drivers
from devices.simulator import SimState, make_source
from devices.simulator import encoders as enc
from devices.simulator.physiology import Condition, vitals_at

T = datetime(2025, 3, 4, 10, 20, 30, tzinfo=UTC)


def _decode(protocol: str, data: bytes) -> list[Decoded]:
    drivers = available_drivers()
    assert protocol in drivers, f"driver {protocol} missing from the registry: {sorted(drivers)}"
    decoder = drivers[protocol].decoder_factory()
    items = decoder.feed(data)
    assert decoder.stats.bad_frames == 0
    return items


def _values(items: list[Decoded]) -> dict[Parameter, float]:
    return {i.parameter: i.value for i in items if isinstance(i, Reading)}


def test_masimo_line_format_and_round_trip() -> None:
    v = vitals_at(40, seed=2)
    line = enc.masimo_line(v, T.replace(tzinfo=None))
    assert line.startswith(b"03/04/25 10:20:30 SN=") and line.endswith(b"\r\n")
    assert b" EXC=000800" in line
    values = _values(_decode("masimo", line + line))
    assert values[Parameter.SPO2] == v.spo2
    assert values[Parameter.PR] == v.pr
    assert values[Parameter.PI] == pytest.approx(v.pi)


def test_masimo_sensor_off_sends_dashes_and_the_exception_bit() -> None:
    v = vitals_at(5, conditions=frozenset({Condition.SENSOR_OFF}))
    line = enc.masimo_line(v, T.replace(tzinfo=None))
    assert b"SPO2=---%" in line and b"EXC=000020" in line
    items = _decode("masimo", line)
    assert _values(items) == {}
    assert any(isinstance(i, DeviceEvent) and i.code == "sensor_off" for i in items)


def test_nonin_packet_checksums_sync_and_hr_split() -> None:
    v = vitals_at(0, seed=1)
    packet = enc.nonin_packet(v, list(range(25)))
    assert len(packet) == 125
    frames = [packet[i : i + 5] for i in range(0, 125, 5)]
    for number, frame in enumerate(frames, start=1):
        assert frame[0] == 0x01
        assert frame[4] == sum(frame[:4]) & 0xFF
        assert frame[1] & 0x80
        assert bool(frame[1] & 0x01) == (number == 1)


@pytest.mark.parametrize("hr", [40, 72, 127, 128, 129, 200, 255, 256, 300])
def test_nonin_heart_rate_round_trip_across_the_7_bit_boundary(hr: int) -> None:
    v = vitals_at(0, seed=1)
    v = type(v)(**{**{f: getattr(v, f) for f in v.__slots__}, "pr": hr, "hr": hr})
    packet = enc.nonin_packet(v, [128] * 25)
    assert packet[3] == (hr >> 7) & 0x03 and packet[8] == hr & 0x7F
    values = _values(_decode("nonin", packet + packet))
    assert values[Parameter.PR] == hr
    assert values[Parameter.SPO2] == v.spo2


def test_nonin_sensor_off_means_missing_values() -> None:
    v = vitals_at(0, conditions=frozenset({Condition.SENSOR_OFF}))
    packet = enc.nonin_packet(v, [128] * 25)
    assert packet[1] & 0x40
    assert (packet[3] & 0x03) << 7 | (packet[8] & 0x7F) == enc.NONIN_HR_MISSING
    items = _decode("nonin", packet + packet)
    assert Parameter.PR not in _values(items) and Parameter.SPO2 not in _values(items)


def test_ivy_message_matches_the_capture_layout_and_round_trips(device_fixture) -> None:
    v = vitals_at(40, seed=4)
    nibp = enc.Nibp(v.sbp, v.dbp, v.map, v.hr, T)
    message = enc.ivy_message(v, [120] * 200, [128] * 100, [150] * 50, nibp)
    capture = device_fixture("ivy_450c_ansar_b/Ivy450C.1.data").read_bytes()
    real = capture[capture.index(enc.IVY_HEADER) :][:562]
    assert message[:10] == real[:10] == enc.IVY_HEADER
    assert message[410:413] == real[410:413] == b"HR="  # text starts after 400 waveform bytes
    assert message[360:410] == bytes([0xFB]) * 50
    values = _values(_decode("ivy", message + message))
    assert values[Parameter.HR] == v.hr
    assert values[Parameter.SPO2] == v.spo2
    assert values[Parameter.NIBP_SYS] == v.sbp
    assert values[Parameter.NIBP_DIA] == v.dbp
    assert values[Parameter.NIBP_MEAN] == v.map
    assert values[Parameter.RR] == v.rr


def test_hl7_oru_round_trip_with_aperiodic_nibp() -> None:
    v = vitals_at(40, seed=5)
    cuff_time = T - timedelta(minutes=2)
    message = enc.hl7_oru(v, T, "MSG1", enc.Nibp(v.sbp, v.dbp, v.map, v.hr, cuff_time))
    segments = message.decode().split("\r")
    assert segments[0].startswith("MSH|^~\\&|") and "ORU^R01" in segments[0]
    nibp_obx = next(s for s in segments if "MDC_PRESS_BLD_NONINV_SYS" in s).split("|")
    assert nibp_obx[14] == "20250304101830+0000" and nibp_obx[17] == "APERIODIC"
    framed = enc.mllp_frame(message)
    assert framed[:1] == b"\x0b" and framed[-2:] == b"\x1c\x0d"
    drivers = available_drivers()
    decoder = drivers["hl7"].decoder_factory()
    items = decoder.feed(framed)
    values = _values(items)
    assert values[Parameter.HR] == v.hr
    assert values[Parameter.NIBP_SYS] == v.sbp
    sys_reading = [i for i in items if isinstance(i, Reading) and i.parameter is Parameter.NIBP_SYS]
    assert sys_reading[0].t_device == cuff_time
    replies = decoder.take_replies()  # type: ignore[attr-defined]
    assert len(replies) == 1 and b"MSA|AA|MSG1" in replies[0]


@pytest.mark.parametrize("protocol", ["masimo", "nonin", "ivy", "hl7"])
def test_every_source_stream_decodes_without_bad_frames(protocol: str) -> None:
    source = make_source(protocol, T, 35.0, seed=9)
    drivers = available_drivers()
    decoder = drivers[protocol].decoder_factory()
    sim = 0.0
    readings = 0
    for _ in range(300 if protocol == "nonin" else 8):
        data, delay = source.step(sim, SimState())
        sim += delay
        readings += sum(isinstance(i, Reading) for i in decoder.feed(data))
    assert readings > 0
    assert decoder.stats.bad_frames == 0


def test_clock_skew_moves_the_device_time() -> None:
    source = make_source("hl7", T, 0.0)
    plain, _ = source.step(10.0, SimState())
    skewed, _ = source.step(11.0, SimState(skew_min=-30))
    assert b"20250304102040+0000" in plain
    assert b"20250304095041+0000" in skewed


def test_s5_values_record_layout_and_round_trip() -> None:
    from devices.protocols.ge_s5 import basic_fields, unframe

    v = vitals_at(40, seed=6)
    cuff = enc.Nibp(v.sbp, v.dbp, v.map, v.hr, T)
    record = enc.s5_values_record(v, T, 7, cuff)
    assert len(record) == 40 + 278  # one basic subrecord, as Vigil asks for
    framed = enc.s5_frame(record)
    assert unframe(framed[1:-1]) == record
    fields = basic_fields(record)
    assert fields["co2.amb_press"] == enc.S5_AMBIENT_MMHG
    values = _values(_decode("s5", framed))
    assert values[Parameter.HR] == v.hr
    assert values[Parameter.SPO2] == v.spo2
    assert values[Parameter.PR] == v.pr
    assert (values[Parameter.NIBP_SYS], values[Parameter.NIBP_DIA]) == (v.sbp, v.dbp)
    assert values[Parameter.NIBP_MEAN] == v.map
    assert values[Parameter.RR] == v.rr
    assert values[Parameter.ETCO2] == pytest.approx(v.etco2, abs=0.1)  # sent in %, back to mmHg
    assert values[Parameter.TEMP] == pytest.approx(v.temp)


def test_s5_sensor_off_sends_invalid_markers_and_no_pleth() -> None:
    v = vitals_at(5, conditions=frozenset({Condition.SENSOR_OFF}))
    values = _values(_decode("s5", enc.s5_frame(enc.s5_values_record(v, T, 1, None))))
    assert Parameter.SPO2 not in values and Parameter.PR not in values
    assert Parameter.NIBP_SYS not in values  # no cuff reading yet
    wave = enc.s5_frame(enc.s5_wave_record([enc.S5_INVALID] * 100, T, 2))
    assert _decode("s5", wave) == []


def test_s5_source_is_silent_until_asked_and_forgets_on_a_pulled_cable() -> None:
    from devices.protocols.ge_s5 import CONNECT_REQUEST, display_request, wave_request
    from devices.simulator import S5Source

    source = make_source("s5", T, 35.0, seed=3)
    assert isinstance(source, S5Source)
    assert source.step(0.0, SimState())[0] == b""
    source.receive(CONNECT_REQUEST[:30])  # a request may arrive in pieces
    source.receive(CONNECT_REQUEST[30:])
    assert (source.interval_s, source.classes, source.pleth) == (5.0, (0,), True)
    decoder = available_drivers()["s5"].decoder_factory()
    items: list[Decoded] = []
    sim = 0.0
    for _ in range(11):
        data, delay = source.step(sim, SimState())
        items += decoder.feed(data)
        sim += delay
    hr = [i for i in items if isinstance(i, Reading) and i.parameter is Parameter.HR]
    assert len(hr) == 3  # displayed values every 5 s: at 0, 5 and 10
    assert sum(isinstance(i, WaveformChunk) for i in items) == 11  # the pleth every second
    assert decoder.stats.bad_frames == 0
    source.receive(display_request(10, classes=0b1110) + wave_request(start=False))
    assert (source.interval_s, source.classes, source.pleth) == (10.0, (0, 1, 2, 3), False)
    source.hang_up()
    assert source.step(sim, SimState())[0] == b""
