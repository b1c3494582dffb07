"""Discharge: the modified PADSS, full vital-sign sets, the checklist and what blocks leaving.

Everything here is plain data and arithmetic. Times are timezone-aware UTC and always passed in
(nothing here reads a clock); a naive datetime is a programming error and raises ``ValueError``.

Modified PADSS (0–10, fit for discharge at 9 or more):

* vitals — the largest percentage change of any compared parameter from the pre-dose baseline
  set to the latest full set: within 20 % (20.0 % included) = 2, over 20 up to 40 % (40.0 %
  included) = 1, over 40 % = 0. Percentages are rounded to 0.1 % first, and the rounded number is
  both the one shown and the one scored (halves away from zero), so the screen never contradicts the score.
* ambulation — steady gait = 2, needs help = 1, unable = 0.
* nausea/vomiting — none needing treatment = 2, controlled with medication = 1, not controlled = 0.
* pain — from the 0–10 pain rating: 0–3 = 2, 4–6 = 1, 7–10 = 0.
* bleeding — not applicable after ketamine: always 2 ("n/a after ketamine") so the total stays
  out of 10.

A *full set* is HR, SBP, DBP, SpO2 and RR all recorded within ``FULL_SET_WINDOW`` (5 min) of one
another: every value lies in the 5 minutes up to the moment the set became complete.
"""

from __future__ import annotations

import enum
import math
import re
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from console.domain.vitals import PARAMETERS, Parameter, VitalPoint
from console.errors import FieldError, ValidationFailed

# --- full sets -----------------------------------------------------------------------------------

FULL_SET_PARAMETERS: tuple[Parameter, ...] = (
    Parameter.HR,
    Parameter.NIBP_SYS,
    Parameter.NIBP_DIA,
    Parameter.SPO2,
    Parameter.RR,
)
FULL_SET_WINDOW = timedelta(minutes=5)


def _require_aware(*times: datetime | None) -> None:
    for when in times:
        if when is not None and when.utcoffset() is None:
            raise ValueError(f"discharge times must be timezone-aware (UTC), got {when!r}")


_Series = dict[Parameter, tuple[list[datetime], list[float]]]


def _series(points: Sequence[VitalPoint], before: datetime | None) -> _Series:
    ordered = sorted(
        (p for p in points if math.isfinite(p.value) and (before is None or p.at < before)),
        key=lambda p: p.at,
    )
    series: _Series = {}
    for point in ordered:
        times, values = series.setdefault(point.parameter, ([], []))
        times.append(point.at)
        values.append(point.value)
    return series


def _set_ending_at(
    series: _Series, anchor: datetime, window: timedelta
) -> dict[Parameter, float] | None:
    """The latest value of each parameter in [anchor − window, anchor], if it is a full set."""
    values: dict[Parameter, float] = {}
    for parameter, (times, numbers) in series.items():
        index = bisect_right(times, anchor) - 1
        if index >= 0 and times[index] >= anchor - window:
            values[parameter] = numbers[index]
    if all(parameter in values for parameter in FULL_SET_PARAMETERS):
        return values
    return None


def _anchors(series: _Series) -> list[datetime]:
    return sorted(
        {at for parameter in FULL_SET_PARAMETERS for at in series.get(parameter, ([], []))[0]}
    )


def full_set(
    points: Sequence[VitalPoint],
    *,
    before: datetime | None = None,
    window: timedelta = FULL_SET_WINDOW,
) -> dict[Parameter, float] | None:
    """The latest full set (HR, SBP, DBP, SpO2, RR within ``window``), or None if there is none.

    Each parameter's value is its latest one in the set's window; other parameters recorded in
    the same window (EtCO2, temperature, …) come along. ``before`` ignores points at or after it.
    """
    _require_aware(before)
    series = _series(points, before)
    for anchor in reversed(_anchors(series)):
        found = _set_ending_at(series, anchor, window)
        if found is not None:
            return found
    return None


def baseline_set(
    points: Sequence[VitalPoint], t0: datetime, *, window: timedelta = FULL_SET_WINDOW
) -> dict[Parameter, float] | None:
    """The pre-dose baseline: the first full set completed before T0, or None if there is none."""
    _require_aware(t0)
    series = _series(points, t0)
    for anchor in _anchors(series):
        found = _set_ending_at(series, anchor, window)
        if found is not None:
            return found
    return None


# --- PADSS: vital signs --------------------------------------------------------------------------

