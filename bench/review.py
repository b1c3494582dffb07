"""B10: open and paint a closed 8-hour session; the session browser's filters over 10,000 sessions.

B10 builds a closed session with the real repositories on a temporary SQLite file: 8 h of a 1 Hz
oximeter (SpO2 and HR: 57,600 samples, twice the ≈30k of the target), a cuff every 5 minutes,
a hand-entered set every 30 minutes, a note every 10 minutes with amendments, ratings, alarms,
two doses, an adverse event with rescue medication, a gate override, a signed discharge and a
review. Each run loads the dossier from the database, shows it in the review screen and paints
it (``grab()`` renders every child synchronously). A second row does the same for a full monitor
(HR, SpO2, RR, EtCO2 at 1 Hz: ≈115k samples).

The browser rows seed 10,000 closed sessions (bulk inserts: notes, alarms, adverse events,
overrides, discharges, reviews) and time ``ReviewRepository.browse`` for typical filters.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

from sqlalchemy import insert, select

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
from console.store.database import Store
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.models import (
    AdverseEventRow,
    AlarmEventRow,
    DischargeRow,
    ObservationRow,
    OverrideRow,
    PatientRow,
    ReviewRow,
    SessionRow,
)
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.review_repository import ReviewRepository
from console.store.vitals_repository import VitalsRepository
from console.store.workflow_repository import WorkflowRepository
from widgets.session_review import SessionReviewView

B10_TARGET_MS = 300.0
BROWSE_TARGET_MS = 200.0
B10_RUNS = 7
BROWSE_RUNS = 9
SESSIONS = 10_000
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FULL_MONITOR = (Parameter.HR, Parameter.SPO2, Parameter.RR, Parameter.ETCO2)

_NOTES = (
    (ObservationCategory.AFFECT, "Calm, eyes closed, breathing slowly."),
    (ObservationCategory.DISSOCIATION, "Reports floating, time feels stretched."),
    (ObservationCategory.STATEMENT, "Says the music feels far away."),
    (ObservationCategory.ANXIETY, "Briefly anxious; reassured, settled within a minute."),
    (ObservationCategory.NAUSEA, "Mild nausea, declined a bowl."),
    (ObservationCategory.INTERVENTION, "Eye shades adjusted, blanket added."),
)


def _uid() -> str:
    return str(uuid.uuid4())


def seed_long_session(
    store: Store, *, hours: float = 8.0, streams: tuple[Parameter, ...] = (Parameter.HR,)
) -> int:
    """A closed session of ``hours`` with everything a review shows; returns its id."""
    from devices.simulator.physiology import vitals_at

    people = PeopleRepository(store)
    sessions = SessionRepository(store)
    workflow = WorkflowRepository(store)
    therapist = people.add_staff("Alex Morgan", StaffRole.THERAPIST)
    nurse = people.add_staff("Jordan Lee, RN", StaffRole.NURSE)
    supervisor = people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    room = people.add_room(f"Room {random.randint(1, 10**6)}")
    patient = people.add_patient(
        PatientDraft("J. D.", f"MRN-{_uid()[:8]}", date(1986, 4, 12), 72.5), START
    )
    checked_in = START
    t0 = checked_in + timedelta(minutes=20)
    end = checked_in + timedelta(hours=hours)
    record = sessions.check_in(
        uid=_uid(),
        patient_id=patient.id,
        room_id=room.id,
        therapist_id=therapist.id,
        medical_staff_id=nurse.id,
        at=checked_in,
    )
    sid = record.id
    workflow.save_predose(
        sid,
        PreDoseChecks(
            False, False, False, False, True, True, "Sam Rivera", "5550102233", "partner"
        ),
        nurse.id,
        checked_in + timedelta(minutes=2),
    )
    steps = (
        (SessionState.CHECKED_IN, SessionState.BASELINE, checked_in + timedelta(minutes=4)),
        (SessionState.BASELINE, SessionState.MONITORING, t0),
        (SessionState.MONITORING, SessionState.RECOVERY, end - timedelta(minutes=45)),
    )
    for before, after, at in steps:
        sessions.apply_transition(
            uid=_uid(),
            session_id=sid,
            from_state=before,
            to_state=after,
            at=at,
            by_staff_id=nurse.id,
            t0=t0 if after is SessionState.MONITORING else None,
        )
    doses = DoseRepository(store)
    for minutes, amount in ((0, 50.0), (45, 25.0)):
        at = t0 + timedelta(minutes=minutes)
        doses.add(DoseRecord(_uid(), sid, Drug.KETAMINE, Route.IM, amount, at, nurse.id, at))

    # vitals: the 1 Hz streams, a cuff every 5 minutes, a hand-entered set every 30 minutes
    points: list[VitalPoint] = []
    second, at = 0, checked_in
    while at < end:
        v = vitals_at((at - t0).total_seconds() / 60)
        values = {
            Parameter.HR: v.hr,
            Parameter.SPO2: v.spo2 or 97,
            Parameter.RR: v.rr,
            Parameter.ETCO2: v.etco2,
            Parameter.PR: v.pr or v.hr,
        }
        points.extend(VitalPoint(p, values[p], at, "ivy") for p in streams)
        if second % 300 == 0:
            key = f"nibp:{second}"
            points.append(VitalPoint(Parameter.NIBP_SYS, v.sbp, at, "ivy", None, key))
            points.append(VitalPoint(Parameter.NIBP_DIA, v.dbp, at, "ivy", None, key))
            points.append(VitalPoint(Parameter.NIBP_MEAN, v.map, at, "ivy", None, key))
        if second % 1800 == 900:
            for p, value in (
                (Parameter.HR, v.hr),
                (Parameter.NIBP_SYS, v.sbp),
                (Parameter.NIBP_DIA, v.dbp),
                (Parameter.RR, v.rr),
                (Parameter.TEMP, v.temp),
            ):
                points.append(VitalPoint(p, value, at, "manual", entered_by_id=nurse.id))
        second += 1
        at += timedelta(seconds=1)
    VitalsRepository(store).add_batch(sid, points)

    # notes every 10 minutes, with a few amendments; ratings every 15 minutes
    notes: list[Observation] = []
    for i, minutes in enumerate(range(5, int(hours * 60), 10)):
        category, text = _NOTES[i % len(_NOTES)]
        note = Observation(
            _uid(), sid, checked_in + timedelta(minutes=minutes), therapist.id, category, text
        )
        notes.append(note)
        sessions.add_observation(note, note.at)
    for original in notes[3:12:4]:
        amendment = Observation(
            _uid(),
            sid,
            original.at + timedelta(minutes=2),
            therapist.id,
            original.category,
            original.text + " (corrected: it was the left hand)",
            amends_uid=original.uid,
        )
        sessions.add_observation(amendment, amendment.at)
    for minutes in range(15, int(hours * 60), 15):
        at = t0 + timedelta(minutes=minutes)
        workflow.add_rating(
            RatingEntry(_uid(), sid, "moaas", 4 if minutes < 90 else 5, "", at, nurse.id)
        )

    # alarms: a high SpO2 alarm acknowledged and cleared, then some medium ones
    alarm_events: list[AlarmEvent] = []
    for n, minutes in enumerate(range(30, int(hours * 60) - 60, 40)):
        at = t0 + timedelta(minutes=minutes)
        priority = Priority.HIGH if n == 0 else Priority.MEDIUM
        message = "SpO2 86 % below 88 %" if n == 0 else "SYS 162 mmHg above 160 mmHg"
        key = "spo2:high_lower" if n == 0 else "nibp_sys:medium_upper"
        alarm_events += [
            AlarmEvent(EventKind.RAISED, n, key, priority, message, at),
            AlarmEvent(
                EventKind.ACKNOWLEDGED,
                n,
                key,
                priority,
                message,
                at + timedelta(seconds=20),
                nurse.id,
            ),
            AlarmEvent(EventKind.CLEARED, n, key, priority, message, at + timedelta(minutes=2)),
        ]
    workflow.add_alarm_events(sid, alarm_events)
    workflow.add_adverse_event(
        AdverseEvent(
            _uid(),
            sid,
            t0 + timedelta(minutes=35),
            "nausea / vomiting",
            Severity.MODERATE,
            "Sat up, bowl given",
            nurse.id,
            "ondansetron",
            4.0,
            "IV",
            t0 + timedelta(minutes=38),
        )
    )
    workflow.add_override(
        Override(
            _uid(),
            sid,
            OverrideKind.BP_GATE,
            "Baseline 162/96 after the walk in; 152/92 on repeat, physician agreed",
            nurse.id,
            t0 - timedelta(minutes=1),
            {"systolic": 162, "diastolic": 96},
        )
    )
    signed_at = end - timedelta(minutes=2)
    DischargeRepository(store).sign(
        sid,
        {
            "answers": {"alert": {"done": True}},
            "padss_total": 10,
            "open_items": [],
            "signature": {
                "name": nurse.name,
                "meaning": "discharged by",
                "at": signed_at.isoformat(),
            },
        },
        nurse.id,
        signed_at,
    )
    sessions.apply_transition(
        uid=_uid(),
        session_id=sid,
        from_state=SessionState.RECOVERY,
        to_state=SessionState.DISCHARGED,
        at=end,
        by_staff_id=nurse.id,
    )
    ReviewRepository(store).add_review(
        Review(
            _uid(),
            sid,
            supervisor.id,
            supervisor.name,
            REVIEWED_BY,
            end + timedelta(days=1),
            "Seen.",
        )
    )
    return sid


def seed_clinic(store: Store, count: int = SESSIONS, seed: int = 10) -> None:
    """``count`` sessions over ~2 years with notes, alarms and events, by bulk insert."""
    rng = random.Random(seed)
    people = PeopleRepository(store)
    therapists = [people.add_staff(f"Therapist {i}", StaffRole.THERAPIST).id for i in range(8)]
    nurses = [people.add_staff(f"Nurse {i}", StaffRole.NURSE).id for i in range(4)]
    supervisor = people.add_staff("Casey Brooks", StaffRole.SUPERVISOR).id
    rooms = [people.add_room(f"Room {i}").id for i in range(1, 5)]
    words = ["calm", "anxious", "floating", "music", "tearful", "laughing", "nausea", "warm"]
    words += ["heavy", "colours"]
    with store.transaction() as tx:
        tx.execute(
            insert(PatientRow),
            [
                {
                    "display_name": f"{chr(65 + i % 26)}. {chr(65 + (i * 7) % 26)}. {i}",
                    "chart_id": f"MRN-{100000 + i}",
                    "date_of_birth": date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                    "weight_kg": 55.0 + i % 50,
                    "created_at": START,
                }
                for i in range(count // 5)
            ],
        )
    sessions: list[dict[str, Any]] = []
    first = START - timedelta(days=730)
    for i in range(count):
        checked_in = first + timedelta(minutes=105 * i + rng.randint(0, 30))
        aborted = rng.random() < 0.04
        sessions.append(
            {
                "uid": _uid(),
                "patient_id": 1 + rng.randrange(count // 5),
                "room_id": rng.choice(rooms),
                "therapist_id": rng.choice(therapists),
                "medical_staff_id": rng.choice(nurses),
                "checked_in_at": checked_in,
                "state": SessionState.ABORTED.value if aborted else SessionState.DISCHARGED.value,
                "t0": checked_in + timedelta(minutes=20),
                "closed_at": checked_in + timedelta(hours=2, minutes=30),
            }
        )
    with store.transaction() as tx:  # the ids come from the database (a sequence on PostgreSQL)
        tx.execute(insert(SessionRow), sessions)
        ids = {uid: sid for uid, sid in tx.execute(select(SessionRow.uid, SessionRow.id))}
    notes, alarms, adverse, overrides, discharges, reviews = [], [], [], [], [], []
    for s in sessions:
        sid, at = ids[s["uid"]], s["t0"]
        for n in range(rng.randint(2, 6)):
            text = " ".join(rng.sample(words, 3)) + f", note {n}"
            notes.append(
                {
                    "uid": _uid(),
                    "session_id": sid,
                    "at": at + timedelta(minutes=10 * n),
                    "author_id": s["therapist_id"],
                    "category": "affect",
                    "text": text.capitalize(),
                    "amends_uid": None,
                    "recorded_at": at + timedelta(minutes=10 * n),
                }
            )
        for n in range(rng.choice((0, 0, 0, 2, 3, 6))):
            alarms.append(
                {
                    "session_id": sid,
                    "alarm_id": n,
                    "alarm_key": "spo2:low",
                    "kind": "raised",
                    "priority": "high" if rng.random() < 0.15 else "medium",
                    "message": "SpO2 low",
                    "at": at + timedelta(minutes=n),
                    "staff_id": None,
                    "silenced_until": None,
                }
            )
        if rng.random() < 0.06:
            rescue = rng.random() < 0.4
            adverse.append(
                {
                    "uid": _uid(),
                    "session_id": sid,
                    "at": at + timedelta(minutes=30),
                    "kind": "nausea / vomiting",
                    "severity": "mild",
                    "action": "bowl",
                    "rescue_drug": "ondansetron" if rescue else "",
                    "rescue_dose_mg": 4.0 if rescue else None,
                    "rescue_route": "IV" if rescue else "",
                    "rescue_at": at + timedelta(minutes=32) if rescue else None,
                    "author_id": s["medical_staff_id"],
                }
            )
        if rng.random() < 0.04:
            kind = rng.choice((OverrideKind.BP_GATE, OverrideKind.DISCHARGE))
            overrides.append(
                {
                    "uid": _uid(),
                    "session_id": sid,
                    "kind": kind.value,
                    "reason": "agreed with physician",
                    "signed_by_id": s["medical_staff_id"],
                    "signed_at": at,
                    "detail": "{}",
                }
            )
        if s["state"] == SessionState.DISCHARGED.value:
            signed = rng.random() > 0.02
            discharges.append(
                {
                    "session_id": sid,
                    "data": "{}",
                    "signed_by_id": s["medical_staff_id"] if signed else None,
                    "signed_at": s["closed_at"] if signed else None,
                }
            )
        if rng.random() < 0.6:
            reviews.append(
                {
                    "uid": _uid(),
                    "session_id": sid,
                    "reviewer_id": supervisor,
                    "printed_name": "Casey Brooks",
                    "meaning": REVIEWED_BY,
                    "at": s["closed_at"] + timedelta(days=2),
                    "comment": "",
                }
            )
    with store.transaction() as tx:
        for model, rows in (
            (ObservationRow, notes),
            (AlarmEventRow, alarms),
            (AdverseEventRow, adverse),
            (OverrideRow, overrides),
            (DischargeRow, discharges),
            (ReviewRow, reviews),
        ):
            if rows:
                tx.execute(insert(model), rows)


def _timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, slowest) in milliseconds after one warm-up run."""
    action()
    times: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


