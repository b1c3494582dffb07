"""A stored dose: what was given, how, when and by whom (the record behind a DoseDraft)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from console.domain.doses import Drug, Route


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

    @property
    def summary(self) -> str:
        """One line for lists: "Ketamine · IM · 50 mg (0.69 mg/kg)"."""
        per_kg = f" ({self.mg_per_kg:.2f} mg/kg)" if self.mg_per_kg is not None else ""
        devices = f" · {self.device_count} device(s)" if self.device_count else ""
        return (
            f"{self.drug.value.capitalize()} · {self.route.label} · "
            f"{self.amount_mg:g} mg{per_kg}{devices}"
        )


def needs_rems_item(doses: Iterable[DoseRecord]) -> bool:
    """True when esketamine was given: its discharge adds the REMS monitoring facts."""
    return any(dose.drug is Drug.ESKETAMINE for dose in doses)
