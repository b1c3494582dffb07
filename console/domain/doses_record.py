"""A stored dose: what was given, how, when and by whom, and whether it was entered in error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from console.domain.doses import Drug, EarlierDose, Route, mg_per_kg

ENTERED_IN_ERROR_MEANING = "entered in error, signed by"


@dataclass(frozen=True, slots=True)
class DoseCorrection:
    """A signed "entered in error" amendment: the dose stays on record, out of every total."""

    uid: str
    dose_uid: str
    reason: str
    signed_by_id: int
    printed_name: str
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class DoseRecord:
    """One dose as stored; boosters are further records of the same session.

    ``mg_per_kg`` is worked out from the patient's recorded weight when the dose is read back;
    it is not a stored column, and it is ignored when the record is written.
    """

    uid: str
    session_id: int
    drug: Drug
    route: Route
    amount_mg: float
    started_at: datetime
    given_by_id: int
    recorded_at: datetime
    ended_at: datetime | None = None
    rate_mg_per_h: float | None = None
    lot: str = ""
    device_count: int | None = None
    mg_per_kg: float | None = None
    confirm_reason: str = ""  # why a queried entry (limit, jump, early booster) went ahead
    correction: DoseCorrection | None = None  # set once the dose is marked entered in error

    @property
    def in_force(self) -> bool:
        """False once marked entered in error: then it counts nowhere, but stays readable."""
        return self.correction is None

    @property
    def summary(self) -> str:
        """One line for lists: "Ketamine · IM · 50 mg (0.69 mg/kg)", marked when in error."""
        per_kg = f" ({self.mg_per_kg:.2f} mg/kg)" if self.mg_per_kg is not None else ""
        devices = f" · {self.device_count} device(s)" if self.device_count else ""
        error = " · entered in error" if self.correction is not None else ""
        return (
            f"{self.drug.value.capitalize()} · {self.route.label} · "
            f"{self.amount_mg:g} mg{per_kg}{devices}{error}"
        )


def in_force(doses: Iterable[DoseRecord]) -> list[DoseRecord]:
    """The doses that count: every one not marked entered in error, in the order given."""
    return [dose for dose in doses if dose.in_force]


def as_earlier(doses: Iterable[DoseRecord]) -> list[EarlierDose]:
    """The doses in force as the slip guard reads them."""
    return [EarlierDose(d.drug, d.route, d.amount_mg, d.started_at) for d in in_force(doses)]


@dataclass(frozen=True, slots=True)
class DoseTotal:
    """One drug's session total (doses in force only)."""

    drug: Drug
    amount_mg: float
    mg_per_kg: float | None

    @property
    def text(self) -> str:
        """The total as shown, e.g. Ketamine 86 mg (1.19 mg/kg)."""
        per_kg = f" ({self.mg_per_kg:.2f} mg/kg)" if self.mg_per_kg is not None else ""
        return f"{self.drug.value.capitalize()} {self.amount_mg:g} mg{per_kg}"


def session_totals(doses: Iterable[DoseRecord], weight_kg: float | None) -> list[DoseTotal]:
    """Per drug, the total in mg and mg/kg of the doses in force (entered-in-error left out)."""
    sums: dict[Drug, float] = {}
    for dose in in_force(doses):
        sums[dose.drug] = sums.get(dose.drug, 0.0) + dose.amount_mg
    return [
        DoseTotal(drug, total, mg_per_kg(total, weight_kg) if weight_kg else None)
        for drug, total in sums.items()
    ]


def needs_rems_item(doses: Iterable[DoseRecord]) -> bool:
    """True when esketamine was given (doses in force): its discharge adds the REMS facts."""
    return any(dose.drug is Drug.ESKETAMINE for dose in in_force(doses))
