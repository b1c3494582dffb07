"""Patients, staff and rooms: the plain records and the validation of a new patient."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from console.domain.text import check_text
from console.errors import FieldError, ValidationFailed


class StaffRole(enum.StrEnum):
    """What a staff member does in the clinic."""

    THERAPIST = "therapist"
    NURSE = "nurse"
    PHYSICIAN = "physician"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def is_medical(self) -> bool:
        return self in (StaffRole.NURSE, StaffRole.PHYSICIAN)


@dataclass(frozen=True, slots=True)
class Patient:
    id: int
    display_name: str  # name or initials, as the clinic prefers
    chart_id: str
    date_of_birth: date
    weight_kg: float


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    name: str
    role: StaffRole


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class PatientDraft:
    """A patient as typed on the check-in form, before it is stored."""

    display_name: str
    chart_id: str
    date_of_birth: date | None
    weight_kg: float | None


MIN_WEIGHT_KG = 20.0
MAX_WEIGHT_KG = 350.0
EARLIEST_BIRTH = date(1900, 1, 1)
DATE_FORMAT = "YYYY-MM-DD"  # how a date of birth is typed and shown

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_WEIGHT = re.compile(r"([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*(?:kg)?", re.IGNORECASE | re.ASCII)


def parse_date_of_birth(text: str) -> date | None:
    """A date of birth typed as YYYY-MM-DD (year first, as shown); None when left empty.

    Anything else raises ValidationFailed naming ``date_of_birth``: no other order is guessed,
    so 1985-03-12 is always the 12th of March.
    """
    typed = text.strip()
    if not typed:
        return None
    match = _DATE.fullmatch(typed)
    if match is None:
        raise ValidationFailed(
            [FieldError("date_of_birth", f"Type the date as {DATE_FORMAT}, e.g. 1985-03-12.")]
        )
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationFailed(
            [FieldError("date_of_birth", f"{typed} is not a date: check the month and day.")]
        ) from None


def parse_weight(text: str) -> float | None:
    """A weight typed in kg ("72.5", "72,5" or "72.5 kg"); None when left empty.

    Anything that is not a number raises ValidationFailed naming ``weight_kg``; whether the
    number is a possible weight is for ``validate_patient``.
    """
    typed = text.strip()
    if not typed:
        return None
    match = _WEIGHT.fullmatch(typed)
    if match is None:
        raise ValidationFailed(
            [FieldError("weight_kg", f'"{typed}" is not a weight: type it in kg, e.g. 72.5.')]
        )
    return float(match.group(1).replace(",", "."))


MAX_STAFF_NAME_LENGTH = 80  # the staff.name column


def validate_staff_name(name: str) -> list[FieldError]:
    """A staff member's name as printed on records: present, short, printable."""
    if not name.strip():
        return [FieldError("name", "Enter the staff member's name.")]
    if len(name.strip()) > MAX_STAFF_NAME_LENGTH:
        return [FieldError("name", f"Keep the name to {MAX_STAFF_NAME_LENGTH} characters.")]
    return check_text("name", name)


def validate_patient(draft: PatientDraft, today: date) -> list[FieldError]:
    """Every problem with a new patient's details, one message per field; empty when valid."""
    errors: list[FieldError] = []
    if not draft.display_name.strip():
        errors.append(FieldError("display_name", "Enter the patient's name or initials."))
    elif len(draft.display_name.strip()) > 80:
        errors.append(FieldError("display_name", "Keep the name to 80 characters."))
    else:
        errors.extend(check_text("display_name", draft.display_name))
    if not draft.chart_id.strip():
        errors.append(FieldError("chart_id", "Enter the chart id (MRN)."))
    elif len(draft.chart_id.strip()) > 40:
        errors.append(FieldError("chart_id", "Keep the chart id to 40 characters."))
    else:
        errors.extend(check_text("chart_id", draft.chart_id))
    if draft.date_of_birth is None:
        errors.append(FieldError("date_of_birth", "Enter the date of birth."))
    elif draft.date_of_birth > today:
        errors.append(FieldError("date_of_birth", "The date of birth is in the future."))
    elif draft.date_of_birth < EARLIEST_BIRTH:
        errors.append(FieldError("date_of_birth", "Check the year: that is before 1900."))
    elif today.year - draft.date_of_birth.year > 120:
        errors.append(FieldError("date_of_birth", "Check the year: that is over 120 years ago."))
    if draft.weight_kg is None:
        errors.append(FieldError("weight_kg", "Enter the weight in kg (needed for mg/kg)."))
    elif not MIN_WEIGHT_KG <= draft.weight_kg <= MAX_WEIGHT_KG:
        errors.append(
            FieldError(
                "weight_kg",
                f"Weight must be {MIN_WEIGHT_KG:g}–{MAX_WEIGHT_KG:g} kg; "
                f"{draft.weight_kg:g} is not possible.",
            )
        )
    return errors
