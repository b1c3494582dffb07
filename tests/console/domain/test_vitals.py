from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from console.domain.vitals import Parameter, VitalPoint, is_possible, validate_vitals
from console.domain.vitals import Parameter as P


def messages(raw):
    _, errors = validate_vitals(raw)
    return {e.field: e.message for e in errors}


def test_a_full_valid_set():
    checked, errors = validate_vitals(
        {P.HR: "72", P.NIBP_SYS: "128", P.NIBP_DIA: "82", P.SPO2: "98", P.RR: "14", P.TEMP: "36,8"}
    )
    assert errors == []
    assert checked.values[P.TEMP] == 36.8
    assert checked.unusual == {}


def test_wrong_type_out_of_range_and_empty():
    assert messages({P.HR: "abc"})["hr"] == "HR must be a number, not “abc”."
    assert messages({P.HR: "500"})["hr"] == "HR 500 is not possible (0–350 /min)."
    assert messages({P.SPO2: "101"})["spo2"].startswith("SpO2 101 is not possible")
    assert messages({})["form"] == "Enter at least one value."
    assert messages({P.HR: "  "})["form"] == "Enter at least one value."


def test_blood_pressure_needs_both_halves_in_order():
    assert (
        messages({P.NIBP_SYS: "120"})["nibp_dia"]
        == "Blood pressure needs both systolic and diastolic."
    )
    assert (
        messages({P.NIBP_DIA: "80"})["nibp_sys"]
        == "Blood pressure needs both systolic and diastolic."
    )
    assert (
        messages({P.NIBP_SYS: "80", P.NIBP_DIA: "90"})["nibp_dia"]
        == "Diastolic must be lower than systolic."
    )


def test_unusual_but_possible_values_need_confirmation():
    checked, errors = validate_vitals({P.NIBP_SYS: "230", P.NIBP_DIA: "110", P.HR: "38"})
    assert errors == []
    assert checked.unusual[P.NIBP_SYS] == "SYS 230 is above the usual 80–200 mmHg"
    assert checked.unusual[P.HR] == "HR 38 is below the usual 40–150 /min"


def test_nan_and_infinity_are_impossible():
    assert not is_possible(P.HR, float("nan"))
    assert not is_possible(P.HR, float("inf"))


def test_a_vital_point_says_when_its_device_time_was_dropped() -> None:
    at = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    plain = VitalPoint(Parameter.HR, 72, at, "hl7")
    assert plain.device_time_rejected is False
    flagged = VitalPoint(Parameter.HR, 72, at, "hl7", device_time_rejected=True)
    assert flagged.device_time is None and flagged != plain
    with pytest.raises(dataclasses.FrozenInstanceError):
        flagged.device_time_rejected = False  # type: ignore[misc]
