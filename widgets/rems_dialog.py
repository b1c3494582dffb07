"""The REMS form of one esketamine session: its due status, the filled PDF, and marking it submitted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.rems import RemsForm, due_label, session_day
from console.domain.review import SessionDossier
from console.services.rems import RemsService
from widgets.forms import CommandRunner, FieldErrors, error_label, show_message
from widgets.theme import named


class RemsDialog(QDialog):
    """Shows "REMS form due in N days / overdue / submitted"; saves the PDF; marks it submitted
    with the day and confirmation number (each problem shown beside its field).
    """

    def __init__(
        self,
        service: RemsService,
        dossier: SessionDossier,
        staff_id: int | None,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"REMS monitoring form — {dossier.patient.display_name}")
        self._service = service
        self._dossier = dossier
        self._staff_id = staff_id
        self._today = today
        self.status_label = named(QLabel(""), "panelTitle")
        self.problem_label = error_label()
        self.pdf_button = QPushButton("Save the filled form as PDF…")
        self.pdf_button.clicked.connect(self._on_pdf_clicked)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd MMM yyyy")
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.confirmation_edit = QLineEdit()
        self.confirmation_edit.setPlaceholderText("The confirmation number the REMS gave")
        # a message about no known field shows under the confirmation number
        self.field_errors = FieldErrors(loose="confirmation")
        self.date_error = self.field_errors.add("submitted_on", label=error_label(wrap=False))
        self.confirmation_error = self.field_errors.add(
            "confirmation", label=error_label(wrap=False)
        )
        self._runner = CommandRunner(self.field_errors, self.problem_label)
        self._file_runner = CommandRunner(
            self.field_errors, self.problem_label, expected=(OSError,)
        )
        self.submit_button = QPushButton("Mark submitted")
        self.submit_button.clicked.connect(self._on_submit_clicked)
        close = named(QPushButton("Close"), "secondary")
        close.clicked.connect(self.accept)
        form = QFormLayout()
        form.addRow("Submitted on", self.date_edit)
        form.addRow("", self.date_error)
        form.addRow("Confirmation number", self.confirmation_edit)
        form.addRow("", self.confirmation_error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(self.problem_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self._show_status()

    def _show_status(self) -> None:
        form = self._runner.run(
            lambda: self._service.form(self._dossier.session.id, self._staff_id)
        )
        if form is None:
            for widget in (self.pdf_button, self.submit_button, self.date_edit):
                widget.setEnabled(False)
            self.confirmation_edit.setEnabled(False)
            return
        self._show_form_status(form.submission is not None, form)

    def _show_form_status(self, submitted: bool, form: RemsForm) -> None:
        label = due_label(session_day(self._dossier), submitted, self._today)
        if form.submission is not None:
            s = form.submission
            label += f" on {s.submitted_on:%d %b %Y}, confirmation {s.confirmation}"
        self.status_label.setText(label)
        self.submit_button.setEnabled(not submitted)
        self.date_edit.setEnabled(not submitted)
        self.confirmation_edit.setEnabled(not submitted)

    def _problem(self, message: str) -> None:
        show_message(self.problem_label, message)

    def save_pdf_to(self, path: Path | str) -> Path | None:
        """Write the filled form to ``path``; None (message shown) when it cannot be written."""
        written = self._file_runner.run(
            lambda: self._service.write_pdf(self._dossier.session.id, path, self._staff_id)
        )
        if written is None:
            return None
        self._problem(f"Saved {written.name}.")
        return written

    def _on_pdf_clicked(self) -> None:
        chart = self._dossier.patient.chart_id or "patient"
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Save the REMS form",
            f"{chart}_{session_day(self._dossier).isoformat()}_rems.pdf",
            "PDF (*.pdf)",
        )
        if name:
            self.save_pdf_to(name)

    def _on_submit_clicked(self) -> None:
        self.field_errors.clear()
        self._problem("")
        chosen = self.date_edit.date().toPython()
        assert isinstance(chosen, date)
        if self._runner.attempt(
            lambda: self._service.mark_submitted(
                self._dossier.session.id, chosen, self.confirmation_edit.text(), self._staff_id
            )
        ):
            self._show_status()


class RemsButton(QPushButton):
    """The review screen's "REMS form…" button: opens the dialog for the session shown."""

    def __init__(
        self,
        service: RemsService,
        dossier: Callable[[], SessionDossier | None],
        staff_id: Callable[[], int | None],
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("REMS form…", parent)
        self.setToolTip("The esketamine REMS monitoring form: filled PDF, mark submitted")
        self._service = service
        self._dossier = dossier
        self._staff_id = staff_id
        self._today = today
        self.dialog: RemsDialog | None = None
        self.clicked.connect(self._on_clicked)

    def _on_clicked(self) -> None:
        dossier = self._dossier()
        if dossier is None:
            return
        self.dialog = RemsDialog(self._service, dossier, self._staff_id(), self._today(), self)
        self.dialog.open()
