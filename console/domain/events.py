"""Session entries beyond notes: ratings, adverse events with rescue medication, and overrides."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.domain.text import check_text
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


# What a KAP clinic records; older records may hold kinds no longer offered ("desaturation",
# "agitation / distress"), which still read and show as stored.
ADVERSE_KINDS = (
    "hypertension",
    "hypotension",
    "tachycardia",
    "bradycardia",
    "desaturation / apnoea",
    "nausea / vomiting",
    "emergence reaction / agitation",
    "anxiety / panic",
    "vasovagal episode / syncope",
    "allergic reaction",
    "fall / injury",
    "excessive sedation",
    "other",
)
OTHER_KIND = "other"
OXYGEN_DEVICES = ("nasal cannula", "face mask", "non-rebreather mask", "bag-valve mask")
MAX_OXYGEN_L_MIN = 15.0


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
    detail: str = ""  # what happened, in words: required for "other"
    oxygen_l_min: float | None = None  # supplemental oxygen given, litres per minute
    oxygen_device: str = ""
    airway_manoeuvre: bool = False  # jaw thrust, chin lift, airway adjunct
    positioning: bool = False  # recovery position, legs raised

    @property
    def rescue_given(self) -> bool:
        return bool(self.rescue_drug)

    @property
    def kind_text(self) -> str:
        """The kind with its free-text detail: "other: fainted in the bathroom"."""
        return f"{self.kind}: {self.detail}" if self.detail.strip() else self.kind

    @property
    def treatments(self) -> list[str]:
        """The non-drug treatments given, in plain words (empty when none)."""
        found: list[str] = []
        if self.oxygen_l_min is not None:
            device = f" by {self.oxygen_device}" if self.oxygen_device else ""
            found.append(f"oxygen {self.oxygen_l_min:g} L/min{device}")
        if self.airway_manoeuvre:
            found.append("airway manoeuvre")
        if self.positioning:
            found.append("positioning")
        return found


def validate_adverse_event(event: AdverseEvent, now: datetime) -> list[FieldError]:
    """Problems with an adverse-event entry, one message per field."""
    errors: list[FieldError] = []
    for name, text in (
        ("kind", event.kind),
        ("action", event.action),
        ("detail", event.detail),
        ("rescue_drug", event.rescue_drug),
        ("rescue_route", event.rescue_route),
        ("oxygen_device", event.oxygen_device),
    ):
        errors.extend(check_text(name, text))
    if errors:
        return errors
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
    if event.kind.strip() == OTHER_KIND and not event.detail.strip():
        errors.append(FieldError("detail", "Say what happened."))
    if event.oxygen_l_min is not None and not 0 < event.oxygen_l_min <= MAX_OXYGEN_L_MIN:
        errors.append(
            FieldError(
                "oxygen_l_min", f"Oxygen flow is above 0 and up to {MAX_OXYGEN_L_MIN:g} L/min."
            )
        )
    elif event.oxygen_device.strip() and event.oxygen_l_min is None:
        errors.append(FieldError("oxygen_l_min", "Enter the oxygen flow in L/min."))
    return errors


class OverrideKind(enum.StrEnum):
    BP_GATE = "bp_gate"
    RIDE_HOME = "ride_home"
    DISCHARGE = "discharge"
    CHECKLIST = "checklist"  # a discharge item ticked although an alarm or a finding says otherwise


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
