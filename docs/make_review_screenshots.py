"""Renders the session browser and the review screen offscreen to docs/browser.png and docs/review.png.

A small clinic is seeded through the real repositories: three weeks of sessions with their flags,
and one closed 2.5-hour session with two doses, notes, a desaturation alarm, a breathing-rate
alarm that flaps (one episode line), nausea treated with ondansetron and a signed discharge.
Run: ``.venv/bin/python docs/make_review_screenshots.py``.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QItemSelectionModel  # noqa: E402
from PySide6.QtWidgets import QAbstractItemView, QApplication, QSplitter, QWidget  # noqa: E402

from console.clock import FakeClock  # noqa: E402
from console.domain.alarms import AlarmEvent, EventKind, Priority  # noqa: E402
from console.domain.doses import Drug, Route  # noqa: E402
from console.domain.doses_record import DoseRecord  # noqa: E402
from console.domain.events import (  # noqa: E402
    AdverseEvent,
    Override,
    OverrideKind,
    RatingEntry,
    Severity,
)
from console.domain.lifecycle import SessionState  # noqa: E402
from console.domain.people import Patient, PatientDraft, Staff, StaffRole  # noqa: E402
from console.domain.predose import PreDoseChecks  # noqa: E402
from console.domain.review import REVIEWED_BY, Review, TimelineKind  # noqa: E402
from console.domain.scales import load_definitions  # noqa: E402
from console.domain.sessions import Observation, ObservationCategory  # noqa: E402
from console.domain.vitals import Parameter, VitalPoint  # noqa: E402
from console.services.access import Access, AuditTrail  # noqa: E402
from console.services.review import ReviewService  # noqa: E402
from console.services.signatures import PinSigner  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.discharge_repository import DischargeRepository  # noqa: E402
from console.store.dose_repository import DoseRepository  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from console.store.review_repository import ReviewRepository  # noqa: E402
from console.store.spool import Spool  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402
from console.store.workflow_repository import WorkflowRepository  # noqa: E402
from console.store.writer import DurableWriter, Targets  # noqa: E402
from devices.simulator.physiology import Condition, vitals_at  # noqa: E402
from widgets.session_browser import SessionBrowser  # noqa: E402
from widgets.session_review import SessionReviewView  # noqa: E402
from widgets.theme import apply_theme  # noqa: E402

SIZE = (1366, 820)
NOW = datetime(2026, 3, 20, 17, 40, tzinfo=UTC)
_PATH = (
    SessionState.CHECKED_IN,
    SessionState.BASELINE,
    SessionState.MONITORING,
    SessionState.RECOVERY,
    SessionState.DISCHARGED,
)
_NOTES = (
    (ObservationCategory.AFFECT, "Settled, eyes closed under the mask, music on"),
    (ObservationCategory.DISSOCIATION, "Describes floating above the room; calm, answers to voice"),
    (ObservationCategory.STATEMENT, "“It feels like a wide open field”"),
    (ObservationCategory.ANXIETY, "Brief panic about losing track of time; reassured, settled"),
    (ObservationCategory.INTERVENTION, "Blanket added, music volume lowered"),
    (ObservationCategory.AFFECT, "Tearful, talking about her father; settled with support"),
)


def _uid() -> str:
    return str(uuid.uuid4())


class Clinic:
    """The repositories over one database, and the people of the clinic."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.people = PeopleRepository(store)
        self.sessions = SessionRepository(store)
        self.workflow = WorkflowRepository(store)
        self.doses = DoseRepository(store)
        self.discharges = DischargeRepository(store)
        self.reviews = ReviewRepository(store)
        self.vitals = VitalsRepository(store)
        self.therapists = [
            self.people.add_staff("Alex Morgan", StaffRole.THERAPIST),
            self.people.add_staff("Sam Rivera", StaffRole.THERAPIST),
            self.people.add_staff("Noor Haddad", StaffRole.THERAPIST),
        ]
        self.nurse = self.people.add_staff("Jordan Lee, RN", StaffRole.NURSE)
        self.physician = self.people.add_staff("Dr. Priya Nair", StaffRole.PHYSICIAN)
        self.supervisor = self.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
        self.rooms = [self.people.add_room(f"Room {n}") for n in (1, 2, 3)]
        names = (
            ("Maria Keller", "KAP-1042", 64.0),
            ("J. D.", "KAP-1001", 72.5),
            ("Tom Okafor", "KAP-1077", 88.0),
            ("Lena Fischer", "KAP-1013", 58.5),
            ("R. S.", "KAP-1090", 79.0),
            ("Hannah Brooks", "KAP-1102", 70.0),
        )
        self.patients = [
            self.people.add_patient(
                PatientDraft(name, chart, date(1980 + n * 3, 1 + n, 10 + n), weight), NOW
            )
            for n, (name, chart, weight) in enumerate(names)
        ]

    def session(
        self,
        patient: Patient,
        therapist: Staff,
        room: int,
        start: datetime,
        *,
        until: SessionState = SessionState.DISCHARGED,
        hours: float = 2.25,
    ) -> tuple[int, datetime, datetime]:
        """A session through the lifecycle up to ``until``; (id, T0, end)."""
        sid = self.sessions.check_in(
            uid=_uid(),
            patient_id=patient.id,
            room_id=room,
            therapist_id=therapist.id,
            medical_staff_id=self.nurse.id,
            at=start,
        ).id
        t0 = start + timedelta(minutes=18)
        end = start + timedelta(hours=hours)
        times = {
            SessionState.BASELINE: start + timedelta(minutes=4),
            SessionState.MONITORING: t0,
            SessionState.RECOVERY: end - timedelta(minutes=40),
            SessionState.DISCHARGED: end,
            SessionState.ABORTED: t0 + timedelta(minutes=25),
        }
        state = SessionState.CHECKED_IN
        path = list(_PATH[1:]) if until is not SessionState.ABORTED else [_PATH[1], _PATH[2]]
        for after in path:
            if after is SessionState.DISCHARGED:
                self.sign(sid, end)
            self.sessions.apply_transition(
                uid=_uid(),
                session_id=sid,
                from_state=state,
                to_state=after,
                at=times[after],
                by_staff_id=self.nurse.id,
                t0=t0 if after is SessionState.MONITORING else None,
            )
            state = after
            if after is until:
                break
        if until is SessionState.ABORTED:
            self.sessions.apply_transition(
                uid=_uid(),
                session_id=sid,
                from_state=state,
                to_state=SessionState.ABORTED,
                at=times[SessionState.ABORTED],
                by_staff_id=self.physician.id,
                reason="Sustained hypertension; dosing stopped, observed until BP settled",
            )
        return sid, t0, end

    def sign(self, sid: int, at: datetime, *, signed: bool = True) -> None:
        data = {
            "version": 1,
            "answers": {
                item: {"done": True, "by": self.nurse.id, "at": at.isoformat()}
                for item in (
                    "vitals_stable",
                    "oriented",
                    "steady_gait",
                    "nausea_controlled",
                    "instructions",
                    "crisis_line",
                )
            },
            "ride": {
                "driver_name": "Chris Keller",
                "phone": "555 014 2290",
                "relationship": "partner",
                "confirmed_at": at.isoformat(),
            },
            "padss_total": 10,
            "open_items": [],
            "signature": {
                "name": self.nurse.name,
                "meaning": "discharged by",
                "at": at.isoformat(),
            },
        }
        if signed:
            self.discharges.sign(sid, data, self.nurse.id, at)
        else:
            self.discharges.save_draft(sid, data)

    def note(self, sid: int, at: datetime, category: ObservationCategory, text: str) -> None:
        therapist = self.sessions.get(sid)
        assert therapist is not None
        note = Observation(_uid(), sid, at, therapist.therapist_id, category, text)
        self.sessions.add_observation(note, at)


