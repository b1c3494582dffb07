"""Hand entry of a vitals set: keyboard-only, errors beside fields, inline confirmation."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.vitals import MANUAL_FIELDS, PARAMETERS, Parameter, VitalPoint
from console.services.vitals import NeedsConfirmation, VitalsService
from widgets.forms import FORM, CommandRunner, FieldErrors
from widgets.theme import named

SAVE_TEXT = "Save vitals  (Enter)"
CONFIRM_TEXT = "Confirm and save  (Enter)"
SAVED_NOTE_MS = 8000  # how long "Saved 14:32 by …" stays visible


class VitalsEntry(QFrame):
    """A manual vitals form; ``author`` gives the acting staff member's id (None: nobody chosen).

    ``author_name`` turns that id into a name for the "Saved … by …" note (optional).
    """

    # the points just stored for a manual set (tuple[VitalPoint, ...])
    saved = Signal(object)

    def __init__(
        self,
        vitals: VitalsService,
        author: Callable[[], int | None],
        parent: QWidget | None = None,
        *,
        author_name: Callable[[int], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._vitals = vitals
        self._author = author
        self._author_name = author_name
        self._confirming = False

        self.fields: dict[Parameter, QLineEdit] = {}
        self.field_errors = FieldErrors()
        for parameter in MANUAL_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"vital_{parameter.value}")
            edit.setAccessibleName(PARAMETERS[parameter].label)
            edit.setMaxLength(8)
            edit.setFixedWidth(72)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.textEdited.connect(lambda _t, p=parameter: self._on_field_edited(p))
            edit.returnPressed.connect(self._on_field_return)
            self.fields[parameter] = edit
            self.field_errors.add(parameter.value, edit)
        self.field_errors.add(FORM)
        self.errors = self.field_errors.labels
        self._runner = CommandRunner(self._on_invalid, self._on_refused)
        self._runner.on(NeedsConfirmation, self._on_unusual)

        self.confirm_note = named(QLabel(""), "banner")
        self.confirm_note.setWordWrap(True)
        self.confirm_note.hide()
        self.saved_note = QLabel("")
        self.saved_note.setObjectName("savedNote")
        self.saved_note.hide()
        self._saved_timer = QTimer(self)
        self._saved_timer.setSingleShot(True)
        self._saved_timer.setInterval(SAVED_NOTE_MS)
        self._saved_timer.timeout.connect(self._on_saved_timer_timeout)
        self.save_button = QPushButton(SAVE_TEXT)
        self.save_button.setAutoDefault(True)  # Enter on the focused button saves too
        self.save_button.clicked.connect(self._on_save_button_clicked)

        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Vitals by hand"), "panelTitle"))
        layout.addLayout(self._build_grid())
        layout.addWidget(self.errors[FORM])
        layout.addWidget(self.confirm_note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_note)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        layout.addStretch(1)

        order = [*self.fields.values(), self.save_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _build_grid(self) -> QGridLayout:
        """Label | field(s) and unit | message, one row per parameter (SYS / DIA share one)."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(2, 1)
        sys_, dia = Parameter.NIBP_SYS, Parameter.NIBP_DIA
        row = 0
        for parameter in MANUAL_FIELDS:
            if parameter is dia:
                continue
            info = PARAMETERS[parameter]
            cell = QHBoxLayout()
            cell.setSpacing(4)
            cell.addWidget(self.fields[parameter])
            if parameter is sys_:
                label = QLabel("BP  SYS / DIA")
                cell.addWidget(QLabel("/"))
                cell.addWidget(self.fields[dia])
                errors = QVBoxLayout()
                errors.setSpacing(0)
                errors.addWidget(self.errors[sys_.value])
                errors.addWidget(self.errors[dia.value])
                grid.addLayout(errors, row, 2)
            else:
                label = QLabel(info.label)
                grid.addWidget(self.errors[parameter.value], row, 2)
            cell.addWidget(QLabel(info.unit))
            cell.addStretch(1)
            label.setBuddy(self.fields[parameter])
            grid.addWidget(label, row, 0)
            grid.addLayout(cell, row, 1)
            row += 1
        grid.setColumnMinimumWidth(1, 230)
        return grid

    # ---- public ---------------------------------------------------------------------------
    @property
    def confirming(self) -> bool:
        """True while the form waits for the user to confirm unusual values."""
        return self._confirming

    def focus_first(self) -> None:
        """Put the cursor in HR (the shortcut to start an entry)."""
        first = self.fields[MANUAL_FIELDS[0]]
        first.setFocus(Qt.FocusReason.ShortcutFocusReason)
        first.selectAll()

    def save(self) -> list[VitalPoint] | None:
        """Validate and store the form (confirming if asked); returns the points, or None."""
        author = self._author()
        if author is None:
            self._show_errors({FORM: "Choose who is recording (Acting as, in the status bar)."})
            return None
        raw = {parameter: edit.text() for parameter, edit in self.fields.items()}
        points = self._runner.run(
            lambda: self._vitals.record_manual(raw, author, confirmed=self._confirming)
        )
        if points is None:
            return None
        self._after_save(points, author)
        return points

    # ---- internals ------------------------------------------------------------------------
    def _after_save(self, points: list[VitalPoint], author: int) -> None:
        self._set_confirming([])
        self._show_errors({})
        for edit in self.fields.values():
            edit.clear()
        at = points[0].at.astimezone().strftime("%H:%M") if points else ""
        name = self._author_name(author) if self._author_name else f"staff #{author}"
        self.saved_note.setText(f"Saved {at} by {name}")
        self.saved_note.show()
        self._saved_timer.start()
        self.focus_first()
        self.saved.emit(tuple(points))

    def _show_errors(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)

    def _on_invalid(self, messages: dict[str, str]) -> None:
        self._set_confirming([])
        self._show_errors(messages)
        first = self.field_errors.first_invalid(messages, visible=False)
        if isinstance(first, QLineEdit):
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            first.selectAll()

    def _on_unusual(self, unusual: NeedsConfirmation) -> None:
        """Not an error: the unusual values wait for a second Enter."""
        self._show_errors({})
        self._set_confirming(unusual.reasons)

    def _on_refused(self, message: str) -> None:
        self._set_confirming([])
        self._show_errors({FORM: message})

    def _set_confirming(self, reasons: list[str]) -> None:
        self._confirming = bool(reasons)
        if reasons:
            lines = "\n".join(f"• {reason}." for reason in reasons)
            self.confirm_note.setText(
                f"Please check:\n{lines}\nPress Enter again to confirm, or correct the value."
            )
        self.confirm_note.setVisible(self._confirming)
        self.save_button.setText(CONFIRM_TEXT if self._confirming else SAVE_TEXT)

    # ---- slots ----------------------------------------------------------------------------
    def _on_field_return(self) -> None:
        self.save()

    def _on_save_button_clicked(self) -> None:
        self.save()

    def _on_field_edited(self, parameter: Parameter) -> None:
        if self._confirming:
            self._set_confirming([])
        if self.errors[parameter.value].text():
            self.field_errors.clear(parameter.value)
        self.saved_note.hide()

    def _on_saved_timer_timeout(self) -> None:
        self.saved_note.hide()
