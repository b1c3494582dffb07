"""GE S/5 computer interface: framing, requests, and every capture in ge_datex_s5_as3/."""

from __future__ import annotations

import csv
import json
import struct
from datetime import UTC, datetime

import pytest

from console.domain.vitals import Parameter
from devices.base import Decoded, Reading, WaveformChunk
from devices.protocols.ge_s5 import (
    CONNECT_REQUEST,
    DRIVER,
    S5Decoder,
    basic_fields,
    display_request,
    frame,
    unframe,
    wave_request,
    waveforms,
)
from devices.protocols.ge_s5.wire import parse_header
from devices.replay import main as replay
from devices.simulator import encoders as enc
from devices.simulator.physiology import vitals_at

HERE = "ge_datex_s5_as3/"
T = datetime(2025, 3, 4, 10, 20, 30, tzinfo=UTC)
# expected/ column → Vigil parameter (EtCO2 is converted from % before comparing)
COLUMNS = {
    "ecg_hr": Parameter.HR,
    "spo2": Parameter.SPO2,
    "spo2_pr": Parameter.PR,
    "nibp_sys": Parameter.NIBP_SYS,
    "nibp_dia": Parameter.NIBP_DIA,
    "nibp_mean": Parameter.NIBP_MEAN,
    "co2_et": Parameter.ETCO2,
    "co2_rr": Parameter.RR,
    "t1": Parameter.TEMP,
}
AMBIENT_MMHG = 759.8  # the pycollect session's ambient pressure (NOTES: first record)


def decode(data: bytes, chunk: int = 4096) -> tuple[S5Decoder, list[Decoded]]:
    decoder = S5Decoder()
    out: list[Decoded] = []
    for i in range(0, len(data), chunk):
        out += decoder.feed(data[i : i + chunk])
    return decoder, out


def readings(items: list[Decoded]) -> list[Reading]:
    return [i for i in items if isinstance(i, Reading)]


def by_record(items: list[Decoded]) -> list[tuple[datetime | None, dict[Parameter, float]]]:
    """Readings grouped by the record time they carry, in arrival order."""
    groups: list[tuple[datetime | None, dict[Parameter, float]]] = []
    for r in readings(items):
        if not groups or groups[-1][0] != r.t_device:
            groups.append((r.t_device, {}))
        groups[-1][1][r.parameter] = r.value
    return groups


def expected_rows(device_fixture, name: str) -> list[dict[str, str]]:
    path = device_fixture(f"{HERE}pycollect/expected/{name}.pycollect_expected.csv")
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def expected_values(row: dict[str, str]) -> dict[Parameter, float]:
    values: dict[Parameter, float] = {}
    for column, param in COLUMNS.items():
        if row[column]:
            value = float(row[column])
            if param is Parameter.ETCO2:  # % of ambient pressure → mmHg
                value = round(value * AMBIENT_MMHG / 100, 1)
            values[param] = value
    return values


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---------------------------------------------------------------- framing and requests


def test_frame_escapes_flag_and_escape_bytes_and_round_trips() -> None:
    record = bytes(range(256)) + b"\x7e\x7d\x7e"
    framed = frame(record)
    assert framed[0] == framed[-1] == 0x7E
    assert 0x7E not in framed[1:-1]
    assert framed.count(b"\x7d\x5e") == 3 and framed.count(b"\x7d\x5d") == 2


def test_unframe_checks_checksum_length_and_escapes() -> None:
    record = enc.s5_values_record(vitals_at(10), T, 1, None)
    part = frame(record)[1:-1]
    assert unframe(part) == record
    assert unframe(part[:-1] + bytes([part[-1] ^ 1])) is None  # checksum
    short = record[:200]  # whole-looking frame, sum matches, but r_len says 318
    assert unframe(frame(short)[1:-1]) is None
    assert unframe(part + b"\x7d") is None  # an escape with nothing after it


