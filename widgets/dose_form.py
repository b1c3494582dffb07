"""Dose entry: drug, route, amount with live mg/kg and session total, times, lot, slip guards.

The first dose sets T0. An entry the slip guard queries waits for a typed reason; a dose entered
in error is marked so (signed with the acting person's password) and stays listed, struck through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.domain.doses import ESKETAMINE_MG_PER_DEVICE, DoseDraft, Drug, Route
from console.domain.doses_record import DoseRecord
from console.errors import FieldError
from console.services.workflow import CONFIRM_FIELD, WorkflowService
from widgets.dose_correction import DoseCorrection
from widgets.forms import FORM, CommandRunner, FieldErrors
from widgets.theme import named

FIRST_TEXT = "Record dose → T0"
BOOSTER_TEXT = "Record booster"
CONFIRM_TEXT = "Confirm and record"
DRUG_LABELS = {Drug.KETAMINE: "Ketamine (racemic)", Drug.ESKETAMINE: "Esketamine (nasal)"}
_TIME = re.compile(r"^(\d{1,2})[:.h]?(\d{2})$")
_MAX_DEVICES = 3  # 84 mg, the largest esketamine session dose


def parse_clock_time(text: str, now: datetime) -> datetime:
    """A typed local "HH:MM" as a UTC time today (yesterday if that is >12 h ahead); ValueError."""
    cleaned = text.strip()
    match = _TIME.match(cleaned)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"Enter the time as HH:MM (24 h), not “{cleaned}”.")
    local = now.astimezone()
    when = local.replace(hour=int(match[1]), minute=int(match[2]), second=0, microsecond=0)
    if when - local > timedelta(hours=12):
        when -= timedelta(days=1)  # typed after midnight for a time before it
    return when.astimezone(UTC)


def parse_number(text: str, what: str) -> float | None:
    """A typed number (comma or point), None when empty; ValueError saying what was wrong."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise ValueError(f"{what} must be a number, not “{cleaned}”.") from None


def form_cell(*widgets: QWidget) -> QWidget:
    """Widgets side by side on a see-through strip (the theme paints bare QWidgets otherwise)."""
    cell = QWidget()
    cell.setObjectName("formCell")
    cell.setStyleSheet("QWidget#formCell { background: transparent; }")
    box = QHBoxLayout(cell)
    box.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        box.addWidget(widget)
    box.addStretch(1)
    return cell