# Compared first, and required in both sets for the item to be scored at all.
PADSS_REQUIRED: tuple[Parameter, ...] = (Parameter.NIBP_SYS, Parameter.HR)
# Not a vital sign: the perfusion index swings widely with finger temperature and probe position.
PADSS_NOT_COMPARED: frozenset[Parameter] = frozenset({Parameter.PI})

_LABELS: dict[Parameter, str] = {
    Parameter.NIBP_SYS: "SBP",
    Parameter.NIBP_DIA: "DBP",
    Parameter.NIBP_MEAN: "MAP",
}
_MINUS = "\u2212"


def parameter_label(parameter: Parameter) -> str:
    """The short clinical label (SBP, DBP, MAP, HR, SpO2, …)."""
    return _LABELS.get(parameter, PARAMETERS[parameter].label)


def _signed(number: float, digits: str = "g") -> str:
    text = format(abs(number), digits)
    if number > 0:
        return f"+{text}"
    if number < 0:
        return f"{_MINUS}{text}"
    return text


@dataclass(frozen=True, slots=True)
class VitalChange:
    """One parameter's baseline and latest value and the signed change, rounded to 0.1 %."""

    parameter: Parameter
    baseline: float
    latest: float
    percent: float

    @property
    def text(self) -> str:
        """As shown beside the score: "SBP 128 → 141 (+10.2 %)"."""
        return (
            f"{parameter_label(self.parameter)} {self.baseline:g} → {self.latest:g} "
            f"({_signed(self.percent)} %)"
        )