def test_requests_are_records_the_monitor_understands() -> None:
    display = unframe(display_request()[1:-1])
    assert display is not None and len(display) == 49
    r_time, main, level, _, subs = parse_header(display)
    assert (r_time, main, level, subs) == (0, 0, 0, [(40, 0)])  # one request subrecord
    assert struct.unpack_from("<BhIh", display, 40) == (1, 5, 0, 0)  # displayed, 5 s, basic
    waves = unframe(wave_request()[1:-1])
    assert waves is not None and len(waves) == 72
    assert parse_header(waves)[1] == 1
    assert struct.unpack_from("<hh", waves, 40) == (0, 0)  # start continuous transmission
    assert waves[44:52] == bytes([8, 0xFF]) + bytes(6)  # the pleth, end of list
    assert display_request() + wave_request() == CONNECT_REQUEST
    assert DRIVER.connect_request == CONNECT_REQUEST


def test_driver_line_settings() -> None:
    s = DRIVER.serial
    assert (s.baudrate, s.bytesize, s.parity, s.stopbits, s.rtscts) == (19200, 8, "E", 1, True)
    assert DRIVER.name == "s5" and isinstance(DRIVER.decoder_factory(), S5Decoder)


# ---------------------------------------------------------------- the captures


@pytest.mark.parametrize("name", ["raw", "db02"])
def test_pycollect_capture_agrees_with_expected_row_by_row(device_fixture, name: str) -> None:
    data = device_fixture(f"{HERE}pycollect/{name}.raw").read_bytes()
    decoder, items = decode(data)
    rows = expected_rows(device_fixture, name)
    got = by_record(items)
    assert len(got) == len(rows) == {"raw": 11, "db02": 107}[name]
    for (t_device, values), row in zip(got, rows, strict=True):
        assert t_device == utc(row["r_time_utc"])
        assert values == expected_values(row), row["r_time_utc"]
    assert decoder.stats.bad_frames == 0
    assert decoder.stats.good_frames == {"raw": 21, "db02": 213}[name]
    pleth = [i for i in items if isinstance(i, WaveformChunk)]
    assert len(pleth) == {"raw": 10, "db02": 106}[name]
    assert {(p.name, p.rate_hz, len(p.samples)) for p in pleth} == {("pleth", 100.0, 100)}
    # FiO2, agents, entropy and ST are counted as unknown, never mapped
    assert {"o2.fi", "o2.et", "ext2", "ENT_100", "ecg.st1"} <= decoder.stats.unknown_fields


def test_pycollect_first_record_values_and_ambient_pressure(device_fixture) -> None:
    data = device_fixture(f"{HERE}pycollect/raw.raw").read_bytes()
    first = unframe(data.split(b"\x7e")[1])
    assert first is not None
    fields = basic_fields(first)
    assert fields["co2.amb_press"] == AMBIENT_MMHG
    assert (fields["co2.et"], fields["o2.fi"], fields["o2.et"]) == (4.87, 80.0, 76.0)
    _, items = decode(data)
    values = by_record(items)[0][1]
    assert values[Parameter.ETCO2] == 37.0  # 4.87 % of 759.8 mmHg
    pleth = next(i for i in items if isinstance(i, WaveformChunk))
    assert [s / 100 for s in pleth.samples[:3]] == [-1.54, -1.57, -1.61]


def test_noisy_db01_loses_no_valid_frame(device_fixture) -> None:
    data = device_fixture(f"{HERE}pycollect/db01.raw").read_bytes()
    decoder, items = decode(data)
    # SOURCE.md: 2,146 chunks pass the checksum, 2,126 of them also the length check
    assert decoder.stats.good_frames == 2126
    assert decoder.stats.bad_frames > 0 and decoder.stats.resyncs > 0  # starts mid-frame
    values_records = sum(r.parameter is Parameter.HR for r in readings(items))  # HR in each
    pleth = sum(isinstance(i, WaveformChunk) for i in items)
    assert (values_records, pleth) == (1151, 975)
    got = by_record(items)
    ours = {(t, tuple(sorted(v.items()))) for t, v in got}
    for row in expected_rows(device_fixture, "db01"):
        if row["r_time_utc"].startswith("1970"):  # pycollect's zero-padded junk frames
            continue
        assert (utc(row["r_time_utc"]), tuple(sorted(expected_values(row).items()))) in ours
    _, odd = decode(data, chunk=997)
    assert odd == items


