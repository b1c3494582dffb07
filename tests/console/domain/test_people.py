from __future__ import annotations

from datetime import date

from console.domain.people import PatientDraft, validate_patient

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
    assert "120 years" in fields(PatientDraft("A", "B", date(1890, 1, 1), 70))["date_of_birth"]
