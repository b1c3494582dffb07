"""The session browser driven by qtbot: filters narrow the table, chips show flags, rows open."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from console.domain.alarms import AlarmEvent, EventKind, Priority
from console.domain.events import AdverseEvent, Severity
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft, StaffRole
from console.domain.review import SessionFlag
from console.domain.sessions import Observation, ObservationCategory
from console.services.review import ReviewService
from console.services.signatures import PinSigner
from console.store.review_repository import ReviewRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter
from widgets.session_browser import FLAG_COLUMN, SessionBrowser

_STEPS = (
    (SessionState.CHECKED_IN, SessionState.BASELINE),
    (SessionState.BASELINE, SessionState.MONITORING),
    (SessionState.MONITORING, SessionState.RECOVERY),
    (SessionState.RECOVERY, SessionState.DISCHARGED),
)


def _session(clinic, patient_id: int, at, note: str, *, closed: bool = True) -> int:
    sid = clinic.sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient_id,
        room_id=clinic.room.id,
        therapist_id=clinic.therapist.id,
        medical_staff_id=clinic.nurse.id,
        at=at,
    ).id
    for before, after in _STEPS if closed else ():
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=sid,
            from_state=before,
            to_state=after,
            at=at + timedelta(minutes=30),
            by_staff_id=clinic.nurse.id,
            t0=at if after is SessionState.MONITORING else None,
        )
    clinic.sessions.add_observation(
        Observation(
            str(uuid.uuid4()), sid, at, clinic.therapist.id, ObservationCategory.AFFECT, note
        ),
        at,
    )
    return sid


@pytest.fixture
def browser(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    clinic = sqlite_clinic
    now = clock.now()
    other = clinic.people.add_patient(
        PatientDraft("Maria Keller", "MRN-77", date(1990, 1, 2), 60.0), now
    )
    supervisor = clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    ids = {
        "old": _session(clinic, clinic.patient.id, now - timedelta(days=20), "Calm and quiet"),
        "maria": _session(clinic, other.id, now - timedelta(days=2), "Tearful, then laughing"),
        "today": _session(clinic, clinic.patient.id, now - timedelta(hours=2), "Music too loud"),
        "open": _session(clinic, other.id, now - timedelta(minutes=30), "Settling", closed=False),
    }
    clinic.workflow.add_alarm_events(
        ids["maria"], [AlarmEvent(EventKind.RAISED, 1, "spo2", Priority.HIGH, "SpO2 85", now)]
    )
    clinic.workflow.add_adverse_event(
        AdverseEvent(
            str(uuid.uuid4()),
            ids["maria"],
            now,
            "nausea / vomiting",
            Severity.MILD,
            "bowl",
            clinic.nurse.id,
            "ondansetron",
            4.0,
            "IV",
            now,
        )
    )
    writer = DurableWriter(clinic.targets, Spool(tmp_path / "spool.jsonl"))
    service = ReviewService(
        clock, ReviewRepository(sqlite_store), clinic.access(writer), PinSigner(clinic.people)
    )
    acting = {"id": supervisor.id}
    widget = SessionBrowser(service, clinic.people, clock, lambda: acting["id"])
    qtbot.addWidget(widget)
    widget.resize(1300, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, ids, acting, clinic


def _shown(widget: SessionBrowser) -> list[int]:
    return [widget.model.summary(row).id for row in range(widget.model.rowCount())]


def test_every_session_is_listed_newest_first_with_readable_flags(browser):
    widget, ids, _, _ = browser
    assert _shown(widget) == [ids["open"], ids["today"], ids["maria"], ids["old"]]
    assert widget.count_label.text() == "4 sessions"
    row = _shown(widget).index(ids["maria"])
    flags = widget.model.index(row, FLAG_COLUMN).data()
    assert flags == "High alarm, Adverse event, Rescue drug, Not signed, Not reviewed"
    assert widget.model.index(row, 2).data() == "Maria Keller  ·  MRN-77"
    open_row = _shown(widget).index(ids["open"])
    assert widget.model.index(open_row, 6).data() == "open"
    assert widget.model.index(open_row, FLAG_COLUMN).data() == ""


def test_typing_a_patient_narrows_the_table(browser, qtbot):
    widget, ids, _, _ = browser
    qtbot.keyClicks(widget.patient_edit, "kell")
    qtbot.waitUntil(lambda: _shown(widget) == [ids["open"], ids["maria"]], timeout=2000)
    widget.patient_edit.clear()
    qtbot.waitUntil(lambda: len(_shown(widget)) == 4, timeout=2000)


def test_words_in_the_notes_narrow_the_table(browser, qtbot):
    widget, ids, _, _ = browser
    qtbot.keyClicks(widget.text_edit, "LAUGHING")
    qtbot.waitUntil(lambda: _shown(widget) == [ids["maria"]], timeout=2000)
    assert widget.count_label.text() == "1 session"


def test_flags_periods_and_states_filter_at_once(browser, qtbot):
    widget, ids, _, _ = browser
    widget.flag_boxes[SessionFlag.RESCUE_MEDICATION].setChecked(True)
    assert _shown(widget) == [ids["maria"]]
    widget.flag_boxes[SessionFlag.RESCUE_MEDICATION].setChecked(False)
    widget.flag_boxes[SessionFlag.UNREVIEWED].setChecked(True)
    assert _shown(widget) == [ids["today"], ids["maria"], ids["old"]]
    widget.flag_boxes[SessionFlag.UNREVIEWED].setChecked(False)
    widget.period.setCurrentIndex(widget.period.findText("Last 7 days"))
    assert _shown(widget) == [ids["open"], ids["today"], ids["maria"]]
    widget.state_combo.setCurrentIndex(widget.state_combo.findText("Open only"))
    assert _shown(widget) == [ids["open"]]
    widget.state_combo.setCurrentIndex(widget.state_combo.findText("Closed only"))
    widget.period.setCurrentIndex(widget.period.findText("Between dates…"))
    assert widget.since_edit.isVisible() and widget.until_edit.isVisible()
    assert _shown(widget) == [ids["today"], ids["maria"], ids["old"]]


def test_double_click_and_enter_open_a_session(browser, qtbot):
    widget, ids, _, _ = browser
    row = _shown(widget).index(ids["maria"])
    index = widget.model.index(row, 2)
    rect = widget.table.visualRect(index)
    qtbot.mouseClick(widget.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(widget.openRequested, timeout=1000) as opened:
        qtbot.mouseDClick(widget.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [ids["maria"]]
    widget.table.setCurrentIndex(widget.model.index(0, 0))
    with qtbot.waitSignal(widget.openRequested, timeout=1000) as opened:
        qtbot.keyClick(widget.table, Qt.Key.Key_Return)
    assert opened.args == [ids["open"]]


def test_a_role_that_may_not_browse_sees_why(browser):
    widget, _, acting, clinic = browser
    admin = clinic.people.add_staff("Robin Admin", StaffRole.ADMIN)
    acting["id"] = admin.id
    widget.refresh()
    assert _shown(widget) == []
    assert widget.problem_label.isVisible()
    assert "may not open past sessions" in widget.problem_label.text()


def test_each_row_shows_its_session_id_the_command_line_asks_for(browser):
    widget, ids, _, _ = browser
    header = widget.model.headerData(0, Qt.Orientation.Horizontal)
    assert header == "Session"
    shown = [widget.model.index(row, 0).data() for row in range(widget.model.rowCount())]
    assert shown == [str(ids[k]) for k in ("open", "today", "maria", "old")]
    assert not widget.table.isColumnHidden(0) and widget.table.columnWidth(0) >= 40
