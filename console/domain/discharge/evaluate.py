"""One pure evaluation of a discharge draft against the record: items, PADSS, ride, blockers."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain.discharge.checklist import (
    MINIMUM_MONITORING,
    ChecklistItem,
    ItemId,
    ItemSource,
    checklist,
    contradictions,
    discharge_blockers,
)
from console.domain.discharge.followup import check_integration
from console.domain.discharge.full_sets import baseline_set, full_set
from console.domain.discharge.model import DischargeDraft, Mark
from console.domain.discharge.padss import (
    Ambulation,
    NauseaControl,
    PadssScore,
    VitalsComparison,
    validate_padss,
    vitals_item,
)
from console.domain.discharge.ride import RideHome, validate_ride_home
from console.domain.events import RatingEntry
from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter, VitalPoint
from console.errors import FieldError

PAIN_SCALE = "pain"
NO_DOSE = "No dose recorded yet: monitoring time counts from the dose (T0)."


@dataclass(frozen=True, slots=True)
class ItemState:
    """One checklist line: done or open (with the open item in plain words), and who/when."""

    id: str
    text: str
    required: bool
    computed: bool  # worked out from the record rather than ticked
    done: bool
    problem: str  # "" when done
    mark: Mark | None
    contradiction: str = ""  # what in the record says otherwise now ("" when nothing does)
    overridden: str = ""  # the signed reason it was ticked anyway ("" when not overridden)


@dataclass(frozen=True, slots=True)
class PadssState:
    """The modified PADSS items as far as they are known; ``score`` once all are there."""

    vitals: VitalsComparison | None  # proposed from the baseline and the latest full set
    vitals_note: str  # why there is no proposal, or that it changed since it was confirmed
    vitals_confirmed: Mark | None  # None again when the numbers change after confirming
    ambulation: Ambulation | None
    ambulation_mark: Mark | None
    nausea: NauseaControl | None
    nausea_mark: Mark | None
    pain_rating: int | None
    pain_at: datetime | None
    score: PadssScore | None
    missing: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True)
class RideState:
    """The ride home: the driver, and when staff confirmed it (None: not yet)."""

    driver_name: str
    phone: str
    relationship: str
    confirmed_at: datetime | None
    mark: Mark | None  # who confirmed, and when they recorded it
    errors: tuple[FieldError, ...]  # empty when confirmed and complete

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None and not self.errors


@dataclass(frozen=True, slots=True)
class IntegrationState:
    at: datetime | None
    warning: str | None  # outside the advised 24–72 h, or in the past
    mark: Mark | None


@dataclass(frozen=True, slots=True)
class RemsState:
    """Esketamine REMS facts in whole minutes after T0 (None while unknown)."""

    total_minutes: int | None  # T0 to now, or to discharge once signed
    ready_at: datetime | None
    ready_minutes: int | None
    mark: Mark | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything the checklist shows, worked out from a draft and the record at one moment."""

    items: tuple[ItemState, ...]
    padss: PadssState
    blockers: tuple[str, ...]
    ride: RideState
    integration: IntegrationState
    rems: RemsState | None  # only for esketamine


VitalSets = tuple[dict[Parameter, float], dict[Parameter, float]]


def vital_sets(
    record: SessionRecord, points: Sequence[VitalPoint], now: datetime
) -> tuple[VitalSets | None, str]:
    """The pre-dose baseline and the latest full set since the dose, or why there are none."""
    if record.t0 is None:
        return None, "No dose recorded yet: the vitals are compared with the pre-dose set."
    baseline = baseline_set(points, record.t0)
    if baseline is None:
        return None, "No full pre-dose set of vitals (HR, BP, SpO2, RR) to compare with."
    latest = full_set([p for p in points if record.t0 <= p.at <= now])
    if latest is None:
        return None, "No full set of vitals (HR, BP, SpO2, RR) since the dose yet."
    return (dict(baseline), dict(latest)), ""


def latest_pain(ratings: Sequence[RatingEntry]) -> RatingEntry | None:
    """The newest pain rating, an amendment standing in for the rating it corrects."""
    effective: dict[str, RatingEntry] = {}
    order: dict[str, datetime] = {}
    for rating in ratings:
        if rating.scale_id != PAIN_SCALE:
            continue
        key = rating.amends_uid if rating.amends_uid in effective else rating.uid
        effective[key] = rating
        order.setdefault(key, rating.at)
    if not effective:
        return None
    return effective[max(order, key=lambda key: order[key])]