def _row(metric: str, figure: str, target: str, verdict: str = "") -> None:
    print(f"{metric:56} {figure:>12} {target:>10}  {verdict}")


def _open_and_paint(repository: ReviewRepository, view: SessionReviewView, sid: int) -> int:
    """Load the dossier, show it and paint the whole screen; returns the number of samples."""
    dossier = repository.dossier(sid)
    assert dossier is not None
    view.show_dossier(dossier)
    view.grab()  # renders every child synchronously: the plots, the timeline, the header
    return sum(len(s.times) for s in dossier.vitals.values())


def bench_open_and_paint(tmp: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from widgets.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app, "day")
    cases = (
        ("HR at 1 Hz (≈30k, the target)", (Parameter.HR,), True),
        ("SpO2 + HR at 1 Hz", (Parameter.HR, Parameter.SPO2), True),
        ("stress: HR, SpO2, RR, EtCO2 at 1 Hz", FULL_MONITOR, False),
    )
    print(f"B10 supervisor review: open a closed 8 h session and paint it ({app.platformName()})")
    _row("metric", "figure", "target", "verdict")
    for n, (label, streams, judged) in enumerate(cases):
        store = Store.open(f"sqlite:///{tmp / f'b10-{n}.sqlite3'}")
        sid = seed_long_session(store, streams=streams)
        repository = ReviewRepository(store)
        view = SessionReviewView()
        view.resize(1366, 820)
        view.show()
        app.processEvents()
        began = time.perf_counter()
        samples = _open_and_paint(repository, view, sid)
        first = (time.perf_counter() - began) * 1000
        median, worst = _timed(partial(_open_and_paint, repository, view, sid), B10_RUNS)
        target = "≤ 300 ms" if judged else "—"
        verdict = "PASS" if max(worst, first) <= B10_TARGET_MS else "FAIL"
        _row(f"{label}: {samples:,} samples", "", "")
        _row("  first open + paint", f"{first:.0f} ms", target, verdict if judged else "")
        _row(f"  median / slowest of {B10_RUNS} more", f"{median:.0f}/{worst:.0f} ms", target)
        load, _ = _timed(partial(repository.dossier, sid), 3)
        _row("  of which: load the dossier from SQLite", f"{load:.0f} ms", "—")
        view.close()
        view.deleteLater()
        app.processEvents()
        store.close()


