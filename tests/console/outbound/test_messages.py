"""The ORU^R01 builder: strict HL7 v2.6, the codes Vigil's receiver maps, ACK parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.vitals import Parameter, VitalPoint
from console.errors import ValidationFailed
from console.outbound.config import OutboundConfig, checked
from console.outbound.messages import (
    Endpoints,
    Subject,
    dose_message,
    parse_ack,
    vitals_message,
)
from console.outbound.queue import select_points
from devices.protocols import hl7
from tests.console.outbound.helpers import strict

AT = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
ENDS = Endpoints("VIGIL", "CLINIC", "MIRTH", "HOSPITAL")
WHO = Subject("MRN|7^x", "5d1f0c3e-0000-4000-8000-000000000001")


def _points() -> list[VitalPoint]:
    return [
        VitalPoint(Parameter.HR, 72, AT, "ivy"),
        VitalPoint(Parameter.SPO2, 97, AT, "ivy"),
        VitalPoint(Parameter.NIBP_SYS, 128, AT, "ivy", None, "nibp:128/82/97"),
        VitalPoint(Parameter.NIBP_DIA, 82, AT, "ivy", None, "nibp:128/82/97"),
        VitalPoint(Parameter.NIBP_MEAN, 97, AT, "ivy", None, "nibp:128/82/97"),
        VitalPoint(Parameter.TEMP, 36.7, AT + timedelta(seconds=5), "manual", entered_by_id=2),
        VitalPoint(Parameter.ETCO2, 38, AT, "ivy"),
        VitalPoint(Parameter.RR, 14, AT, "ivy"),
    ]


def test_a_vitals_message_is_strict_v26_and_our_receiver_reads_every_value():
    text = vitals_message(ENDS, WHO, _points(), "C0001", AT)
    message = strict(text)
    assert message.msh.msh_9.to_er7() == "ORU^R01^ORU_R01"
    assert message.msh.msh_12.to_er7() == "2.6"
    assert message.msh.msh_21.to_er7().startswith("IHE_PCD_001")
    assert "PID|||MRN\\F\\7\\S\\x^^^CLINIC^MR||^^^^^^U\r" in text  # the chart id, escaped; no name
    obx = [s for s in text.split("\r") if s.startswith("OBX")]
    assert obx[0].split("|")[3] == "147842^MDC_ECG_HEART_RATE^MDC"
    assert obx[2].split("|")[6] == "mm[Hg]^mm[Hg]^UCUM"
    assert obx[5].split("|")[6] == "Cel^Cel^UCUM" and obx[5].endswith(
        "MMEAS^manual-measurement^MDC"
    )
    readings, ack = hl7.handle_message(text.encode())
    assert b"MSA|AA|C0001" in ack
    got = {r.parameter: r.value for r in readings}
    assert got == {p.parameter: p.value for p in _points()}


def test_a_dose_message_is_its_own_strict_oru():
    dose = DoseRecord(
        "d-1", 1, Drug.ESKETAMINE, Route.INTRANASAL, 56, AT, 2, AT, lot="LOT-9", device_count=2
    )
    text = dose_message(ENDS, WHO, dose, "C0002", AT)
    strict(text)
    assert "OBX|1|CWE|DRUG^Drug given^99VGL|1|2201623^esketamine Nasal Spray^RXNORM" in text
    assert "|56|mg^mg^UCUM|" in text and "NS^Nasal^HL70162" in text
    assert "LOT-9" not in text  # nothing beyond what the observation needs


def test_device_values_leave_once_a_minute_cuff_and_manual_always():
    points = [
        VitalPoint(Parameter.HR, 70 + s, AT + timedelta(seconds=s), "ivy") for s in range(150)
    ]
    points.append(VitalPoint(Parameter.NIBP_SYS, 120, AT + timedelta(seconds=3), "ivy", None, "k"))
    points.append(VitalPoint(Parameter.HR, 66, AT + timedelta(seconds=4), "manual"))
    chosen, marks = select_points(points, {})
    assert [(p.value, p.source) for p in chosen if p.parameter is Parameter.HR] == [
        (70, "ivy"),
        (130, "ivy"),
        (190, "ivy"),
        (66, "manual"),
    ]
    assert any(p.parameter is Parameter.NIBP_SYS for p in chosen)
    again, _ = select_points(points[:60], marks)  # the same minute once more: nothing new
    assert [p for p in again if p.source == "ivy" and p.parameter is Parameter.HR] == []


def test_acks_are_read_with_their_reason():
    _, aa = hl7.handle_message(vitals_message(ENDS, WHO, _points(), "C9", AT).encode())
    ack = parse_ack(aa.strip(b"\x0b\x1c\r"))
    assert ack is not None and ack.accepted and ack.control_id == "C9"
    _, ar = hl7.handle_message(b"MSH|^~\\&|A|B|C|D|20260308||ADT^A01|C10|P|2.6\r")
    refused = parse_ack(ar.strip(b"\x0b\x1c\r"))
    assert refused is not None and refused.code == "AR" and "ADT^A01" in refused.reason
    assert parse_ack(b"garbage") is None


def test_settings_are_checked_field_by_field():
    with pytest.raises(ValidationFailed) as failed:
        checked(OutboundConfig(enabled=True, host="", port=70000, receiving_facility="A|B"))
    assert {e.field for e in failed.value.errors} == {"host", "port", "receiving_facility"}
    ok = checked(OutboundConfig(enabled=True, host=" mirth.local ", port=6661))
    assert ok.host == "mirth.local"


def test_every_code_sent_is_one_the_receiver_maps():
    from console.outbound.messages import MDC

    for parameter, (code, mnemonic) in MDC.items():
        assert hl7.MDC_CODES[code] is parameter
        assert hl7.MDC_MNEMONICS[mnemonic] is parameter
    assert set(MDC) == set(Parameter)
