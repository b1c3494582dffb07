"""Dose entry: drug, route, amount and mg/kg, infusion times, esketamine devices, slip guards."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from console.domain.numbers import check_number
from console.domain.text import check_text
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


def _rate_error(rate: float) -> FieldError | None:
    """An infusion rate must be finite, above 0 and at most MAX_DOSE_MG an hour (a typo guard)."""
    return check_number(
        "rate_mg_per_h", rate, 0, MAX_DOSE_MG, label="the rate", unit="mg/h", lo_open=True
    )


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
        if draft.rate_mg_per_h is not None and (bad := _rate_error(draft.rate_mg_per_h)):
            errors.append(bad)
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
    lot_text = check_text("lot", draft.lot)
    if lot_text:
        errors.extend(lot_text)
    elif len(draft.lot) > 40:
        errors.append(FieldError("lot", "Keep the lot number to 40 characters."))
    elif draft.drug is Drug.ESKETAMINE and not draft.lot.strip():
        errors.append(
            FieldError("lot", "Enter the lot number: the esketamine REMS form asks for it.")
        )
    return errors


# --- guarding against slips ----------------------------------------------------------------------

BOOSTER_GAP = timedelta(minutes=10)  # a booster sooner than this after the last dose is queried
JUMP_FACTOR = 2.0  # one entry more than this times the largest earlier dose is queried

# Placeholders shipped until a clinic's medical director sets its own: they only ask for a
# confirmation with a reason, they never refuse a dose. Keys are "drug/route".
DEFAULT_LIMIT_MG_PER_KG: dict[str, float] = {
    "ketamine/iv_infusion": 1.0,
    "ketamine/im": 1.5,
    "ketamine/sublingual": 5.0,
    "ketamine/oral": 5.0,
}
DEFAULT_LIMIT_MG: dict[str, float] = {"esketamine/intranasal": 84.0}


def limit_key(drug: Drug, route: Route) -> str:
    return f"{drug.value}/{route.value}"


@dataclass(frozen=True, slots=True)
class DoseLimits:
    """A clinic's session limits per drug and route: mg/kg of body weight, or plain mg.

    Above a limit the console asks for a confirmation with a reason; it never refuses the dose.
    """

    mg_per_kg: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LIMIT_MG_PER_KG))
    mg: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LIMIT_MG))

    @classmethod
    def from_settings(cls, mg_per_kg: Mapping[str, object], mg: Mapping[str, object]) -> DoseLimits:
        """Limits from the clinic's settings; unknown keys and non-positive numbers are skipped."""
        known = {limit_key(d, r) for d in Drug for r in Route}

        def clean(raw: Mapping[str, object]) -> dict[str, float]:
            return {
                key: float(value)
                for key, value in raw.items()
                if key in known
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and value > 0
            }

        return cls(clean(mg_per_kg), clean(mg))


@dataclass(frozen=True, slots=True)
class EarlierDose:
    """What the guard needs of a dose already in force this session."""

    drug: Drug
    route: Route
    amount_mg: float
    started_at: datetime


def dose_concerns(
    draft: DoseDraft,
    earlier: Sequence[EarlierDose],
    weight_kg: float | None,
    limits: DoseLimits,
) -> list[str]:
    """Why this entry needs an explicit confirmation with a reason, in plain words; empty if not.

    Asked when the session total of this drug and route would pass the clinic's limit, when the
    entry is more than twice the largest earlier dose of the drug, or when it follows the last
    dose by less than 10 minutes. ``earlier`` holds the doses in force (not entered in error).
    """
    if draft.amount_mg is None or draft.amount_mg <= 0:
        return []
    amount = draft.amount_mg
    found: list[str] = []
    key = limit_key(draft.drug, draft.route)
    same_route = [d for d in earlier if d.drug is draft.drug and d.route is draft.route]
    total = sum(d.amount_mg for d in same_route) + amount
    name = f"{draft.drug.value} {draft.route.label}"
    per_kg_limit = limits.mg_per_kg.get(key)
    if per_kg_limit is not None and weight_kg:
        per_kg = mg_per_kg(total, weight_kg)
        if per_kg > per_kg_limit:
            found.append(
                f"The session total of {name} would be {total:g} mg ({per_kg:.2f} mg/kg), "
                f"above the clinic's limit of {per_kg_limit:g} mg/kg."
            )
    mg_limit = limits.mg.get(key)
    if mg_limit is not None and total > mg_limit:
        found.append(
            f"The session total of {name} would be {total:g} mg, "
            f"above the clinic's limit of {mg_limit:g} mg."
        )
    same_drug = [d.amount_mg for d in earlier if d.drug is draft.drug]
    if same_drug and amount > JUMP_FACTOR * max(same_drug):
        found.append(
            f"{amount:g} mg is more than twice the largest earlier dose ({max(same_drug):g} mg)."
        )
    if earlier and draft.started_at is not None:
        last = max(d.started_at for d in earlier)
        gap = abs(draft.started_at - last)
        if gap < BOOSTER_GAP:
            minutes = int(gap.total_seconds() // 60)
            found.append(
                f"This booster follows the last dose by {minutes} min "
                f"(less than {int(BOOSTER_GAP.total_seconds() // 60)} min)."
            )
    return found
