"""Nothing leaks between beds or people: unsaved text stays with its bed and leaves with its user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)

from console.domain.people import PatientDraft, StaffRole
from console.store.account_repository import AccountRepository
from main import Services
from tests.widgets.conftest import _CHEAP, PASSWORD, App, give_accounts, open_console
from widgets.bed_view import BedView

TextField = QLineEdit | QPlainTextEdit | QTextEdit


def text_fields(view: BedView) -> list[TextField]:
    """Every field a person can type into on a bed's screens (all pages built)."""
    view.predose_panel  # noqa: B018 - build the pages behind their tabs
    view.discharge_panel  # noqa: B018
    found: list[TextField] = []
    for kind in (QLineEdit, QPlainTextEdit, QTextEdit):
        for field in view.findChildren(kind):
            if isinstance(field.parentWidget(), QAbstractSpinBox):
                continue  # a date or number box's own editor: it holds a value, not a draft
            if field.isReadOnly() or (
                isinstance(field, QLineEdit) and field.echoMode() != QLineEdit.EchoMode.Normal
            ):
                continue  # signatures and PINs are asked again each time, never kept
            found.append(field)
    return found


def field_text(field: TextField) -> str:
    return field.text() if isinstance(field, QLineEdit) else field.toPlainText()


def type_text(field: TextField, text: str) -> None:
    if isinstance(field, QLineEdit):
        field.setText(text)
    else:
        field.setPlainText(text)


@pytest.fixture
def room_app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    c = sqlite_clinic
    give_accounts(c)
    supervisor = c.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    AccountRepository(sqlite_store).give_account(supervisor.id, "casey", _CHEAP.hash(PASSWORD))
    second = c.people.add_patient(
        PatientDraft("K. L.", "MRN-2", c.patient.date_of_birth, 64.0), clock.now()
    )

    def two_beds(services: Services) -> None:
        for chair, patient in ((1, c.patient.id), (2, second.id)):
            services.room.check_in(
                patient, c.room.id, chair, c.therapist.id, c.nurse.id, by_staff_id=c.nurse.id
            )

    with open_console(
        qtbot, sqlite_store, clock, tmp_path, "nurse", before_window=two_beds
    ) as running:
        yield running


def beds(app: App) -> tuple[int, int]:
    first, second = app.services.room.beds()
    return first.session_id, second.session_id


def test_unsaved_text_stays_with_its_bed(qtbot, room_app):
    app = room_app
    one, two = beds(app)
    assert app.window.show_bed(one)
    fields = text_fields(app.view)
    assert len(fields) >= 8  # note, vitals, rating, event, pre-dose, dose, discharge fields
    for index, field in enumerate(fields):
        type_text(field, f"b1{index}")  # short: some fields take only a few characters
    assert app.window.show_bed(two)
    assert app.view.bed.session_id == two
    assert not any(field_text(f).startswith("b1") for f in text_fields(app.view))
    qtbot.keyClick(app.window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert app.view.bed.session_id == one
    assert [field_text(f) for f in text_fields(app.view)] == [f"b1{i}" for i in range(len(fields))]


def test_switching_user_clears_every_beds_unsaved_text(qtbot, room_app):
    app = room_app
    one, two = beds(app)
    for session_id in (one, two):
        app.window.show_bed(session_id)
        for field in text_fields(app.view):
            type_text(field, "typed by the nurse")
    app.window.show_bed(one)
    app.sign_in("therapist")  # a shift change at the console
    for session_id in (one, two):
        app.window.show_bed(session_id)
        leftovers = [f for f in text_fields(app.view) if "nurse" in field_text(f)]
        assert leftovers == []


def test_a_supervisors_refused_note_never_becomes_the_nurses(qtbot, room_app, sqlite_clinic):
    app = room_app
    one, _ = beds(app)
    app.sign_in("casey")
    app.window.show_bed(one)
    notes = app.view.observations
    notes.note_edit.setText("supervisor's remark")
    qtbot.keyClick(notes.note_edit, Qt.Key.Key_Return)
    assert "may not record observations" in notes.error_label.text()
    app.sign_in("nurse")
    notes = app.view.observations
    assert notes.note_edit.text() == ""
    qtbot.keyClick(notes.note_edit, Qt.Key.Key_Return)  # one click more saves nothing
    assert sqlite_clinic.sessions.observations(one) == []


def test_status_lines_and_alarm_history_come_from_their_own_bed(qtbot, room_app, sqlite_clinic):
    app = room_app
    one, two = beds(app)
    app.window.show_bed(one)
    first = app.view
    bed_one = app.services.room.bed(one)
    bed_two = app.services.room.bed(two)
    assert bed_one is not None and bed_two is not None
    from console.domain.vitals import Parameter, VitalPoint

    bed_one.alarms.on_points([VitalPoint(Parameter.SPO2, 84, app.clock.now(), "manual")])
    app.window.show_bed(two)
    second = app.view
    assert second is not first
    assert bed_two.alarms.active() == ()
    assert second.alarm_list.active.topLevelItemCount() == 0
    assert first.alarm_list.active.topLevelItemCount() == 1
    # the strip names the bed the alarm belongs to, whichever bed is on screen
    [strip_alarm] = app.window.alarm_strip.shown_alarms()
    assert strip_alarm.session_id == one and strip_alarm.bed_label == bed_one.label


def test_locked_from_the_overview_the_lock_screen_lists_every_beds_clock(qtbot, room_app):
    app = room_app
    app.window.show_overview()
    app.window.lock()
    assert app.window.screen_name() == "locked"
    lock = app.window.lock_screen
    lines = lock.no_session.text().splitlines()
    assert [line.split("   ")[0] for line in lines] == [b.label for b in app.services.room.beds()]
    assert lock.no_session.isVisible() and not lock.clock_box.isVisible()