def clock_text(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


class DoseForm(QFrame):
    """Records doses for the active session; nothing is stored until every field is valid."""

    def __init__(
        self,
        service: WorkflowService,
        clock: Clock,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
        *,
        staff_name: Callable[[int], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._service = service
        self._clock = clock
        self._actor = actor
        self._staff_name = staff_name
        self.drug = QComboBox()
        for drug, label in DRUG_LABELS.items():
            self.drug.addItem(label, drug)
        self.route = QComboBox()
        for route in Route:
            self.route.addItem(route.label, route)
        self.route.setCurrentIndex(self.route.findData(Route.IM))
        self.devices = QSpinBox()
        self.devices.setRange(0, _MAX_DEVICES)
        self.devices.setSpecialValueText("–")
        self.devices.setSuffix(f" × {ESKETAMINE_MG_PER_DEVICE} mg")
        self.amount = self._edit("amount in mg", 10)
        self.per_kg = named(QLabel(""), "clockCaption")
        self.started = self._edit("now", 8)
        self.started_hint = named(QLabel("given now"), "clockCaption")
        self.ended = self._edit("HH:MM", 8)
        self.rate = self._edit("mg/h", 8)
        self.lot = self._edit("lot number", 16)
        self.lot.setMaximumWidth(260)
        self.totals = named(QLabel(""), "clockCaption")
        self.totals.setWordWrap(True)
        self.totals.setAccessibleName("Session total")
        # the slip guard's confirmation: what was queried, and the reason to go ahead
        self.confirm_box = QFrame()
        self.confirm_box.setObjectName("confirmBox")
        self.confirm_text = named(QLabel(""), "banner")
        self.confirm_text.setWordWrap(True)
        self.confirm_reason = QLineEdit()
        self.confirm_reason.setPlaceholderText("why this dose is right (required)")
        self.confirm_reason.setMaxLength(2000)
        self.confirm_reason.returnPressed.connect(self._on_confirm_button_clicked)
        self.confirm_button = named(QPushButton(CONFIRM_TEXT), "danger")
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)
        self.change_button = named(QPushButton("Change the entry"), "secondary")
        self.change_button.clicked.connect(self._on_change_button_clicked)
        self.field_errors = FieldErrors()
        for key, field in (
            ("route", self.route),
            ("device_count", self.devices),
            ("amount_mg", self.amount),
            ("started_at", self.started),
            ("ended_at", self.ended),
            ("rate_mg_per_h", self.rate),
            ("lot", self.lot),
            (CONFIRM_FIELD, self.confirm_reason),
        ):
            self.field_errors.add(key, field)
        self.field_errors.add(FORM)
        self.errors = self.field_errors.labels
        self._runner = CommandRunner(self._show_errors)
        self.blocked = named(QLabel(""), "actionError")
        self.blocked.setWordWrap(True)
        self.saved_note = named(QLabel(""), "savedNote")
        self.record_button = QPushButton(FIRST_TEXT)
        self.record_button.setAutoDefault(True)
        self.record_button.clicked.connect(self._on_record_button_clicked)
        self.dose_list = QListWidget()
        self.dose_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.dose_list.setMaximumHeight(120)
        self.dose_list.setWordWrap(True)
        self._rows: dict[str, list[QWidget]] = {}

        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Dose"), "panelTitle"))
        layout.addLayout(self._build_grid())
        layout.addWidget(self.totals)
        layout.addWidget(self.errors[FORM])
        layout.addWidget(self.blocked)
        layout.addWidget(self._build_confirm())
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_note, 1)
        buttons.addWidget(self.record_button)
        layout.addLayout(buttons)
        layout.addWidget(named(QLabel("Doses given"), "clockCaption"))
        layout.addWidget(self.dose_list)
        self.correction = DoseCorrection(service, actor, self.dose_list)
        self.correction.corrected.connect(self._on_correction_corrected)
        # the correction's parts, by the names the form has always offered
        self.error_button, self.error_box = self.correction.button, self.correction.box
        self.error_reason, self.error_pin = self.correction.reason, self.correction.pin
        self.correction_errors = self.correction.errors
        layout.addWidget(self.correction)

        order = [self.drug, self.route, self.devices, self.amount, self.started]
        order += [self.ended, self.rate, self.lot, self.record_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        self.drug.currentIndexChanged.connect(self._on_drug_changed)
        self.route.currentIndexChanged.connect(self._on_route_changed)
        self.devices.valueChanged.connect(self._on_devices_changed)
        self.amount.textChanged.connect(self._on_amount_changed)
        self.started.textChanged.connect(self._on_started_changed)
        service.changed.connect(self._on_service_changed)
        service.doseRecorded.connect(self._on_service_dose_recorded)
        self.drug.currentIndexChanged.connect(self._on_entry_changed)
        self.route.currentIndexChanged.connect(self._on_entry_changed)
        self.devices.valueChanged.connect(self._on_entry_changed)
        self._on_drug_changed()
        self._refresh()

    def _build_confirm(self) -> QFrame:
        box = QVBoxLayout(self.confirm_box)
        box.setContentsMargins(0, 4, 0, 4)
        box.addWidget(self.confirm_text)
        row = QHBoxLayout()
        label = QLabel("Reason")
        label.setBuddy(self.confirm_reason)
        row.addWidget(label)
        row.addWidget(self.confirm_reason, 1)
        row.addWidget(self.confirm_button)
        row.addWidget(self.change_button)
        box.addLayout(row)
        box.addWidget(self.errors[CONFIRM_FIELD])
        self.confirm_box.hide()
        return self.confirm_box

    def _edit(self, placeholder: str, width_chars: int) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setMinimumWidth(width_chars * 9 + 16)
        edit.returnPressed.connect(self._on_field_return_pressed)
        edit.textEdited.connect(self._on_field_edited)
        return edit

    def _build_grid(self) -> QGridLayout:
        """Label | field(s) | message beside it; rows that do not apply are hidden."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(2, 1)
        grid.setColumnMinimumWidth(2, 240)
        rows: list[tuple[str, str, list[QWidget], str]] = [
            ("drug", "Drug", [self.drug], ""),
            ("route", "Route", [self.route], "route"),
            ("devices", "Nasal devices", [self.devices], "device_count"),
            ("amount", "Amount", [self.amount, QLabel("mg"), self.per_kg], "amount_mg"),
            ("started", "Started at", [self.started, self.started_hint], "started_at"),
            ("ended", "Ended at", [self.ended, QLabel("or rate"), self.rate], "ended_at"),
            ("lot", "Lot", [self.lot], "lot"),
        ]
        for row, (key, text, widgets, error) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(widgets[0])
            cell = form_cell(*widgets)
            grid.addWidget(label, row, 0)
            grid.addWidget(cell, row, 1)
            messages: list[QWidget] = []
            if error:
                column = QVBoxLayout()
                column.setSpacing(0)
                for name in (error, "rate_mg_per_h") if key == "ended" else (error,):
                    column.addWidget(self.errors[name])
                    messages.append(self.errors[name])
                grid.addLayout(column, row, 2)
            self._rows[key] = [label, cell, *messages]
        return grid

    # ---- public ---------------------------------------------------------------------------
    def draft(self) -> tuple[DoseDraft, list[FieldError]]:
        """The form as a dose draft, and the fields that could not be read."""
        now = self._clock.now()
        drug = self._drug()
        route = self._route()
        errors: list[FieldError] = []

        def number(edit: QLineEdit, field: str, what: str) -> float | None:
            try:
                return parse_number(edit.text(), what)
            except ValueError as error:
                errors.append(FieldError(field, str(error)))
                return None

        def time(edit: QLineEdit, field: str) -> datetime | None:
            if not edit.text().strip():
                return None
            try:
                return parse_clock_time(edit.text(), now)
            except ValueError as error:
                errors.append(FieldError(field, str(error)))
                return None

        amount = number(self.amount, "amount_mg", "The amount")
        started = time(self.started, "started_at") if self.started.text().strip() else now
        infusion = route is Route.IV_INFUSION
        ended = time(self.ended, "ended_at") if infusion else None
        rate = number(self.rate, "rate_mg_per_h", "The rate") if infusion else None
        count = (self.devices.value() or None) if drug is Drug.ESKETAMINE else None
        draft = DoseDraft(drug, route, amount, started, ended, rate, self.lot.text(), count)
        return draft, errors

    def record(self) -> DoseRecord | None:
        """Check and store the dose; messages appear beside the fields, or the dose in the list.

        An entry the slip guard queries is not stored on the first Enter: the confirmation
        shows what was queried and waits for a reason (``confirm``).
        """
        actor = self._actor()
        if actor is None:
            self._show_errors({FORM: "Choose who is recording (Acting as, in the status bar)."})
            return None
        draft, unreadable = self.draft()
        messages = {e.field: e.message for e in self._service.check_dose(draft)}
        messages.update({e.field: e.message for e in unreadable})  # "not a number" wins
        if messages:
            self._show_errors(messages)
            return None
        concerns = self._service.dose_concerns(draft)
        if concerns:
            self._ask_confirmation(concerns)
            return None
        return self._store(draft, actor, "")

    def confirm(self) -> DoseRecord | None:
        """Store the queried entry with the reason typed in the confirmation."""
        actor = self._actor()
        if actor is None:
            self._show_errors({FORM: "Choose who is recording (Acting as, in the status bar)."})
            return None
        draft, unreadable = self.draft()
        if unreadable:
            self._show_errors({e.field: e.message for e in unreadable})
            return None
        reason = self.confirm_reason.text().strip()
        if self._service.dose_concerns(draft) and not reason:
            self._show_errors({CONFIRM_FIELD: "Give the reason for going ahead with this dose."})
            return None
        return self._store(draft, actor, reason)

    def mark_entered_in_error(self) -> DoseRecord | None:
        """Sign the selected dose as entered in error (the acting person's password)."""
        return self.correction.mark()

    def _store(self, draft: DoseDraft, actor: int, reason: str) -> DoseRecord | None:
        first = self._service.first_dose_pending()
        dose = self._runner.run(
            lambda: self._service.record_dose(draft, actor, confirm_reason=reason)
        )
        if dose is None:
            return None
        who = self._staff_name(actor) if self._staff_name else f"staff #{actor}"
        t0 = " — T0 set" if first else ""
        self.saved_note.setText(f"Recorded {clock_text(dose.started_at)} by {who}{t0}")
        self._show_errors({})
        self._close_confirmation()
        for edit in (self.amount, self.started, self.ended, self.rate, self.lot):
            edit.clear()
        self.devices.setValue(0)
        self.amount.setFocus(Qt.FocusReason.OtherFocusReason)
        return dose

    # ---- internals ------------------------------------------------------------------------
    def _drug(self) -> Drug:
        return Drug(self.drug.currentData())  # Qt hands a StrEnum back as its str value

    def _route(self) -> Route:
        return Route(self.route.currentData())

    def _ask_confirmation(self, concerns: list[str]) -> None:
        self._show_errors({})
        lines = "\n".join(f"• {text}" for text in concerns)
        self.confirm_text.setText(f"Check this dose before it is recorded:\n{lines}")
        self.confirm_box.show()
        self.record_button.setEnabled(False)
        self.confirm_reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def _close_confirmation(self) -> None:
        if self.confirm_box.isVisible() or self.confirm_reason.text():
            self.confirm_box.hide()
            self.confirm_reason.clear()
            self.field_errors.clear(CONFIRM_FIELD)
            self.record_button.setEnabled(not self._service.can_dose())

    def _service_t0(self) -> datetime | None:
        record = self._service.session
        return record.t0 if record is not None else None

    def _show_errors(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)
        first_bad = self.field_errors.first_invalid(messages)
        if first_bad is not None:
            first_bad.setFocus(Qt.FocusReason.OtherFocusReason)
        if messages:
            self.saved_note.clear()

    def _refresh(self) -> None:
        first = self._service.first_dose_pending()
        self.record_button.setText(FIRST_TEXT if first else BOOSTER_TEXT)
        reasons = self._service.can_dose()
        self.blocked.setText("Dosing is blocked:\n" + "\n".join(f"• {r}" for r in reasons))
        self.blocked.setVisible(bool(reasons))
        self.record_button.setEnabled(not reasons and not self.confirm_box.isVisible())
        self._update_per_kg()
        chosen = self.correction.selected()
        self.dose_list.clear()
        t0 = self._service_t0()
        for dose in self._service.doses():
            mark = "  · T0" if dose.started_at == t0 else "  · booster"
            lot = f" · lot {dose.lot}" if dose.lot else ""
            text = f"{clock_text(dose.started_at)}  {dose.summary}{lot}{mark}"
            if dose.confirm_reason:
                text += f"\n    confirmed: {dose.confirm_reason}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, dose.uid)
            if dose.correction is not None:
                fix = dose.correction
                item.setText(
                    f"{text}\n    ENTERED IN ERROR — {fix.reason} "
                    f"(signed {fix.printed_name}, {clock_text(fix.signed_at)})"
                )
                font = item.font()
                font.setStrikeOut(True)
                item.setFont(font)
                item.setToolTip("Entered in error: kept on record, left out of every total.")
            self.dose_list.addItem(item)
            if chosen is not None and chosen.uid == dose.uid:
                self.dose_list.setCurrentItem(item)
        self.correction.refresh()

    def _update_per_kg(self) -> None:
        weight = self._service.weight_kg()
        try:
            amount = parse_number(self.amount.text(), "amount")
        except ValueError:
            amount = None
        per_kg = self._service.mg_per_kg(amount) if amount and amount > 0 else None
        if weight is None:
            self.per_kg.setText("no weight recorded")
        elif per_kg is None:
            self.per_kg.setText(f"— mg/kg  ({weight:g} kg)")
        else:
            self.per_kg.setText(f"{per_kg:.2f} mg/kg  ({weight:g} kg)")
        self._update_totals()

    def _update_totals(self) -> None:
        """The running session total (doses in force), and the total with this entry."""
        so_far = self._service.totals()
        text = "Session total: " + (", ".join(t.text for t in so_far) or "nothing given yet")
        draft, unreadable = self.draft()
        if not unreadable and draft.amount_mg and draft.amount_mg > 0:
            with_entry = [t for t in self._service.totals(draft) if t.drug is draft.drug]
            if with_entry:
                text += f"  ·  with this entry: {with_entry[0].text}"
        self.totals.setText(text)

    def _show_row(self, key: str, shown: bool) -> None:
        for widget in self._rows[key][:2]:
            widget.setVisible(shown)

    # ---- slots ----------------------------------------------------------------------------
    def _on_drug_changed(self) -> None:
        esketamine = self._drug() is Drug.ESKETAMINE
        self._show_row("devices", esketamine)
        self.amount.setReadOnly(esketamine)
        self.amount.setFocusPolicy(
            Qt.FocusPolicy.NoFocus if esketamine else Qt.FocusPolicy.StrongFocus
        )
        if esketamine:
            self.route.setCurrentIndex(self.route.findData(Route.INTRANASAL))
            self._on_devices_changed()
        self._on_route_changed()

    def _on_route_changed(self) -> None:
        self._show_row("ended", self._route() is Route.IV_INFUSION)

    def _on_devices_changed(self) -> None:
        if self._drug() is Drug.ESKETAMINE:
            count = self.devices.value()
            self.amount.setText(str(count * ESKETAMINE_MG_PER_DEVICE) if count else "")

    def _on_amount_changed(self) -> None:
        self._update_per_kg()

    def _on_started_changed(self) -> None:
        self.started_hint.setVisible(not self.started.text().strip())

    def _on_field_edited(self) -> None:
        self.saved_note.clear()
        self._on_entry_changed()

    def _on_entry_changed(self) -> None:
        """Any change of the entry withdraws a pending confirmation: it was for other numbers."""
        self._close_confirmation()
        self._update_totals()

    def _on_confirm_button_clicked(self) -> None:
        self.confirm()

    def _on_change_button_clicked(self) -> None:
        self._close_confirmation()
        self.amount.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_correction_corrected(self, dose: DoseRecord) -> None:
        self.saved_note.setText(f"Dose of {clock_text(dose.started_at)} marked entered in error")

    def _on_field_return_pressed(self) -> None:
        self.record()

    def _on_record_button_clicked(self) -> None:
        self.record()

    def _on_service_changed(self) -> None:
        self._refresh()

    def _on_service_dose_recorded(self, _dose: object) -> None:
        self._refresh()
