from __future__ import annotations

from datetime import date

import pytest

from console.domain.people import (
    PatientDraft,
    parse_date_of_birth,
    parse_weight,
    validate_patient,
)
from console.errors import ValidationFailed

TODAY = date(2026, 11, 21)


def fields(draft: PatientDraft) -> dict[str, str]:
    return {e.field: e.message for e in validate_patient(draft, TODAY)}


def test_a_complete_patient_is_valid():
    assert fields(PatientDraft("J. D.", "MRN-1", date(1990, 1, 2), 70.0)) == {}


def test_every_empty_required_field_is_named():
    errors = fields(PatientDraft("  ", "", None, None))
    assert set(errors) == {"display_name", "chart_id", "date_of_birth", "weight_kg"}
    assert "initials" in errors["display_name"]
    assert "mg/kg" in errors["weight_kg"]


def test_out_of_range_values_say_what_is_wrong():
    errors = fields(PatientDraft("A", "B", date(2027, 1, 1), 700.0))
    assert errors["date_of_birth"] == "The date of birth is in the future."
    assert "700 is not possible" in errors["weight_kg"]
    assert "120 years" in fields(PatientDraft("A", "B", date(1901, 1, 1), 70))["date_of_birth"]


def test_a_birth_date_before_1900_is_refused():
    errors = fields(PatientDraft("A", "B", date(1899, 12, 31), 70.0))
    assert errors == {"date_of_birth": "Check the year: that is before 1900."}
    assert fields(PatientDraft("A", "B", TODAY, 70.0)) == {}  # today itself is not the future


def test_impossible_weights_are_refused():
    for weight in (0.0, -5.0, 900.0, float("nan"), float("inf")):
        assert (
            "is not possible"
            in fields(PatientDraft("A", "B", date(1990, 1, 2), weight))["weight_kg"]
        )
    assert fields(PatientDraft("A", "B", date(1990, 1, 2), 20.0)) == {}
    assert fields(PatientDraft("A", "B", date(1990, 1, 2), 350.0)) == {}


def test_a_birth_date_is_read_year_first_as_shown():
    assert parse_date_of_birth("1985-03-12") == date(1985, 3, 12)
    assert parse_date_of_birth(" 1985-3-2 ") == date(1985, 3, 2)
    assert parse_date_of_birth("") is None and parse_date_of_birth("   ") is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12/03/1985", "Type the date as YYYY-MM-DD, e.g. 1985-03-12."),
        ("12-03-1985", "Type the date as YYYY-MM-DD, e.g. 1985-03-12."),
        ("19850312", "Type the date as YYYY-MM-DD, e.g. 1985-03-12."),
        ("abc", "Type the date as YYYY-MM-DD, e.g. 1985-03-12."),
        ("1985-02-30", "1985-02-30 is not a date: check the month and day."),
        ("0000-01-01", "0000-01-01 is not a date: check the month and day."),
    ],
)
def test_an_unreadable_birth_date_names_the_field(typed, message):
    with pytest.raises(ValidationFailed) as failed:
        parse_date_of_birth(typed)
    assert [(e.field, e.message) for e in failed.value.errors] == [("date_of_birth", message)]


def test_a_weight_is_read_in_kg():
    assert parse_weight("72.5") == 72.5
    assert parse_weight("72,5") == 72.5
    assert parse_weight(" 80 kg ") == 80.0
    assert parse_weight("-5") == -5.0  # a number: validate_patient says it is not possible
    assert parse_weight("") is None


@pytest.mark.parametrize("typed", ["abc", "72..5", "1e3", "nan", "inf", "7 2", "72 lb"])
def test_an_unreadable_weight_names_the_field(typed):
    with pytest.raises(ValidationFailed) as failed:
        parse_weight(typed)
    [error] = failed.value.errors
    assert error.field == "weight_kg"
    assert error.message == f'"{typed}" is not a weight: type it in kg, e.g. 72.5.'
