"""The discharge panel: checklist, modified PADSS, ride home, integration, REMS and sign-off.

Each part is a section widget of ``widgets.discharge``; this panel lays them out, follows the
service and prints the escort sheet. The sections' widgets stay reachable as attributes of the
panel (``panel.driver_edit``, ``panel.item_boxes`` …), as before the split.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.errors import StoreUnavailable
from console.reports.escort_sheet import (
    ClinicContact,
    EscortFacts,
    paint_escort_sheet,
    write_escort_sheet_pdf,
)
from console.services.discharge import DischargeService, DischargeState
from console.services.people import PeopleService
from widgets.discharge.checklist import ChecklistSection
from widgets.discharge.common import ACTION, NO_ACTOR, PRINT, SIGN, PanelCore, subtitle, wrapped
from widgets.discharge.followup import IntegrationSection, RemsSection
from widgets.discharge.padss import PadssSection
from widgets.discharge.ride import RideSection
from widgets.discharge.signing import SigningSection

__all__ = ["ACTION", "NO_ACTOR", "PRINT", "SIGN", "DischargePanel"]

REFRESH_MS = 15_000  # while shown: the minimum-time item and REMS minutes follow the clock
# the themes leave check boxes and disabled fields unstyled; night hides an empty box
PANEL_STYLE = (
    "QCheckBox::indicator { width: 16px; height: 16px; border: 2px solid #6f7d8a;"
    " border-radius: 3px; background: transparent; }"
    "QCheckBox::indicator:checked { background: #4d7391; border-color: #4d7391; }"
    "QCheckBox::indicator:disabled { border-color: #4f5b66; }"
    "QCheckBox::indicator:checked:disabled { background: #4f5b66; }"
    "QPushButton:disabled, QLineEdit:disabled, QComboBox:disabled, QDateTimeEdit:disabled"
    " { color: #7a8896; }"
)


class DischargePanel(QFrame):
    """Shows the active session's discharge and lets staff answer, confirm and sign it.

    ``actor`` gives the acting staff member's id (None: nobody chosen). ``clinic`` is what
    the escort sheet prints about the clinic; ``escort_dir`` is the folder "Save as PDF…"
    suggests (Documents when not given). The dialogs come from ``choose_printer`` and
    ``choose_pdf_path``, which tests replace.
    """

    def __init__(
        self,
        service: DischargeService,
        people: PeopleService,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
        *,
        clinic: ClinicContact | None = None,
        escort_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setStyleSheet(PANEL_STYLE)
        self._service = service
        self._people = people
        self._clinic = clinic
        self._escort_dir = escort_dir
        self._core = core = PanelCore(service, people, actor)
        core.render = self._render
        self.errors = core.errors.labels

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)

        self.checklist_section = ChecklistSection(core)
        self.padss_section = PadssSection(core)
        self.ride_section = RideSection(core)
        self.integration_section = IntegrationSection(core)
        self.rems_section = RemsSection(core)
        self.signing_section = SigningSection(core)
        self.signing_section.print_button.clicked.connect(self._on_print_button_clicked)
        self.signing_section.save_pdf_button.clicked.connect(self._on_save_pdf_button_clicked)
        self.blockers_label = wrapped()
        # the sections' widgets under the names they had before the split
        self.item_boxes = self.checklist_section.item_boxes
        self.item_status = self.checklist_section.item_status
        self.item_texts = self.checklist_section.item_texts
        self.item_marks = self.checklist_section.item_marks
        self.item_override_box = self.checklist_section.item_override_box
        self.item_override_text = self.checklist_section.item_override_text
        self.item_reason_edit = self.checklist_section.item_reason_edit
        self.item_pin_edit = self.checklist_section.item_pin_edit
        self.item_sign_button = self.checklist_section.item_sign_button
        self.item_cancel_button = self.checklist_section.item_cancel_button
        self.vitals_text = self.padss_section.vitals_text
        self.vitals_confirm_button = self.padss_section.vitals_confirm_button
        self.ambulation_combo = self.padss_section.ambulation_combo
        self.nausea_combo = self.padss_section.nausea_combo
        self.pain_text = self.padss_section.pain_text
        self.points = self.padss_section.points
        self.padss_marks = self.padss_section.padss_marks
        self.padss_total = self.padss_section.padss_total
        self.driver_edit = self.ride_section.driver_edit
        self.phone_edit = self.ride_section.phone_edit
        self.relationship_edit = self.ride_section.relationship_edit
        self.confirmed_at_edit = self.ride_section.confirmed_at_edit
        self.confirm_ride_button = self.ride_section.confirm_ride_button
        self.ride_status = self.ride_section.ride_status
        self.integration_edit = self.integration_section.integration_edit
        self.book_button = self.integration_section.book_button
        self.integration_status = self.integration_section.integration_status
        self.integration_warning = self.integration_section.integration_warning
        self.esketamine_box = self.rems_section.esketamine_box
        self.rems_text = self.rems_section.rems_text
        self.ready_edit = self.rems_section.ready_edit
        self.ready_button = self.rems_section.ready_button
        self.signer_combo = self.signing_section.signer_combo
        self.pin_edit = self.signing_section.pin_edit
        self.override_edit = self.signing_section.override_edit
        self.override_title = self.signing_section.override_title
        self.discharge_button = self.signing_section.discharge_button
        self.override_button = self.signing_section.override_button
        self.print_button = self.signing_section.print_button
        self.save_pdf_button = self.signing_section.save_pdf_button
        self.signed_label = self.signing_section.signed_label
        self.override_note = self.signing_section.override_note
        self.print_note = self.signing_section.print_note

        left = QVBoxLayout()
        left.addWidget(subtitle("Discharge checklist"))
        left.addWidget(core.error(ACTION))
        left.addWidget(self.checklist_section)
        left.addSpacing(8)
        left.addWidget(subtitle("Modified PADSS"))
        left.addWidget(self.padss_section)
        left.addSpacing(8)
        left.addWidget(subtitle("Open items"))
        left.addWidget(self.blockers_label)
        left.addStretch(1)
        right = QVBoxLayout()
        for title, section in (
            ("Ride home", self.ride_section),
            ("Integration session", self.integration_section),
            ("Esketamine REMS", self.rems_section),
        ):
            right.addWidget(subtitle(title))
            right.addWidget(section)
            right.addSpacing(8)
        right.addWidget(subtitle("Sign off"))
        right.addWidget(self.signing_section)
        right.addStretch(1)

        content = QWidget()
        columns = QHBoxLayout(content)
        columns.addLayout(left, 3)
        columns.addSpacing(16)
        columns.addLayout(right, 2)
        self.content = content
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)

        service.changed.connect(self._on_service_changed)
        people.changed.connect(self._on_people_changed)
        self._load_staff()
        self._render(service.state())

    # ---- public ------------------------------------------------------------------------------
    @property
    def state(self) -> DischargeState | None:
        return self._core.state

    def open_item_override(self, item_id: str, against: str) -> None:
        """Ask for the signed reason before ticking an item the record contradicts."""
        self.checklist_section.open_item_override(item_id, against)

    def suggested_pdf_path(self) -> Path | None:
        """Where "Save as PDF…" proposes to save: <folder>/escort-sheet-<chart id>-<date>.pdf."""
        state = self.state
        if state is None:
            return None
        folder = self._escort_dir or Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        )
        chart = self._people.patient(state.patient_id).chart_id
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", chart).strip("-.") or f"session-{state.session_id}"
        stamp = (state.t0 or state.now).astimezone().strftime("%Y-%m-%d")
        return folder / f"escort-sheet-{safe}-{stamp}.pdf"

    def write_escort_sheet(self, path: Path | str) -> Path | None:
        """Write the escort sheet PDF for the active session to ``path``; None with a message."""
        facts = self._sheet_facts()
        if facts is None:
            return None
        try:
            written = write_escort_sheet_pdf(path, facts)
        except (OSError, StoreUnavailable) as error:
            self._core.show(PRINT, f"The escort sheet could not be written: {error}")
            return None
        self._core.show(PRINT, "")
        self.signing_section.print_note.setText(f"Escort sheet saved: {written}")
        return written

    def print_escort_sheet(self, printer: QPrinter) -> bool:
        """Print the escort sheet on ``printer`` (as set up by the print dialog)."""
        facts = self._sheet_facts()
        if facts is None:
            return False
        printer.setDocName(facts.title)
        printer.setCreator("Vigil")
        if not paint_escort_sheet(printer, facts):
            name = printer.printerName() or printer.outputFileName() or "the printer"
            self._core.show(PRINT, f"The escort sheet could not be printed on {name}.")
            return False
        self._core.show(PRINT, "")
        note = self.signing_section.print_note
        if printer.outputFormat() is QPrinter.OutputFormat.PdfFormat:
            note.setText(f"Escort sheet saved: {printer.outputFileName()}")
        else:
            note.setText(f"Escort sheet sent to {printer.printerName()}.")
        return True

    # ---- dialogs (tests replace these two) ------------------------------------------------------
    def choose_printer(self) -> QPrinter | None:
        """The print dialog: the printer set up as chosen, or None when cancelled."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print escort sheet")
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return printer if accepted else None

    def choose_pdf_path(self, suggested: Path) -> Path | None:
        """The save dialog, starting at ``suggested``: the chosen file, or None when cancelled."""
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save escort sheet as PDF", str(suggested), "PDF files (*.pdf)"
        )
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix.lower() == ".pdf" else path.with_name(f"{path.name}.pdf")

    def _sheet_facts(self) -> EscortFacts | None:
        state = self.state
        if state is None:
            self._core.show(PRINT, "No session is open.")
            return None
        if self._clinic is None:
            self._core.show(
                PRINT, "The clinic's name and phone numbers are not set up for printing."
            )
            return None
        try:
            patient = self._people.patient(state.patient_id)
        except StoreUnavailable as error:
            self._core.show(PRINT, f"The escort sheet could not be prepared: {error}")
            return None
        return EscortFacts(
            patient_display_name=patient.display_name,
            clinic_name=self._clinic.name,
            clinic_phone=self._clinic.phone,
            after_hours_phone=self._clinic.after_hours_phone,
            integration_at=state.integration.at,
            driver_name=state.ride.driver_name or "(not recorded)",
            session_date=(state.t0 or state.now).astimezone().date(),
            crisis_line=self._clinic.crisis_line,
        )

    # ---- rendering ---------------------------------------------------------------------------
    def _load_staff(self) -> None:
        staff = self._people.staff()
        self._core.names = {s.id: s.name for s in staff}
        self.signing_section.load_staff([(s.id, s.name) for s in staff])

    def _render(self, state: DischargeState | None) -> None:
        self._core.state = state
        self.content.setEnabled(state is not None)
        if state is None:
            self.blockers_label.setText("No session is open.")
            return
        self.checklist_section.show_state(state)
        for widget in self._core.inputs:
            widget.setEnabled(not state.signed)
        self.padss_section.show_state(state)
        self.ride_section.show_state(state)
        self.integration_section.show_state(state)
        self.rems_section.show_state(state)
        self._render_blockers(state)
        self.signing_section.show_state(state)

    def _render_blockers(self, state: DischargeState) -> None:
        label = self.blockers_label
        if state.blockers:
            lines = "\n".join(f"• {text}" for text in state.blockers)
            heading = "Overridden at discharge:" if state.signed else "Discharge is blocked by:"
            label.setText(f"{heading}\n{lines}")
            label.setObjectName("banner")
        else:
            label.setText("Nothing open: the patient may go.")
            label.setObjectName("")
        label.style().unpolish(label)
        label.style().polish(label)

    # ---- slots -------------------------------------------------------------------------------
    def _on_service_changed(self, state: DischargeState | None) -> None:
        self._render(state)

    def _on_people_changed(self) -> None:
        self._load_staff()

    def _on_refresh_timer_timeout(self) -> None:
        self._service.refresh()

    def _on_print_button_clicked(self) -> None:
        if self._sheet_facts() is None:  # nothing to print: say why, without a dialog
            return
        printer = self.choose_printer()
        if printer is not None:
            self.print_escort_sheet(printer)

    def _on_save_pdf_button_clicked(self) -> None:
        if self._sheet_facts() is None:  # nothing to save: say why, without a dialog
            return
        suggested = self.suggested_pdf_path()
        path = self.choose_pdf_path(suggested) if suggested is not None else None
        if path is not None:
            self.write_escort_sheet(path)

    # ---- events ------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._refresh_timer.stop()
        super().hideEvent(event)
