"""Dose records: drug, route, amount and mg/kg, infusion times, esketamine devices."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.errors import FieldError


class Drug(enum.StrEnum):
    KETAMINE = "ketamine"  # racemic
    ESKETAMINE = "esketamine"


class Route(enum.StrEnum):
    IV_INFUSION = "iv_infusion"
    IM = "im"
    SUBLINGUAL = "sublingual"  # sublingual or troche
    ORAL = "oral"
    INTRANASAL = "intranasal"

    @property
    def label(self) -> str:
        return {
            "iv_infusion": "IV infusion",
            "im": "IM",
            "sublingual": "Sublingual / troche",
            "oral": "Oral",
            "intranasal": "Intranasal",
        }[self.value]


ESKETAMINE_MG_PER_DEVICE = 28
ESKETAMINE_DEVICE_GAP = timedelta(minutes=5)
MAX_DOSE_MG = 1000.0  # far above any KAP dose: a typo guard, not a clinical limit


@dataclass(frozen=True, slots=True)
class DoseDraft:
    """A dose as typed: nothing is stored until it validates."""

    drug: Drug
    route: Route
    amount_mg: float | None
    started_at: datetime | None
    ended_at: datetime | None = None
    rate_mg_per_h: float | None = None
    lot: str = ""
    device_count: int | None = None  # esketamine nasal devices


def mg_per_kg(amount_mg: float, weight_kg: float) -> float:
    """The dose per kilogram of the recorded weight, to two decimals."""
    return round(amount_mg / weight_kg, 2)


def validate_dose(draft: DoseDraft, now: datetime) -> list[FieldError]:
    """Every problem with a dose, one message per field; empty when it can be stored."""
    errors: list[FieldError] = []
    if draft.amount_mg is None:
        errors.append(FieldError("amount_mg", "Enter the amount in mg."))
    elif not 0 < draft.amount_mg <= MAX_DOSE_MG:
        errors.append(FieldError("amount_mg", f"{draft.amount_mg:g} mg is not a possible dose."))
    if draft.started_at is None:
        errors.append(FieldError("started_at", "Enter when the dose was started."))
    elif draft.started_at > now:
        errors.append(FieldError("started_at", "The start time is in the future."))
    if draft.route is Route.IV_INFUSION:
        if draft.ended_at is None and draft.rate_mg_per_h is None:
            errors.append(
                FieldError("ended_at", "For an infusion, enter the end time or the rate.")
            )
        if draft.rate_mg_per_h is not None and draft.rate_mg_per_h <= 0:
            errors.append(FieldError("rate_mg_per_h", "The rate must be above 0 mg/h."))
    if (
        draft.ended_at is not None
        and draft.started_at is not None
        and draft.ended_at <= draft.started_at
    ):
        errors.append(FieldError("ended_at", "The end time must be after the start time."))
    if draft.drug is Drug.ESKETAMINE:
        if draft.route is not Route.INTRANASAL:
            errors.append(FieldError("route", "Esketamine is given intranasally."))
        if draft.device_count is None or draft.device_count < 1:
            errors.append(FieldError("device_count", "Enter how many nasal devices were used."))
        elif (
            draft.amount_mg is not None
            and draft.amount_mg != draft.device_count * ESKETAMINE_MG_PER_DEVICE
        ):
            errors.append(
                FieldError(
                    "amount_mg",
                    f"{draft.device_count} device(s) give "
                    f"{draft.device_count * ESKETAMINE_MG_PER_DEVICE} mg, not {draft.amount_mg:g} mg.",
                )
            )
    if len(draft.lot) > 40:
        errors.append(FieldError("lot", "Keep the lot number to 40 characters."))
    return errors