def bench_browse(tmp: Path) -> None:
    store = Store.open(f"sqlite:///{tmp / 'browser.sqlite3'}")
    began = time.perf_counter()
    seed_clinic(store)
    seeded_s = time.perf_counter() - began
    repository = ReviewRepository(store)
    month = START - timedelta(days=30)
    filters = (
        ("no filter (newest 500)", BrowserFilter()),
        ("date range: last 30 days", BrowserFilter(since=month, until=START)),
        (
            "date range: one day, two years back",
            BrowserFilter(since=START - timedelta(days=700), until=START - timedelta(days=699)),
        ),
        ("flag: high-priority alarm", BrowserFilter(flags=frozenset({SessionFlag.HIGH_ALARM}))),
        (
            "flags: rescue medication + not reviewed",
            BrowserFilter(flags=frozenset({SessionFlag.RESCUE_MEDICATION, SessionFlag.UNREVIEWED})),
        ),
        ("flag: discharge not signed", BrowserFilter(flags=frozenset({SessionFlag.UNSIGNED}))),
        ('patient text "MRN-1012"', BrowserFilter(patient="MRN-1012")),
        ('observation text "tearful laughing"', BrowserFilter(text="tearful laughing")),
        (
            "therapist + room + a rare word in notes",
            BrowserFilter(therapist_id=1, room_id=1, text="colours"),
        ),
    )
    print(f"Session browser: filter {SESSIONS:,} sessions (SQLite; seeded in {seeded_s:.1f} s)")
    _row("filter (median / slowest of 9)", "figure", "target", "verdict")
    for label, wanted in filters:
        found = len(repository.browse(wanted))
        median, worst = _timed(lambda w=wanted: repository.browse(w), BROWSE_RUNS)
        verdict = "PASS" if worst <= BROWSE_TARGET_MS else "FAIL"
        _row(f"{label} → {found} rows", f"{median:.0f}/{worst:.0f} ms", "≤ 200 ms", verdict)
    store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if "--browse-only" not in sys.argv:
            bench_open_and_paint(Path(tmp))
        if "--open-only" not in sys.argv:
            bench_browse(Path(tmp))


if __name__ == "__main__":
    main()
