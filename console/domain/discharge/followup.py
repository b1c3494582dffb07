"""The integration booking, the esketamine REMS times and the discharge override reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain.discharge.full_sets import _require_aware
from console.domain.text import check_text
from console.errors import FieldError, ValidationFailed

# --- integration, REMS facts, override -----------------------------------------------------------

INTEGRATION_EARLIEST = timedelta(hours=24)
INTEGRATION_LATEST = timedelta(hours=72)


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes >= 96 * 60:
        return f"{minutes // (24 * 60)} days"
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{rest} min"
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


def check_integration(booked_at: datetime, now: datetime) -> str | None:
    """A warning when the integration session is not 24–72 h from now (both ends allowed)."""
    _require_aware(booked_at, now)
    ahead = booked_at - now
    if ahead < timedelta(0):
        return "The integration session time is in the past; check the booking."
    if ahead < INTEGRATION_EARLIEST:
        return (
            f"The integration session is {_duration(ahead)} from now, "
            "earlier than the 24–72 h advised."
        )
    if ahead > INTEGRATION_LATEST:
        return (
            f"The integration session is {_duration(ahead)} from now, "
            "later than the 24–72 h advised."
        )
    return None


@dataclass(frozen=True, slots=True)
class RemsFacts:
    """The esketamine REMS monitoring facts, in whole minutes after T0 (rounded down)."""

    total_monitoring_minutes: int  # T0 to discharge
    ready_after_minutes: int  # T0 to when the patient was clinically ready, 2-h rule aside


def validate_rems_times(
    t0: datetime, discharge_at: datetime, ready_at: datetime
) -> list[FieldError]:
    """Problems with the REMS times; empty when T0 ≤ ready ≤ discharge."""
    _require_aware(t0, discharge_at, ready_at)
    errors: list[FieldError] = []
    if ready_at < t0:
        errors.append(FieldError("ready_at", "Ready to leave cannot be before the dose (T0)."))
    elif ready_at > discharge_at:
        errors.append(FieldError("ready_at", "Ready to leave cannot be after discharge."))
    if discharge_at < t0:
        errors.append(FieldError("discharge_at", "Discharge cannot be before the dose (T0)."))
    return errors


def rems_facts(t0: datetime, discharge_at: datetime, ready_at: datetime) -> RemsFacts:
    """Total monitoring minutes and "ready to leave at" minutes; ``ValidationFailed`` if disordered."""
    errors = validate_rems_times(t0, discharge_at, ready_at)
    if errors:
        raise ValidationFailed(errors)
    return RemsFacts(
        int((discharge_at - t0).total_seconds() // 60),
        int((ready_at - t0).total_seconds() // 60),
    )


MAX_OVERRIDE_REASON = 2000


def validate_override(reason: str) -> list[FieldError]:
    """Problems with a discharge override's reason; empty when it can be signed."""
    if not reason.strip():
        return [FieldError("reason", "Give the reason for discharging with items still open.")]
    if len(reason) > MAX_OVERRIDE_REASON:
        return [FieldError("reason", f"Keep the reason under {MAX_OVERRIDE_REASON} characters.")]
    return check_text("reason", reason)
