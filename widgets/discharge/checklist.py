"""The checklist section: one line per item, and the signed override for a contradicted tick."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.discharge import ItemId
from console.services.discharge import DischargeState
from widgets.discharge.common import ACTION, PanelCore, hhmm, wrapped
from widgets.forms import password_edit
from widgets.theme import named, placeholder_edit


class ChecklistSection(QWidget):
    """Ticks for the items the clinician answers, ✓/✗ for those worked out from the record."""

    def __init__(self, core: PanelCore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self.item_boxes: dict[str, QCheckBox] = {}
        self.item_status: dict[str, QLabel] = {}
        self.item_texts: dict[str, QLabel] = {}
        self.item_marks: dict[str, QLabel] = {}
        self._override_item: str | None = None
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setColumnStretch(1, 1)
        self._grid = grid
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self._build_override())

    # ---- building ----------------------------------------------------------------------------
    def _item_row(self, item_id: str, text: str, computed: bool) -> None:
        row = self._grid.rowCount()
        if computed:
            status = QLabel("")
            self.item_status[item_id] = status
            self._grid.addWidget(status, row, 0)
        else:
            box = QCheckBox()
            box.setAccessibleName(text)
            box.toggled.connect(lambda checked, i=item_id: self._on_item_box_toggled(i, checked))
            self._core.input(box)
            self.item_boxes[item_id] = box
            self._grid.addWidget(box, row, 0)
        label = wrapped(text)
        self.item_texts[item_id] = label
        mark = named(QLabel(""), "clockCaption")
        self.item_marks[item_id] = mark
        self._grid.addWidget(label, row, 1)
        self._grid.addWidget(mark, row, 2)

    def _build_override(self) -> QFrame:
        """Ticking an item the record contradicts: the reason and the password, signed."""
        self.item_override_box = QFrame()
        self.item_override_box.setObjectName("itemOverride")
        self.item_override_text = named(QLabel(""), "banner")
        self.item_override_text.setWordWrap(True)
        self.item_reason_edit = placeholder_edit("why this item is met despite that")
        self.item_reason_edit.setMaxLength(2000)
        self.item_pin_edit = password_edit("your password")
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
            grid.addWidget(self._core.error(key, widget), row, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.item_sign_button)
        buttons.addWidget(self.item_cancel_button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 3, 1)
        self.item_override_box.hide()
        return self.item_override_box

    # ---- the override ------------------------------------------------------------------------
    def open_item_override(self, item_id: str, against: str) -> None:
        """Ask for the signed reason before ticking an item the record contradicts."""
        self._override_item = item_id
        text = self.item_texts[item_id].text() if item_id in self.item_texts else item_id
        self.item_override_text.setText(
            f"“{text}” contradicts the record: {against}. Ticking it anyway is an override: "
            "give the reason and sign with your password (flagged for review)."
        )
        self._core.show("item_reason", "")
        self._core.show("item_pin", "")
        self.item_override_box.show()
        self.item_reason_edit.setFocus()

    def _close_item_override(self) -> None:
        self._override_item = None
        self.item_reason_edit.clear()
        self.item_pin_edit.clear()
        self.item_override_box.hide()

    # ---- rendering ---------------------------------------------------------------------------
    def show_state(self, state: DischargeState) -> None:
        wanted = [item.id for item in state.items]
        if wanted != [*self.item_texts]:
            while self._grid.count():
                taken = self._grid.takeAt(0)
                widget = taken.widget() if taken is not None else None
                if widget is not None:
                    if widget in self._core.inputs:
                        self._core.inputs.remove(widget)
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
                    met = state.t0 + self._core.service.minimum_monitoring
                    mark.setText(f"met at {hhmm(met)}")
                else:
                    mark.setText(self._core.by(item.mark) if item.done else "open")
            else:
                box = self.item_boxes[item.id]
                box.blockSignals(True)
                box.setChecked(item.done)
                box.blockSignals(False)
                note = self._core.by(item.mark, "" if item.done else "unticked")
                if item.overridden:
                    note = f"{note} · override: {item.overridden}".strip(" ·")
                elif item.contradiction:
                    note = f"⚠ {item.contradiction}"
                mark.setText(note)
                mark.setWordWrap(True)

    # ---- slots -------------------------------------------------------------------------------
    def _on_item_box_toggled(self, item_id: str, checked: bool) -> None:
        core = self._core
        actor = core.acting()
        against = core.service.contradiction(item_id) if checked and actor is not None else ""
        if against:
            core.rerender()  # stays unticked until the override is signed
            self.open_item_override(item_id, against)
            return
        if actor is None or not core.attempt(
            ACTION, lambda: core.service.answer(item_id, checked, actor)
        ):
            core.rerender()

    def _on_item_sign_clicked(self) -> None:
        core = self._core
        item_id, actor = self._override_item, core.acting()
        if item_id is None or actor is None:
            return
        reason, secret = self.item_reason_edit.text(), self.item_pin_edit.text()
        core.show("item_reason", "")
        core.show("item_pin", "")
        if core.attempt(
            ACTION,
            lambda: core.service.answer(
                item_id, True, actor, override_reason=reason, secret=secret
            ),
        ):
            self._close_item_override()
        else:
            self.item_pin_edit.clear()

    def _on_item_cancel_clicked(self) -> None:
        self._close_item_override()
