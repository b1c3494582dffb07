"""The form toolkit: messages under fields by name, and the runner's known errors against bugs."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from console.domain.people import parse_date_of_birth, parse_weight
from console.errors import AuthenticationFailed, IllegalTransition, PermissionDenied
from widgets.forms import FORM, CommandRunner, FieldErrors, FieldForm, error_label


class Form(QWidget):
    """Two fields, their messages, a message line."""

    def __init__(self) -> None:
        super().__init__()
        self.birth, self.weight = QLineEdit(), QLineEdit()
        self.fields = FieldErrors()
        layout = QVBoxLayout(self)
        for key, edit in (("date_of_birth", self.birth), ("weight_kg", self.weight)):
            layout.addWidget(edit)
            layout.addWidget(self.fields.add(key, edit))
            self.fields.clear_on_edit(key, edit)
        self.line = error_label("actionError")
        layout.addWidget(self.line)
        self.runner = CommandRunner(self.fields, self.line)

    def save(self) -> bool:
        return self.runner.attempt(
            lambda: (parse_date_of_birth(self.birth.text()), parse_weight(self.weight.text()))
        )


@pytest.fixture
def form(qtbot) -> Form:
    widget = Form()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_validation_failure_shows_under_its_field_and_goes_once_fixed(qtbot, form):
    form.birth.setText("12/03/1985")
    assert form.save() is False
    assert "YYYY-MM-DD" in form.fields.message("date_of_birth")
    assert form.fields["date_of_birth"].isVisible()
    assert form.birth.property("invalid") == "true"
    assert form.fields.message("weight_kg") == ""
    assert form.line.isHidden()

    form.birth.setText("1985-03-12")
    form.weight.setText("heavy")
    assert form.save() is False
    assert form.fields.message("date_of_birth") == ""  # fixed: its message is gone
    assert form.birth.property("invalid") == "false"
    assert "is not a weight" in form.fields.message("weight_kg")

    qtbot.keyClicks(form.weight, "7")  # typing in the field clears its message
    assert form.fields.message("weight_kg") == ""
    form.weight.setText("72,5")
    assert form.save() is True
    assert form.fields.shown() == {}


def test_an_expected_error_goes_to_the_message_line_and_a_bug_propagates(form):
    def refuse() -> None:
        raise PermissionDenied("A nurse may not sign the discharge.")

    assert form.runner.run(refuse) is None
    assert form.line.text() == "A nurse may not sign the discharge." and form.line.isVisible()
    assert form.fields.shown() == {}
    assert form.runner.run(lambda: 42) == 42

    def bug() -> None:
        raise KeyError("answers")

    with pytest.raises(KeyError):
        form.runner.attempt(bug)


def test_a_handler_takes_its_error_type_before_the_message_line(form):
    handled: list[str] = []
    form.runner.on(AuthenticationFailed, lambda error: handled.append(str(error)))

    def wrong_password() -> None:
        raise AuthenticationFailed("Wrong password.")

    def closed() -> None:
        raise IllegalTransition("The session is closed.")

    assert form.runner.attempt(wrong_password) is False
    assert handled == ["Wrong password."] and form.line.isHidden()
    assert form.runner.attempt(closed) is False
    assert form.line.text() == "The session is closed."


def hosted(qtbot, fields: FieldErrors) -> QWidget:
    """A window holding the labels, as a form places them (keep it while the test runs)."""
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    for label in fields.labels.values():
        layout.addWidget(label)
    return host


def test_without_a_message_line_the_form_key_takes_loose_messages(qtbot):
    fields = FieldErrors(["amount", FORM])
    _host = hosted(qtbot, fields)
    runner = CommandRunner(fields)

    def closed() -> None:
        raise IllegalTransition("The session is closed.")

    runner.attempt(closed)
    assert fields.message(FORM) == "The session is closed."
    fields.show({"amount": "Too much.", "lot": "Lot unknown."})  # no "lot" field: to the form
    assert fields.message("amount") == "Too much."
    assert fields.message(FORM) == "Lot unknown."
    fields.show({})
    assert fields.shown() == {}


def test_field_form_shows_by_name_and_focuses_the_first_bad_field(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    grid = FieldForm()
    host.setLayout(grid)
    name, pin = grid.add("name", "Name", QLineEdit()), grid.add("pin", "PIN", QLineEdit())
    host.show()
    qtbot.waitExposed(host)
    grid.show_errors({"pin": "Type your PIN.", "elsewhere": "not a field of this form"})
    assert grid.message("pin") == "Type your PIN." and grid.message("name") == ""
    assert pin.property("invalid") == "true" and name.property("invalid") == "false"
    assert grid.focus_first_error() is True
    qtbot.waitUntil(pin.hasFocus)
    qtbot.keyClicks(pin, "1")
    assert grid.message("pin") == "" and pin.property("invalid") == "false"


def test_a_named_loose_line_takes_the_messages_of_unknown_fields(qtbot):
    fields = FieldErrors(["reason", "dose"], loose="dose")
    _host = hosted(qtbot, fields)
    runner = CommandRunner(fields)

    def refused() -> None:
        raise PermissionDenied("Only the prescriber may correct a dose.")

    runner.attempt(refused)
    assert fields.message("dose") == "Only the prescriber may correct a dose."
    fields.show({"reason": "Say what was wrong.", "uid": "No such dose."})
    assert fields.shown() == {"reason": "Say what was wrong.", "dose": "No such dose."}
