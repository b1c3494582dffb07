"""The modified PADSS section: the vitals proposal to confirm, the answers, pain, the total."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.domain.discharge import Ambulation, NauseaControl, pain_points
from console.services.discharge import DischargeState
from widgets.discharge.common import ACTION, PanelCore, hhmm, wrapped
from widgets.theme import named


class PadssSection(QWidget):
    """One row per PADSS item (its points and who answered), then the total and the verdict."""

    def __init__(self, core: PanelCore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        self.vitals_text = wrapped()
        self.vitals_confirm_button = named(QPushButton("Confirm vitals item"), "secondary")
        self.vitals_confirm_button.clicked.connect(self._on_vitals_confirm_clicked)
        core.input(self.vitals_confirm_button)
        self.ambulation_combo = self._combo([(a.label, a) for a in reversed(Ambulation)])
        self.ambulation_combo.currentIndexChanged.connect(self._on_ambulation_combo_changed)
        self.nausea_combo = self._combo([(n.label, n) for n in reversed(NauseaControl)])
        self.nausea_combo.currentIndexChanged.connect(self._on_nausea_combo_changed)
        self.pain_text = wrapped()
        self.points: dict[str, QLabel] = {}
        self.padss_marks: dict[str, QLabel] = {}
        vitals_cell = QVBoxLayout()
        vitals_cell.addWidget(self.vitals_text)
        vitals_cell.addWidget(core.error("vitals"))
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

    def _combo(self, choices: list[tuple[str, int]]) -> QComboBox:
        combo = QComboBox()
        combo.addItem("— choose —", None)
        for text, value in choices:
            combo.addItem(f"{text} ({int(value)})", int(value))
        self._core.input(combo)
        return combo

    # ---- rendering ---------------------------------------------------------------------------
    def show_state(self, state: DischargeState) -> None:
        padss, by = state.padss, self._core.by
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
        self.padss_marks["vitals"].setText(by(padss.vitals_confirmed, "confirmed"))
        for combo, value, key, mark in (
            (self.ambulation_combo, padss.ambulation, "ambulation", padss.ambulation_mark),
            (self.nausea_combo, padss.nausea, "nausea", padss.nausea_mark),
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(int(value))) if value is not None else 0)
            combo.blockSignals(False)
            self.points[key].setText(str(int(value)) if value is not None else "–")
            self.padss_marks[key].setText(by(mark))
        if padss.pain_rating is not None and padss.pain_at is not None:
            self.pain_text.setText(f"Rated {padss.pain_rating}/10 at {hhmm(padss.pain_at)}")
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

    # ---- slots -------------------------------------------------------------------------------
    def _on_vitals_confirm_clicked(self) -> None:
        core = self._core
        actor = core.acting()
        if actor is not None:
            core.attempt("vitals", lambda: core.service.confirm_vitals(actor))

    def _on_ambulation_combo_changed(self, _index: int) -> None:
        core = self._core
        value = self.ambulation_combo.currentData()
        actor = core.acting()
        if actor is None or value is None:
            core.rerender()
            return
        core.attempt(ACTION, lambda: core.service.set_ambulation(Ambulation(value), actor))

    def _on_nausea_combo_changed(self, _index: int) -> None:
        core = self._core
        value = self.nausea_combo.currentData()
        actor = core.acting()
        if actor is None or value is None:
            core.rerender()
            return
        core.attempt(ACTION, lambda: core.service.set_nausea(NauseaControl(value), actor))
