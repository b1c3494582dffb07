"""The ride home: the adult taking the patient home, and its checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from console.domain.discharge.full_sets import _require_aware
from console.domain.text import check_text
from console.errors import FieldError

# --- ride home -----------------------------------------------------------------------------------

MIN_PHONE_DIGITS = 7
MAX_NAME_LENGTH = 80


@dataclass(frozen=True, slots=True)
class RideHome:
    """The adult taking the patient home, and when staff confirmed it."""

    driver_name: str
    phone: str
    relationship: str  # partner, parent, friend, …
    confirmed_at: datetime | None


def validate_ride_home(ride: RideHome, now: datetime) -> list[FieldError]:
    """Every problem with the ride-home details, one message per field; empty when confirmed."""
    _require_aware(now, ride.confirmed_at)
    errors: list[FieldError] = []
    name = ride.driver_name.strip()
    if not name:
        errors.append(FieldError("driver_name", "Enter the driver's name."))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(
            FieldError("driver_name", f"Keep the driver's name to {MAX_NAME_LENGTH} characters.")
        )
    else:
        errors.extend(check_text("driver_name", ride.driver_name))
    digits = len(re.findall(r"\d", ride.phone))
    if not ride.phone.strip():
        errors.append(FieldError("phone", "Enter the driver's phone number."))
    elif digits < MIN_PHONE_DIGITS:
        errors.append(
            FieldError(
                "phone",
                f"A phone number needs at least {MIN_PHONE_DIGITS} digits; "
                f"“{ride.phone.strip()}” has {digits}.",
            )
        )
    else:
        errors.extend(check_text("phone", ride.phone))
    if not ride.relationship.strip():
        errors.append(
            FieldError("relationship", "Enter how the driver knows the patient (partner, friend…).")
        )
    else:
        errors.extend(check_text("relationship", ride.relationship))
    if ride.confirmed_at is None:
        errors.append(FieldError("confirmed_at", "Enter when the ride was confirmed."))
    elif ride.confirmed_at > now:
        errors.append(FieldError("confirmed_at", "The confirmation time is in the future."))
    return errors
