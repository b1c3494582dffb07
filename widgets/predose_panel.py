"""Before the dose: the yes/no checks, the ride home, the BP gate line, what blocks, and overrides."""

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
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.events import OverrideKind
from console.domain.predose import BpSet, GateLevel, PreDoseChecks
from console.domain.vitals import Parameter
from console.errors import FieldError
from console.services.people import PeopleService
from console.services.workflow import WorkflowService
from widgets.forms import FORM, CommandRunner, FieldErrors
from widgets.theme import named

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("benzodiazepines", "Benzodiazepine taken recently?"),
    ("other_sedatives", "Other sedative or sleeping pill recently?"),
    ("stimulants", "Stimulant taken recently?"),
    ("maoi", "Takes an MAOI?"),
    ("opioids", "Opioid taken recently or currently?"),
    ("fasted_food", "Nothing to eat for 2 h?"),
    ("fasted_liquids", "Nothing to drink for 30 min?"),
)
RIDE_FIELDS = (
    ("ride_driver", "Driver", "adult driving the patient home"),
    ("ride_phone", "Phone", "driver's phone"),
    ("ride_relationship", "Relationship", "partner, parent, friend…"),
)
OVERRIDE_TEXT = {
    OverrideKind.BP_GATE: "BP gate: dose despite the high baseline",
    OverrideKind.RIDE_HOME: "Ride home: dose without one arranged",
}
GATE_BLOCKS = "The BP gate holds the dose: sign an override below, or do not dose."
# Tints over the theme's own surface and text colour, so they sit quietly in both themes.
_STATUS_STYLE = """
QLabel { border-radius: 4px; padding: 6px 10px; font-weight: 600;
         border-left: 5px solid rgba(127, 140, 153, 0.6); background: rgba(127, 140, 153, 0.10); }
QLabel[level="ok"] { border-left-color: #4f9a6a; background: rgba(79, 154, 106, 0.13); }
QLabel[level="warn"] { border-left-color: #b0902c; background: rgba(176, 144, 44, 0.16); }
QLabel[level="hold"] { border-left-color: #b8434a; background: rgba(184, 67, 74, 0.17); }
"""
# Radio buttons drawn by hand: the themes paint bare widgets, which hid Fusion's indicators.
_RADIO_STYLE = """
QRadioButton { background: transparent; spacing: 6px; padding: 1px 6px 1px 0; }
QRadioButton::indicator { width: 12px; height: 12px; border-radius: 8px;
                          border: 2px solid #6f7d8a; background: transparent; }
QRadioButton::indicator:checked { background: #4a7fa8; border: 2px solid #4a7fa8; }
QRadioButton::indicator:focus { border-color: #c9a66b; }
"""


def _set_line(found: BpSet) -> str:
    values = found.values
    when = found.at.astimezone().strftime("%H:%M")
    return (
        f"{when}  BP {found.bp_text} · HR {values[Parameter.HR]:g} · "
        f"SpO2 {values[Parameter.SPO2]:g} · RR {values[Parameter.RR]:g}"
    )


def _set_level(label: QLabel, level: str) -> None:
    label.setProperty("level", level)
    label.style().unpolish(label)
    label.style().polish(label)


