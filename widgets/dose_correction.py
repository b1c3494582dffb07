"""Marking a listed dose entered in error: a reason and the acting person's password, signed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.doses_record import DoseRecord
from console.services.workflow import WorkflowService
from widgets.forms import CommandRunner, FieldErrors
from widgets.theme import named

ERROR_KEYS = ("reason", "pin", "dose")  # the box's messages: beside a field, or about the dose


class DoseCorrection(QWidget):
    """The "Mark entered in error…" button and its box, under the dose list it acts on.

    The dose stays on record (the list strikes it through); the service signs the amendment.
    """

    # a dose was marked entered in error (DoseRecord with its correction)
    corrected = Signal(object)

    def __init__(
        self,
        service: WorkflowService,
        actor: Callable[[], int | None],
        dose_list: QListWidget,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("formCell")
        self.setStyleSheet("QWidget#formCell { background: transparent; }")
        self._service = service
        self._actor = actor
        self._list = dose_list
        self.button = named(QPushButton("Mark entered in error…"), "secondary")
        self.button.clicked.connect(self._on_button_clicked)
        self.box = QFrame()
        self.box.setObjectName("errorBox")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("what was wrong (e.g. typed 360 for 36)")
        self.reason.setMaxLength(2000)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("your password")
        self.pin.setMaxLength(200)
        self.sign = named(QPushButton("Sign: entered in error"), "danger")
        self.sign.clicked.connect(self._on_sign_clicked)
        self.reason.returnPressed.connect(self._on_sign_clicked)
        self.pin.returnPressed.connect(self._on_sign_clicked)
        self.field_errors = FieldErrors(ERROR_KEYS, loose="dose")
        self.field_errors.bind("reason", self.reason)
        self.field_errors.bind("pin", self.pin)
        self.errors = self.field_errors.labels
        self._runner = CommandRunner(self._on_invalid, lambda text: self._show({"dose": text}))
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        grid = QGridLayout(self.box)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.setColumnStretch(1, 1)
        for row, (text, widget, key) in enumerate(
            (("Reason", self.reason, "reason"), ("Password", self.pin, "pin"))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(self.errors[key], row, 2)
        grid.addWidget(self.sign, 2, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.errors["dose"], 3, 0, 1, 3)
        self.box.hide()
        column.addWidget(self.box)
        dose_list.currentRowChanged.connect(self._on_list_row_changed)

    # ---- public ---------------------------------------------------------------------------
    def selected(self) -> DoseRecord | None:
        """The dose chosen in the list (the list's items carry the dose uid)."""
        item = self._list.currentItem()
        uid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        found = [d for d in self._service.doses() if d.uid == uid]
        return found[0] if found else None

    def mark(self) -> DoseRecord | None:
        """Sign the selected dose as entered in error; messages beside the fields on failure."""
        actor = self._actor()
        dose = self.selected()
        if actor is None:
            self._show({"dose": "Choose who is acting (Acting as, in the status bar)."})
            return None
        if dose is None:
            self._show({"dose": "Choose the dose in the list first."})
            return None
        corrected = self._runner.run(
            lambda: self._service.mark_entered_in_error(
                dose.uid, self.reason.text(), actor, self.pin.text()
            )
        )
        if corrected is None:
            return None
        self._show({})
        self.reason.clear()
        self.pin.clear()
        self.box.hide()
        self.corrected.emit(corrected)
        return corrected

    def refresh(self) -> None:
        """Offered only while the session is open and a dose is still in force."""
        record = self._service.session
        offered = record is not None and record.state.is_open
        offered = offered and any(d.in_force for d in self._service.doses())
        self.button.setVisible(offered)
        if not offered:
            self.box.hide()

    # ---- internals ------------------------------------------------------------------------
    def _show(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)

    def _on_invalid(self, messages: dict[str, str]) -> None:
        self._show(messages)
        self.pin.clear()

    # ---- slots ----------------------------------------------------------------------------
    def _on_button_clicked(self) -> None:
        self.box.setVisible(not self.box.isVisible())
        if not self.box.isVisible():
            return
        if self.selected() is None:  # propose the newest dose still in force
            in_force = {d.uid for d in self._service.doses() if d.in_force}
            for row in range(self._list.count() - 1, -1, -1):
                if self._list.item(row).data(Qt.ItemDataRole.UserRole) in in_force:
                    self._list.setCurrentRow(row)
                    break
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_sign_clicked(self) -> None:
        self.mark()

    def _on_list_row_changed(self, _row: int) -> None:
        self._show({})
