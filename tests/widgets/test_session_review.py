"""The review screen driven by qtbot: plots and timeline of a session, sign-off errors and reviews."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, QPointF, Qt

from console.domain.alarms import AlarmEvent, EventKind, Priority
from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.lifecycle import SessionState
from console.domain.people import StaffRole
from console.domain.review import SessionFlag, TimelineKind
from console.domain.sessions import Observation, ObservationCategory
from console.domain.timeline import build_timeline
from console.domain.vitals import Parameter, VitalPoint
from console.services.review import ReviewService
from console.services.signatures import PinSigner
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.review_repository import ReviewRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter
from widgets.session_review import SessionReviewView

PIN = "2468"
LEFT = Qt.MouseButton.LeftButton
_STEPS = (
    (SessionState.CHECKED_IN, SessionState.BASELINE),
    (SessionState.BASELINE, SessionState.MONITORING),
    (SessionState.MONITORING, SessionState.RECOVERY),
)


def _seed(clinic, store, start, *, close: bool = True) -> int:
    sid = clinic.check_in(start)
    t0 = start + timedelta(minutes=15)
    for n, (before, after) in enumerate(_STEPS):
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=sid,
            from_state=before,
            to_state=after,
            at=start + timedelta(minutes=5 + 10 * n),
            by_staff_id=clinic.nurse.id,
            t0=t0 if after is SessionState.MONITORING else None,
        )
    DoseRepository(store).add(
        DoseRecord(str(uuid.uuid4()), sid, Drug.KETAMINE, Route.IM, 50.0, t0, clinic.nurse.id, t0)
    )
    points = [
        VitalPoint(p, v + (s % 7), start + timedelta(seconds=s), "ivy")
        for s in range(0, 2 * 3600, 2)
        for p, v in ((Parameter.HR, 70.0), (Parameter.SPO2, 93.0))
    ]
    for minutes in range(0, 120, 15):
        at = start + timedelta(minutes=minutes)
        points += [
            VitalPoint(Parameter.NIBP_SYS, 128.0, at, "ivy"),
            VitalPoint(Parameter.NIBP_DIA, 82.0, at, "ivy"),
            VitalPoint(Parameter.NIBP_MEAN, 97.0, at, "ivy"),
        ]
    clinic.vitals.add_batch(sid, points)
    for minutes, text in ((20, "Calm, eyes closed"), (40, "Tearful, settled with support")):
        at = t0 + timedelta(minutes=minutes)
        clinic.sessions.add_observation(
            Observation(
                str(uuid.uuid4()), sid, at, clinic.therapist.id, ObservationCategory.AFFECT, text
            ),
            at,
        )
    clinic.workflow.add_alarm_events(
        sid,
        [AlarmEvent(EventKind.RAISED, 1, "spo2", Priority.HIGH, "SpO2 86 % below 88 %", t0)],
    )
    if close:
        end = start + timedelta(hours=2)
        DischargeRepository(store).sign(
            sid,
            {"padss_total": 9, "signature": {"name": "Jordan Lee", "meaning": "discharged by"}},
            clinic.nurse.id,
            end,
        )
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=sid,
            from_state=SessionState.RECOVERY,
            to_state=SessionState.DISCHARGED,
            at=end,
            by_staff_id=clinic.nurse.id,
        )
    return sid


@pytest.fixture
def screen(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    clinic = sqlite_clinic
    supervisor = clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    signer = PinSigner(clinic.people)
    signer.set_pin(supervisor.id, PIN)
    writer = DurableWriter(clinic.targets, Spool(tmp_path / "spool.jsonl"))
    service = ReviewService(clock, ReviewRepository(sqlite_store), clinic.access(writer), signer)
    acting = {"id": supervisor.id}
    view = SessionReviewView(service, lambda: acting["id"])
    qtbot.addWidget(view)
    view.resize(1366, 820)
    view.show()
    qtbot.waitExposed(view)
    closed = _seed(clinic, sqlite_store, clock.now() - timedelta(hours=3))
    return view, closed, acting, clinic, sqlite_store, clock


def test_opening_a_session_shows_its_timeline_plots_and_discharge(screen):
    view, sid, _, _, _, _ = screen
    assert view.open_session(sid)
    dossier = view.dossier
    assert dossier is not None and dossier.session.id == sid
    model = view.timeline_model
    expected = build_timeline(dossier)
    assert model.rowCount() == len(expected) and view.timeline_count.text().startswith(
        f"{len(expected)} "
    )
    kinds = {model.entry(row).kind for row in range(model.rowCount())}
    assert {TimelineKind.DOSE, TimelineKind.ALARM, TimelineKind.OBSERVATION} <= kinds
    texts = [model.index(row, 3).data() for row in range(model.rowCount())]
    assert "Affect / mood: Tearful, settled with support" in texts
    assert model.index(0, 0).data() == expected[0].at.astimezone().strftime("%H:%M:%S")
    hr_x, hr_y = view.plots.curves[Parameter.HR].getOriginalDataset()
    assert len(hr_x) == 3600 and np.nanmax(hr_y) == 76.0
    spo2_x, _ = view.plots.curves[Parameter.SPO2].getOriginalDataset()
    assert len(spo2_x) == 3600
    assert len(view.plots.nibp_means.data) == 8
    assert len(view.plots.notes.data) == 2 and len(view.plots.alarms.data) == 1
    assert len(view.plots.doses.data) == 1
    assert view.plots.t0_lines[0].isVisible()
    assert view.plots.t0_lines[0].value() == dossier.session.t0.timestamp()
    assert "Discharged" in view.state_label.text()
    assert "High alarm" in view.chips.shown() and "Not reviewed" in view.chips.shown()
    assert "Discharged by Jordan Lee" in view.discharge_view.toPlainText()
    assert "9 / 10" in view.discharge_view.toPlainText()
    assert not view.sign_off.isHidden()


def test_selecting_a_timeline_row_marks_its_time_on_the_plots(screen):
    view, sid, _, _, _, _ = screen
    view.open_session(sid)
    model = view.timeline_model
    row = next(r for r in range(model.rowCount()) if model.entry(r).kind is TimelineKind.ALARM)
    view.timeline.selectionModel().select(
        model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert all(line.isVisible() for line in view.plots.cursor_lines)
    assert view.plots.cursor_lines[1].value() == model.entry(row).at.timestamp()


def test_the_kind_filter_narrows_the_timeline(screen):
    view, sid, _, _, _, _ = screen
    view.open_session(sid)
    view.kind_filter.setCurrentIndex(view.kind_filter.findData(TimelineKind.OBSERVATION))
    assert view.timeline_model.rowCount() == 2
    assert view.timeline_count.text() == "2 entries"


def test_sign_off_errors_appear_beside_their_fields(screen, qtbot):
    view, sid, _, _, _, _ = screen
    view.open_session(sid)
    view.tabs.setCurrentIndex(2)
    box = view.sign_off
    qtbot.mouseClick(box.sign_button, LEFT)
    assert box.comment_error.isVisible() and "comment" in box.comment_error.text().lower()
    assert box.password_error.isVisible() and "password" in box.password_error.text().lower()
    box.comment.setPlainText("Alarm handled well.")
    qtbot.keyClicks(box.password, "0000")
    qtbot.mouseClick(box.sign_button, LEFT)
    assert not box.comment_error.isVisible()
    assert box.password_error.isVisible() and "not right" in box.password_error.text()
    assert view.dossier is not None and view.dossier.reviews == ()


def test_a_supervisor_signs_and_the_review_is_listed(screen, qtbot):
    view, sid, _, _, _, _ = screen
    view.open_session(sid)
    view.tabs.setCurrentIndex(2)
    box = view.sign_off
    box.comment.setPlainText("Alarm handled well.")
    qtbot.keyClicks(box.password, PIN)
    qtbot.mouseClick(box.sign_button, LEFT)
    assert not box.password_error.isVisible() and box.password.text() == ""
    assert box.comment.toPlainText() == ""
    assert view.tabs.tabText(2) == "Reviews (1)"
    assert "Reviewed by Casey Brooks" in view.reviews_view.toPlainText()
    assert "Alarm handled well." in view.reviews_view.toPlainText()
    assert "Not reviewed" not in view.chips.shown()
    assert view.dossier is not None and SessionFlag.UNREVIEWED not in view.dossier.flags
    kinds = [view.timeline_model.entry(r).kind for r in range(view.timeline_model.rowCount())]
    assert kinds[-1] is TimelineKind.REVIEW
    view.open_session(sid)  # stored: a fresh open shows it too
    assert len(view.dossier.reviews) == 1


def test_a_therapist_sees_the_session_but_no_sign_off(screen):
    view, sid, acting, clinic, _, _ = screen
    acting["id"] = clinic.therapist.id
    assert view.open_session(sid)
    assert view.sign_off.isHidden()
    view.tabs.setCurrentIndex(2)
    assert view.sign_off_note.isVisible()
    assert view.sign_off_note.text() == "Only a supervisor can sign a review."


def test_an_open_session_has_no_sign_off_and_a_refusal_is_shown(screen):
    view, _, acting, clinic, store, clock = screen
    open_sid = _seed(clinic, store, clock.now() - timedelta(hours=1), close=False)
    assert view.open_session(open_sid)
    view.tabs.setCurrentIndex(2)
    assert view.sign_off.isHidden()
    assert "still open" in view.sign_off_note.text()
    admin = clinic.people.add_staff("Robin Admin", StaffRole.ADMIN)
    acting["id"] = admin.id
    assert not view.open_session(open_sid)
    assert view.problem_label.isVisible()
    assert "may not open past sessions" in view.problem_label.text()


def _flap(clinic, sid: int, start, cycles: int = 40) -> None:
    """A medium RR-low alarm raised and cleared ``cycles`` times a minute apart; 6 /min once."""
    key, events = "limit:rr@ivy", []
    for n in range(cycles):
        at = start + timedelta(minutes=n)
        message = f"RR {6 if n == 20 else 9 - n % 3} < 10"
        events.append(AlarmEvent(EventKind.RAISED, 100 + n, key, Priority.MEDIUM, message, at))
        events.append(
            AlarmEvent(
                EventKind.CLEARED,
                100 + n,
                key,
                Priority.MEDIUM,
                message,
                at + timedelta(seconds=30),
            )
        )
    clinic.workflow.add_alarm_events(sid, events)


def test_a_flapping_alarm_is_one_episode_line_in_the_timeline_and_one_mark(screen):
    view, sid, _, clinic, _, clock = screen
    start = clock.now() - timedelta(hours=3) + timedelta(minutes=50)
    _flap(clinic, sid, start)
    assert view.open_session(sid)
    model = view.timeline_model
    view.kind_filter.setCurrentIndex(view.kind_filter.findData(TimelineKind.ALARM))
    rows = [model.index(r, 3).data() for r in range(model.rowCount())]
    flapping = [text for text in rows if text.startswith("Medium alarm")]
    first = start.astimezone().strftime("%H:%M")
    last = (start + timedelta(minutes=39, seconds=30)).astimezone().strftime("%H:%M")
    assert flapping == [f"Medium alarm: RR 9 < 10; raised 40 times, {first}–{last}, worst 6 /min"]
    assert len(rows) == 2  # with the SpO2 alarm: not 81 lines
    assert len(view.plots.alarms.data) == 2  # one mark per episode on the events lane
    tips = [str(d) for d in view.plots.alarms.data["data"]]
    assert any("raised 40 times" in tip for tip in tips)


def test_hand_entered_vitals_show_who_entered_them(screen):
    view, sid, _, clinic, _, clock = screen
    physician = clinic.people.add_staff("Dr. Priya Nair", StaffRole.PHYSICIAN)
    at = clock.now() - timedelta(hours=2)
    clinic.vitals.add_batch(
        sid,
        [
            VitalPoint(p, v, at, "manual", entered_by_id=physician.id)
            for p, v in ((Parameter.NIBP_SYS, 131.0), (Parameter.NIBP_DIA, 84.0))
        ],
    )
    assert view.open_session(sid)
    model = view.timeline_model
    (row,) = [
        r for r in range(model.rowCount()) if model.entry(r).text.startswith("Vitals by hand")
    ]
    assert model.index(row, 3).data() == "Vitals by hand: BP 131/84 mmHg"
    assert model.index(row, 4).data() == "Dr. Priya Nair"


def test_cuff_readings_are_narrow_marks_that_never_overlap_at_the_default_zoom(screen, qtbot):
    view, _, _, clinic, store, clock = screen
    start = clock.now() - timedelta(hours=9)
    sid = _seed(clinic, store, start)  # a cuff reading every 15 min over 2 hours
    repeats = []
    for minutes in range(0, 120, 15):  # each repeated after 1 min (a check of a high reading)
        at = start + timedelta(minutes=minutes, seconds=60)
        repeats += [
            VitalPoint(Parameter.NIBP_SYS, 150.0, at, "ivy"),
            VitalPoint(Parameter.NIBP_DIA, 95.0, at, "ivy"),
        ]
    clinic.vitals.add_batch(sid, repeats)
    assert view.open_session(sid)
    plots = view.plots
    qtbot.waitUntil(lambda: plots.plots["nibp"].getViewBox().width() > 100, timeout=2000)
    box = plots.plots["nibp"].getViewBox()
    xs, _ = plots.nibp_bars.getData()
    times = sorted(set(float(x) for x in xs))
    assert len(times) == 16
    pixels = [box.mapViewToDevice(QPointF(t, 120.0)).x() for t in times]
    cap = float(plots.nibp_caps.opts["size"])
    assert cap == plots.cap_width() and cap >= 3
    pen = plots.nibp_bars.opts["pen"].widthF()
    half = max(cap, pen, float(plots.nibp_means.opts["size"])) / 2
    for left, right in itertools.pairwise(pixels):
        assert right - half > left + half, (left, right, cap)  # caps and dots stay apart
    # the bar itself spans no time at all: a reading is as wide as its caps, at any zoom
    assert all(xs[0::2] == xs[1::2])
