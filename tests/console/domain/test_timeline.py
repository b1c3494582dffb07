"""The session timeline: every kind of entry, in time order, with who, amendments naming the original."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.events import AdverseEvent, Override, OverrideKind, RatingEntry, Severity
from console.domain.lifecycle import SessionState
from console.domain.people import Patient
from console.domain.review import (
    REVIEWED_BY,
    AlarmRecord,
    Review,
    SessionDossier,
    SignedDischargeRecord,
    TimelineKind,
    VitalSeries,
)
from console.domain.scales import load_definitions
from console.domain.sessions import Observation, ObservationCategory, SessionRecord, Transition
from console.domain.timeline import build_timeline
from console.domain.vitals import Parameter

T0 = datetime(2026, 3, 8, 9, 20, tzinfo=UTC)
CHECK_IN = T0 - timedelta(minutes=20)
THERAPIST, NURSE, SUPERVISOR = 1, 2, 3
NAMES = {THERAPIST: "Alex Morgan", NURSE: "Jordan Lee", SUPERVISOR: "Casey Brooks"}


def _series(parameter: Parameter, points: list[tuple[datetime, float, bool]]) -> VitalSeries:
    return VitalSeries(
        parameter,
        tuple(at.timestamp() for at, _, _ in points),
        tuple(v for _, v, _ in points),
        tuple(m for _, _, m in points),
    )


def _dossier(**changes: object) -> SessionDossier:
    minute = timedelta(minutes=1)
    note = Observation(
        "n1", 7, T0 + 10 * minute, THERAPIST, ObservationCategory.AFFECT, "Calm, eyes closed"
    )
    amendment = Observation(
        "n2",
        7,
        T0 + 25 * minute,
        THERAPIST,
        ObservationCategory.AFFECT,
        "Calm, eyes open",
        amends_uid="n1",
    )
    manual_at, cuff_at = T0 - 5 * minute, T0 + 15 * minute
    stream = [(T0 + s * minute, 72.0 + s, False) for s in range(0, 30)]
    base: dict[str, object] = {
        "session": SessionRecord(
            7, "u", 1, 1, THERAPIST, NURSE, CHECK_IN, SessionState.DISCHARGED, T0, T0 + 60 * minute
        ),
        "patient": Patient(1, "J. D.", "MRN-1", date(1986, 4, 12), 72.5),
        "room": "Room 1",
        "staff_names": NAMES,
        "transitions": (
            Transition(7, SessionState.CHECKED_IN, SessionState.BASELINE, CHECK_IN, NURSE, ""),
            Transition(7, SessionState.BASELINE, SessionState.MONITORING, T0, NURSE, ""),
        ),
        "doses": (DoseRecord("d1", 7, Drug.KETAMINE, Route.IM, 50.0, T0, NURSE, T0, lot="L-22"),),
        "vitals": {
            Parameter.HR: _series(Parameter.HR, [(manual_at, 70.0, True), *stream]),
            Parameter.NIBP_SYS: _series(
                Parameter.NIBP_SYS, [(manual_at, 128.0, True), (cuff_at, 141.0, False)]
            ),
            Parameter.NIBP_DIA: _series(
                Parameter.NIBP_DIA, [(manual_at, 82.0, True), (cuff_at, 91.0, False)]
            ),
        },
        "observations": (note, amendment),
        "ratings": (RatingEntry("r1", 7, "rass", -2, "", T0 + 30 * minute, NURSE),),
        "adverse_events": (
            AdverseEvent(
                "a1",
                7,
                T0 + 20 * minute,
                "nausea / vomiting",
                Severity.MODERATE,
                "Bowl given",
                NURSE,
                "ondansetron",
                4.0,
                "IV",
                T0 + 22 * minute,
            ),
        ),
        "alarms": (
            AlarmRecord(T0 + 12 * minute, "raised", "high", "SpO2 86 % below 88 %", None),
            AlarmRecord(
                T0 + 12 * minute + timedelta(seconds=20),
                "acknowledged",
                "high",
                "SpO2 86 % below 88 %",
                NURSE,
            ),
        ),
        "overrides": (
            Override("o1", 7, OverrideKind.BP_GATE, "Settled on repeat", NURSE, T0 - minute),
        ),
        "predose": None,
        "discharge_draft": None,
        "discharge": SignedDischargeRecord(
            {"padss_total": 10}, NURSE, "Jordan Lee", "discharged by", T0 + 55 * minute
        ),
        "reviews": (
            Review(
                "v1", 7, SUPERVISOR, "Casey Brooks", REVIEWED_BY, T0 + timedelta(days=1), "Fine."
            ),
        ),
    }
    base.update(changes)
    return SessionDossier(**base)  # type: ignore[arg-type]


def test_entries_come_in_time_order_with_every_kind_present():
    timeline = build_timeline(_dossier())
    times = [entry.at for entry in timeline]
    assert times == sorted(times)
    assert {entry.kind for entry in timeline} == set(TimelineKind)
    assert timeline[0].kind is TimelineKind.TRANSITION and timeline[0].by == "Jordan Lee"
    assert timeline[-1].kind is TimelineKind.REVIEW
    assert timeline[-1].by == "Casey Brooks" and "Fine." in timeline[-1].text


def test_an_amendment_names_the_note_it_corrects():
    timeline = build_timeline(_dossier())
    (amendment,) = [e for e in timeline if e.kind is TimelineKind.AMENDMENT]
    assert "Calm, eyes closed" in amendment.text and "Calm, eyes open" in amendment.text
    assert amendment.text.startswith("Amends the note of")
    assert amendment.by == "Alex Morgan"
    notes = [e for e in timeline if e.kind is TimelineKind.OBSERVATION]
    assert [n.text for n in notes] == ["Affect / mood: Calm, eyes closed"]


def test_manual_sets_and_cuff_readings_are_listed_but_device_streams_are_not():
    vitals = [e for e in build_timeline(_dossier()) if e.kind is TimelineKind.VITALS]
    assert [e.text for e in vitals] == [
        "Vitals by hand: BP 128/82 mmHg, HR 70 /min",
        "Cuff: BP 141/91 mmHg",
    ]


def test_rescue_medication_appears_with_the_event_and_when_it_was_given():
    timeline = build_timeline(_dossier())
    (event,) = [e for e in timeline if e.kind is TimelineKind.ADVERSE_EVENT]
    assert "moderate" in event.text and "ondansetron 4 mg IV" in event.text
    rescue = [e for e in timeline if e.kind is TimelineKind.DOSE and "Rescue" in e.text]
    assert len(rescue) == 1 and rescue[0].at == T0 + timedelta(minutes=22)
    assert rescue[0].by == "Jordan Lee"


def test_doses_alarms_overrides_and_signatures_say_who():
    timeline = build_timeline(_dossier())
    by_kind = {e.kind: e for e in reversed(timeline)}  # the first entry of each kind
    assert "Ketamine · IM · 50 mg" in by_kind[TimelineKind.DOSE].text
    assert "lot L-22" in by_kind[TimelineKind.DOSE].text
    alarms = [e for e in timeline if e.kind is TimelineKind.ALARM]
    assert alarms[0].text == "High alarm raised: SpO2 86 % below 88 %" and alarms[0].by == ""
    assert alarms[1].by == "Jordan Lee"
    assert "blood-pressure gate" in by_kind[TimelineKind.OVERRIDE].text
    assert "Settled on repeat" in by_kind[TimelineKind.OVERRIDE].text
    discharge = by_kind[TimelineKind.DISCHARGE]
    assert "discharged by Jordan Lee" in discharge.text and "PADSS 10" in discharge.text


def test_ratings_use_the_scale_name_and_sign_when_scales_are_given():
    plain = [e for e in build_timeline(_dossier()) if e.kind is TimelineKind.RATING]
    assert plain[0].text == "rass -2"
    named = [
        e for e in build_timeline(_dossier(), load_definitions()) if e.kind is TimelineKind.RATING
    ]
    assert named[0].text == "RASS −2"


def test_an_unknown_staff_id_still_shows_who():
    dossier = _dossier(staff_names={})
    timeline = build_timeline(dossier)
    assert timeline[0].by == f"staff #{NURSE}"


def test_an_empty_session_has_an_empty_timeline():
    empty = _dossier(
        transitions=(),
        doses=(),
        vitals={},
        observations=(),
        ratings=(),
        adverse_events=(),
        alarms=(),
        overrides=(),
        discharge=None,
        reviews=(),
    )
    assert build_timeline(empty) == []
