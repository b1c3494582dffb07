"""A session's timeline: every recorded entry of a dossier as one time-ordered list, with who."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from console.domain.alarm_episodes import AlarmEpisode, alarm_episodes
from console.domain.events import AdverseEvent, OverrideKind
from console.domain.review import SessionDossier, TimelineEntry, TimelineKind
from console.domain.scales import ScaleDefinition
from console.domain.vitals import PARAMETERS, Parameter

_OVERRIDE_TEXT = {
    OverrideKind.BP_GATE: "Dosed despite the blood-pressure gate",
    OverrideKind.RIDE_HOME: "Went ahead without a confirmed ride home",
    OverrideKind.DISCHARGE: "Discharged with open checklist items",
    OverrideKind.CHECKLIST: "Discharge item ticked against an alarm or a finding",
}

# the order vitals are listed in a timeline line
_VITALS_ORDER = (
    Parameter.HR,
    Parameter.PR,
    Parameter.SPO2,
    Parameter.RR,
    Parameter.ETCO2,
    Parameter.TEMP,
    Parameter.PI,
)
_BP = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)

_QUOTE_LENGTH = 60


def _clock(at: datetime) -> str:
    """Local wall-clock time, as the screens show it."""
    return at.astimezone().strftime("%H:%M")


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > _QUOTE_LENGTH:
        flat = flat[: _QUOTE_LENGTH - 1].rstrip() + "…"
    return f"“{flat}”"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"


def _vitals_text(values: dict[Parameter, float]) -> str:
    parts: list[str] = []
    sys_, dia, mean = (values.get(p) for p in _BP)
    if sys_ is not None and dia is not None:
        bp = f"BP {_number(sys_)}/{_number(dia)}"
        if mean is not None:
            bp += f" ({_number(mean)})"
        parts.append(bp + " mmHg")
    elif sys_ is not None:
        parts.append(f"SYS {_number(sys_)} mmHg")
    for parameter in _VITALS_ORDER:
        value = values.get(parameter)
        if value is not None:
            info = PARAMETERS[parameter]
            unit = info.unit if info.unit in ("%", "°C") else f" {info.unit}"
            parts.append(f"{info.label} {_number(value)}{unit}")
    return ", ".join(parts)


def _vitals_entries(dossier: SessionDossier) -> list[TimelineEntry]:
    """One entry per manual set (values entered together, by one person) and per cuff reading.

    A hand-entered set says who typed it in (the vitals row keeps the author).
    """
    manual: dict[tuple[float, int | None], dict[Parameter, float]] = defaultdict(dict)
    cuff: dict[float, dict[Parameter, float]] = defaultdict(dict)
    for parameter, series in dossier.vitals.items():
        is_bp = parameter in _BP
        if not is_bp and not any(series.manual):
            continue  # the 1 Hz device streams: nothing to list
        for index, (t, value, by_hand) in enumerate(
            zip(series.times, series.values, series.manual, strict=True)
        ):
            if by_hand:
                manual[(t, series.author(index))][parameter] = value
            elif is_bp:
                cuff[t][parameter] = value
    entries = [
        TimelineEntry(
            _at(t),
            TimelineKind.VITALS,
            "Vitals by hand: " + _vitals_text(values),
            dossier.name(author),
        )
        for (t, author), values in manual.items()
    ]
    entries.extend(
        TimelineEntry(_at(t), TimelineKind.VITALS, "Cuff: " + _vitals_text(values))
        for t, values in cuff.items()
        if Parameter.NIBP_SYS in values
    )
    return entries


def episode_text(episode: AlarmEpisode) -> str:
    """An alarm episode as one line: what, first and last time, how many times, the worst value."""
    text = f"{episode.priority.capitalize()} alarm: {episode.message}; "
    first, last = _clock(episode.first), _clock(episode.last)
    if episode.raised > 1:
        text += f"raised {episode.raised} times, "
    text += f"{first}–{last}" if episode.cleared or episode.raised > 1 else f"from {first}"
    if not episode.cleared:
        text += ", not cleared"
    worst = episode.worst_text()
    if worst:
        text += f", worst {worst}"
    return text


def _alarm_entries(dossier: SessionDossier) -> list[TimelineEntry]:
    """One entry per alarm episode (a flapping alarm is one line, not one per raise and clear)."""
    return [
        TimelineEntry(
            episode.first,
            TimelineKind.ALARM,
            episode_text(episode),
            ", ".join(dossier.name(staff_id) for staff_id in episode.acknowledged_by),
        )
        for episode in alarm_episodes(dossier.alarms, dossier.vitals)
    ]


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _adverse_entries(dossier: SessionDossier, event: AdverseEvent) -> list[TimelineEntry]:
    by = dossier.name(event.author_id)
    text = f"Adverse event ({event.severity.value}): {event.kind_text}"
    if event.action.strip():
        text += f". Done: {event.action.strip().rstrip('.')}"
    if event.treatments:
        text += ". Treatment: " + ", ".join(event.treatments)
    rescue = ""
    if event.rescue_given:
        dose = f" {_number(event.rescue_dose_mg)} mg" if event.rescue_dose_mg is not None else ""
        route = f" {event.rescue_route}" if event.rescue_route else ""
        rescue = f"{event.rescue_drug}{dose}{route}"
        when = f" at {_clock(event.rescue_at)}" if event.rescue_at is not None else ""
        text += f". Rescue medication: {rescue}{when}"
    entries = [TimelineEntry(event.at, TimelineKind.ADVERSE_EVENT, text, by)]
    if event.rescue_given and event.rescue_at is not None and event.rescue_at != event.at:
        entries.append(
            TimelineEntry(
                event.rescue_at,
                TimelineKind.DOSE,
                f"Rescue medication given: {rescue} (for {event.kind})",
                by,
            )
        )
    return entries


def _rating_text(scales: Mapping[str, ScaleDefinition], scale_id: str, value: int) -> str:
    scale = scales.get(scale_id)
    if scale is None:
        return f"{scale_id} {value}"
    return f"{scale.name} {scale.format_value(value)}"


def build_timeline(
    dossier: SessionDossier, scales: Mapping[str, ScaleDefinition] | None = None
) -> list[TimelineEntry]:
    """Every entry of the session in time order (stable: same-time entries keep record order).

    ``scales`` (by id) names the rating scales; without it a rating shows its scale's id.
    """
    scales = scales or {}
    name = dossier.name
    entries: list[TimelineEntry] = []
    for transition in dossier.transitions:
        text = f"{transition.from_state.label} → {transition.to_state.label}"
        if transition.reason.strip():
            text += f" (reason: {transition.reason.strip()})"
        entries.append(
            TimelineEntry(
                transition.at, TimelineKind.TRANSITION, text, name(transition.by_staff_id)
            )
        )
    for dose in dossier.doses:
        text = dose.summary
        if dose.ended_at is not None:
            text += f", until {_clock(dose.ended_at)}"
        if dose.rate_mg_per_h is not None:
            text += f", {_number(dose.rate_mg_per_h)} mg/h"
        if dose.lot:
            text += f", lot {dose.lot}"
        if dose.confirm_reason:
            text += f" (queried by the slip guard; confirmed: {dose.confirm_reason})"
        fix = dose.correction  # the summary says "entered in error"; the original stays
        entries.append(
            TimelineEntry(dose.started_at, TimelineKind.DOSE, text, name(dose.given_by_id))
        )
        if fix is not None:
            entries.append(
                TimelineEntry(
                    fix.signed_at,
                    TimelineKind.DOSE,
                    f"Dose of {_clock(dose.started_at)} ({_number(dose.amount_mg)} mg "
                    f"{dose.drug.value}) marked entered in error, signed by "
                    f"{fix.printed_name}: {fix.reason}. "
                    "It stays on record and counts in no total.",
                    name(fix.signed_by_id),
                )
            )
    entries.extend(_vitals_entries(dossier))
    entries.extend(_alarm_entries(dossier))
    notes = {o.uid: o for o in dossier.observations}
    for note in dossier.observations:
        label = note.category.label
        original = notes.get(note.amends_uid) if note.amends_uid else None
        if note.amends_uid is None:
            kind, text = TimelineKind.OBSERVATION, f"{label}: {note.text}"
        elif original is not None:
            kind = TimelineKind.AMENDMENT
            text = (
                f"Amends the note of {_clock(original.at)} {_quote(original.text)}: "
                f"{label}: {note.text}"
            )
        else:
            kind, text = TimelineKind.AMENDMENT, f"Amends an earlier note: {label}: {note.text}"
        entries.append(TimelineEntry(note.at, kind, text, name(note.author_id)))
    ratings = {r.uid: r for r in dossier.ratings}
    for rating in dossier.ratings:
        text = _rating_text(scales, rating.scale_id, rating.value)
        if rating.note.strip():
            text += f" ({rating.note.strip()})"
        original_rating = ratings.get(rating.amends_uid) if rating.amends_uid else None
        kind = TimelineKind.RATING
        if rating.amends_uid is not None:
            kind = TimelineKind.AMENDMENT
            if original_rating is not None:
                text = (
                    f"Amends the rating of {_clock(original_rating.at)} "
                    f"({_rating_text(scales, original_rating.scale_id, original_rating.value)})"
                    f": {text}"
                )
            else:
                text = f"Amends an earlier rating: {text}"
        entries.append(TimelineEntry(rating.at, kind, text, name(rating.author_id)))
    for event in dossier.adverse_events:
        entries.extend(_adverse_entries(dossier, event))
    for override in dossier.overrides:
        text = f"{_OVERRIDE_TEXT[override.kind]}. Reason: {override.reason}"
        open_items = override.detail.get("open_items")
        if isinstance(open_items, list) and open_items:
            text += ". Open: " + "; ".join(str(item) for item in open_items)
        entries.append(
            TimelineEntry(
                override.signed_at, TimelineKind.OVERRIDE, text, name(override.signed_by_id)
            )
        )
    if dossier.discharge is not None:
        signed = dossier.discharge
        text = f"Discharge signed ({signed.meaning} {signed.printed_name})"
        padss = signed.signed.padss_total
        if padss is not None:
            text += f"; PADSS {padss}"
        entries.append(
            TimelineEntry(
                signed.signed_at,
                TimelineKind.DISCHARGE,
                text,
                signed.printed_name or name(signed.signed_by_id),
            )
        )
    for review in dossier.reviews:
        text = f"Review signed ({review.meaning} {review.printed_name})"
        if review.comment.strip():
            text += f": {review.comment.strip()}"
        entries.append(
            TimelineEntry(
                review.at,
                TimelineKind.REVIEW,
                text,
                review.printed_name or name(review.reviewer_id),
            )
        )
    entries.sort(key=lambda entry: entry.at)
    return entries
