"""The sign-off section: who signs, the password, the override reason, and the escort sheet."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.discharge import validate_override
from console.errors import ValidationFailed
from console.services.discharge import DischargeState
from widgets.discharge.common import PRINT, SIGN, PanelCore, hhmm
from widgets.forms import CommandRunner, password_edit
from widgets.theme import named, placeholder_edit

BLOCKED = (
    "Items are still open (see Open items): close them, or give a reason and use Discharge anyway."
)


class SigningSection(QWidget):
    """Discharge (or, with items open and a reason, discharge anyway), then what was signed.

    The escort sheet's buttons sit here too; the panel connects them (its dialogs).
    """

    def __init__(self, core: PanelCore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        self.signer_combo = QComboBox()
        self.signer_combo.setAccessibleName("Signed by")
        self.pin_edit = password_edit("password")
        self.pin_edit.textEdited.connect(lambda _t: core.clear_error("pin"))
        self.override_edit = placeholder_edit("reason for discharging with items open")
        self.override_edit.setMaxLength(2000)
        self.override_edit.setMinimumWidth(260)
        self.override_edit.textEdited.connect(lambda _t: core.clear_error("reason"))
        self.override_title = QLabel("Override reason")
        for row, (key, title, widget) in enumerate(
            [
                ("signer", QLabel("Signed by"), self.signer_combo),
                ("pin", QLabel("Password"), self.pin_edit),
                ("reason", self.override_title, self.override_edit),
            ]
        ):
            title.setBuddy(widget)
            grid.addWidget(title, row, 0)
            grid.addWidget(core.input(widget), row, 1)
            grid.addWidget(core.error(key, widget), row, 2)
        box.addLayout(grid)
        buttons = QHBoxLayout()
        self.discharge_button = QPushButton("Discharge")
        self.discharge_button.clicked.connect(self._on_discharge_button_clicked)
        self.override_button = named(QPushButton("Discharge anyway"), "danger")
        self.override_button.clicked.connect(self._on_override_button_clicked)
        buttons.addWidget(core.input(self.discharge_button))
        buttons.addWidget(core.input(self.override_button))
        buttons.addStretch(1)
        box.addLayout(buttons)
        sheet = QHBoxLayout()
        sheet.addWidget(QLabel("Escort sheet:"))
        self.print_button = named(QPushButton("Print…"), "secondary")
        self.print_button.setAccessibleName("Print escort sheet")
        self.print_button.setToolTip("Print the going-home sheet for the escort.")
        self.save_pdf_button = named(QPushButton("Save as PDF…"), "secondary")
        self.save_pdf_button.setAccessibleName("Save escort sheet as PDF")
        self.save_pdf_button.setToolTip("Save the going-home sheet as a PDF file you choose.")
        sheet.addWidget(self.print_button)
        sheet.addWidget(self.save_pdf_button)
        sheet.addStretch(1)
        box.addWidget(core.error(SIGN))
        self.signed_label = named(QLabel(""), "minimumMet")
        self.signed_label.setWordWrap(True)
        self.signed_label.hide()
        self.override_note = named(QLabel(""), "banner")
        self.override_note.setWordWrap(True)
        self.override_note.hide()
        self.print_note = named(QLabel(""), "clockCaption")
        self.print_note.setWordWrap(True)
        box.addWidget(self.signed_label)
        box.addWidget(self.override_note)
        box.addLayout(sheet)  # the escort sheet's buttons, then what became of the sheet
        box.addWidget(self.print_note)
        box.addWidget(core.error(PRINT))

    def load_staff(self, staff: list[tuple[int, str]]) -> None:
        """Who may be chosen to sign; keeps the choice, else proposes whoever is acting."""
        current = self.signer_combo.currentData()
        self.signer_combo.clear()
        self.signer_combo.addItem("— who signs —", None)
        for staff_id, name in staff:
            self.signer_combo.addItem(name, staff_id)
        wanted = current if current is not None else self._core.actor()
        index = self.signer_combo.findData(wanted) if wanted is not None else -1
        self.signer_combo.setCurrentIndex(max(index, 0))

    def show_state(self, state: DischargeState) -> None:
        overriding = bool(state.blockers) and not state.signed
        for widget in (self.override_title, self.override_edit, self.override_button):
            widget.setVisible(overriding)
        if not overriding:
            self._core.show("reason", "")
        signature = state.signature
        self.signed_label.setVisible(signature is not None)
        if signature is not None:
            self.signed_label.setText(
                f"Discharged by {signature.printed_name} at {hhmm(signature.at)}"
            )
            self.pin_edit.clear()
            index = self.signer_combo.findData(signature.staff_id)
            if index >= 0:
                self.signer_combo.setCurrentIndex(index)
        override = state.override
        self.override_note.setVisible(override is not None)
        if override is not None:
            self.override_note.setText(
                f"Discharged with {len(state.blockers)} item(s) open — override signed by "
                f"{self._core.name(override.signed_by_id)}: “{override.reason}”. "
                "Flagged for supervisor review."
            )

    # ---- signing -----------------------------------------------------------------------------
    def _sign(self, override_reason: str) -> None:
        core = self._core
        for key in ("signer", "pin", "reason", SIGN):
            core.show(key, "")
        signer = self.signer_combo.currentData()
        pin = self.pin_edit.text()
        blocked = core.state is not None and bool(core.state.blockers)
        if signer is not None and not pin and (override_reason or not blocked):
            core.show("pin", "Enter your password to sign.")
            self.pin_edit.setFocus()
            return
        runner = CommandRunner(core.errors, lambda text: core.show(SIGN, text))
        runner.on(ValidationFailed, self._refused)
        runner.attempt(lambda: core.service.discharge(signer, pin, override_reason=override_reason))

    def _refused(self, failed: ValidationFailed) -> None:
        if any(e.field == "blockers" for e in failed.errors):
            self._core.show(SIGN, BLOCKED)
        else:
            self._core.show_failed(failed.errors, SIGN)
        if any(e.field == "pin" for e in failed.errors):
            self.pin_edit.clear()
            self.pin_edit.setFocus()

    def _on_discharge_button_clicked(self) -> None:
        self._sign("")

    def _on_override_button_clicked(self) -> None:
        errors = validate_override(self.override_edit.text())
        if errors:
            self._core.show("reason", errors[0].message)
            self.override_edit.setFocus()
            return
        self._sign(self.override_edit.text())
