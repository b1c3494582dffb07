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
SPO2 = "limit:spo2@/dev/ttyUSB0"


def _series(parameter: Parameter, points: list[tuple[datetime, float, bool]]) -> VitalSeries:
    return VitalSeries(
        parameter,
        tuple(at.timestamp() for at, _, _ in points),
        tuple(v for _, v, _ in points),
        tuple(m for _, _, m in points),
        tuple(NURSE if m else None for _, _, m in points),  # the nurse typed the manual set
    )


def local(at: datetime, minutes: float = 0) -> str:
    return (at + timedelta(minutes=minutes)).astimezone().strftime("%H:%M")


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
            AlarmRecord(T0 + 12 * minute, "raised", "high", "SpO2 86 % below 88 %", None, SPO2),
            AlarmRecord(
                T0 + 12 * minute + timedelta(seconds=20),
                "acknowledged",
                "high",
                "SpO2 86 % below 88 %",
                NURSE,
                SPO2,
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
    assert [(e.text, e.by) for e in vitals] == [
        ("Vitals by hand: BP 128/82 mmHg, HR 70 /min", "Jordan Lee"),  # who typed them in
        ("Cuff: BP 141/91 mmHg", ""),
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
    (alarm,) = [e for e in timeline if e.kind is TimelineKind.ALARM]  # raised, acknowledged
    assert alarm.text == (
        f"High alarm: SpO2 86 % below 88 %; from {local(T0, 12)}, not cleared, worst 86 %"
    )
    assert alarm.by == "Jordan Lee"  # who acknowledged it
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


RR = "limit:rr@/dev/ttyUSB0"


def _flapping(start: datetime, cycles: int, every: timedelta) -> list[AlarmRecord]:
    """An RR-low alarm raised and cleared ``cycles`` times; 5 /min once, 9, 8, 7 otherwise."""
    events = []
    for n in range(cycles):
        at = start + n * every
        value = 5 if n == 17 else 9 - n % 3
        events.append(AlarmRecord(at, "raised", "medium", f"RR {value} < 10", None, RR))
        events.append(
            AlarmRecord(at + every / 2, "cleared", "medium", f"RR {value} < 10", None, RR)
        )
    return events


def test_a_flapping_alarm_is_one_episode_line_with_first_last_worst_and_count():
    start = T0 + timedelta(minutes=3)
    timeline = build_timeline(_dossier(alarms=tuple(_flapping(start, 40, timedelta(minutes=1)))))
    (episode,) = [e for e in timeline if e.kind is TimelineKind.ALARM]
    assert episode.at == start
    assert episode.text == (
        f"Medium alarm: RR 9 < 10; raised 40 times, {local(start)}–{local(start, 39.5)}, "
        "worst 5 /min"
    )


def test_a_raise_more_than_ten_minutes_after_the_clear_starts_a_new_episode():
    start = T0 + timedelta(minutes=3)
    first = _flapping(start, 3, timedelta(minutes=1))  # cleared at +2.5 min
    within = _flapping(start + timedelta(minutes=12), 2, timedelta(minutes=1))  # 9.5 min later
    apart = _flapping(start + timedelta(minutes=30), 1, timedelta(minutes=1))  # 16.5 min later
    timeline = build_timeline(_dossier(alarms=tuple(first + within + apart)))
    episodes = [e for e in timeline if e.kind is TimelineKind.ALARM]
    assert [e.at for e in episodes] == [start, start + timedelta(minutes=30)]
    assert "raised 5 times" in episodes[0].text
    assert f"; {local(start, 30)}–{local(start, 30.5)}, worst" in episodes[1].text


def test_the_worst_value_is_the_highest_for_an_upper_limit_and_read_from_the_record():
    sbp = "limit:nibp_sys@/dev/ttyUSB0"
    at = T0 + timedelta(minutes=15)  # the cuff reading of 141 falls inside the episode
    alarms = (
        AlarmRecord(at - timedelta(minutes=1), "raised", "medium", "SBP 131 > 130", None, sbp),
        AlarmRecord(at + timedelta(minutes=1), "cleared", "medium", "SBP 131 > 130", None, sbp),
    )
    (episode,) = [
        e for e in build_timeline(_dossier(alarms=alarms)) if e.kind is TimelineKind.ALARM
    ]
    assert episode.text.endswith(", worst 141 mmHg")
