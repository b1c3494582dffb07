"""Structured ratings: pick a scale, type or click a value (its anchor shown), add a note, Enter saves."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.events import RatingEntry
from console.domain.scales import ScaleDefinition, alarm_for, parse_rating
from console.errors import ValidationFailed
from console.services.workflow import WorkflowService
from widgets.dose_form import clock_text
from widgets.forms import FORM, CommandRunner, FieldErrors
from widgets.theme import named

SAVE_TEXT = "Save rating  (Enter)"
# The chosen value's button gets a warm outline that reads on both the day and night surfaces.
_VALUE_STYLE = "QPushButton:checked { border: 2px solid #c9a66b; }"


class RatingForm(QFrame):
    """Records ratings on the service's scales for the active session."""

    def __init__(
        self,
        service: WorkflowService,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
        *,
        staff_name: Callable[[int], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._service = service
        self._actor = actor
        self._staff_name = staff_name
        self.scale = QComboBox()
        for definition in service.scales.values():
            self.scale.addItem(definition.name, definition.id)
        self.description = named(QLabel(""), "clockCaption")
        self.description.setWordWrap(True)
        self.value = QLineEdit()
        self.value.setAccessibleName("Rating value")
        self.value.setMaxLength(6)
        self.value.setFixedWidth(70)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.anchor = QLabel("")
        self.anchor.setWordWrap(True)
        self.buttons_row = QHBoxLayout()
        self.buttons_row.setSpacing(4)
        self.value_buttons = QButtonGroup(self)
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional note")
        self.field_errors = FieldErrors(("scale", "value", "note", FORM))
        self.field_errors.bind("value", self.value)
        self.field_errors.bind("note", self.note)
        self.errors = self.field_errors.labels
        self._runner = CommandRunner(self._show)
        self.saved_note = named(QLabel(""), "savedNote")
        self.saved_note.setWordWrap(True)
        self.save_button = QPushButton(SAVE_TEXT)
        self.save_button.setAutoDefault(True)
        self.history = QListWidget()
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.setMaximumHeight(110)
        self.history.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(2, 1)
        value_cell = QHBoxLayout()
        value_cell.addWidget(self.value)
        value_cell.addLayout(self.buttons_row)
        value_cell.addStretch(1)
        rows: list[tuple[str, QWidget | QHBoxLayout, str]] = [
            ("Scale", self.scale, "scale"),
            ("Value", value_cell, "value"),
            ("Note", self.note, "note"),
        ]
        for row, (text, field, error) in enumerate(rows):
            label = QLabel(text)
            grid.addWidget(label, row * 2, 0)
            if isinstance(field, QHBoxLayout):
                label.setBuddy(self.value)
                grid.addLayout(field, row * 2, 1)
            else:
                label.setBuddy(field)
                grid.addWidget(field, row * 2, 1)
            grid.addWidget(self.errors[error], row * 2, 2)
        grid.addWidget(self.description, 1, 1, 1, 2)
        grid.addWidget(self.anchor, 3, 1, 1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Rating"), "panelTitle"))
        layout.addLayout(grid)
        layout.addWidget(self.errors[FORM])
        actions = QHBoxLayout()
        actions.addWidget(self.saved_note, 1)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)
        layout.addWidget(self.history)
        for first, second in pairwise((self.scale, self.value, self.note, self.save_button)):
            QWidget.setTabOrder(first, second)

        self.scale.currentIndexChanged.connect(self._on_scale_changed)
        self.value.textChanged.connect(self._on_value_changed)
        self.value.returnPressed.connect(self._on_value_return_pressed)
        self.note.returnPressed.connect(self._on_note_return_pressed)
        self.note.textEdited.connect(self._on_note_edited)
        self.value_buttons.buttonClicked.connect(self._on_value_buttons_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        service.ratingAdded.connect(self._on_service_rating_added)
        service.changed.connect(self._on_service_changed)
        self._on_scale_changed()
        self._fill_history()

    # ---- public ---------------------------------------------------------------------------
    def definition(self) -> ScaleDefinition | None:
        return self._service.scales.get(self.scale.currentData() or "")

    def focus_value(self) -> None:
        self.value.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.value.selectAll()

    def save(self) -> RatingEntry | None:
        """Check and store the rating; messages appear beside the fields."""
        actor = self._actor()
        if actor is None:
            self._show({FORM: "Choose who is recording (Acting as, in the status bar)."})
            return None
        definition = self.definition()
        if definition is None:
            self._show({"scale": "Choose a scale."})
            return None
        entry = self._runner.run(
            lambda: self._service.add_rating(
                definition.id, self.value.text(), self.note.text(), actor
            )
        )
        if entry is None:
            return None
        self._show({})
        shown = f"{definition.name} {definition.format_value(entry.value)}"
        who = self._staff_name(actor) if self._staff_name else f"staff #{actor}"
        alarm = alarm_for(definition, entry.value)
        suffix = f" — alarm: {alarm}" if alarm else ""
        self.saved_note.setText(f"{shown} saved {clock_text(entry.at)} by {who}{suffix}")
        self.value.clear()
        self.note.clear()
        self.focus_value()
        return entry

    # ---- internals ------------------------------------------------------------------------
    def _show(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)
        if messages:
            self.saved_note.clear()
            (self.note if "note" in messages and "value" not in messages else self.value).setFocus()

    def _rebuild_buttons(self, definition: ScaleDefinition | None) -> None:
        for button in self.value_buttons.buttons():
            self.value_buttons.removeButton(button)
            self.buttons_row.removeWidget(button)
            button.deleteLater()
        if definition is None:
            return
        for value in reversed(definition.values):
            button = QPushButton(definition.format_value(value))
            button.setObjectName("secondary")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard types the value
            button.setToolTip(definition.anchor(value) or "")
            button.setMinimumWidth(38)
            button.setStyleSheet(_VALUE_STYLE)
            self.value_buttons.addButton(button, value - definition.min)
            self.buttons_row.addWidget(button)

    def _fill_history(self) -> None:
        self.history.clear()
        scales = self._service.scales
        for entry in reversed(self._service.ratings()):
            definition = scales.get(entry.scale_id)
            name = definition.name if definition else entry.scale_id
            value = definition.format_value(entry.value) if definition else str(entry.value)
            note = f" — {entry.note}" if entry.note else ""
            who = f" · {self._staff_name(entry.author_id)}" if self._staff_name else ""
            self.history.addItem(f"{clock_text(entry.at)}  {name} {value}{note}{who}")

    # ---- slots ----------------------------------------------------------------------------
    def _on_scale_changed(self) -> None:
        definition = self.definition()
        self.description.setText(definition.description if definition else "")
        self._rebuild_buttons(definition)
        self.value.clear()
        self._on_value_changed()
        self._show({})

    def _on_value_changed(self) -> None:
        definition = self.definition()
        self.value_buttons.setExclusive(False)
        for button in self.value_buttons.buttons():
            button.setChecked(False)
        self.value_buttons.setExclusive(True)
        self.anchor.clear()
        if definition is None or not self.value.text().strip():
            return
        try:
            rating = parse_rating(definition, self.value.text(), "")
        except ValidationFailed:
            return
        button = self.value_buttons.button(rating.value - definition.min)
        if button is not None:
            button.setChecked(True)
        anchor = definition.anchor(rating.value) or ""
        shown = definition.format_value(rating.value)
        self.anchor.setText(f"{definition.name} {shown}: {anchor}" if anchor else "")
        self.field_errors.clear("value")

    def _on_value_buttons_clicked(self, button: QAbstractButton) -> None:
        self.value.setText(button.text())
        self.focus_value()

    def _on_value_return_pressed(self) -> None:
        self.save()

    def _on_note_return_pressed(self) -> None:
        self.save()

    def _on_save_button_clicked(self) -> None:
        self.save()

    def _on_note_edited(self) -> None:
        self.saved_note.clear()

    def _on_service_rating_added(self, _entry: object) -> None:
        self._fill_history()

    def _on_service_changed(self) -> None:
        self._fill_history()
