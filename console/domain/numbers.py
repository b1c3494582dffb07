"""One rule for every number the domain takes: finite, a real number, and within its bounds."""

from __future__ import annotations

import math
from numbers import Real

from console.errors import FieldError, ValidationFailed

__all__ = ["check_number", "is_finite_number", "require_number"]


def is_finite_number(value: object) -> bool:
    """True for an int or float that is finite (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    try:
        return math.isfinite(float(value))
    except (OverflowError, ValueError):
        return False  # an int too large for a float


def check_number(
    field: str,
    value: object,
    lo: float,
    hi: float,
    *,
    label: str = "",
    unit: str = "",
    lo_open: bool = False,
) -> FieldError | None:
    """The error to show beside ``field`` when ``value`` is not a finite number in [lo, hi].

    NaN, infinities, numbers too large for a float, booleans and non-numbers are refused;
    ``lo_open`` makes the lower bound exclusive (a rate "above 0"). None when the value is fine.
    """
    name = label or field.replace("_", " ")
    suffix = f" {unit}" if unit else ""
    if not is_finite_number(value):
        return FieldError(field, f"{name.capitalize()} must be a finite number, not {value!r}.")
    number = float(value)  # type: ignore[arg-type]  # is_finite_number checked it is Real
    below = number <= lo if lo_open else number < lo
    if below or number > hi:
        low_word = "above" if lo_open else "from"
        return FieldError(
            field,
            f"{name.capitalize()} {number:g}{suffix} is not possible "
            f"(it must be {low_word} {lo:g} and at most {hi:g}{suffix}).",
        )
    return None


def require_number(
    field: str,
    value: object,
    lo: float,
    hi: float,
    *,
    label: str = "",
    unit: str = "",
    lo_open: bool = False,
) -> float:
    """``value`` as a float, or ValidationFailed naming ``field`` (see ``check_number``)."""
    error = check_number(field, value, lo, hi, label=label, unit=unit, lo_open=lo_open)
    if error is not None:
        raise ValidationFailed([error])
    return float(value)  # type: ignore[arg-type]