def test_vscapture_capture_agrees_with_its_export_for_hr(device_fixture) -> None:
    data = device_fixture(f"{HERE}vscapture_as3/AS3Rawoutput1.raw").read_bytes()
    decoder, items = decode(data)
    got = dict(by_record(items))
    assert decoder.stats.good_frames == 123
    path = device_fixture(f"{HERE}vscapture_as3/AS3DataExport.csv")
    with path.open(newline="", encoding="utf-8-sig") as stream:
        rows = [r for r in csv.DictReader(stream) if r["Time"] != "Time"]  # repeated headers
    matched = 0
    for row in rows:
        t = datetime.strptime(row["Time"], "%m/%d/%Y %H:%M:%S").replace(tzinfo=UTC)
        if t not in got:
            continue
        matched += 1
        assert got[t][Parameter.HR] == float(row["ECG_HR"])
        assert got[t][Parameter.RR] == float(row["CO2_RR"])
        assert Parameter.SPO2 not in got[t] and Parameter.NIBP_SYS not in got[t]  # "-"
    assert matched == 107
    assert {"o2.fi", "n2o.fi"} <= decoder.stats.unknown_fields


def _lnhealth(device_fixture, name: str) -> bytes:
    return device_fixture(f"{HERE}lnhealth/s5parser-tests_{name}_record.bin").read_bytes()


def test_lnhealth_values_record(device_fixture) -> None:
    record = _lnhealth(device_fixture, "trend")
    decoder, items = decode(frame(record))  # the upstream record is de-framed: wrap it
    assert decoder.stats.good_frames == 1
    _, main, _, plug_id, subs = parse_header(record)
    assert (main, plug_id, len(subs)) == (0, 35588, 4)
    hr = [r for r in readings(items) if r.parameter is Parameter.HR]
    assert [r.value for r in hr] == [0.0]  # a real zero from the monitor, not a marker
    assert hr[0].t_device == datetime.fromtimestamp(1251973827, UTC)
    fields = basic_fields(record)
    assert (fields["ecg.hr"], fields["p1.sys"], fields["o2.fi"]) == (0.0, 9.0, 29.43)
    assert record[40 + 274] == 2  # marker
    assert {"p1.sys", "o2.fi", "ext1", "ext2", "ext3"} <= decoder.stats.unknown_fields


def test_lnhealth_waveform_record(device_fixture) -> None:
    record = _lnhealth(device_fixture, "waveform")
    assert parse_header(record)[1:4:2] == (1, 35537)
    waves = waveforms(record)
    assert waves[1][0] / 1000 == -0.177  # ECG1 in mV
    assert [s / 100 for s in waves[8][:3]] == [-3.6, -3.76, -4.0]  # PLETH
    decoder, items = decode(frame(record))
    assert items == [WaveformChunk("pleth", 100.0, waves[8])]
    assert {"ECG1", "ECG2", "INVP1"} <= decoder.stats.unknown_fields


def test_no_patient_capture_gives_no_values_and_no_errors(device_fixture) -> None:
    data = device_fixture(f"{HERE}S5Rawoutput.raw").read_bytes()
    decoder, items = decode(data)
    assert items == []
    assert (decoder.stats.good_frames, decoder.stats.bad_frames) == (21, 0)


def test_one_byte_at_a_time_matches_one_feed(device_fixture) -> None:
    data = device_fixture(f"{HERE}pycollect/raw.raw").read_bytes()
    assert decode(data, chunk=1)[1] == decode(data, chunk=len(data))[1]


