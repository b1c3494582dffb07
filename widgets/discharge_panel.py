"""The discharge panel: checklist, modified PADSS, ride home, integration, REMS and sign-off."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

from PySide6.QtCore import QDateTime, QStandardPaths, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.domain.discharge import (
    Ambulation,
    ItemId,
    NauseaControl,
    pain_points,
    validate_override,
)
from console.errors import (
    FieldError,
    IllegalTransition,
    PermissionDenied,
    StoreUnavailable,
    ValidationFailed,
)
from console.reports.escort_sheet import (
    ClinicContact,
    EscortFacts,
    paint_escort_sheet,
    write_escort_sheet_pdf,
)
from console.services.discharge import DischargeService, DischargeState, Mark
from console.services.people import PeopleService
from widgets.theme import named, placeholder_edit, set_invalid

REFRESH_MS = 15_000  # while shown: the minimum-time item and REMS minutes follow the clock
ACTION = "action"  # error key for messages about an answer or a button, not one field
SIGN = "sign"
PRINT = "print"
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
NO_ACTOR = "Choose who is acting (Acting as, in the status bar)."


def _hhmm(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def _qdatetime(when: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(when.timestamp()))


def _error_label() -> QLabel:
    label = named(QLabel(""), "fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def _subtitle(text: str) -> QLabel:
    return named(QLabel(text), "panelTitle")


def _wrapped(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


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
        self._actor = actor
        self._clinic = clinic
        self._escort_dir = escort_dir
        self._state: DischargeState | None = None
        self._integration_suggested = False
        self._names: dict[int, str] = {}
        self.errors: dict[str, QLabel] = {}
        self._inputs: list[QWidget] = []

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)

        left = QVBoxLayout()
        left.addWidget(_subtitle("Discharge checklist"))
        left.addWidget(self._error(ACTION))
        left.addLayout(self._build_checklist())
        left.addWidget(self._build_item_override())
        left.addSpacing(8)
        left.addWidget(_subtitle("Modified PADSS"))
        left.addLayout(self._build_padss())
        left.addSpacing(8)
        left.addWidget(_subtitle("Open items"))
        self.blockers_label = _wrapped()
        left.addWidget(self.blockers_label)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(_subtitle("Ride home"))
        right.addLayout(self._build_ride())
        right.addSpacing(8)
        right.addWidget(_subtitle("Integration session"))
        right.addLayout(self._build_integration())
        right.addSpacing(8)
        right.addWidget(_subtitle("Esketamine REMS"))
        right.addLayout(self._build_rems())
        right.addSpacing(8)
        right.addWidget(_subtitle("Sign off"))
        right.addLayout(self._build_signing())
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

    # ---- building ----------------------------------------------------------------------------
    def _error(self, key: str) -> QLabel:
        label = _error_label()
        self.errors[key] = label
        return label

    def _input(self, widget: QWidget) -> QWidget:
        self._inputs.append(widget)
        return widget

    def _build_checklist(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setColumnStretch(1, 1)
        self.item_boxes: dict[str, QCheckBox] = {}
        self.item_status: dict[str, QLabel] = {}
        self.item_texts: dict[str, QLabel] = {}
        self.item_marks: dict[str, QLabel] = {}
        self._checklist_grid = grid
        return grid

    def _item_row(self, item_id: str, text: str, computed: bool) -> None:
        grid = self._checklist_grid
        row = grid.rowCount()
        if computed:
            status = QLabel("")
            self.item_status[item_id] = status
            grid.addWidget(status, row, 0)
        else:
            box = QCheckBox()
            box.setAccessibleName(text)
            box.toggled.connect(lambda checked, i=item_id: self._on_item_box_toggled(i, checked))
            self._input(box)
            self.item_boxes[item_id] = box
            grid.addWidget(box, row, 0)
        label = _wrapped(text)
        self.item_texts[item_id] = label
        mark = named(QLabel(""), "clockCaption")
        self.item_marks[item_id] = mark
        grid.addWidget(label, row, 1)
        grid.addWidget(mark, row, 2)

    def _build_item_override(self) -> QFrame:
        """Ticking an item the record contradicts: the reason and the password, signed."""
        self._override_item: str | None = None
        self.item_override_box = QFrame()
        self.item_override_box.setObjectName("itemOverride")
        self.item_override_text = named(QLabel(""), "banner")
        self.item_override_text.setWordWrap(True)
        self.item_reason_edit = placeholder_edit("why this item is met despite that")
        self.item_reason_edit.setMaxLength(2000)
        self.item_pin_edit = placeholder_edit("your password")
        self.item_pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.item_pin_edit.setMaxLength(200)
        self.item_sign_button = named(QPushButton("Sign override and tick"), "danger")
        self.item_cancel_button = named(QPushButton("Leave it open"), "secondary")
        self.item_sign_button.clicked.connect(self._on_item_sign_clicked)
        self.item_cancel_button.clicked.connect(self._on_item_cancel_clicked)
        self.item_reason_edit.returnPressed.connect(self._on_item_sign_clicked)
        self.item_pin_edit.returnPressed.connect(self._on_item_sign_clicked)
        grid = QGridLayout(self.item_override_box)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setColumnStretch(1, 1)
        grid.addWidget(self.item_override_text, 0, 0, 1, 3)
        for row, (title, widget, key) in enumerate(
            (
                ("Reason", self.item_reason_edit, "item_reason"),
                ("Password", self.item_pin_edit, "item_pin"),
            ),
            start=1,
        ):
            label = QLabel(title)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(self._error(key), row, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.item_sign_button)
        buttons.addWidget(self.item_cancel_button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 3, 1)
        self.item_override_box.hide()
        return self.item_override_box

    def open_item_override(self, item_id: str, against: str) -> None:
        """Ask for the signed reason before ticking an item the record contradicts."""
        self._override_item = item_id
        text = self.item_texts[item_id].text() if item_id in self.item_texts else item_id
        self.item_override_text.setText(
            f"“{text}” contradicts the record: {against}. Ticking it anyway is an override: "
            "give the reason and sign with your password (flagged for review)."
        )
        self._show("item_reason", "")
        self._show("item_pin", "")
        self.item_override_box.show()
        self.item_reason_edit.setFocus()

    def _close_item_override(self) -> None:
        self._override_item = None
        self.item_reason_edit.clear()
        self.item_pin_edit.clear()
        self.item_override_box.hide()

    def _build_padss(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        self.vitals_text = _wrapped()
        self.vitals_confirm_button = named(QPushButton("Confirm vitals item"), "secondary")
        self.vitals_confirm_button.clicked.connect(self._on_vitals_confirm_clicked)
        self._input(self.vitals_confirm_button)
        self.ambulation_combo = self._combo([(a.label, a) for a in reversed(Ambulation)])
        self.ambulation_combo.currentIndexChanged.connect(self._on_ambulation_combo_changed)
        self.nausea_combo = self._combo([(n.label, n) for n in reversed(NauseaControl)])
        self.nausea_combo.currentIndexChanged.connect(self._on_nausea_combo_changed)
        self.pain_text = _wrapped()
        self.points: dict[str, QLabel] = {}
        self.padss_marks: dict[str, QLabel] = {}
        vitals_cell = QVBoxLayout()
        vitals_cell.addWidget(self.vitals_text)
        vitals_cell.addWidget(self._error("vitals"))
        rows: list[tuple[str, str, QWidget | QVBoxLayout]] = [
            ("vitals", "Vital signs", vitals_cell),
            ("ambulation", "Ambulation", self.ambulation_combo),
            ("nausea", "Nausea/vomiting", self.nausea_combo),
            ("pain", "Pain", self.pain_text),
            ("bleeding", "Bleeding", QLabel("n/a after ketamine")),
        ]
        for row, (key, title, cell) in enumerate(rows):
            grid.addWidget(QLabel(title), row, 0)
            if isinstance(cell, QVBoxLayout):
                grid.addLayout(cell, row, 1)
            else:
                grid.addWidget(cell, row, 1)
            self.points[key] = named(QLabel("–"), "checkText")
            grid.addWidget(self.points[key], row, 2)
            mark = named(QLabel(""), "clockCaption")
            self.padss_marks[key] = mark
            grid.addWidget(mark, row, 3)
        grid.addWidget(self.vitals_confirm_button, 0, 4)
        self.points["bleeding"].setText("2")
        self.padss_total = named(QLabel(""), "checkText")
        self.padss_total.setWordWrap(True)
        grid.addWidget(self.padss_total, len(rows), 0, 1, 5)
        return grid

    def _combo(self, choices: list[tuple[str, int]]) -> QComboBox:
        combo = QComboBox()
        combo.addItem("— choose —", None)
        for text, value in choices:
            combo.addItem(f"{text} ({int(value)})", int(value))
        self._input(combo)
        return combo

    def _build_ride(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        self.driver_edit = placeholder_edit("driver's full name")
        self.phone_edit = placeholder_edit("phone")
        self.relationship_edit = placeholder_edit("partner, parent, friend…")
        self.confirmed_at_edit = placeholder_edit("HH:MM, blank = now")
        self.confirmed_at_edit.setMaxLength(5)
        fields = [
            ("driver_name", "Driver", self.driver_edit),
            ("phone", "Phone", self.phone_edit),
            ("relationship", "Relationship", self.relationship_edit),
            ("confirmed_at", "Confirmed at", self.confirmed_at_edit),
        ]
        for row, (key, title, edit) in enumerate(fields):
            label = QLabel(title)
            label.setBuddy(edit)
            edit.textEdited.connect(lambda _t, k=key: self._clear_error(k))
            grid.addWidget(label, row, 0)
            edit.setMinimumWidth(210)
            grid.addWidget(self._input(edit), row, 1)
            grid.addWidget(self._error(key), row, 2)
        self.confirm_ride_button = QPushButton("Confirm ride now")
        self.confirm_ride_button.clicked.connect(self._on_confirm_ride_clicked)
        self.ride_status = named(QLabel(""), "clockCaption")
        self.ride_status.setWordWrap(True)
        grid.addWidget(self._input(self.confirm_ride_button), len(fields), 1)
        grid.addWidget(self.ride_status, len(fields), 2)
        return grid

    def _build_integration(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setColumnStretch(3, 1)
        self.integration_edit = QDateTimeEdit()
        self.integration_edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.integration_edit.setCalendarPopup(True)
        self.book_button = named(QPushButton("Book"), "secondary")
        self.book_button.clicked.connect(self._on_book_button_clicked)
        self.integration_status = named(QLabel(""), "clockCaption")
        self.integration_warning = named(QLabel(""), "banner")
        self.integration_warning.setWordWrap(True)
        self.integration_warning.hide()
        grid.addWidget(self._input(self.integration_edit), 0, 0, 1, 2)
        grid.addWidget(self._input(self.book_button), 0, 2)
        grid.addWidget(self.integration_status, 1, 0, 1, 4)
        grid.addWidget(self.integration_warning, 2, 0, 1, 4)
        grid.addWidget(self._error("integration"), 3, 0, 1, 4)
        return grid

    def _build_rems(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        self.esketamine_box = QCheckBox("The drug is esketamine (REMS facts needed)")
        self.esketamine_box.toggled.connect(self._on_esketamine_box_toggled)
        self.rems_text = _wrapped()
        self.ready_edit = placeholder_edit("HH:MM, blank = now")
        self.ready_edit.setMaxLength(5)
        self.ready_edit.setMinimumWidth(190)
        self.ready_edit.textEdited.connect(lambda _t: self._clear_error("ready_at"))
        self.ready_button = named(QPushButton("Ready to leave at"), "secondary")
        self.ready_button.clicked.connect(self._on_ready_button_clicked)
        grid.addWidget(self._input(self.esketamine_box), 0, 0, 1, 3)
        grid.addWidget(self.rems_text, 1, 0, 1, 3)
        grid.addWidget(self._input(self.ready_button), 2, 0)
        grid.addWidget(self._input(self.ready_edit), 2, 1)
        grid.addWidget(self._error("ready_at"), 2, 2)
        return grid

    def _build_signing(self) -> QVBoxLayout:
        box = QVBoxLayout()
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        self.signer_combo = QComboBox()
        self.signer_combo.setAccessibleName("Signed by")
        self.pin_edit = placeholder_edit("password")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setMaxLength(200)
        self.pin_edit.textEdited.connect(lambda _t: self._clear_error("pin"))
        self.override_edit = placeholder_edit("reason for discharging with items open")
        self.override_edit.setMaxLength(2000)
        self.override_edit.setMinimumWidth(260)
        self.override_edit.textEdited.connect(lambda _t: self._clear_error("reason"))
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
            grid.addWidget(self._input(widget), row, 1)
            grid.addWidget(self._error(key), row, 2)
        box.addLayout(grid)
        buttons = QHBoxLayout()
        self.discharge_button = QPushButton("Discharge")
        self.discharge_button.clicked.connect(self._on_discharge_button_clicked)
        self.override_button = named(QPushButton("Discharge anyway"), "danger")
        self.override_button.clicked.connect(self._on_override_button_clicked)
        buttons.addWidget(self._input(self.discharge_button))
        buttons.addWidget(self._input(self.override_button))
        buttons.addStretch(1)
        box.addLayout(buttons)
        sheet = QHBoxLayout()
        sheet.addWidget(QLabel("Escort sheet:"))
        self.print_button = named(QPushButton("Print…"), "secondary")
        self.print_button.setAccessibleName("Print escort sheet")
        self.print_button.setToolTip("Print the going-home sheet for the escort.")
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.save_pdf_button = named(QPushButton("Save as PDF…"), "secondary")
        self.save_pdf_button.setAccessibleName("Save escort sheet as PDF")
        self.save_pdf_button.setToolTip("Save the going-home sheet as a PDF file you choose.")
        self.save_pdf_button.clicked.connect(self._on_save_pdf_button_clicked)
        sheet.addWidget(self.print_button)
        sheet.addWidget(self.save_pdf_button)
        sheet.addStretch(1)
        box.addWidget(self._error(SIGN))
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
        box.addWidget(self._error(PRINT))
        return box

    # ---- public ------------------------------------------------------------------------------
    @property
    def state(self) -> DischargeState | None:
        return self._state

    def suggested_pdf_path(self) -> Path | None:
        """Where "Save as PDF…" proposes to save: <folder>/escort-sheet-<chart id>-<date>.pdf."""
        state = self._state
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
            self._show(PRINT, f"The escort sheet could not be written: {error}")
            return None
        self._show(PRINT, "")
        self.print_note.setText(f"Escort sheet saved: {written}")
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
            self._show(PRINT, f"The escort sheet could not be printed on {name}.")
            return False
        self._show(PRINT, "")
        if printer.outputFormat() is QPrinter.OutputFormat.PdfFormat:
            self.print_note.setText(f"Escort sheet saved: {printer.outputFileName()}")
        else:
            self.print_note.setText(f"Escort sheet sent to {printer.printerName()}.")
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
        state = self._state
        if state is None:
            self._show(PRINT, "No session is open.")
            return None
        if self._clinic is None:
            self._show(PRINT, "The clinic's name and phone numbers are not set up for printing.")
            return None
        try:
            patient = self._people.patient(state.patient_id)
        except StoreUnavailable as error:
            self._show(PRINT, f"The escort sheet could not be prepared: {error}")
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
    def _name(self, staff_id: int) -> str:
        return self._names.get(staff_id, f"staff #{staff_id}")

    def _by(self, mark: Mark | None, verb: str = "") -> str:
        if mark is None:
            return ""
        prefix = f"{verb} by" if verb else "by"
        return f"{prefix} {self._name(mark.by_id)} at {_hhmm(mark.at)}"

    def _load_staff(self) -> None:
        staff = self._people.staff()
        self._names = {s.id: s.name for s in staff}
        current = self.signer_combo.currentData()
        self.signer_combo.clear()
        self.signer_combo.addItem("— who signs —", None)
        for member in staff:
            self.signer_combo.addItem(member.name, member.id)
        wanted = current if current is not None else self._actor()
        index = self.signer_combo.findData(wanted) if wanted is not None else -1
        self.signer_combo.setCurrentIndex(max(index, 0))

    def _render(self, state: DischargeState | None) -> None:
        self._state = state
        self.content.setEnabled(state is not None)
        if state is None:
            self.blockers_label.setText("No session is open.")
            return
        self._render_items(state)
        for widget in self._inputs:
            widget.setEnabled(not state.signed)
        self._render_padss(state)
        self._render_ride(state)
        self._render_integration(state)
        self._render_rems(state)
        self._render_signing(state)

    def _render_items(self, state: DischargeState) -> None:
        wanted = [item.id for item in state.items]
        if wanted != [*self.item_texts]:
            while self._checklist_grid.count():
                taken = self._checklist_grid.takeAt(0)
                widget = taken.widget() if taken is not None else None
                if widget is not None:
                    if widget in self._inputs:
                        self._inputs.remove(widget)
                    widget.hide()
                    widget.deleteLater()
            self.item_boxes.clear()
            self.item_status.clear()
            self.item_texts.clear()
            self.item_marks.clear()
            for item in state.items:
                self._item_row(item.id, item.text, item.computed)
        for item in state.items:
            mark = self.item_marks[item.id]
            if item.computed:
                status = self.item_status[item.id]
                status.setText("✓" if item.done else "✗")
                status.setObjectName("" if item.done else "fieldError")
                status.style().unpolish(status)
                status.style().polish(status)
                if item.id == ItemId.MONITORING_TIME and item.done and state.t0 is not None:
                    mark.setText(f"met at {_hhmm(state.t0 + self._service.minimum_monitoring)}")
                else:
                    mark.setText(self._by(item.mark) if item.done else "open")
            else:
                box = self.item_boxes[item.id]
                box.blockSignals(True)
                box.setChecked(item.done)
                box.blockSignals(False)
                note = self._by(item.mark, "" if item.done else "unticked")
                if item.overridden:
                    note = f"{note} · override: {item.overridden}".strip(" ·")
                elif item.contradiction:
                    note = f"⚠ {item.contradiction}"
                mark.setText(note)
                mark.setWordWrap(True)

    def _render_padss(self, state: DischargeState) -> None:
        padss = state.padss
        if padss.vitals is not None:
            lines = [change.text for change in padss.vitals.changes]
            if padss.vitals.missing:
                lines.append(padss.vitals.summary)
            if padss.vitals_note:
                lines.append(padss.vitals_note)
            self.vitals_text.setText("\n".join(lines))
            self.points["vitals"].setText(str(padss.vitals.score))
        else:
            self.vitals_text.setText(padss.vitals_note)
            self.points["vitals"].setText("–")
        confirmed = padss.vitals_confirmed is not None
        self.vitals_confirm_button.setText("Confirmed" if confirmed else "Confirm vitals item")
        self.vitals_confirm_button.setEnabled(
            not state.signed and not confirmed and padss.vitals is not None
        )
        self.padss_marks["vitals"].setText(self._by(padss.vitals_confirmed, "confirmed"))
        for combo, value, key, mark in (
            (self.ambulation_combo, padss.ambulation, "ambulation", padss.ambulation_mark),
            (self.nausea_combo, padss.nausea, "nausea", padss.nausea_mark),
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(int(value))) if value is not None else 0)
            combo.blockSignals(False)
            self.points[key].setText(str(int(value)) if value is not None else "–")
            self.padss_marks[key].setText(self._by(mark))
        if padss.pain_rating is not None and padss.pain_at is not None:
            self.pain_text.setText(f"Rated {padss.pain_rating}/10 at {_hhmm(padss.pain_at)}")
            self.points["pain"].setText(str(pain_points(padss.pain_rating)))
        else:
            self.pain_text.setText("No pain rating yet: rate pain (0–10) in the ratings.")
            self.points["pain"].setText("–")
        score = padss.score
        if score is not None:
            self.points["pain"].setText(str(score.pain))
            self.padss_total.setText(state.fit_text)  # never "fit" while anything blocks
        fit = score is not None and state.fit_text.endswith("— fit for discharge")
        self.padss_total.setObjectName("minimumMet" if fit else "checkText")
        self.padss_total.style().unpolish(self.padss_total)
        self.padss_total.style().polish(self.padss_total)
        if score is None:
            todo = ", ".join(sorted({e.field for e in padss.missing}))
            self.padss_total.setText(f"PADSS not yet scored — still needed: {todo}")

    def _render_ride(self, state: DischargeState) -> None:
        ride = state.ride
        for edit, value in (
            (self.driver_edit, ride.driver_name),
            (self.phone_edit, ride.phone),
            (self.relationship_edit, ride.relationship),
        ):
            if not edit.hasFocus() and not edit.isModified():
                edit.setText(value)
        if ride.confirmed and ride.confirmed_at is not None:
            self.ride_status.setText(
                f"Confirmed {_hhmm(ride.confirmed_at)}, {self._by(ride.mark, 'recorded')}"
            )
        else:
            self.ride_status.setText("Not confirmed yet: call or meet the driver, then confirm.")

    def _render_integration(self, state: DischargeState) -> None:
        integration = state.integration
        if integration.at is not None:
            self.integration_edit.setDateTime(_qdatetime(integration.at))
            self.integration_status.setText(
                f"Booked {integration.at.astimezone():%a %d %b %H:%M} "
                f"{self._by(integration.mark, 'recorded')}"
            )
        else:
            if not self._integration_suggested:
                self._integration_suggested = True
                suggestion = state.now.astimezone().replace(minute=0, second=0, microsecond=0)
                self.integration_edit.setDateTime(_qdatetime(suggestion).addDays(2))
            self.integration_status.setText("Not booked yet (ideally 24–72 h from now).")
        self.integration_warning.setText(integration.warning or "")
        self.integration_warning.setVisible(bool(integration.warning))

    def _render_rems(self, state: DischargeState) -> None:
        self.esketamine_box.blockSignals(True)
        self.esketamine_box.setChecked(state.esketamine)
        self.esketamine_box.blockSignals(False)
        rems = state.rems
        for widget in (self.rems_text, self.ready_edit, self.ready_button):
            widget.setVisible(rems is not None)
        if rems is None:
            return
        total = "—" if rems.total_minutes is None else f"{rems.total_minutes} min"
        if rems.ready_minutes is not None and rems.ready_at is not None:
            ready = f"{rems.ready_minutes} min (at {_hhmm(rems.ready_at)})"
        else:
            ready = "not recorded yet"
        self.rems_text.setText(
            f"Total monitoring since the dose: {total}\nReady to leave, 2-h minimum aside: {ready}"
        )

    def _render_signing(self, state: DischargeState) -> None:
        if state.blockers:
            lines = "\n".join(f"• {text}" for text in state.blockers)
            heading = "Overridden at discharge:" if state.signed else "Discharge is blocked by:"
            self.blockers_label.setText(f"{heading}\n{lines}")
            self.blockers_label.setObjectName("banner")
        else:
            self.blockers_label.setText("Nothing open: the patient may go.")
            self.blockers_label.setObjectName("")
        self.blockers_label.style().unpolish(self.blockers_label)
        self.blockers_label.style().polish(self.blockers_label)
        overriding = bool(state.blockers) and not state.signed
        for widget in (self.override_title, self.override_edit, self.override_button):
            widget.setVisible(overriding)
        if not overriding:
            self._show("reason", "")
        signature = state.signature
        self.signed_label.setVisible(signature is not None)
        if signature is not None:
            self.signed_label.setText(
                f"Discharged by {signature.printed_name} at {_hhmm(signature.at)}"
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
                f"{self._name(override.signed_by_id)}: “{override.reason}”. "
                "Flagged for supervisor review."
            )

    # ---- messages ----------------------------------------------------------------------------
    def _show(self, key: str, text: str) -> None:
        label = self.errors[key]
        label.setText(text)
        label.setVisible(bool(text))
        field = {
            "driver_name": self.driver_edit,
            "phone": self.phone_edit,
            "relationship": self.relationship_edit,
            "confirmed_at": self.confirmed_at_edit,
            "ready_at": self.ready_edit,
            "pin": self.pin_edit,
            "reason": self.override_edit,
            "signer": self.signer_combo,
            "item_reason": self.item_reason_edit,
            "item_pin": self.item_pin_edit,
        }.get(key)
        if field is not None:
            set_invalid(field, bool(text))

    def _clear_error(self, key: str) -> None:
        if self.errors[key].text():
            self._show(key, "")

    def _show_failed(self, errors: list[FieldError], fallback: str) -> None:
        for error in errors:
            key = error.field if error.field in self.errors else fallback
            current = self.errors[key].text() if key == fallback else ""
            self._show(key, f"{current} {error.message}".strip())

    def _acting(self) -> int | None:
        actor = self._actor()
        self._show(ACTION, NO_ACTOR if actor is None else "")
        return actor

    def _attempt(self, key: str, action: Callable[[], object]) -> bool:
        """Run a service command; expected errors go beside their field (or under ``key``)."""
        self._show(key, "")
        try:
            action()
        except ValidationFailed as failed:
            self._show_failed(failed.errors, key)
            return False
        except (IllegalTransition, PermissionDenied, StoreUnavailable) as error:
            self._show(key, str(error))
            return False
        return True

    def _time_today(self, text: str, key: str) -> tuple[bool, datetime | None]:
        """(ok, time): a typed HH:MM as an aware time today, None for blank (now)."""
        text = text.strip()
        if not text or self._state is None:
            return True, None
        try:
            parsed = time.fromisoformat(text if len(text) > 2 else f"{text}:00")
        except ValueError:
            self._show(key, f"Type the time as HH:MM, not “{text}”.")
            return False, None
        today: date = self._state.now.astimezone().date()
        return True, datetime.combine(today, parsed).astimezone()

    # ---- slots -------------------------------------------------------------------------------
    def _on_service_changed(self, state: DischargeState | None) -> None:
        self._render(state)

    def _on_people_changed(self) -> None:
        self._load_staff()

    def _on_refresh_timer_timeout(self) -> None:
        self._service.refresh()

    def _on_item_box_toggled(self, item_id: str, checked: bool) -> None:
        actor = self._acting()
        against = self._service.contradiction(item_id) if checked and actor is not None else ""
        if against:
            self._render(self._service.state())  # stays unticked until the override is signed
            self.open_item_override(item_id, against)
            return
        if actor is None or not self._attempt(
            ACTION, lambda: self._service.answer(item_id, checked, actor)
        ):
            self._render(self._service.state())

    def _on_item_sign_clicked(self) -> None:
        item_id, actor = self._override_item, self._acting()
        if item_id is None or actor is None:
            return
        reason, secret = self.item_reason_edit.text(), self.item_pin_edit.text()
        self._show("item_reason", "")
        self._show("item_pin", "")
        if self._attempt(
            ACTION,
            lambda: self._service.answer(
                item_id, True, actor, override_reason=reason, secret=secret
            ),
        ):
            self._close_item_override()
        else:
            self.item_pin_edit.clear()

    def _on_item_cancel_clicked(self) -> None:
        self._close_item_override()

    def _on_vitals_confirm_clicked(self) -> None:
        actor = self._acting()
        if actor is not None:
            self._attempt("vitals", lambda: self._service.confirm_vitals(actor))

    def _on_ambulation_combo_changed(self, _index: int) -> None:
        value = self.ambulation_combo.currentData()
        actor = self._acting()
        if actor is None or value is None:
            self._render(self._service.state())
            return
        self._attempt(ACTION, lambda: self._service.set_ambulation(Ambulation(value), actor))

    def _on_nausea_combo_changed(self, _index: int) -> None:
        value = self.nausea_combo.currentData()
        actor = self._acting()
        if actor is None or value is None:
            self._render(self._service.state())
            return
        self._attempt(ACTION, lambda: self._service.set_nausea(NauseaControl(value), actor))

    def _on_confirm_ride_clicked(self) -> None:
        actor = self._acting()
        if actor is None:
            return
        for key in ("driver_name", "phone", "relationship", "confirmed_at"):
            self._show(key, "")
        ok, confirmed_at = self._time_today(self.confirmed_at_edit.text(), "confirmed_at")
        if not ok:
            return
        driver, phone = self.driver_edit.text(), self.phone_edit.text()
        relationship = self.relationship_edit.text()
        if self._attempt(
            ACTION,
            lambda: self._service.confirm_ride(driver, phone, relationship, actor, confirmed_at),
        ):
            self.confirmed_at_edit.clear()
            for edit in (self.driver_edit, self.phone_edit, self.relationship_edit):
                edit.setModified(False)
            self._render(self._service.state())

    def _on_book_button_clicked(self) -> None:
        actor = self._acting()
        if actor is None:
            return
        when = datetime.fromtimestamp(self.integration_edit.dateTime().toSecsSinceEpoch(), UTC)
        self._attempt("integration", lambda: self._service.book_integration(when, actor))

    def _on_esketamine_box_toggled(self, checked: bool) -> None:
        if not self._attempt(ACTION, lambda: self._service.set_esketamine(checked)):
            self._render(self._service.state())

    def _on_ready_button_clicked(self) -> None:
        actor = self._acting()
        if actor is None:
            return
        ok, ready = self._time_today(self.ready_edit.text(), "ready_at")
        if not ok:
            return
        at = ready or (self._state.now if self._state else None)
        if at is not None and self._attempt(
            "ready_at", lambda: self._service.set_ready_at(at, actor)
        ):
            self.ready_edit.clear()

    def _sign(self, override_reason: str) -> None:
        for key in ("signer", "pin", "reason", SIGN):
            self._show(key, "")
        signer = self.signer_combo.currentData()
        pin = self.pin_edit.text()
        blocked = self._state is not None and bool(self._state.blockers)
        if signer is not None and not pin and (override_reason or not blocked):
            self._show("pin", "Enter your password to sign.")
            self.pin_edit.setFocus()
            return
        try:
            self._service.discharge(signer, pin, override_reason=override_reason)
        except ValidationFailed as failed:
            if any(e.field == "blockers" for e in failed.errors):
                self._show(
                    SIGN,
                    "Items are still open (see Open items): close them, or give a reason "
                    "and use Discharge anyway.",
                )
            else:
                self._show_failed(failed.errors, SIGN)
            if any(e.field == "pin" for e in failed.errors):
                self.pin_edit.clear()
                self.pin_edit.setFocus()
        except (IllegalTransition, PermissionDenied, StoreUnavailable) as error:
            self._show(SIGN, str(error))

    def _on_discharge_button_clicked(self) -> None:
        self._sign("")

    def _on_override_button_clicked(self) -> None:
        errors = validate_override(self.override_edit.text())
        if errors:
            self._show("reason", errors[0].message)
            self.override_edit.setFocus()
            return
        self._sign(self.override_edit.text())

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
