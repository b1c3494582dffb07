"""The check-in form typed as a user types: dates and weights read as shown, or refused."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

LEFT = Qt.MouseButton.LeftButton


def fill(qtbot, start, *, name="R. S.", chart="MRN-77", dob="", weight="") -> None:
    """Type into the new-patient fields (each cleared first), as the keyboard would."""
    for edit, text in (
        (start.name_edit, name),
        (start.chart_edit, chart),
        (start.dob_edit, dob),
        (start.weight_edit, weight),
    ):
        edit.clear()
        if text:
            qtbot.keyClicks(edit, text)


def retype(qtbot, edit, text: str) -> None:
    """Select the field's text and type over it (an edit, as the user makes one)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(edit, text)


def shown(start) -> dict[str, str]:
    """The messages beside the fields, as on screen."""
    return {key: label.text() for key, label in start.errors.items() if label.isVisible()}


def stored_patients(clinic) -> list[str]:
    return [p.chart_id for p in clinic.people.patients()]


def test_the_birth_date_starts_empty_and_a_missing_one_is_refused(qtbot, app, sqlite_clinic):
    start = app.window.start_screen
    assert start.dob_edit.text() == "" and start.weight_edit.text() == ""
    assert start.dob_edit.placeholderText() == "YYYY-MM-DD"
    fill(qtbot, start, weight="70")
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert shown(start) == {"date_of_birth": "Enter the date of birth."}
    assert start.dob_edit.property("invalid") == "true"
    assert stored_patients(sqlite_clinic) == ["MRN-1"]
    assert sqlite_clinic.sessions.open_sessions() == []


def test_a_typed_birth_date_and_weight_are_stored_as_shown(qtbot, app, sqlite_clinic):
    start = app.window.start_screen
    fill(qtbot, start, dob="1985-03-12", weight="72.5")
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert shown(start) == {}
    patient = sqlite_clinic.people.patient_by_chart("MRN-77")
    assert patient is not None
    assert patient.date_of_birth == date(1985, 3, 12)
    assert patient.weight_kg == 72.5
    assert app.window.bed_view is not None
    # the form is empty again for the next patient
    assert [e.text() for e in (start.dob_edit, start.weight_edit, start.name_edit)] == [""] * 3


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12/03/1985", "Type the date as YYYY-MM-DD, e.g. 1985-03-12."),
        ("1985-13-01", "1985-13-01 is not a date: check the month and day."),
        ("1985-02-30", "1985-02-30 is not a date: check the month and day."),
        ("2090-01-01", "The date of birth is in the future."),
        ("1899-12-31", "Check the year: that is before 1900."),
    ],
)
def test_a_bad_birth_date_is_refused_beside_the_field(qtbot, app, sqlite_clinic, typed, message):
    start = app.window.start_screen
    fill(qtbot, start, dob=typed, weight="70")
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert shown(start) == {"date_of_birth": message}
    assert stored_patients(sqlite_clinic) == ["MRN-1"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", '"abc" is not a weight: type it in kg, e.g. 72.5.'),
        ("0", "Weight must be 20–350 kg; 0 is not possible."),
        ("-5", "Weight must be 20–350 kg; -5 is not possible."),
        ("900", "Weight must be 20–350 kg; 900 is not possible."),
        ("", "Enter the weight in kg (needed for mg/kg)."),
    ],
)
def test_a_bad_weight_is_refused_beside_the_field(qtbot, app, sqlite_clinic, typed, message):
    start = app.window.start_screen
    fill(qtbot, start, dob="1985-03-12", weight=typed)
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert shown(start) == {"weight_kg": message}
    assert start.weight_edit.property("invalid") == "true"
    assert stored_patients(sqlite_clinic) == ["MRN-1"]
    assert sqlite_clinic.sessions.open_sessions() == []


def test_a_weight_with_a_comma_or_unit_is_read(qtbot, app, sqlite_clinic):
    start = app.window.start_screen
    fill(qtbot, start, dob="1985-03-12", weight="64,5 kg")
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert sqlite_clinic.people.patient_by_chart("MRN-77").weight_kg == 64.5


def test_every_bad_field_is_named_at_once_and_each_message_goes_when_fixed(
    qtbot, app, sqlite_clinic
):
    start = app.window.start_screen
    fill(qtbot, start, name="", chart="", dob="1985-3-", weight="abc")
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert set(shown(start)) == {"display_name", "chart_id", "date_of_birth", "weight_kg"}
    assert stored_patients(sqlite_clinic) == ["MRN-1"]

    # still wrong after an edit: the message says what is wrong now
    retype(qtbot, start.weight_edit, "7")
    assert shown(start)["weight_kg"] == "Weight must be 20–350 kg; 7 is not possible."
    qtbot.keyClicks(start.weight_edit, "2")  # 72: fixed, its message goes; the others stay
    assert "weight_kg" not in shown(start)
    assert start.weight_edit.property("invalid") == "false"
    assert set(shown(start)) == {"display_name", "chart_id", "date_of_birth"}

    qtbot.keyClicks(start.name_edit, "R")
    qtbot.keyClicks(start.chart_edit, "MRN-77")
    assert set(shown(start)) == {"date_of_birth"}
    qtbot.keyClicks(start.dob_edit, "12")
    assert shown(start) == {}
    assert start.dob_edit.property("invalid") == "false"

    # an edit to a field without a message shows none while typing
    retype(qtbot, start.weight_edit, "9")
    assert shown(start) == {}
    retype(qtbot, start.weight_edit, "72")
    qtbot.mouseClick(start.check_in_button, LEFT)
    patient = sqlite_clinic.people.patient_by_chart("MRN-77")
    assert patient is not None and patient.date_of_birth == date(1985, 3, 12)


def test_an_existing_patient_needs_no_birth_date_and_clears_the_messages(qtbot, app, sqlite_clinic):
    start = app.window.start_screen
    fill(qtbot, start, dob="abc", weight="abc")
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert {"date_of_birth", "weight_kg"} <= set(shown(start))
    start.patient_pick.setCurrentIndex(start.patient_pick.findData(sqlite_clinic.patient.id))
    assert shown(start) == {}
    assert not start.dob_edit.isEnabled() and not start.weight_edit.isEnabled()
    session_id = start.check_in()
    assert session_id is not None
    assert sqlite_clinic.sessions.get(session_id).patient_id == sqlite_clinic.patient.id
    assert stored_patients(sqlite_clinic) == ["MRN-1"]


def test_a_taken_chair_stores_no_new_patient(qtbot, app, sqlite_clinic):
    start = app.window.start_screen
    fill(qtbot, start, dob="1985-03-12", weight="72.5")
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert sqlite_clinic.sessions.open_sessions()[0].chair == 1
    app.window.show_start()
    fill(qtbot, start, chart="MRN-78", dob="1990-01-02", weight="60")
    start.chair_pick.setCurrentIndex(start.chair_pick.findData(1))
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert shown(start) == {"chair": "Chair 1 is taken: R. S. is checked in there."}
    assert stored_patients(sqlite_clinic) == ["MRN-1", "MRN-77"]
    assert len(sqlite_clinic.sessions.open_sessions()) == 1