def seed_featured(clinic: Clinic) -> int:
    """The closed 2.5-hour session the review screen shows; returns its id."""
    maria = clinic.patients[0]
    start = NOW - timedelta(hours=5)
    sid, t0, end = clinic.session(maria, clinic.therapists[0], clinic.rooms[0].id, start, hours=2.5)
    clinic.workflow.save_predose(
        sid,
        PreDoseChecks(
            False, False, False, False, True, True, "Chris Keller", "555 014 2290", "partner"
        ),
        clinic.nurse.id,
        start + timedelta(minutes=3),
    )
    booster = t0 + timedelta(minutes=40)
    for at, amount in ((t0, 50.0), (booster, 25.0)):
        clinic.doses.add(
            DoseRecord(
                _uid(), sid, Drug.KETAMINE, Route.IM, amount, at, clinic.nurse.id, at, lot="K24-118"
            )
        )
    desaturation = (t0 + timedelta(minutes=31), t0 + timedelta(minutes=33, seconds=30))
    # deep in the dissociation the breathing slows and wavers around the RR limit of 10 /min:
    # an alarm that flaps, raised and cleared again and again (one episode line in the review)
    slow_breathing = (t0 + timedelta(minutes=62), t0 + timedelta(minutes=84))
    rr_alarm: list[AlarmEvent] = []
    rr_low: float | None = None
    points: list[VitalPoint] = []
    at, second = start, 0
    while at < end:
        conditions = (
            frozenset({Condition.DESATURATION})
            if desaturation[0] <= at < desaturation[1]
            else frozenset()
        )
        v = vitals_at((at - t0).total_seconds() / 60, seed=7, conditions=conditions)
        rr = v.rr
        if slow_breathing[0] <= at < slow_breathing[1]:
            phase = int((at - slow_breathing[0]).total_seconds()) // 40
            rr = (9.0, 11.0, 8.0, 11.0, 9.0, 10.0, 7.0, 12.0)[phase % 8]
            if rr < 10 and rr_low is None:
                rr_low = rr
                rr_alarm.append(_rr_event(EventKind.RAISED, len(rr_alarm), rr, at))
            elif rr >= 10 and rr_low is not None:
                rr_alarm.append(_rr_event(EventKind.CLEARED, len(rr_alarm), rr_low, at))
                rr_low = None
        elif rr_low is not None:
            rr_alarm.append(_rr_event(EventKind.CLEARED, len(rr_alarm), rr_low, at))
            rr_low = None
        points += [
            VitalPoint(Parameter.HR, v.hr, at, "ivy"),
            VitalPoint(Parameter.PR, v.pr or v.hr, at, "ivy"),
            VitalPoint(Parameter.SPO2, v.spo2 or 97, at, "ivy"),
            VitalPoint(Parameter.RR, rr, at, "ivy"),
            VitalPoint(Parameter.ETCO2, v.etco2, at, "ivy"),
        ]
        if second % 300 == 0:
            key = f"nibp:{second}"
            points += [
                VitalPoint(Parameter.NIBP_SYS, v.sbp, at, "ivy", None, key),
                VitalPoint(Parameter.NIBP_DIA, v.dbp, at, "ivy", None, key),
                VitalPoint(Parameter.NIBP_MEAN, v.map, at, "ivy", None, key),
            ]
        if second in (600, 6900):  # a hand-taken set before the dose and before discharge
            for parameter, value in (
                (Parameter.HR, v.hr),
                (Parameter.NIBP_SYS, v.sbp + 2),
                (Parameter.NIBP_DIA, v.dbp + 1),
                (Parameter.TEMP, v.temp),
            ):
                points.append(
                    VitalPoint(parameter, value, at, "manual", entered_by_id=clinic.nurse.id)
                )
        second += 1
        at += timedelta(seconds=1)
    clinic.vitals.add_batch(sid, points)
    note_times = (12, 26, 45, 58, 75, 96)
    notes = []
    for minutes, (category, text) in zip(note_times, _NOTES, strict=True):
        notes.append((t0 + timedelta(minutes=minutes), category, text))
        clinic.note(sid, *notes[-1])
    original = clinic.sessions.observations(sid)[2]
    clinic.sessions.add_observation(
        Observation(
            _uid(),
            sid,
            original.at + timedelta(minutes=3),
            original.author_id,
            ObservationCategory.STATEMENT,
            "“It feels like a wide open field, and I am not afraid of it”",
            amends_uid=original.uid,
        ),
        original.at + timedelta(minutes=3),
    )
    for minutes, value in ((15, 4), (30, 3), (45, 3), (60, 4), (90, 5), (120, 5)):
        clinic.workflow.add_rating(
            RatingEntry(
                _uid(), sid, "moaas", value, "", t0 + timedelta(minutes=minutes), clinic.nurse.id
            )
        )
    message = "SpO2 86 < 88"
    raised = desaturation[0] + timedelta(seconds=12)
    spo2 = "limit:spo2@ivy"
    ack = raised + timedelta(seconds=25)
    clinic.workflow.add_alarm_events(
        sid,
        [
            AlarmEvent(EventKind.RAISED, 1, spo2, Priority.HIGH, message, raised),
            AlarmEvent(
                EventKind.ACKNOWLEDGED, 1, spo2, Priority.HIGH, message, ack, clinic.nurse.id
            ),
            AlarmEvent(EventKind.CLEARED, 1, spo2, Priority.HIGH, message, desaturation[1]),
        ],
    )
    first_rr = rr_alarm[0]
    rr_alarm.insert(
        1,
        AlarmEvent(
            EventKind.ACKNOWLEDGED,
            first_rr.alarm_id,
            first_rr.key,
            first_rr.priority,
            first_rr.message,
            first_rr.at + timedelta(seconds=15),
            clinic.nurse.id,
        ),
    )
    clinic.workflow.add_alarm_events(sid, rr_alarm)
    clinic.note(
        sid,
        raised + timedelta(minutes=1),
        ObservationCategory.INTERVENTION,
        "Chin lift and a deep-breath prompt; SpO2 back to 96 % within two minutes",
    )
    clinic.workflow.add_adverse_event(
        AdverseEvent(
            _uid(),
            sid,
            t0 + timedelta(minutes=52),
            "nausea / vomiting",
            Severity.MODERATE,
            "Sat up, bowl and cool cloth",
            clinic.nurse.id,
            "ondansetron",
            4.0,
            "sublingual",
            t0 + timedelta(minutes=54),
        )
    )
    return sid


