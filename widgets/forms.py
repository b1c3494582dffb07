"""One form toolkit: the message under each field, a form's message line, and one command runner.

A form names its fields; ``FieldErrors`` keeps the hidden message label under each one, shows
and clears them by field name and marks the field itself invalid. ``CommandRunner`` runs one
service call: ``ValidationFailed`` goes to the fields, any other expected ``VigilError``
(PermissionDenied, IllegalTransition, AuthenticationFailed, StoreUnavailable ...) to the form's
message line, and anything else is a bug and propagates to the crash handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from console.errors import ValidationFailed, VigilError
from widgets.theme import named, set_invalid

FORM = "form"  # the key of messages about the whole form rather than one field

T = TypeVar("T")
E = TypeVar("E", bound=Exception)
Messages = Mapping[str, str]


def error_label(name: str = "fieldError", *, wrap: bool = True) -> QLabel:
    """The hidden message label shown under a field (styled by the theme's ``fieldError``)."""
    label = named(QLabel(""), name)
    label.setWordWrap(wrap)
    label.hide()
    return label


def password_edit(placeholder: str = "") -> QLineEdit:
    """A line edit that hides what is typed (a password, a PIN)."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(200)
    return edit


def show_message(label: QLabel, message: str) -> None:
    """Show ``message`` in ``label``; an empty message hides it."""
    label.setText(message)
    label.setVisible(bool(message))


def field_messages(failed: ValidationFailed) -> dict[str, str]:
    """The messages of a failed validation by field name (two for one field are joined)."""
    messages: dict[str, str] = {}
    for error in failed.errors:
        before = messages.get(error.field)
        messages[error.field] = f"{before} {error.message}" if before else error.message
    return messages


class FieldErrors:
    """The message label under each field, shown and cleared by field name.

    ``show(messages)`` replaces every message at once: a field not named is cleared, so a
    message is gone once its field is fixed. A message for a field the form does not know goes
    to the ``loose`` label (``FORM`` unless named) when there is one, joined with its own.
    """

    def __init__(
        self, keys: Iterable[str] = (), *, name: str = "fieldError", loose: str = FORM
    ) -> None:
        self._name = name
        self._loose = loose
        self.labels: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        for key in keys:
            self.add(key)

    # ---- building ------------------------------------------------------------------------
    def add(self, key: str, field: QWidget | None = None, label: QLabel | None = None) -> QLabel:
        """The label for ``key`` (made unless given); ``field`` is marked invalid with it."""
        made = label if label is not None else error_label(self._name)
        self.labels[key] = made
        if field is not None:
            self.fields[key] = field
        return made

    def bind(self, key: str, field: QWidget) -> None:
        """Mark ``field`` invalid while ``key`` has a message."""
        self.fields[key] = field

    def clear_on_edit(self, key: str, edit: QLineEdit) -> None:
        """Typing in ``edit`` clears the message of ``key``."""
        edit.textEdited.connect(lambda _text, k=key: self.clear(k))

    # ---- reading ---------------------------------------------------------------------------
    @property
    def loose(self) -> str:
        """The key whose label takes the messages of no known field."""
        return self._loose

    def __getitem__(self, key: str) -> QLabel:
        return self.labels[key]

    def __contains__(self, key: object) -> bool:
        return key in self.labels

    def keys(self) -> list[str]:
        return list(self.labels)

    def message(self, key: str) -> str:
        """The message shown for ``key`` ("" when none)."""
        label = self.labels[key]
        return "" if label.isHidden() else label.text()

    def shown(self) -> dict[str, str]:
        """Every message shown, by field name."""
        return {key: self.message(key) for key in self.labels if self.message(key)}

    def first_invalid(self, messages: Messages, *, visible: bool = True) -> QWidget | None:
        """The first field (in the order bound; visible ones only unless told) with a message."""
        for key, field in self.fields.items():
            if key in messages and (field.isVisible() or not visible):
                return field
        return None

    # ---- showing ---------------------------------------------------------------------------
    def show(self, messages: Messages) -> None:
        """Show ``messages`` by field name and clear every other field."""
        here = self._loose
        loose = " ".join(
            m for k, m in messages.items() if m and (k not in self.labels or k == here)
        )
        for key, label in self.labels.items():
            show_message(label, loose if key == here else messages.get(key, ""))
        for key, field in self.fields.items():
            set_invalid(field, bool(messages.get(key)))

    def set(self, key: str, message: str) -> None:
        """Show (or with "" clear) the message of one field, leaving the others."""
        show_message(self.labels[key], message)
        if key in self.fields:
            set_invalid(self.fields[key], bool(message))

    def clear(self, key: str | None = None) -> None:
        """Clear the message of ``key``, or of every field."""
        for k in [key] if key is not None else list(self.labels):
            self.set(k, "")

    def show_failure(self, failed: ValidationFailed) -> None:
        self.show(field_messages(failed))


class FieldForm(QGridLayout):
    """Label, field, and the message under the field, one row each; messages shown by name."""

    def __init__(self, label_name: str = "authLabel") -> None:
        super().__init__()
        self.setHorizontalSpacing(14)
        self.setVerticalSpacing(4)
        self.setColumnStretch(1, 1)
        self._label_name = label_name
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors = FieldErrors()
        self.errors = self.field_errors.labels
        self._rows = 0

    def add(self, key: str, title: str, edit: QLineEdit) -> QLineEdit:
        label = named(QLabel(title), self._label_name)
        label.setBuddy(edit)
        edit.setAccessibleName(title)
        error = self.field_errors.add(key, edit)
        self.addWidget(label, self._rows, 0, Qt.AlignmentFlag.AlignRight)
        self.addWidget(edit, self._rows, 1)
        self.addWidget(error, self._rows + 1, 1)
        self._rows += 2
        self.edits[key] = edit
        self.field_errors.clear_on_edit(key, edit)
        return edit

    def show_errors(self, messages: Messages) -> None:
        self.field_errors.show({k: m for k, m in messages.items() if k in self.edits})

    def clear(self, key: str | None = None) -> None:
        self.field_errors.clear(key)

    def message(self, key: str) -> str:
        """The error shown beside ``key`` ("" when none)."""
        return self.field_errors.message(key)

    def reject(self, key: str, message: str) -> None:
        """Show ``message`` beside ``key`` only, then empty that field for a new try and focus it."""
        self.show_errors({key: message})
        self.edits[key].clear()
        self.edits[key].setFocus()

    def focus_first_error(self, order: Iterable[str] | None = None) -> bool:
        """Focus the first field (in ``order``, else as added) showing an error; True if any."""
        for key in order if order is not None else self.edits:
            if self.message(key):
                self.edits[key].setFocus()
                return True
        return False


class CommandRunner:
    """Runs a service call for a form and turns its expected failures into messages.

    ``ValidationFailed`` shows its field messages (``show_fields``); an error type given to
    ``on`` goes to its handler (checked in the order given: name subclasses before their
    bases); any other ``VigilError`` (or a type named in ``expected``, e.g. ``OSError`` for a
    file the user chose) shows its text on the message line (``message``: a label, a callable,
    or by default the loose key of the fields). Anything else is a bug: it propagates to the
    crash handler. Model: qutebrowser's ``misc/sql.py`` (known errors apart from bugs) with
    ``utils/message.py`` (one place that shows the message).
    """

    def __init__(
        self,
        show_fields: FieldErrors | Callable[[dict[str, str]], None],
        message: QLabel | Callable[[str], None] | None = None,
        *,
        expected: tuple[type[Exception], ...] = (),
    ) -> None:
        self._fields = show_fields.show if isinstance(show_fields, FieldErrors) else show_fields
        if isinstance(message, QLabel):
            label = message
            self._message: Callable[[str], None] = lambda text: show_message(label, text)
        elif message is None:  # the loose line of the fields (their FORM key unless named)
            key = show_fields.loose if isinstance(show_fields, FieldErrors) else FORM
            self._message = lambda text: self._fields({key: text})
        else:
            self._message = message
        self._known: tuple[type[Exception], ...] = (VigilError, *expected)
        self._handlers: list[tuple[type[Exception], Callable[[Any], None]]] = []

    def on(self, kind: type[E], handler: Callable[[E], None]) -> CommandRunner:
        """Handle ``kind`` with ``handler`` instead of the message line; returns self."""
        self._handlers.append((kind, handler))
        if not issubclass(kind, self._known):
            self._known = (*self._known, kind)
        return self

    def attempt(self, call: Callable[[], object]) -> bool:
        """Run ``call``; True when it succeeded, False when it failed and the form says why."""
        try:
            call()
        except self._known as error:
            self.report(error)
            return False
        return True

    def run(self, call: Callable[[], T]) -> T | None:
        """Run ``call`` and return its value; None when it failed and the form says why."""
        try:
            return call()
        except self._known as error:
            self.report(error)
            return None

    def report(self, error: Exception) -> None:
        """Show an expected error where it belongs."""
        for kind, handler in self._handlers:
            if isinstance(error, kind):
                handler(error)
                return
        if isinstance(error, ValidationFailed):
            self._fields(field_messages(error))
        else:
            self._message(str(error))