def test_replay_prints_the_capture(device_fixture, capsys: pytest.CaptureFixture[str]) -> None:
    path = device_fixture(f"{HERE}pycollect/raw.raw")
    assert replay(["--protocol", "s5", str(path)]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert len(rows) == 11 * 8
    assert rows[0] == {
        "t_device": "2018-07-26T17:06:05+00:00",
        "parameter": "hr",
        "value": 80.0,
        "unit": "/min",
        "flags": [],
    }
    assert "good=21" in captured.err and "bad=0" in captured.err


# ---------------------------------------------------------------- markers and rules


def _patched(words: dict[int, int], vitals_minutes: float = 10.0) -> bytes:
    """A simulated values record with basic-block words (offset → int16) overwritten."""
    record = bytearray(enc.s5_values_record(vitals_at(vitals_minutes), T, 1, None))
    for offset, value in words.items():
        struct.pack_into("<h", record, 44 + offset, value)
    return frame(bytes(record))


def _values(data: bytes) -> dict[Parameter, float]:
    return {r.parameter: r.value for r in readings(S5Decoder().feed(data))}


@pytest.mark.parametrize("marker", [-32767, -32766, -32765, -32764, -32763, -32762])
def test_status_codes_give_no_value_never_zero(marker: int) -> None:
    base = _values(_patched({}))
    assert {Parameter.HR, Parameter.SPO2, Parameter.PR, Parameter.RR, Parameter.ETCO2} <= set(base)
    values = _values(_patched({6: marker, 124: marker, 126: marker, 92: marker}))
    assert not {Parameter.HR, Parameter.SPO2, Parameter.PR, Parameter.TEMP} & set(values)
    assert 0.0 not in values.values()


def test_inactive_group_gives_no_value() -> None:
    values = _values(_patched({118: 0x1}))  # SpO2 group present but not active
    assert Parameter.SPO2 not in values and Parameter.PR not in values
    assert Parameter.HR in values


def test_etco2_needs_a_breath_rate_and_an_ambient_pressure() -> None:
    no_breath = _values(_patched({142: -32767}))  # capnograph RR invalid
    assert Parameter.ETCO2 not in no_breath
    assert no_breath[Parameter.RR] == vitals_at(10).rr  # ECG impedance respiration instead
    assert Parameter.ETCO2 not in _values(_patched({144: -32767}))


def test_nibp_key_follows_the_cuff_values() -> None:
    cuff = enc.Nibp(120, 80, 93, 70, T)
    one = enc.s5_frame(enc.s5_values_record(vitals_at(10), T, 1, cuff))
    two = enc.s5_frame(enc.s5_values_record(vitals_at(10), T, 2, enc.Nibp(131, 85, 100, 70, T)))
    items = readings(S5Decoder().feed(one + one + two))
    keys = [r.measurement_key for r in items if r.parameter is Parameter.NIBP_SYS]
    assert keys == ["nibp:120/80/93", "nibp:120/80/93", "nibp:131/85/100"]


def test_garbage_junk_frames_and_overlong_frames_are_skipped() -> None:
    good = enc.s5_frame(enc.s5_values_record(vitals_at(10), T, 1, None))
    junk = frame(b"\x10\x00" + bytes(20))  # sums right, but far shorter than r_len says
    decoder = S5Decoder()
    items = decoder.feed(b"\x01\x02mid-frame" + good + junk)
    assert decoder.stats.resyncs == 2  # the bytes cut at the front, then the junk frame
    items += decoder.feed(b"\x7e" + bytes(5000))  # a frame that never ends
    items += decoder.feed(b"more" + good)
    assert [r.value for r in readings(items) if r.parameter is Parameter.HR] == [75.0, 75.0]
    assert decoder.stats.good_frames == 2
    assert decoder.stats.bad_frames == 2  # the junk frame and the over-long one


def test_unknown_record_and_wave_types_are_counted() -> None:
    record = bytearray(enc.s5_wave_record([1, 2, 3], T, 1))
    record[18] = 99  # an undefined waveform type
    alarm = bytearray(enc.s5_wave_record([1], T, 2))
    alarm[14] = 4  # an alarm record
    decoder = S5Decoder()
    assert decoder.feed(frame(bytes(record)) + frame(bytes(alarm))) == []
    assert {"wave99", "record4"} <= decoder.stats.unknown_fields
    assert decoder.stats.good_frames == 2


def test_pleth_marked_invalid_is_not_drawn() -> None:
    record = enc.s5_wave_record([enc.S5_INVALID] * 100, T, 1)
    assert S5Decoder().feed(frame(record)) == []