def _rr_event(kind: EventKind, n: int, value: float, at: datetime) -> AlarmEvent:
    """An event of the RR-low alarm as the board would log it ("RR 9 < 10", medium)."""
    return AlarmEvent(kind, 100 + n // 2, "limit:rr@ivy", Priority.MEDIUM, f"RR {value:g} < 10", at)


def seed_history(clinic: Clinic) -> None:
    """Three weeks of other sessions, with a spread of flags."""
    rng = random.Random(4)
    for day in range(1, 22):
        for slot, hour in enumerate((9, 13)):
            if rng.random() < 0.25:
                continue
            start = (NOW - timedelta(days=day)).replace(hour=hour, minute=rng.choice((0, 15, 30)))
            patient = rng.choice(clinic.patients[1:])
            therapist = clinic.therapists[(day + slot) % 3]
            room = clinic.rooms[slot + (day % 2)].id
            roll = rng.random()
            until = SessionState.ABORTED if roll < 0.05 else SessionState.DISCHARGED
            sid, t0, end = clinic.session(patient, therapist, room, start, until=until)
            category, text = _NOTES[rng.randrange(len(_NOTES))]
            clinic.note(sid, t0 + timedelta(minutes=20), category, text)
            if 0.05 <= roll < 0.2:
                clinic.workflow.add_alarm_events(
                    sid,
                    [AlarmEvent(EventKind.RAISED, 1, "nibp", Priority.HIGH, "SYS 186 mmHg", t0)],
                )
            if 0.2 <= roll < 0.3:
                clinic.workflow.add_adverse_event(
                    AdverseEvent(
                        _uid(), sid, t0, "nausea / vomiting", Severity.MILD, "bowl", clinic.nurse.id
                    )
                )
            if 0.3 <= roll < 0.36:
                clinic.workflow.add_override(
                    Override(
                        _uid(),
                        sid,
                        OverrideKind.BP_GATE,
                        "Baseline 164/98 after the stairs; 150/92 on repeat",
                        clinic.physician.id,
                        t0 - timedelta(minutes=1),
                    )
                )
            if day > 4 and rng.random() < 0.8:
                clinic.reviews.add_review(
                    Review(
                        _uid(),
                        sid,
                        clinic.supervisor.id,
                        clinic.supervisor.name,
                        REVIEWED_BY,
                        end + timedelta(days=1),
                        "Seen; no concerns.",
                    )
                )
    # today: one session still open, one discharged with an override and no signature yet
    clinic.session(
        clinic.patients[3],
        clinic.therapists[1],
        clinic.rooms[1].id,
        NOW - timedelta(minutes=50),
        until=SessionState.MONITORING,
    )
    sid, t0, _ = clinic.session(
        clinic.patients[2], clinic.therapists[2], clinic.rooms[2].id, NOW - timedelta(hours=4)
    )
    clinic.workflow.add_override(
        Override(
            _uid(),
            sid,
            OverrideKind.DISCHARGE,
            "Ride waiting outside; integration booking to follow by phone",
            clinic.nurse.id,
            NOW - timedelta(hours=2),
            {"open_items": ["Integration session not booked yet."]},
        )
    )


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app, "day")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/clinic.sqlite3")
        clinic = Clinic(store)
        seed_history(clinic)
        featured = seed_featured(clinic)
        clock = FakeClock(NOW)
        writer = DurableWriter(Targets.for_store(store), Spool(Path(tmp) / "spool.jsonl"))
        access = Access(clinic.people, AuditTrail(clock, writer))
        service = ReviewService(clock, clinic.reviews, access, PinSigner(clinic.people))
        supervisor = clinic.supervisor.id

        browser = SessionBrowser(service, clinic.people, clock, lambda: supervisor)
        _shoot(app, browser, "browser")

        review = SessionReviewView(service, lambda: supervisor, load_definitions())
        review.resize(*SIZE)
        review.show()
        review.open_session(featured)
        model = review.timeline_model
        alarm = next(  # the flapping alarm's episode line
            r
            for r in range(model.rowCount())
            if model.entry(r).kind is TimelineKind.ALARM and "times" in model.entry(r).text
        )
        review.timeline.selectionModel().select(
            model.index(alarm, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        splitter = review.findChild(QSplitter)
        assert splitter is not None
        splitter.setSizes([520, 846])  # room for the episode line in the timeline
        for _ in range(5):
            app.processEvents()
        review.timeline.scrollTo(
            model.index(alarm, 0), QAbstractItemView.ScrollHint.PositionAtCenter
        )
        _shoot(app, review, "review")
        store.close()


def _shoot(app: QApplication, widget: QWidget, name: str) -> None:
    widget.resize(*SIZE)
    widget.show()
    for _ in range(5):
        app.processEvents()
    path = ROOT / "docs" / f"{name}.png"
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
