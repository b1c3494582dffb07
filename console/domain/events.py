"""Session entries beyond notes: ratings, adverse events with rescue medication, and overrides."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.errors import FieldError


@dataclass(frozen=True, slots=True)
class RatingEntry:
    """A stored rating on a scale; corrected by an amendment that points at the original."""

    uid: str
    session_id: int
    scale_id: str
    value: int
    note: str
    at: datetime
    author_id: int
    amends_uid: str | None = None


class Severity(enum.StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


ADVERSE_KINDS = (
    "nausea / vomiting",
    "hypertension",
    "tachycardia",
    "desaturation",
    "agitation / distress",
    "excessive sedation",
    "other",
)


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """What happened, how bad, what was done, and any rescue medication given."""

    uid: str
    session_id: int
    at: datetime
    kind: str
    severity: Severity
    action: str
    author_id: int
    rescue_drug: str = ""
    rescue_dose_mg: float | None = None
    rescue_route: str = ""
    rescue_at: datetime | None = None

    @property
    def rescue_given(self) -> bool:
        return bool(self.rescue_drug)


def validate_adverse_event(event: AdverseEvent, now: datetime) -> list[FieldError]:
    """Problems with an adverse-event entry, one message per field."""
    errors: list[FieldError] = []
    if not event.kind.strip():
        errors.append(FieldError("kind", "Choose what happened."))
    if event.at > now:
        errors.append(FieldError("at", "The time is in the future."))
    if event.rescue_drug.strip():
        if event.rescue_dose_mg is None or not 0 < event.rescue_dose_mg <= 1000:
            errors.append(FieldError("rescue_dose_mg", "Enter the rescue dose in mg."))
        if event.rescue_at is None:
            errors.append(FieldError("rescue_at", "Enter when the rescue medication was given."))
        elif event.rescue_at > now:
            errors.append(FieldError("rescue_at", "The time is in the future."))
    elif event.rescue_dose_mg is not None:
        errors.append(FieldError("rescue_drug", "Name the rescue medication for this dose."))
    return errors


class OverrideKind(enum.StrEnum):
    BP_GATE = "bp_gate"
    RIDE_HOME = "ride_home"
    DISCHARGE = "discharge"


@dataclass(frozen=True, slots=True)
class Override:
    """Going ahead despite a rule, with the reason and who signed; flagged for supervisor review."""

    uid: str
    session_id: int
    kind: OverrideKind
    reason: str
    signed_by_id: int
    signed_at: datetime
    detail: dict[str, Any] = field(default_factory=dict)
