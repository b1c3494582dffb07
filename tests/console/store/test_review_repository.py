"""The review repository on SQLite and PostgreSQL: flags, filters, text search, dossiers, reviews."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from console.domain.alarms import AlarmEvent, EventKind, Priority
from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.events import AdverseEvent, Override, OverrideKind, RatingEntry, Severity
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft, StaffRole
from console.domain.predose import PreDoseChecks
from console.domain.review import REVIEWED_BY, BrowserFilter, Review, SessionFlag
from console.domain.sessions import Observation, ObservationCategory
from console.domain.vitals import Parameter, VitalPoint
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.review_repository import ReviewRepository

_PATH = (
    SessionState.CHECKED_IN,
    SessionState.BASELINE,
    SessionState.MONITORING,
    SessionState.RECOVERY,
    SessionState.DISCHARGED,
)


def _uid() -> str:
    return str(uuid.uuid4())


def _advance(clinic, session_id, to: SessionState, at) -> None:
    """Move a session along the lifecycle up to ``to`` (T0 set on the way to monitoring)."""
    record = clinic.sessions.get(session_id)
    state = record.state
    while state is not to:
        after = (
            SessionState.ABORTED if to is SessionState.ABORTED else _PATH[_PATH.index(state) + 1]
        )
        clinic.sessions.apply_transition(
            uid=_uid(),
            session_id=session_id,
            from_state=state,
            to_state=after,
            at=at,
            by_staff_id=clinic.nurse.id,
            reason="patient asked to stop" if after is SessionState.ABORTED else "",
            t0=at if after is SessionState.MONITORING else None,
        )
        state = after


def _sign(store, clinic, session_id, at) -> None:
    DischargeRepository(store).sign(
        session_id,
        {"padss_total": 10, "signature": {"name": "Jordan Lee", "meaning": "discharged by"}},
        clinic.nurse.id,
        at,
    )


def _note(clinic, session_id, at, text, amends=None) -> Observation:
    note = Observation(
        _uid(), session_id, at, clinic.therapist.id, ObservationCategory.AFFECT, text, amends
    )
    clinic.sessions.add_observation(note, at)
    return note


def _discharged(store, clinic, at, *, signed=True) -> int:
    sid = clinic.check_in(at)
    _advance(clinic, sid, SessionState.RECOVERY, at + timedelta(minutes=20))
    if signed:
        _sign(store, clinic, sid, at + timedelta(hours=2))
    _advance(clinic, sid, SessionState.DISCHARGED, at + timedelta(hours=2))
    return sid


def _review(sid, reviewer_id, at, comment="Seen.") -> Review:
    return Review(_uid(), sid, reviewer_id, "Casey Brooks", REVIEWED_BY, at, comment)


def test_each_flag_is_found_and_only_where_it_belongs(clinic, store, clock):
    repo = ReviewRepository(store)
    now = clock.now()
    plain = _discharged(store, clinic, now - timedelta(days=9))
    repo.add_review(_review(plain, clinic.nurse.id, now))

    high = _discharged(store, clinic, now - timedelta(days=8))
    medium = AlarmEvent(EventKind.RAISED, 1, "hr", Priority.MEDIUM, "HR 130", now)
    high_one = AlarmEvent(EventKind.RAISED, 2, "spo2", Priority.HIGH, "SpO2 84", now)
    clinic.workflow.add_alarm_events(plain, [medium])  # a medium alarm is no flag
    clinic.workflow.add_alarm_events(high, [high_one])

    adverse = _discharged(store, clinic, now - timedelta(days=7))
    clinic.workflow.add_adverse_event(
        AdverseEvent(
            _uid(), adverse, now, "agitation / distress", Severity.MILD, "talked", clinic.nurse.id
        )
    )
    rescue = _discharged(store, clinic, now - timedelta(days=6))
    clinic.workflow.add_adverse_event(
        AdverseEvent(
            _uid(),
            rescue,
            now,
            "nausea / vomiting",
            Severity.MODERATE,
            "",
            clinic.nurse.id,
            "ondansetron",
            4.0,
        )
    )
    gate = _discharged(store, clinic, now - timedelta(days=5))
    clinic.workflow.add_override(
        Override(_uid(), gate, OverrideKind.BP_GATE, "repeat fine", clinic.nurse.id, now)
    )
    leave = _discharged(store, clinic, now - timedelta(days=4))
    clinic.workflow.add_override(
        Override(_uid(), leave, OverrideKind.DISCHARGE, "ride waiting", clinic.nurse.id, now)
    )
    unsigned = _discharged(store, clinic, now - timedelta(days=3), signed=False)
    open_one = clinic.check_in(now - timedelta(hours=1))

    def flagged(flag: SessionFlag) -> set[int]:
        return {s.id for s in repo.browse(BrowserFilter(flags=frozenset({flag})))}

    assert flagged(SessionFlag.HIGH_ALARM) == {high}
    assert flagged(SessionFlag.ADVERSE_EVENT) == {adverse, rescue}
    assert flagged(SessionFlag.RESCUE_MEDICATION) == {rescue}
    assert flagged(SessionFlag.GATE_OVERRIDE) == {gate}
    assert flagged(SessionFlag.DISCHARGE_OVERRIDE) == {leave}
    assert flagged(SessionFlag.UNSIGNED) == {unsigned}
    closed = {high, adverse, rescue, gate, leave, unsigned}
    assert flagged(SessionFlag.UNREVIEWED) == closed  # not the reviewed one, not the open one
    rows = {s.id: s for s in repo.browse(BrowserFilter())}
    assert rows[plain].flags == frozenset()
    assert rows[rescue].flags == {
        SessionFlag.ADVERSE_EVENT,
        SessionFlag.RESCUE_MEDICATION,
        SessionFlag.UNREVIEWED,
    }
    assert rows[open_one].flags == frozenset() and rows[open_one].closed_at is None


def test_an_aborted_session_is_unsigned_only_once_dosed(clinic, store, clock):
    repo = ReviewRepository(store)
    now = clock.now()
    before_dose = clinic.check_in(now - timedelta(hours=3))
    _advance(clinic, before_dose, SessionState.ABORTED, now - timedelta(hours=3))
    after_dose = clinic.check_in(now - timedelta(hours=2))
    _advance(clinic, after_dose, SessionState.MONITORING, now - timedelta(hours=2))
    _advance(clinic, after_dose, SessionState.ABORTED, now - timedelta(hours=1))
    unsigned = repo.browse(BrowserFilter(flags=frozenset({SessionFlag.UNSIGNED})))
    assert [s.id for s in unsigned] == [after_dose]
    unreviewed = repo.browse(BrowserFilter(flags=frozenset({SessionFlag.UNREVIEWED})))
    assert {s.id for s in unreviewed} == {before_dose, after_dose}


def test_filters_combine_and_rows_come_newest_first(clinic, store, clock):
    repo = ReviewRepository(store)
    now = clock.now()
    other_room = clinic.people.add_room("Room 2")
    other_patient = clinic.people.add_patient(
        PatientDraft("Maria Keller", "MRN-77", date(1990, 1, 2), 60.0), now
    )
    old = _discharged(store, clinic, now - timedelta(days=40))
    recent = _discharged(store, clinic, now - timedelta(days=2))
    newest = _discharged(store, clinic, now - timedelta(days=1))
    elsewhere = clinic.sessions.check_in(
        uid=_uid(),
        patient_id=other_patient.id,
        room_id=other_room.id,
        therapist_id=clinic.nurse.id,
        medical_staff_id=None,
        at=now - timedelta(hours=5),
    ).id

    assert [s.id for s in repo.browse(BrowserFilter())] == [elsewhere, newest, recent, old]
    month = BrowserFilter(since=now - timedelta(days=30), until=now - timedelta(hours=12))
    assert [s.id for s in repo.browse(month)] == [newest, recent]
    assert [s.id for s in repo.browse(BrowserFilter(room_id=other_room.id))] == [elsewhere]
    by_therapist = BrowserFilter(therapist_id=clinic.therapist.id)
    assert [s.id for s in repo.browse(by_therapist)] == [newest, recent, old]
    assert [s.id for s in repo.browse(BrowserFilter(patient="kell"))] == [elsewhere]
    assert [s.id for s in repo.browse(BrowserFilter(patient="mrn-1"))] == [newest, recent, old]
    closed = BrowserFilter(states=frozenset({SessionState.DISCHARGED}), limit=2)
    assert [s.id for s in repo.browse(closed)] == [newest, recent]
    both = BrowserFilter(
        since=now - timedelta(days=30),
        therapist_id=clinic.therapist.id,
        flags=frozenset({SessionFlag.UNREVIEWED}),
    )
    repo.add_review(_review(recent, clinic.nurse.id, now))
    assert [s.id for s in repo.browse(both)] == [newest]
    row = repo.browse(BrowserFilter(room_id=other_room.id))[0]
    assert (row.patient_name, row.chart_id, row.room, row.therapist) == (
        "Maria Keller",
        "MRN-77",
        "Room 2",
        "Jordan Lee",
    )
    assert row.state is SessionState.CHECKED_IN and row.checked_in_at == now - timedelta(hours=5)


def test_text_search_finds_words_in_notes_in_any_case(clinic, store, clock):
    repo = ReviewRepository(store)
    now = clock.now()
    first = _discharged(store, clinic, now - timedelta(days=2))
    second = _discharged(store, clinic, now - timedelta(days=1))
    _note(clinic, first, now, "Tearful, then LAUGHING at the music")
    _note(clinic, second, now, "Calm; says the music is far away")
    _note(clinic, second, now, "100% settled_down")

    def found(text: str) -> list[int]:
        return [s.id for s in repo.browse(BrowserFilter(text=text))]

    assert found("music") == [second, first]
    assert found("laughing") == [first]
    assert found("MUSIC tearful") == [first]  # every word, in any note of the session
    assert found("music far") == [second]
    assert found("sad") == []
    assert found("100%") == [second]
    assert found("s_t") == []  # LIKE wildcards are matched literally ("set" is no match)
    assert found("settled_down") == [second]


def test_the_dossier_holds_everything_recorded(clinic, store, clock):
    repo = ReviewRepository(store)
    now = clock.now()
    sid = clinic.check_in(now)
    clinic.workflow.save_predose(
        sid,
        PreDoseChecks(False, False, False, False, True, True, "Sam", "5550102233"),
        clinic.nurse.id,
        now,
    )
    _advance(clinic, sid, SessionState.MONITORING, now + timedelta(minutes=10))
    t0 = now + timedelta(minutes=10)
    DoseRepository(store).add(
        DoseRecord(_uid(), sid, Drug.KETAMINE, Route.IM, 50.0, t0, clinic.nurse.id, t0)
    )
    physician = clinic.people.add_staff("Dr. Priya Nair", StaffRole.PHYSICIAN)  # named nowhere else
    clinic.vitals.add_batch(
        sid,
        [
            VitalPoint(Parameter.HR, 70.0 + s, t0 + timedelta(seconds=s, microseconds=250), "ivy")
            for s in range(5)
        ]
        + [
            VitalPoint(Parameter.NIBP_SYS, 131.0, t0, "manual", entered_by_id=physician.id),
            VitalPoint(Parameter.NIBP_DIA, 84.0, t0, "manual", entered_by_id=physician.id),
        ],
    )
    original = _note(clinic, sid, t0 + timedelta(minutes=5), "Calm")
    amendment = _note(clinic, sid, t0 + timedelta(minutes=6), "Calm, eyes shut", original.uid)
    rating = RatingEntry(_uid(), sid, "moaas", 4, "", t0, clinic.nurse.id)
    clinic.workflow.add_rating(rating)
    alarm = AlarmEvent(
        EventKind.ACKNOWLEDGED, 1, "hr", Priority.HIGH, "HR 140", t0, clinic.nurse.id
    )
    clinic.workflow.add_alarm_events(sid, [alarm])
    _advance(clinic, sid, SessionState.RECOVERY, t0 + timedelta(hours=1))
    _sign(store, clinic, sid, t0 + timedelta(hours=2))
    _advance(clinic, sid, SessionState.DISCHARGED, t0 + timedelta(hours=2))
    supervisor = clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    review = _review(sid, supervisor.id, t0 + timedelta(days=1))
    repo.add_review(review)

    dossier = repo.dossier(sid)
    assert dossier is not None
    assert dossier.session.state is SessionState.DISCHARGED and dossier.session.t0 == t0
    assert dossier.patient == clinic.patient and dossier.room == "Room 1"
    assert [t.to_state for t in dossier.transitions] == list(_PATH[1:])
    assert dossier.doses[0].amount_mg == 50.0 and dossier.doses[0].mg_per_kg == 0.69
    hr = dossier.vitals[Parameter.HR]
    assert hr.values == (70.0, 71.0, 72.0, 73.0, 74.0) and hr.manual == (False,) * 5
    assert hr.times[0] == pytest.approx(t0.timestamp() + 0.00025, abs=1e-6)
    assert dossier.vitals[Parameter.NIBP_SYS].manual == (True,)
    assert dossier.vitals[Parameter.NIBP_SYS].entered_by == (physician.id,)  # who typed it in
    assert hr.entered_by == (None,) * 5
    assert dossier.name(physician.id) == "Dr. Priya Nair"
    assert dossier.vitals[Parameter.NIBP_DIA].times == (t0.timestamp(),)
    assert dossier.observations == (original, amendment)
    assert dossier.ratings == (rating,)
    assert dossier.alarms[0].message == "HR 140"
    assert dossier.alarms[0].staff_id == clinic.nurse.id
    assert dossier.alarms[0].key == "hr"  # the alarm's key: its raises and clears group by it
    assert dossier.predose is not None and dossier.predose["ride_driver"] == "Sam"
    assert dossier.discharge is not None and dossier.discharge_draft is None
    assert dossier.discharge.printed_name == "Jordan Lee"
    assert dossier.discharge.meaning == "discharged by"
    assert dossier.discharge.data["padss_total"] == 10
    assert dossier.reviews == (review,)
    assert dossier.flags == frozenset({SessionFlag.HIGH_ALARM})
    assert dossier.name(supervisor.id) == "Casey Brooks"
    assert dossier.name(clinic.therapist.id) == "Alex Morgan"
    assert repo.dossier(sid + 999) is None


def test_the_dossier_names_the_staff_a_discharge_draft_mentions(clinic, store, clock):
    repo = ReviewRepository(store)
    sid = clinic.check_in(clock.now())
    helper = clinic.people.add_staff("Robin Helper", StaffRole.NURSE)
    DischargeRepository(store).save_draft(
        sid, {"answers": {"oriented": {"done": True, "by": helper.id}}, "ride": {"by": None}}
    )
    dossier = repo.dossier(sid)
    assert dossier is not None and dossier.name(helper.id) == "Robin Helper"


def test_an_unsigned_dossier_carries_the_draft(clinic, store, clock):
    repo = ReviewRepository(store)
    sid = clinic.check_in(clock.now())
    DischargeRepository(store).save_draft(sid, {"answers": {"alert": {"done": True}}})
    dossier = repo.dossier(sid)
    assert dossier is not None and dossier.discharge is None
    assert dossier.discharge_draft == {"answers": {"alert": {"done": True}}}
    assert dossier.vitals == {} and dossier.reviews == ()


def test_reviews_are_append_only_and_written_once_per_uid(clinic, store, clock):
    repo = ReviewRepository(store)
    now = clock.now()
    sid = _discharged(store, clinic, now - timedelta(days=1))
    first = _review(sid, clinic.nurse.id, now, "Fine.")
    second = _review(sid, clinic.nurse.id, now + timedelta(hours=1), "Look at the BP gate.")
    repo.add_review(first)
    repo.add_review(first)  # a retry changes nothing
    repo.add_review(Review(first.uid, sid, clinic.nurse.id, "X", REVIEWED_BY, now, "changed"))
    repo.add_review(second)
    assert repo.reviews(sid) == [first, second]
    flags = repo.browse(BrowserFilter())[0].flags
    assert SessionFlag.UNREVIEWED not in flags