def _one_decimal(number: float) -> float:
    """Rounded to 0.1, halves away from zero (41.25 → 41.3), as a person would round it."""
    rounded = Decimal(repr(number)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0  # + 0.0 turns −0.0 into 0.0


def vitals_score(percent: float) -> int:
    """PADSS points for a change of ``percent`` (either sign): ≤ 20 → 2, ≤ 40 → 1, else 0."""
    size = abs(percent)
    if size <= 20:
        return 2
    if size <= 40:
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class VitalsComparison:
    """The PADSS vitals item with the numbers it used, so the screen can show its working."""

    changes: tuple[VitalChange, ...]  # SBP, HR, then the others in Parameter order
    missing: tuple[Parameter, ...]  # required parameters absent from the baseline or latest set
    score: int

    @property
    def largest(self) -> VitalChange | None:
        """The change that set the score (the first of equals), or None when nothing compared."""
        if not self.changes:
            return None
        return max(self.changes, key=lambda change: abs(change.percent))

    @property
    def summary(self) -> str:
        """One line for the checklist: the numbers, or why the item scored 0."""
        if self.missing:
            names = ", ".join(parameter_label(p) for p in self.missing)
            return f"No baseline and latest value for {names}: scored 0."
        return "; ".join(change.text for change in self.changes)


def vitals_item(
    baseline: Mapping[Parameter, float],
    latest: Mapping[Parameter, float],
    parameters: Collection[Parameter] | None = None,
) -> VitalsComparison:
    """Score the vitals item from the baseline and latest sets.

    Compares SBP and HR (both required: without them the item scores 0) and every other
    parameter present in both sets, or only ``parameters`` when given. A parameter whose baseline
    is zero cannot give a percentage and is left out.
    """
    wanted = set(parameters) if parameters is not None else set(Parameter) - PADSS_NOT_COMPARED
    wanted.update(PADSS_REQUIRED)
    missing = tuple(p for p in PADSS_REQUIRED if p not in baseline or p not in latest)
    order = [*PADSS_REQUIRED, *(p for p in Parameter if p not in PADSS_REQUIRED)]
    changes: list[VitalChange] = []
    for parameter in order:
        if parameter not in wanted or parameter not in baseline or parameter not in latest:
            continue
        before, after = float(baseline[parameter]), float(latest[parameter])
        if before == 0 or not (math.isfinite(before) and math.isfinite(after)):
            continue
        percent = _one_decimal((after - before) / before * 100)
        changes.append(VitalChange(parameter, before, after, percent))
    if missing or not changes:
        return VitalsComparison(tuple(changes), missing, 0)
    score = min(vitals_score(change.percent) for change in changes)
    return VitalsComparison(tuple(changes), (), score)


# --- PADSS: the other items and the total --------------------------------------------------------

PADSS_FIT_AT = 9
BLEEDING_SCORE = 2
BLEEDING_NOTE = "n/a after ketamine"


class Ambulation(enum.IntEnum):
    """PADSS ambulation item; the value is the points."""

    UNABLE = 0
    NEEDS_HELP = 1
    STEADY = 2

    @property
    def label(self) -> str:
        return ("Unable to walk", "Walks with help", "Steady gait, no dizziness")[self.value]


class NauseaControl(enum.IntEnum):
    """PADSS nausea/vomiting item; the value is the points."""

    NOT_CONTROLLED = 0
    CONTROLLED_WITH_MEDICATION = 1
    NONE_NEEDING_TREATMENT = 2

    @property
    def label(self) -> str:
        return (
            "Not controlled",
            "Controlled with medication",
            "None needing treatment",
        )[self.value]


def pain_points(pain_rating: int) -> int:
    """PADSS pain points from a 0–10 pain rating: 0–3 → 2, 4–6 → 1, 7–10 → 0."""
    if not 0 <= pain_rating <= 10:
        raise ValueError(f"a pain rating is 0–10, not {pain_rating}")
    if pain_rating <= 3:
        return 2
    if pain_rating <= 6:
        return 1
    return 0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_padss(
    vitals: VitalsComparison | None,
    ambulation: int | None,
    nausea: int | None,
    pain_rating: int | None,
    bleeding: int = BLEEDING_SCORE,
) -> list[FieldError]:
    """Every problem with the PADSS items, one message per field; empty when it can be scored."""
    errors: list[FieldError] = []
    if vitals is None:
        errors.append(FieldError("vitals", "Record a baseline and a latest full set of vitals."))
    elif vitals.score not in (0, 1, 2):
        errors.append(FieldError("vitals", f"The vitals item is 0–2, not {vitals.score}."))
    if ambulation is None:
        errors.append(FieldError("ambulation", "Choose how the patient walks."))
    elif not _is_int(ambulation) or ambulation not in (0, 1, 2):
        errors.append(FieldError("ambulation", f"Ambulation is 0–2, not {ambulation}."))
    if nausea is None:
        errors.append(FieldError("nausea", "Choose how nausea and vomiting stand."))
    elif not _is_int(nausea) or nausea not in (0, 1, 2):
        errors.append(FieldError("nausea", f"Nausea is 0–2, not {nausea}."))
    if pain_rating is None:
        errors.append(FieldError("pain", "Rate the patient's pain (0–10)."))
    elif not _is_int(pain_rating) or not 0 <= pain_rating <= 10:
        errors.append(FieldError("pain", f"A pain rating is 0–10, not {pain_rating}."))
    if bleeding != BLEEDING_SCORE:
        errors.append(FieldError("bleeding", f"Bleeding is {BLEEDING_NOTE}: always 2."))
    return errors


@dataclass(frozen=True, slots=True)
class PadssItem:
    """One line of the score sheet."""

    id: str
    label: str
    points: int
    note: str


@dataclass(frozen=True, slots=True)
class PadssScore:
    """A checked modified PADSS; building one with an invalid item raises ``ValidationFailed``."""

    vitals: VitalsComparison
    ambulation: int
    nausea: int
    pain_rating: int  # the 0–10 rating the pain item comes from
    bleeding: int = BLEEDING_SCORE

    def __post_init__(self) -> None:
        errors = validate_padss(
            self.vitals, self.ambulation, self.nausea, self.pain_rating, self.bleeding
        )
        if errors:
            raise ValidationFailed(errors)

    @property
    def pain(self) -> int:
        return pain_points(self.pain_rating)

    @property
    def total(self) -> int:
        return self.vitals.score + self.ambulation + self.nausea + self.pain + self.bleeding

    @property
    def fit(self) -> bool:
        """Fit for discharge on this score (9 or more out of 10)."""
        return self.total >= PADSS_FIT_AT

    @property
    def items(self) -> tuple[PadssItem, ...]:
        return (
            PadssItem("vitals", "Vital signs", self.vitals.score, self.vitals.summary),
            PadssItem(
                "ambulation", "Ambulation", self.ambulation, Ambulation(self.ambulation).label
            ),
            PadssItem("nausea", "Nausea/vomiting", self.nausea, NauseaControl(self.nausea).label),
            PadssItem("pain", "Pain", self.pain, f"Pain rated {self.pain_rating}/10"),
            PadssItem("bleeding", "Bleeding", self.bleeding, BLEEDING_NOTE),
        )


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
    if not ride.relationship.strip():
        errors.append(
            FieldError("relationship", "Enter how the driver knows the patient (partner, friend…).")
        )
    if ride.confirmed_at is None:
        errors.append(FieldError("confirmed_at", "Enter when the ride was confirmed."))
    elif ride.confirmed_at > now:
        errors.append(FieldError("confirmed_at", "The confirmation time is in the future."))
    return errors


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
    return []


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
