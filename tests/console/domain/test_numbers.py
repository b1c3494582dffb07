"""Every number the domain takes is finite and possible: NaN, infinities and 1e308 are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from console.domain.doses import DoseDraft, Drug, Route, validate_dose
from console.domain.events import AdverseEvent, Severity, validate_adverse_event
from console.domain.numbers import check_number, is_finite_number, require_number
from console.domain.people import PatientDraft, validate_patient
from console.domain.vitals import Parameter, validate_vitals
from console.errors import ValidationFailed

NOW = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
ABSURD = [float("nan"), float("inf"), float("-inf"), 1e308, -1e308]


@pytest.mark.parametrize("value", [*ABSURD, True, "12", None, 10**400])
def test_check_number_refuses_what_is_not_a_finite_possible_number(value: object) -> None:
    error = check_number("rate_mg_per_h", value, 0, 1000, label="the rate", unit="mg/h")
    assert error is not None and error.field == "rate_mg_per_h"
    assert error.message.startswith("The rate ")
    with pytest.raises(ValidationFailed) as failed:
        require_number("rate_mg_per_h", value, 0, 1000)
    assert [e.field for e in failed.value.errors] == ["rate_mg_per_h"]


def test_check_number_takes_the_bounds_and_an_open_lower_bound() -> None:
    assert check_number("x", 0, 0, 10) is None and check_number("x", 10.0, 0, 10) is None
    assert check_number("x", 0, 0, 10, lo_open=True) is not None
    assert check_number("x", 10.5, 0, 10) is not None
    assert require_number("x", 3, 0, 10) == 3.0
    assert (
        is_finite_number(2) and not is_finite_number(float("nan")) and not is_finite_number(False)
    )


def _infusion(rate: float) -> DoseDraft:
    return DoseDraft(
        Drug.KETAMINE,
        Route.IV_INFUSION,
        35.0,
        NOW - timedelta(minutes=30),
        rate_mg_per_h=rate,
        lot="KT-1",
    )


@pytest.mark.parametrize("rate", [*ABSURD, 0.0, -5.0, 5000.0])
def test_an_infusion_rate_must_be_finite_and_possible(rate: float) -> None:
    errors = validate_dose(_infusion(rate), NOW)
    assert "rate_mg_per_h" in [e.field for e in errors]


def test_a_usual_infusion_rate_is_taken() -> None:
    assert "rate_mg_per_h" not in [e.field for e in validate_dose(_infusion(40.0), NOW)]


@pytest.mark.parametrize("amount", ABSURD)
def test_a_dose_amount_must_be_finite(amount: float) -> None:
    draft = DoseDraft(Drug.KETAMINE, Route.IM, amount, NOW - timedelta(minutes=5), lot="KT-1")
    assert "amount_mg" in [e.field for e in validate_dose(draft, NOW)]


@pytest.mark.parametrize("weight", ABSURD)
def test_a_weight_must_be_finite(weight: float) -> None:
    draft = PatientDraft("J. D.", "MRN-1", date(1986, 4, 12), weight)
    assert "weight_kg" in [e.field for e in validate_patient(draft, NOW.date())]


@pytest.mark.parametrize("dose", ABSURD)
def test_a_rescue_dose_must_be_finite(dose: float) -> None:
    event = AdverseEvent(
        "u", 1, NOW, "nausea", Severity.MILD, "bowl", 2, "ondansetron", dose, "oral", NOW
    )
    assert "rescue_dose_mg" in [e.field for e in validate_adverse_event(event, NOW)]


@pytest.mark.parametrize("typed", ["nan", "inf", "-inf", "1e308", "Infinity"])
def test_a_typed_vital_sign_must_be_finite(typed: str) -> None:
    _, errors = validate_vitals({Parameter.HR: typed})
    assert [e.field for e in errors] == [Parameter.HR.value]