class PreDosePanel(QFrame):
    """The pre-dose step of the active session; ``actor`` gives who is recording (or None)."""

    def __init__(
        self,
        service: WorkflowService,
        people: PeopleService,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._service = service
        self._people = people
        self._actor = actor
        self._loaded_for: tuple[int | None, PreDoseChecks | None] = (None, None)
        self.answers: dict[str, QButtonGroup] = {}
        self.ride: dict[str, QLineEdit] = {}
        # two forms: the checks (their loose messages under the save button) and the override
        self.check_fields = FieldErrors()
        self.override_fields = FieldErrors(loose="override")
        self.save_button = QPushButton("Save pre-dose checks")
        self.save_button.setAutoDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.saved_note = named(QLabel(""), "savedNote")
        self.gate = QLabel("")
        self.sets = named(QLabel(""), "clockCaption")
        self.sets.setWordWrap(True)
        self.sets.setAccessibleName("Pre-dose vital-sign sets")
        self.readiness = QLabel("")
        for label in (self.gate, self.readiness):
            label.setWordWrap(True)
            label.setStyleSheet(_STATUS_STYLE)
        self.override_box = QFrame()
        self.override_box.setObjectName("overrideBox")
        self.override_box.setStyleSheet("QFrame#overrideBox { background: transparent; }")
        self.override_kind = QComboBox()
        self.override_kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText("why going ahead is right for this patient")
        self.signer = QComboBox()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(200)
        self.pin.setFixedWidth(110)
        self.sign_button = named(QPushButton("Sign override"), "secondary")
        self.sign_button.clicked.connect(self._on_sign_button_clicked)
        self.override_reason.returnPressed.connect(self._on_sign_button_clicked)
        self.pin.returnPressed.connect(self._on_sign_button_clicked)
        for key, field in (
            ("override", None),
            ("reason", self.override_reason),
            ("signer", self.signer),
            ("pin", self.pin),
        ):
            self.override_fields.add(key, field)

        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Before the dose"), "panelTitle"))
        layout.addLayout(self._build_checks())
        layout.addWidget(self.check_fields.add(FORM))
        self.errors = {**self.override_fields.labels, **self.check_fields.labels}
        self._check_runner = CommandRunner(self._on_checks_invalid)
        self._override_runner = CommandRunner(
            self._on_override_invalid, lambda text: self._show({"override": text}, True)
        )
        row = QHBoxLayout()
        row.addWidget(self.saved_note, 1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addWidget(self.gate)
        layout.addWidget(self.sets)
        layout.addWidget(self.readiness)
        layout.addWidget(self._build_override())
        layout.addStretch(1)
        self._set_tab_order()
        service.changed.connect(self._on_service_changed)
        people.changed.connect(self._on_people_changed)
        self._fill_signers()
        self._refresh()

    def _build_checks(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(2, 1)
        row = 0
        for key, text in QUESTIONS:
            group = QButtonGroup(self)
            cell = QHBoxLayout()
            for value, caption in ((1, "Yes"), (0, "No")):
                button = QRadioButton(caption)
                button.setStyleSheet(_RADIO_STYLE)
                button.setAccessibleName(f"{text} {caption}")
                group.addButton(button, value)
                cell.addWidget(button)
            cell.addStretch(1)
            group.buttonClicked.connect(self._on_answer_clicked)
            self.answers[key] = group
            grid.addWidget(QLabel(text), row, 0)
            grid.addLayout(cell, row, 1)
            grid.addWidget(self.check_fields.add(key), row, 2)
            row += 1
        grid.addWidget(named(QLabel("Ride home"), "panelTitle"), row, 0)
        row += 1
        for key, text, hint in RIDE_FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            edit.setMinimumWidth(200)
            edit.textEdited.connect(self._on_ride_edited)
            edit.returnPressed.connect(self._on_save_button_clicked)
            label = QLabel(text)
            label.setBuddy(edit)
            self.ride[key] = edit
            grid.addWidget(label, row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(self.check_fields.add(key, edit), row, 2)
            row += 1
        return grid

    def _build_override(self) -> QFrame:
        grid = QGridLayout(self.override_box)
        grid.setContentsMargins(0, 6, 0, 0)
        grid.setColumnStretch(2, 1)
        caption = named(
            QLabel("Override: signed with a password, kept in the record and flagged for review"),
            "clockCaption",
        )
        grid.addWidget(caption, 0, 0, 1, 3)
        rows: list[tuple[str, QWidget, str]] = [
            ("Override", self.override_kind, "override"),
            ("Reason", self.override_reason, "reason"),
            ("Signed by", self.signer, "signer"),
            ("Password", self.pin, "pin"),
        ]
        for row, (text, widget, error) in enumerate(rows, start=1):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(self.override_fields[error], row, 2)
        grid.addWidget(self.sign_button, len(rows) + 1, 1, Qt.AlignmentFlag.AlignLeft)
        return self.override_box

    def _set_tab_order(self) -> None:
        order: list[QWidget] = []
        for group in self.answers.values():
            order.append(group.buttons()[0])
        order += [*self.ride.values(), self.save_button, self.override_kind]
        order += [self.override_reason, self.signer, self.pin, self.sign_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    # ---- public ---------------------------------------------------------------------------
    def save(self) -> bool:
        """Store the checks; every unanswered question or bad ride field shows beside itself."""
        actor = self._actor()
        if actor is None:
            self._show({FORM: "Choose who is recording (Acting as, in the status bar)."}, False)
            return False
        answers = {key: group.checkedId() for key, group in self.answers.items()}
        errors = [FieldError(k, "Answer yes or no.") for k, v in answers.items() if v < 0]
        yes = {key: value == 1 for key, value in answers.items()}
        checks = PreDoseChecks(
            yes["benzodiazepines"],
            yes["other_sedatives"],
            yes["stimulants"],
            yes["maoi"],
            yes["fasted_food"],
            yes["fasted_liquids"],
            self.ride["ride_driver"].text(),
            self.ride["ride_phone"].text(),
            self.ride["ride_relationship"].text(),
            yes["opioids"],
        )
        errors += self._service.check_predose(checks)
        if errors:
            self._show({e.field: e.message for e in errors}, False)
            return False
        if not self._check_runner.attempt(lambda: self._service.save_predose(checks, actor)):
            return False
        self._show({}, False)
        self.saved_note.setText("Pre-dose checks saved.")
        return True

    def sign_override(self) -> bool:
        """Sign the chosen override with its reason and the signer's PIN."""
        data = self.override_kind.currentData()  # Qt hands a StrEnum back as its str value
        kind = OverrideKind(data) if data is not None else None
        if kind is None:
            self._show({"override": "Nothing blocks the dose that an override can lift."}, True)
            return False
        if not self._override_runner.attempt(
            lambda: self._service.override(
                kind, self.override_reason.text(), self.signer.currentData(), self.pin.text()
            )
        ):
            return False
        self._show({}, True)
        self.override_reason.clear()
        self.pin.clear()
        return True

    # ---- internals ------------------------------------------------------------------------
    def _show(self, messages: dict[str, str], override: bool) -> None:
        (self.override_fields if override else self.check_fields).show(messages)
        if messages:
            self.saved_note.clear()

    def _on_checks_invalid(self, messages: dict[str, str]) -> None:
        self._show(messages, False)

    def _on_override_invalid(self, messages: dict[str, str]) -> None:
        self._show(messages, True)
        self.pin.clear()

    def _load_form(self) -> None:
        record = self._service.session
        checks = self._service.predose()
        loaded = (record.id if record is not None else None, checks)
        if loaded == self._loaded_for:
            return  # keep what is being typed
        self._loaded_for = loaded
        for key, group in self.answers.items():
            group.setExclusive(False)
            answer = getattr(checks, key) if checks is not None else None
            for button in group.buttons():  # None: not answered (asked before this question)
                button.setChecked(answer is not None and group.id(button) == int(answer))
            group.setExclusive(True)
        for key, edit in self.ride.items():
            edit.setText(getattr(checks, key) if checks is not None else "")
        self._show({}, False)
        self._show({}, True)
        self.saved_note.clear()

    def _refresh(self) -> None:
        self._load_form()
        record = self._service.session
        dosed = record is not None and record.t0 is not None
        editable = record is not None and record.state.is_open and not dosed
        self.save_button.setEnabled(editable)
        for group in self.answers.values():
            for button in group.buttons():
                button.setEnabled(editable)
        for edit in self.ride.values():
            edit.setReadOnly(not editable)
        if record is None:
            self.gate.setText("No session open.")
            _set_level(self.gate, "")
        else:
            level, text = self._service.gate_status()
            self.gate.setText(f"BP gate: {text}")
            signed = any(o.kind is OverrideKind.BP_GATE for o in self._service.overrides())
            shown = GateLevel.WARN if level is GateLevel.HOLD and signed else level
            _set_level(self.gate, shown.value)  # an overridden hold reads as caution
        self._show_sets()
        reasons = self._service.can_dose() if record is not None and not dosed else []
        gate_text = self.gate.text().removeprefix("BP gate: ")
        reasons = [GATE_BLOCKS if r == gate_text else r for r in reasons]  # said just above
        if dosed:
            self.readiness.setText("Dose given: the pre-dose step is closed.")
        elif reasons:
            self.readiness.setText("Dosing is blocked:\n" + "\n".join(f"• {r}" for r in reasons))
        else:
            self.readiness.setText("Ready to dose: every pre-dose check is met.")
        _set_level(self.readiness, "hold" if reasons else "ok")
        self.readiness.setVisible(record is not None)
        kinds = self._service.overridable() if record is not None else []
        current = self.override_kind.currentData()  # the str value of an OverrideKind
        self.override_kind.clear()
        for kind in kinds:
            self.override_kind.addItem(OVERRIDE_TEXT[kind], kind)
        if current in kinds:
            self.override_kind.setCurrentIndex(kinds.index(current))
        self.override_box.setVisible(bool(kinds))

    def _show_sets(self) -> None:
        """Every full pre-dose set, the first included; the gate judges the latest."""
        sets = self._service.predose_sets()
        self.sets.setVisible(bool(sets))
        if not sets:
            self.sets.setText("")
            return
        lines = [_set_line(s) for s in sets]
        if len(sets) > 1:
            lines[-1] += "  ← judged by the gate (latest)"
            lines[0] += "  (first: the baseline)"
        self.sets.setText("Pre-dose sets:\n" + "\n".join(lines))

    def _fill_signers(self) -> None:
        chosen = self.signer.currentData()
        self.signer.clear()
        self.signer.addItem("Choose who signs…", None)
        staff = sorted(self._people.staff(), key=lambda s: (not s.role.is_medical, s.name))
        for person in staff:
            self.signer.addItem(f"{person.name} ({person.role.value})", person.id)
        index = self.signer.findData(chosen)
        self.signer.setCurrentIndex(max(0, index))

    # ---- slots ----------------------------------------------------------------------------
    def _on_save_button_clicked(self) -> None:
        self.save()

    def _on_sign_button_clicked(self) -> None:
        self.sign_override()

    def _on_answer_clicked(self, _button: QAbstractButton) -> None:
        for key, group in self.answers.items():
            if group.checkedId() >= 0:
                self.errors[key].hide()
        self.saved_note.clear()

    def _on_ride_edited(self) -> None:
        self.saved_note.clear()

    def _on_service_changed(self) -> None:
        self._refresh()

    def _on_people_changed(self) -> None:
        self._fill_signers()
