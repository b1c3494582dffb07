"""HL7 ORU^R01 over MLLP: MDC mapping, OBX-14 times, NIBP keys, ACK/NAK, framing and resync."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from console.domain.vitals import Parameter
from devices.base import DEVICE_TIME_REJECTED, MAX_UNKNOWN_FIELDS, Reading
from devices.protocols.hl7 import (
    DEFAULT_TCP_PORT,
    DRIVER,
    MAX_MESSAGE,
    Hl7Decoder,
    Hl7Parser,
    frame,
    handle_message,
    parse_ts,
)

ORU = "\r".join(
    [
        "MSH|^~\\&|MINDRAY_EGATEWAY^00A037EB2175780F^EUI-64||||20240301101502+0100||"
        "ORU^R01^ORU_R01|MSG0001|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^"
        "1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        "PID|||12345^^^Hospital^PI||Doe^John",
        "OBR|1|||182777000^monitoring of patient^SNOMED-CT|||20240301101500+0100",
        "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC"
        "|||||R|||20240301101500+0100",
        "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97|262688^MDC_DIM_PERCENT^MDC"
        "|||||R|||20240301101500+0100",
        "OBX|3|NM|999999^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2|71|264864^MDC_DIM_BEAT_PER_MIN^MDC"
        "|||||R|||20240301101500+0100",
        "OBX|4|NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.3.1.1|121|266016^MDC_DIM_MMHG^MDC"
        "|||||R|||20240301100800+0100|||APERIODIC",
        "OBX|5|NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.3.1.2|75|266016^MDC_DIM_MMHG^MDC"
        "|||||R|||20240301100800+0100|||APERIODIC",
        "OBX|6|NM|150303^MDC_PRESS_CUFF_MEAN^MDC|1.3.1.3|92|266016^MDC_DIM_MMHG^MDC"
        "|||||R|||20240301100800+0100|||APERIODIC",
        "OBX|7|NM|151562^MDC_RESP_RATE^MDC|1.4.1.1|14|264928^MDC_DIM_RESP_PER_MIN^MDC"
        "|||||R|||20240301101500+0100",
        "OBX|8|NM|151708^MDC_AWAY_CO2_ET^MDC|1.5.1.1|5.0|3872^MDC_DIM_KILO_PASCAL^MDC"
        "|||||R|||20240301101500+0100",
        "OBX|9|NM|150344^MDC_TEMP^MDC|1.6.1.1|36.7|268192^MDC_DIM_DEGC^MDC|||||R|||20240301101500",
        "OBX|10|NM|150488^MDC_BLD_PERF_INDEX^MDC|1.2.1.3||262688^MDC_DIM_PERCENT^MDC|||||X",
        "OBX|11|NM|123456^MDC_VENDOR_THING^MDC|1.7.1.1|3|||||||R",
    ]
).encode()


def by_param(items: list[object]) -> dict[Parameter, Reading]:
    return {i.parameter: i for i in items if isinstance(i, Reading)}


def msa(ack: bytes) -> list[str]:
    assert ack.startswith(b"\x0b") and ack.endswith(b"\x1c\r")
    segs = ack[1:-2].decode().split("\r")
    assert segs[0].startswith("MSH|^~\\&|")
    return next(s for s in segs if s.startswith("MSA")).split("|")


def test_handle_message_values_times_and_ack() -> None:
    items, ack = handle_message(ORU)
    r = by_param(items)
    plus1 = timezone(timedelta(hours=1))
    assert r[Parameter.HR].value == 72.0
    assert r[Parameter.HR].t_device == datetime(2024, 3, 1, 10, 15, 0, tzinfo=plus1)
    assert r[Parameter.SPO2].value == 97.0
    assert r[Parameter.PR].value == 71.0  # numeric code unknown: mapped by mnemonic
    assert (r[Parameter.NIBP_SYS].value, r[Parameter.NIBP_DIA].value) == (121.0, 75.0)
    assert r[Parameter.NIBP_MEAN].value == 92.0
    assert r[Parameter.NIBP_SYS].t_device == datetime(2024, 3, 1, 10, 8, tzinfo=plus1)
    assert r[Parameter.NIBP_SYS].flags == ("aperiodic",)
    assert r[Parameter.RR].value == 14.0
    assert r[Parameter.ETCO2].value == 37.5  # 5.0 kPa in mmHg
    assert r[Parameter.TEMP].value == 36.7
    assert r[Parameter.TEMP].t_device is not None
    assert r[Parameter.TEMP].t_device.tzinfo is not None  # no offset: host local zone
    assert Parameter.PI not in r  # result status X: absent
    assert msa(ack)[:3] == ["MSA", "AA", "MSG0001"]


def test_nibp_key_from_obx14_time() -> None:
    items, _ = handle_message(ORU)
    keys = {i.measurement_key for i in items if isinstance(i, Reading) and i.measurement_key}
    assert len(keys) == 1
    assert next(iter(keys)) == "nibp@2024-03-01T10:08:00+01:00"
    later, _ = handle_message(ORU.replace(b"20240301100800", b"20240301101300"))
    assert by_param(later)[Parameter.NIBP_SYS].measurement_key != next(iter(keys))


def test_mnemonic_wins_over_numeric_code() -> None:
    msg = ORU.split(b"\rOBX")[0] + b"\rOBX|1|NM|150456^MDC_ECG_HEART_RATE^MDC|1|88|||||||R"
    items, _ = handle_message(msg)
    assert [(i.parameter, i.value) for i in items if isinstance(i, Reading)] == [
        (Parameter.HR, 88.0)
    ]


def test_numeric_code_when_no_mnemonic() -> None:
    msg = ORU.split(b"\rOBX")[0] + b"\rOBX|1|NM|150456^^MDC|1|95|||||||R"
    items, _ = handle_message(msg)
    assert by_param(items)[Parameter.SPO2].value == 95.0


def test_not_oru_is_rejected_with_reason() -> None:
    adt = b"MSH|^~\\&|APP|FAC|||20240301||ADT^A01|X42|P|2.5\rPID|1||9"
    items, ack = handle_message(adt)
    assert items == []
    fields = msa(ack)
    assert fields[1:3] == ["AR", "X42"]
    assert "ADT^A01" in fields[3].replace("\\S\\", "^")
    assert b"\rERR|" in ack


def test_no_msh_is_rejected() -> None:
    items, ack = handle_message(b"PID|1||9\rOBX|1|NM|x^MDC_ECG_HEART_RATE^MDC||70")
    assert items == []
    assert msa(ack)[1] == "AR"
    assert "MSH" in msa(ack)[3]


def test_unusable_obx_gives_ae() -> None:
    msg = ORU.split(b"\rOBX")[0] + b"\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1|abc|||||||R"
    items, ack = handle_message(msg)
    assert items == []
    assert msa(ack)[1] == "AE"


def test_garbage_payload_never_raises() -> None:
    for payload in (b"", b"\xff\xfe\x00", b"MSH", b"MSH|", b"MSH|^~\\&|" + b"|" * 50):
        items, ack = handle_message(payload)
        assert items == []
        assert msa(ack)[1] in ("AR", "AE")


def test_decoder_frames_acks_and_resyncs() -> None:
    dec = Hl7Decoder()
    stream = b"noise" + frame(ORU) + b"\x0bMSH|truncated" + frame(ORU.replace(b"|72|", b"|73|"))
    out: list[object] = []
    for i in range(0, len(stream), 17):
        out += dec.feed(stream[i : i + 17])
    hrs = [i.value for i in out if isinstance(i, Reading) and i.parameter is Parameter.HR]
    assert hrs == [72.0, 73.0]
    replies = dec.take_replies()
    assert len(replies) == 2 and all(msa(a)[1] == "AA" for a in replies)
    assert dec.take_replies() == []
    assert dec.stats.good_frames == 2
    assert dec.stats.bad_frames == 1
    assert dec.stats.resyncs == 1
    assert "OBX:MDC_VENDOR_THING" in dec.stats.unknown_fields


def test_nak_counted_as_bad_frame() -> None:
    dec = Hl7Decoder()
    dec.feed(frame(b"MSH|^~\\&|A|B|||20240301||ADT^A01|1|P|2.5"))
    assert dec.stats.bad_frames == 1
    assert msa(dec.take_replies()[0])[1] == "AR"


def test_parse_ts() -> None:
    assert parse_ts("20240301101502.123-0500") == datetime(
        2024, 3, 1, 10, 15, 2, 123000, tzinfo=timezone(timedelta(hours=-5))
    )
    assert parse_ts("20240301101502+0000") == datetime(2024, 3, 1, 10, 15, 2, tzinfo=UTC)
    local = parse_ts("202403011015")
    assert local is not None and local.utcoffset() is not None
    assert parse_ts("") is None and parse_ts("2024-03-01") is None and parse_ts("20241399") is None


def test_impossible_value_dropped() -> None:
    msg = ORU.split(b"\rOBX")[0] + b"\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|140|||||||R"
    items, ack = handle_message(msg)
    assert items == []
    assert msa(ack)[1] == "AA"


def test_driver_and_port() -> None:
    assert DEFAULT_TCP_PORT == 2575
    assert DRIVER.name == "hl7"
    assert hasattr(DRIVER.decoder_factory(), "take_replies")


# ---- implausible device times, linear framing, per-decoder caches (issue 10) ------------------


def _with_obs_time(text: str) -> bytes:
    return ORU.replace(b"|||||R|||20240301101500+0100\r", f"|||||R|||{text}\r".encode(), 1)


def test_a_year_1_device_time_keeps_the_reading_without_its_time_and_flags_it() -> None:
    items, ack = handle_message(_with_obs_time("00010101000000+2359"))
    assert msa(ack)[1] == "AA"
    hr = by_param(items)[Parameter.HR]
    assert hr.value == 72 and hr.t_device is None
    assert DEVICE_TIME_REJECTED in hr.flags
    spo2 = by_param(items)[Parameter.SPO2]  # the other OBX keep their plausible time
    assert spo2.t_device is not None and DEVICE_TIME_REJECTED not in spo2.flags
    for item in items:  # every kept time converts to UTC (the batch no longer fails there)
        if isinstance(item, Reading) and item.t_device is not None:
            item.t_device.astimezone(UTC)


@pytest.mark.parametrize("text", ["99991231235959-2359", "18991231000000", "21010101000000+0000"])
def test_times_outside_the_plausible_years_are_dropped(text: str) -> None:
    hr = by_param(handle_message(_with_obs_time(text))[0])[Parameter.HR]
    assert hr.t_device is None and DEVICE_TIME_REJECTED in hr.flags


def test_the_plausible_years_are_a_setting() -> None:
    narrow = Hl7Parser(device_years=(2025, 2030))
    hr = by_param(narrow.handle(ORU)[0])[Parameter.HR]  # 2024 is outside
    assert hr.t_device is None and DEVICE_TIME_REJECTED in hr.flags
    dec = Hl7Decoder(device_years=(2025, 2030))
    assert by_param(dec.feed(frame(ORU)))[Parameter.HR].t_device is None
    assert dec.stats.times_rejected > 0


def test_an_implausible_obr_time_is_not_used_as_the_fallback() -> None:
    msg = ORU.replace(b"|||20240301101500+0100\rOBX|1", b"|||00010101000000+2359\rOBX|1", 1)
    msg = msg.replace(b"|R|||20240301101500\r", b"|R|||\r")  # TEMP has no time of its own
    temp = by_param(handle_message(msg)[0])[Parameter.TEMP]
    assert temp.t_device is None and DEVICE_TIME_REJECTED in temp.flags


def test_the_serial_framer_stays_linear_one_byte_at_a_time() -> None:
    stream = frame(ORU) * (200_000 // len(frame(ORU)) + 1)
    dec = Hl7Decoder()
    started = time.perf_counter()
    for i in range(len(stream)):
        dec.feed(stream[i : i + 1])
    took = time.perf_counter() - started
    assert dec.stats.good_frames == stream.count(b"\x0b")
    assert took < 4.0, f"{len(stream):,} bytes one at a time took {took:.1f} s"
    # and a single partial message fed byte by byte is not rescanned from its start
    big = frame(b"MSH|^~\\&|A|B|C|D|20240301101502||ORU^R01|X|P|2.6\r" + b"NTE|" + b"y" * 300_000)
    started = time.perf_counter()
    for i in range(len(big)):
        dec.feed(big[i : i + 1])
    assert time.perf_counter() - started < 4.0


def test_an_over_long_serial_message_is_answered_ar() -> None:
    dec = Hl7Decoder()
    head = b"MSH|^~\\&|MON|X|VIGIL|VIGIL|20250101000000||ORU^R01|LONG7|P|2.6\r"
    dec.feed(b"\x0b" + head + b"NTE|" + b"z" * (MAX_MESSAGE + 10))
    dec.feed(b"zz\x1c\r" + frame(ORU))
    replies = dec.take_replies()
    assert len(replies) == 2
    assert msa(replies[0])[1:3] == ["AR", "LONG7"] and msa(replies[1])[1] == "AA"


def test_parsers_keep_their_own_caches() -> None:
    one, two = Hl7Parser(), Hl7Parser()
    one.handle(ORU)
    assert one.ts_seen and one.numbers and not two.ts_seen and not two.numbers
    assert Hl7Decoder()._parser is not Hl7Decoder()._parser


def test_unknown_observation_names_are_bounded() -> None:
    dec = Hl7Decoder()
    for n in range(500):
        msg = ORU.replace(b"MDC_VENDOR_THING", f"MDC_VENDOR_{n}".encode()).replace(
            b"123456^", f"{900000 + n}^".encode()
        )
        dec.feed(frame(msg))
    assert len(dec.stats.unknown_fields) <= MAX_UNKNOWN_FIELDS
    assert dec.stats.unknown_dropped == 500 - MAX_UNKNOWN_FIELDS
