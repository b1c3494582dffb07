"""Alarm limits on screen: a table of parameters × limits, each field's message under it.

``AlarmLimitsTable`` edits a limit set (the settings dialog uses it for the clinic's limits);
``PatientLimitsDialog`` changes one bed's limits for its session only (nurse or physician).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.domain.alarms import Bound, LimitSet, alarm_label
from console.domain.vitals import PARAMETERS, Parameter
from console.services.bed import Bed
from console.services.limit_changes import LimitChanges, check_limit_changes
from widgets.forms import CommandRunner, FieldErrors
from widgets.theme import named

ROWS = (
    Parameter.HR,
    Parameter.PR,
    Parameter.SPO2,
    Parameter.NIBP_SYS,
    Parameter.NIBP_DIA,
    Parameter.RR,
    Parameter.ETCO2,
    Parameter.TEMP,
)
COLUMNS: tuple[tuple[Bound, str], ...] = (
    (Bound.HIGH_LOWER, "High alarm below"),
    (Bound.MEDIUM_LOWER, "Medium alarm below"),
    (Bound.MEDIUM_UPPER, "Medium alarm above"),
    (Bound.HIGH_UPPER, "High alarm above"),
)


def field_name(parameter: Parameter, bound: Bound) -> str:
    """The field's name, as in the domain's messages: "hr.medium_upper"."""
    return f"{parameter.value}.{bound.value}"


def limit_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class AlarmLimitsTable(QWidget):
    """One row per parameter, one field per limit (empty: no limit there)."""

    # a field was edited (the owner re-checks)
    edited = Signal()

    def __init__(self, limits: LimitSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._limits = limits
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors = FieldErrors()
        self.errors = self.field_errors.labels
        self._keys: dict[str, tuple[Parameter, Bound]] = {}
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        for column, (_, title) in enumerate(COLUMNS, start=1):
            header = named(QLabel(title), "authLabel")
            header.setWordWrap(True)
            grid.addWidget(header, 0, column)
        for index, parameter in enumerate(ROWS):
            row = 1 + 2 * index
            info = PARAMETERS[parameter]
            grid.addWidget(QLabel(f"{alarm_label(parameter)} ({info.unit})"), row, 0)
            held = limits.get(parameter)
            for column, (bound, title) in enumerate(COLUMNS, start=1):
                name = field_name(parameter, bound)
                edit = QLineEdit(limit_text(held.get(bound) if held is not None else None))
                edit.setObjectName(f"limit-{name}")
                edit.setAccessibleName(f"{alarm_label(parameter)} {title.lower()}")
                edit.setMaximumWidth(110)
                edit.textEdited.connect(lambda _text, n=name: self._on_edit_text_edited(n))
                error = self.field_errors.add(name, edit)
                grid.addWidget(edit, row, column)
                grid.addWidget(error, row + 1, column, Qt.AlignmentFlag.AlignTop)
                self.edits[name] = edit
                self._keys[name] = (parameter, bound)
        note = named(
            QLabel("A heart-rate change applies to the pulse rate too, unless PR is changed."),
            "secondary",
        )
        note.setWordWrap(True)
        grid.addWidget(note, 1 + 2 * len(ROWS), 0, 1, len(COLUMNS) + 1)

    @property
    def limits(self) -> LimitSet:
        """The limits the table started from."""
        return self._limits

    def set_text(self, parameter: Parameter, bound: Bound, text: str) -> None:
        """Type into one field (as a person would, then re-check)."""
        name = field_name(parameter, bound)
        self.edits[name].setText(text)
        self._on_edit_text_edited(name)

    def changes(self) -> tuple[LimitChanges, dict[str, str]]:
        """The limits that differ from the starting ones, and the fields that are not numbers."""
        changed: LimitChanges = {}
        bad: dict[str, str] = {}
        for name, edit in self.edits.items():
            parameter, bound = self._keys[name]
            text = edit.text().strip().replace(",", ".")
            try:
                value = float(text) if text else None
            except ValueError:
                bad[name] = "Enter a number, or leave it empty for no limit."
                continue
            if value is not None and not math.isfinite(value):
                bad[name] = "Enter a number, or leave it empty for no limit."
                continue
            held = self._limits.get(parameter)
            if value != (held.get(bound) if held is not None else None):
                changed[(parameter, bound)] = value
        return changed, bad

    def show_errors(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)

    def message(self, name: str) -> str:
        return self.field_errors.message(name) if name in self.field_errors else ""

    def has_messages(self) -> bool:
        return bool(self.field_errors.shown())

    def _on_edit_text_edited(self, name: str) -> None:
        self.field_errors.clear(name)
        self.edited.emit()


class PatientLimitsDialog(QDialog):
    """A bed's limits for its session: checked as typed, saved all or none, each audited."""

    def __init__(
        self, bed: Bed, actor: Callable[[], int | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bed = bed
        self._actor = actor
        self.setWindowTitle(f"Alarm limits — {bed.label}")
        intro = named(
            QLabel(
                f"Limits for {bed.label} for this session only: they end with the session and"
                " the clinic's limits stay as they are. Leave a field empty for no limit there."
            ),
            "secondary",
        )
        intro.setWordWrap(True)
        self.table = AlarmLimitsTable(bed.alarms.limits)
        self.table.edited.connect(self.check)
        self.status = named(QLabel(""), "actionError")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def check(self) -> bool:
        """Show each field's problem under it now; True when every field is fine."""
        changes, bad = self.table.changes()
        messages = dict(bad)
        for error in check_limit_changes(self.bed.alarms.limits, changes):
            messages.setdefault(error.field, error.message)
        self.table.show_errors(messages)
        return not messages

    def save(self) -> bool:
        """Apply every change to this bed's alarms (all or none); closes on success."""
        if not self.check():
            return False
        changes, _ = self.table.changes()
        who = self._actor()
        if who is None:
            self.status.setText("Sign in first.")
            return False
        saving = CommandRunner(self.table.show_errors, self.status.setText)
        if not saving.attempt(lambda: self.bed.alarms.change_limits(changes, who)):
            return False
        self.accept()
        return True
