"""Adverse events: what happened, how bad, what was done, rescue drugs and other treatment; list."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
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

from console.clock import Clock
from console.domain.events import (
    ADVERSE_KINDS,
    OXYGEN_DEVICES,
    AdverseEvent,
    Severity,
    validate_adverse_event,
)
from console.errors import FieldError
from console.services.workflow import WorkflowService
from widgets.dose_form import clock_text, form_cell, parse_clock_time, parse_number
from widgets.forms import FORM, CommandRunner, FieldErrors
from widgets.theme import named

RESCUE_DRUGS = ("ondansetron", "clonidine", "labetalol", "lorazepam", "midazolam")
RESCUE_ROUTES = ("IV", "IM", "oral", "sublingual", "intranasal")


class AdverseEventForm(QFrame):
    """Records adverse events of the active session; each is flagged for supervisor review."""

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
        self.kind = QComboBox()
        self.kind.addItem("Choose what happened…", None)
        for kind in ADVERSE_KINDS:
            self.kind.addItem(kind.capitalize(), kind)
        self.severity = QComboBox()
        self.severity.addItem("Choose…", None)
        for severity in Severity:
            self.severity.addItem(severity.value.capitalize(), severity.value)
        self.at = self._edit("now", 80)
        self.detail = self._edit("what happened, in words (required for Other)", 280)
        self.detail.setMaxLength(400)
        self.detail.setMaximumWidth(420)
        self.oxygen = self._edit("L/min", 70)
        self.oxygen_device = QComboBox()
        self.oxygen_device.addItem("device…", "")
        for device in OXYGEN_DEVICES:
            self.oxygen_device.addItem(device, device)
        self.airway = QCheckBox("Airway manoeuvre")
        self.positioning = QCheckBox("Positioning")
        for box in (self.airway, self.positioning):
            box.setStyleSheet("QCheckBox { background: transparent; }")
        self.action = self._edit("what was done (repositioned, reassured, medication…)", 280)
        self.action.setMaximumWidth(420)
        self.rescue_drug = QComboBox()
        self.rescue_drug.setEditable(True)
        self.rescue_drug.addItem("")
        self.rescue_drug.addItems(RESCUE_DRUGS)
        self.rescue_drug.setMinimumWidth(170)
        drug_edit = self.rescue_drug.lineEdit()
        assert drug_edit is not None
        drug_edit.setPlaceholderText("none")
        drug_edit.returnPressed.connect(self._on_field_return_pressed)
        self.rescue_dose = self._edit("mg", 80)
        self.rescue_route = QComboBox()
        self.rescue_route.addItem("route…", "")
        for route in RESCUE_ROUTES:
            self.rescue_route.addItem(route, route)
        self.rescue_at = self._edit("now", 80)
        keys = ("kind", "severity", "at", "detail", "action", "rescue_drug", "rescue_dose_mg")
        more = ("rescue_route", "rescue_at", "oxygen_l_min", FORM)
        self.field_errors = FieldErrors((*keys, *more))
        for key, field in (
            ("kind", self.kind),
            ("severity", self.severity),
            ("at", self.at),
            ("rescue_drug", self.rescue_drug),
            ("rescue_dose_mg", self.rescue_dose),
            ("rescue_route", self.rescue_route),
            ("rescue_at", self.rescue_at),
            ("detail", self.detail),
            ("oxygen_l_min", self.oxygen),
        ):
            self.field_errors.bind(key, field)
        self.errors = self.field_errors.labels
        self._runner = CommandRunner(self._show)
        self.saved_note = named(QLabel(""), "savedNote")
        self.save_button = QPushButton("Record event")
        self.save_button.setAutoDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.event_list = QListWidget()
        self.event_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.event_list.setMaximumHeight(120)
        self.event_list.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Adverse event"), "panelTitle"))
        layout.addLayout(self._build_grid())
        layout.addWidget(self.errors[FORM])
        actions = QHBoxLayout()
        actions.addWidget(self.saved_note, 1)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)
        layout.addWidget(named(QLabel("Events this session"), "clockCaption"))
        layout.addWidget(self.event_list)
        order: list[QWidget] = [self.kind, self.severity, self.at, self.detail, self.action]
        order += [self.rescue_drug, self.rescue_dose, self.rescue_route, self.rescue_at]
        order += [self.oxygen, self.oxygen_device, self.airway, self.positioning]
        order += [self.save_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        service.adverseEventAdded.connect(self._on_service_adverse_event_added)
        service.changed.connect(self._on_service_changed)
        self._fill_list()

    def _edit(self, placeholder: str, width: int) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setMinimumWidth(width)
        edit.returnPressed.connect(self._on_field_return_pressed)
        return edit

    def _build_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(2, 1)
        grid.setColumnMinimumWidth(2, 240)
        rows: list[tuple[str, QWidget, QWidget, tuple[str, ...]]] = [
            ("What happened", self.kind, form_cell(self.kind), ("kind",)),
            ("Severity", self.severity, form_cell(self.severity), ("severity",)),
            ("At", self.at, form_cell(self.at), ("at",)),
            ("Details", self.detail, self.detail, ("detail",)),
            ("Action taken", self.action, self.action, ("action",)),
            ("Rescue drug", self.rescue_drug, form_cell(self.rescue_drug), ("rescue_drug",)),
            (
                "Dose",
                self.rescue_dose,
                form_cell(
                    self.rescue_dose, QLabel("mg"), self.rescue_route, QLabel("at"), self.rescue_at
                ),
                ("rescue_dose_mg", "rescue_route", "rescue_at"),
            ),
            (
                "Oxygen",
                self.oxygen,
                form_cell(self.oxygen, QLabel("L/min by"), self.oxygen_device),
                ("oxygen_l_min",),
            ),
            ("Other treatment", self.airway, form_cell(self.airway, self.positioning), ()),
        ]
        for row, (text, buddy, holder, keys) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(buddy)
            grid.addWidget(label, row, 0)
            grid.addWidget(holder, row, 1)
            column = QVBoxLayout()
            column.setSpacing(0)
            for key in keys:
                column.addWidget(self.errors[key])
            grid.addLayout(column, row, 2)
        return grid

    # ---- public ---------------------------------------------------------------------------
    def save(self) -> AdverseEvent | None:
        """Check and store the event; messages appear beside the fields and nothing is stored."""
        actor, record = self._actor(), self._service.session
        if actor is None:
            self._show({FORM: "Choose who is recording (Acting as, in the status bar)."})
            return None
        if record is None:
            self._show({FORM: "Open a session first."})
            return None
        now = self._clock.now()
        errors: list[FieldError] = []

        def time(edit: QLineEdit, field: str) -> datetime:
            try:
                return parse_clock_time(edit.text(), now) if edit.text().strip() else now
            except ValueError as error:
                errors.append(FieldError(field, str(error)))
                return now

        kind: str | None = self.kind.currentData()
        severity: str | None = self.severity.currentData()
        if kind is None:
            errors.append(FieldError("kind", "Choose what happened."))
        if severity is None:
            errors.append(FieldError("severity", "Choose how severe it was."))
        at = time(self.at, "at")
        drug = self.rescue_drug.currentText().strip()
        dose: float | None = None
        try:
            dose = parse_number(self.rescue_dose.text(), "The rescue dose")
        except ValueError as error:
            errors.append(FieldError("rescue_dose_mg", str(error)))
        route = str(self.rescue_route.currentData() or "")
        if drug and not route:
            errors.append(FieldError("rescue_route", "Choose how it was given."))
        rescue_at = time(self.rescue_at, "rescue_at") if drug else None
        oxygen: float | None = None
        try:
            oxygen = parse_number(self.oxygen.text(), "The oxygen flow")
        except ValueError as error:
            errors.append(FieldError("oxygen_l_min", str(error)))
        event = AdverseEvent(
            str(uuid.uuid4()),
            record.id,
            at,
            kind or "",
            Severity(severity or Severity.MILD),
            self.action.text().strip(),
            actor,
            drug,
            dose,
            route if drug else "",
            rescue_at,
            detail=self.detail.text().strip(),
            oxygen_l_min=oxygen,
            oxygen_device=str(self.oxygen_device.currentData() or ""),
            airway_manoeuvre=self.airway.isChecked(),
            positioning=self.positioning.isChecked(),
        )
        if errors:  # the form's own problems, with the domain's view of the other fields
            messages = {e.field: e.message for e in errors}
            for extra in validate_adverse_event(event, now):
                messages.setdefault(extra.field, extra.message)
            self._show(messages)
            return None
        if not self._runner.attempt(lambda: self._service.add_adverse_event(event)):
            return None
        who = self._staff_name(actor) if self._staff_name else f"staff #{actor}"
        self.saved_note.setText(f"Recorded {clock_text(event.at)} by {who}")
        self._show({})
        self._clear()
        return event

    # ---- internals ------------------------------------------------------------------------
    def _show(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)
        first = self.field_errors.first_invalid(messages, visible=False)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        if messages:
            self.saved_note.clear()

    def _clear(self) -> None:
        for combo in (self.kind, self.severity, self.rescue_route, self.oxygen_device):
            combo.setCurrentIndex(0)
        for box in (self.airway, self.positioning):
            box.setChecked(False)
        self.rescue_drug.setCurrentIndex(0)
        self.rescue_drug.setEditText("")
        for edit in (self.at, self.detail, self.action, self.rescue_dose, self.rescue_at):
            edit.clear()
        self.oxygen.clear()
        self.kind.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_list(self) -> None:
        self.event_list.clear()
        for event in reversed(self._service.adverse_events()):
            line = f"{clock_text(event.at)}  {event.kind_text} ({event.severity.value})"
            if event.action:
                line += f" — {event.action}"
            if event.rescue_given and event.rescue_dose_mg is not None:
                given = clock_text(event.rescue_at) if event.rescue_at else ""
                line += (
                    f" · rescue {event.rescue_drug} {event.rescue_dose_mg:g} mg "
                    f"{event.rescue_route} {given}"
                )
            if event.treatments:
                line = f"{line.rstrip()} · " + ", ".join(event.treatments)
            if self._staff_name:
                line = f"{line.rstrip()} · {self._staff_name(event.author_id)}"
            self.event_list.addItem(line.rstrip())

    # ---- slots ----------------------------------------------------------------------------
    def _on_field_return_pressed(self) -> None:
        self.save()

    def _on_save_button_clicked(self) -> None:
        self.save()

    def _on_service_adverse_event_added(self, _event: object) -> None:
        self._fill_list()

    def _on_service_changed(self) -> None:
        self._fill_list()
