"""A pasted control character is refused beside the field it was pasted into; nothing is stored."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.widgets.test_start_screen import fill, shown, stored_patients

LEFT = Qt.MouseButton.LeftButton


def paste(qtbot, edit, text: str) -> None:
    """Put ``text`` on the clipboard and paste it with Ctrl+V at the end of the field."""
    QApplication.clipboard().setText(text)
    edit.setFocus()
    edit.end(False)
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_a_pasted_escape_in_the_patient_name_is_refused_beside_the_name(qtbot, app, sqlite_clinic):
    start = app.window.start_screen
    fill(qtbot, start, name="R.", dob="1985-03-12", weight="70")
    paste(qtbot, start.name_edit, " S.\x1b[2J")
    assert "\x1b" in start.name_edit.text()  # the field took it as pasted
    qtbot.mouseClick(start.check_in_button, LEFT)
    messages = shown(start)
    assert list(messages) == ["display_name"]
    assert "control character (U+001B)" in messages["display_name"]
    assert stored_patients(sqlite_clinic) == ["MRN-1"]

    start.name_edit.setText("R. S.")  # retyped without it: the message goes, the patient is in
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert shown(start) == {}
    assert stored_patients(sqlite_clinic) == ["MRN-1", "MRN-77"]