def _held(draft: DischargeDraft) -> VitalsComparison | None:
    """The vitals item as confirmed, rebuilt from the numbers kept with the confirmation."""
    held = draft.vitals
    if held is None or held.baseline is None or held.latest is None:
        return None
    try:
        return vitals_item(held.baseline, held.latest)
    except (ValueError, TypeError):
        return None


def evaluate_padss(
    draft: DischargeDraft,
    record: SessionRecord,
    points: Sequence[VitalPoint],
    ratings: Sequence[RatingEntry],
    now: datetime,
) -> PadssState:
    """The PADSS as far as it is known: the proposal, what was confirmed, the pain rating."""
    sets, note = vital_sets(record, points, now)
    comparison = vitals_item(*sets) if sets is not None else None
    confirmed = draft.vitals.mark if draft.vitals is not None else None
    held = _held(draft)
    if confirmed is not None and held is not None:
        # judged on the confirmed numbers, not on every newer second of data; only newer
        # numbers that score lower (the patient got worse) ask for a new confirmation
        if comparison is not None and comparison.score < held.score:
            confirmed = None
            note = (
                f"Newer vitals score {comparison.score} (confirmed: {held.score}): "
                "review them and confirm them again."
            )
        else:
            comparison = held
    elif confirmed is not None and (
        comparison is None or draft.vitals is None or draft.vitals.summary != comparison.summary
    ):  # a draft confirmed before the numbers were kept: the summary must still match
        confirmed = None
        note = note or "The vitals changed since they were confirmed: confirm them again."
    ambulation = draft.ambulation.value if draft.ambulation is not None else None
    nausea = draft.nausea.value if draft.nausea is not None else None
    pain = latest_pain(ratings)
    pain_rating = pain.value if pain is not None else None
    accepted = comparison if confirmed is not None else None
    missing = validate_padss(accepted, ambulation, nausea, pain_rating)
    if comparison is not None and confirmed is None:
        missing = [
            FieldError("vitals", "Confirm the vitals item.") if e.field == "vitals" else e
            for e in missing
        ]
    score = None
    if not missing and accepted is not None and ambulation is not None and nausea is not None:
        score = PadssScore(accepted, ambulation, nausea, int(pain_rating or 0))
    return PadssState(
        vitals=comparison,
        vitals_note=note,
        vitals_confirmed=confirmed,
        ambulation=Ambulation(ambulation) if ambulation is not None else None,
        ambulation_mark=draft.ambulation.mark if draft.ambulation is not None else None,
        nausea=NauseaControl(nausea) if nausea is not None else None,
        nausea_mark=draft.nausea.mark if draft.nausea is not None else None,
        pain_rating=pain_rating,
        pain_at=pain.at if pain is not None else None,
        score=score,
        missing=tuple(missing),
    )


def evaluate_ride(draft: DischargeDraft, now: datetime) -> RideState:
    stored = draft.ride
    ride = RideHome(stored.driver_name, stored.phone, stored.relationship, stored.confirmed_at)
    return RideState(
        ride.driver_name,
        ride.phone,
        ride.relationship,
        ride.confirmed_at,
        stored.mark,
        tuple(validate_ride_home(ride, now)),
    )


def answered_item(
    item: ChecklistItem, draft: DischargeDraft, against: Mapping[str, str]
) -> ItemState:
    """One item the clinician ticks: done unless untick'd or contradicted without an override."""
    entry = draft.answer(item.id.value)
    ticked = entry is not None and entry.done
    overridden = entry.override.reason if entry is not None and entry.override else ""
    contradiction = against.get(item.id.value, "")
    done = ticked and (not contradiction or bool(overridden))
    problem = "" if done else item.open_text
    if ticked and not done:
        problem = f"{item.open_text.rstrip('.')}: ticked, but {contradiction}."
    return ItemState(
        item.id,
        item.text,
        item.required,
        False,
        done,
        problem,
        entry.mark if entry is not None else None,
        contradiction,
        overridden if ticked else "",
    )


