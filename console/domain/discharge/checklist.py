"""The discharge checklist, what blocks leaving, and a tick the record contradicts."""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain.discharge.followup import MAX_OVERRIDE_REASON
from console.domain.discharge.full_sets import _require_aware
from console.domain.discharge.padss import PADSS_FIT_AT, Ambulation, NauseaControl, PadssScore
from console.domain.discharge.ride import RideHome, validate_ride_home
from console.domain.text import check_text
from console.errors import FieldError

# --- the checklist -------------------------------------------------------------------------------

MINIMUM_MONITORING = timedelta(minutes=120)


class ItemId(enum.StrEnum):
    """Stable identifiers of the checklist items (stored with each answer)."""

    MONITORING_TIME = "monitoring_time"
    VITALS_STABLE = "vitals_stable"
    ORIENTED = "oriented"
    STEADY_GAIT = "steady_gait"
    NAUSEA_CONTROLLED = "nausea_controlled"
    PADSS = "padss"
    RIDE_HOME = "ride_home"
    INSTRUCTIONS = "instructions"
    CRISIS_LINE = "crisis_line"
    INTEGRATION_BOOKED = "integration_booked"
    REMS_FACTS = "rems_facts"


class ItemSource(enum.StrEnum):
    """Whether the clinician ticks the item, or the console works it out from the record."""

    ANSWER = "answer"
    COMPUTED = "computed"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: ItemId
    text: str
    required: bool = True
    source: ItemSource = ItemSource.ANSWER
    open_text: str = ""  # the blocker shown while an answered item is not ticked