def computed_item(
    item: ChecklistItem,
    draft: DischargeDraft,
    record: SessionRecord,
    padss: PadssState,
    ride: RideState,
    now: datetime,
    minimum_monitoring: timedelta = MINIMUM_MONITORING,
    every: Collection[str] = (),
) -> ItemState:
    """One item the console works out from the record (monitoring time, PADSS, ride, …)."""
    ready_at = draft.ready.when if draft.ready is not None else None
    if item.id is ItemId.MONITORING_TIME and record.t0 is None:
        problems = [NO_DOSE]
    else:
        problems = discharge_blockers(
            {},
            padss.score,
            None
            if draft.ride.empty
            else RideHome(ride.driver_name, ride.phone, ride.relationship, ride.confirmed_at),
            t0=record.t0 or now,
            now=now,
            integration_at=draft.integration.when if draft.integration is not None else None,
            ready_at=ready_at,
            esketamine=draft.esketamine,
            minimum_monitoring=minimum_monitoring,
            not_required=[other for other in every if other != item.id.value],
        )
    if item.id is ItemId.PADSS and padss.score is None and padss.missing:
        problems = ["Modified PADSS not yet scored: " + " ".join(e.message for e in padss.missing)]
    problem = problems[0] if problems else ""
    marks: dict[ItemId, Mark | None] = {
        ItemId.PADSS: padss.vitals_confirmed if padss.score is not None else None,
        ItemId.RIDE_HOME: ride.mark,
        ItemId.INTEGRATION_BOOKED: draft.integration.mark if draft.integration else None,
        ItemId.REMS_FACTS: draft.ready.mark if draft.ready else None,
    }
    return ItemState(
        item.id, item.text, item.required, True, not problem, problem, marks.get(item.id)
    )


def evaluate(
    draft: DischargeDraft,
    record: SessionRecord,
    points: Sequence[VitalPoint],
    ratings: Sequence[RatingEntry],
    now: datetime,
    *,
    minimum_monitoring: timedelta = MINIMUM_MONITORING,
    active_alarms: Sequence[tuple[str, str]] = (),
    signed_open_items: Sequence[str] | None = None,
) -> Evaluation:
    """The discharge as of ``now``: every checklist line, the PADSS, the ride, what blocks.

    ``points`` are the session's vitals, ``ratings`` its ratings, ``active_alarms`` the bed's
    active alarms as (key, message) — they can contradict a tick. Once signed, pass the
    ``signed_open_items``: the blockers are then those kept with the signature, and nothing
    in the record contradicts a tick any more.
    """
    signed = signed_open_items is not None
    padss = evaluate_padss(draft, record, points, ratings, now)
    ride = evaluate_ride(draft, now)
    integration_at = draft.integration.when if draft.integration is not None else None
    integration = IntegrationState(
        integration_at,
        check_integration(integration_at, now) if integration_at is not None else None,
        draft.integration.mark if draft.integration is not None else None,
    )
    ready_at = draft.ready.when if draft.ready is not None else None
    rems = None
    if draft.esketamine:
        total = ready = None
        if record.t0 is not None:
            total = max(0, int((now - record.t0).total_seconds() // 60))
            if ready_at is not None and record.t0 <= ready_at <= now:
                ready = int((ready_at - record.t0).total_seconds() // 60)
        rems = RemsState(total, ready_at, ready, draft.ready.mark if draft.ready else None)
    against = (
        {}
        if signed
        else contradictions(
            active_alarms,
            draft.ambulation.value if draft.ambulation is not None else None,
            draft.nausea.value if draft.nausea is not None else None,
        )
    )
    listed = checklist(esketamine=draft.esketamine, minimum_monitoring=minimum_monitoring)
    every = [item.id.value for item in listed]
    items = tuple(
        answered_item(item, draft, against)
        if item.source is ItemSource.ANSWER
        else computed_item(item, draft, record, padss, ride, now, minimum_monitoring, every)
        for item in listed
    )
    blockers = tuple(item.problem for item in items if item.required and item.problem)
    if signed_open_items is not None:
        blockers = tuple(signed_open_items)
    return Evaluation(items, padss, blockers, ride, integration, rems)