def checklist(
    *,
    esketamine: bool,
    minimum_monitoring: timedelta = MINIMUM_MONITORING,
    crisis_line: str = "988 in the US",
    not_required: Collection[str] = (),
) -> tuple[ChecklistItem, ...]:
    """The discharge checklist for one session, in the order it is shown.

    The REMS item appears only for esketamine. ``not_required`` lists item ids a clinic has made
    optional: they are still shown, but never block discharge.
    """
    minutes = int(minimum_monitoring.total_seconds() // 60)
    computed = ItemSource.COMPUTED
    items = [
        ChecklistItem(
            ItemId.MONITORING_TIME,
            f"Monitored for at least {minutes} min since the dose (T0)",
            source=computed,
        ),
        ChecklistItem(
            ItemId.VITALS_STABLE,
            "Vital signs stable and close to the pre-dose baseline",
            open_text="Vital signs not yet confirmed stable and close to baseline.",
        ),
        ChecklistItem(
            ItemId.ORIENTED,
            "Alert, and knows who they are, where they are and when (oriented ×3)",
            open_text="Not yet confirmed alert and oriented ×3.",
        ),
        ChecklistItem(
            ItemId.STEADY_GAIT,
            "Walks steadily without help",
            open_text="Steady gait not yet confirmed.",
        ),
        ChecklistItem(
            ItemId.NAUSEA_CONTROLLED,
            "Nausea under control",
            open_text="Nausea not yet confirmed under control.",
        ),
        ChecklistItem(
            ItemId.PADSS, f"Modified PADSS {PADSS_FIT_AT} or more out of 10", source=computed
        ),
        ChecklistItem(
            ItemId.RIDE_HOME,
            "Safe ride home confirmed: the patient leaves with the named adult, "
            "not alone and not driving",
            source=computed,
        ),
        ChecklistItem(
            ItemId.INSTRUCTIONS,
            "Patient told: no driving or machinery until the next day, after a night's sleep; "
            "no big decisions or legal papers today; written instructions handed over",
            open_text="Aftercare instructions not yet confirmed given "
            "(no driving, no big decisions, written sheet).",
        ),
        ChecklistItem(
            ItemId.CRISIS_LINE,
            f"Crisis line ({crisis_line}) and the clinic's after-hours number given",
            open_text="Crisis line and after-hours number not yet confirmed given.",
        ),
        ChecklistItem(
            ItemId.INTEGRATION_BOOKED,
            "Integration session booked, ideally 24–72 h from now",
            source=computed,
        ),
    ]
    if esketamine:
        items.append(
            ChecklistItem(
                ItemId.REMS_FACTS,
                "REMS facts: total monitoring time, and when the patient would have been "
                "ready to leave without the 2-h minimum",
                source=computed,
            )
        )
    return tuple(
        ChecklistItem(item.id, item.text, item.id not in not_required, item.source, item.open_text)
        for item in items
    )


def discharge_blockers(
    answers: Mapping[str, bool],
    padss: PadssScore | None,
    ride_home: RideHome | None,
    *,
    t0: datetime,
    now: datetime,
    integration_at: datetime | None,
    ready_at: datetime | None = None,
    esketamine: bool = False,
    minimum_monitoring: timedelta = MINIMUM_MONITORING,
    crisis_line: str = "988 in the US",
    not_required: Collection[str] = (),
) -> list[str]:
    """Every open required item in plain words, in checklist order; empty when the patient may go.

    ``answers`` maps item ids to the clinician's tick (True = done); computed items ignore it and
    are judged from the record: T0 and ``now``, the PADSS, the ride home, the integration booking
    and, for esketamine, the "ready to leave" time.
    """
    _require_aware(t0, now, integration_at, ready_at)
    blockers: list[str] = []
    items = checklist(
        esketamine=esketamine,
        minimum_monitoring=minimum_monitoring,
        crisis_line=crisis_line,
        not_required=not_required,
    )
    for item in items:
        if not item.required:
            continue
        if item.source is ItemSource.ANSWER:
            if answers.get(item.id) is not True:
                blockers.append(item.open_text)
            continue
        problem = _computed_problem(
            item.id, padss, ride_home, t0, now, integration_at, ready_at, minimum_monitoring
        )
        if problem:
            blockers.append(problem)
    return blockers


def _computed_problem(
    item: ItemId,
    padss: PadssScore | None,
    ride_home: RideHome | None,
    t0: datetime,
    now: datetime,
    integration_at: datetime | None,
    ready_at: datetime | None,
    minimum_monitoring: timedelta,
) -> str | None:
    if item is ItemId.MONITORING_TIME:
        elapsed = now - t0
        if elapsed >= minimum_monitoring:
            return None
        done = max(0, int(elapsed.total_seconds() // 60))
        needed = int(minimum_monitoring.total_seconds() // 60)
        to_go = math.ceil((minimum_monitoring - elapsed).total_seconds() / 60)
        return (
            f"Minimum monitoring not met: {done} of {needed} min since the dose "
            f"({to_go} min to go)."
        )
    if item is ItemId.PADSS:
        if padss is None:
            return "Modified PADSS not yet scored."
        if padss.fit:
            return None
        lost = ", ".join(f"{i.label.lower()} {i.points}" for i in padss.items if i.points < 2)
        return f"Modified PADSS is {padss.total}/10 ({lost}); {PADSS_FIT_AT} is needed."
    if item is ItemId.RIDE_HOME:
        if ride_home is None:
            return "Safe ride home not confirmed: no driver recorded."
        errors = validate_ride_home(ride_home, now)
        if errors:
            return "Safe ride home not confirmed: " + " ".join(e.message for e in errors)
        return None
    if item is ItemId.INTEGRATION_BOOKED:
        if integration_at is None:
            return "Integration session not yet booked."
        if integration_at < now:
            return "Integration session time is in the past; check the booking."
        return None
    if item is ItemId.REMS_FACTS:
        if ready_at is None:
            return "REMS: record when the patient was ready to leave."
        if not t0 <= ready_at <= now:
            return "REMS: the ready-to-leave time must lie between the dose and now."
        return None
    raise AssertionError(f"no rule for computed item {item}")  # pragma: no cover


# --- checklist truth: a tick the record contradicts ----------------------------------------------

_ALARM_ITEMS: dict[ItemId, tuple[str, str]] = {
    # item → (alarm key prefix that contradicts it, what the alarm is called)
    ItemId.VITALS_STABLE: ("limit:", "vital-sign alarm"),
    ItemId.ORIENTED: ("obs:", "rating alarm"),
}
_NOT_CONTRADICTING = frozenset({"obs:pain"})  # pain says nothing about orientation


def contradictions(
    active_alarms: Sequence[tuple[str, str]],
    ambulation: int | None,
    nausea: int | None,
) -> dict[str, str]:
    """Per answered item, what in the record says otherwise now, in plain words.

    ``active_alarms`` are the bed's active alarms as (key, message). A vital-sign alarm
    contradicts "vital signs stable", a rating alarm (sedation) "alert and oriented"; the PADSS
    answers contradict "steady gait" (not steady) and "nausea under control" (not controlled).
    Ticking a contradicted item needs a signed override with a reason.
    """
    found: dict[str, str] = {}
    for item, (prefix, name) in _ALARM_ITEMS.items():
        messages = [
            message
            for key, message in active_alarms
            if key.startswith(prefix) and key.partition("@")[0] not in _NOT_CONTRADICTING
        ]
        if messages:
            found[item.value] = f"active {name}: " + "; ".join(messages)
    if ambulation is not None and ambulation != Ambulation.STEADY:
        found[ItemId.STEADY_GAIT.value] = (
            f"the PADSS ambulation answer is “{Ambulation(ambulation).label.lower()}”"
        )
    if nausea is not None and nausea == NauseaControl.NOT_CONTROLLED:
        found[ItemId.NAUSEA_CONTROLLED.value] = "the PADSS nausea answer is “not controlled”"
    return found


def validate_item_override(reason: str, against: str) -> list[FieldError]:
    """Problems with the reason for ticking an item the record contradicts (``against``)."""
    reason = reason.strip()
    if not reason:
        return [
            FieldError(
                "item_reason",
                f"This contradicts the record ({against}): give the reason to tick it anyway.",
            )
        ]
    if len(reason) > MAX_OVERRIDE_REASON:
        return [
            FieldError("item_reason", f"Keep the reason under {MAX_OVERRIDE_REASON} characters.")
        ]
    return check_text("item_reason", reason)
