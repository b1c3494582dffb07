"""The integration-session booking and the esketamine REMS sections."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QCheckBox, QDateTimeEdit, QGridLayout, QLabel, QPushButton, QWidget

from console.services.discharge import DischargeState
from widgets.discharge.common import ACTION, PanelCore, hhmm, qdatetime, wrapped
from widgets.theme import named, placeholder_edit


class IntegrationSection(QWidget):
    """When the integration session is booked (ideally 24–72 h from now), and a warning if not."""

    def __init__(self, core: PanelCore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._suggested = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
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
        grid.addWidget(core.input(self.integration_edit), 0, 0, 1, 2)
        grid.addWidget(core.input(self.book_button), 0, 2)
        grid.addWidget(self.integration_status, 1, 0, 1, 4)
        grid.addWidget(self.integration_warning, 2, 0, 1, 4)
        grid.addWidget(core.error("integration"), 3, 0, 1, 4)

    def show_state(self, state: DischargeState) -> None:
        integration = state.integration
        if integration.at is not None:
            self.integration_edit.setDateTime(qdatetime(integration.at))
            self.integration_status.setText(
                f"Booked {integration.at.astimezone():%a %d %b %H:%M} "
                f"{self._core.by(integration.mark, 'recorded')}"
            )
        else:
            if not self._suggested:
                self._suggested = True
                suggestion = state.now.astimezone().replace(minute=0, second=0, microsecond=0)
                self.integration_edit.setDateTime(qdatetime(suggestion).addDays(2))
            self.integration_status.setText("Not booked yet (ideally 24–72 h from now).")
        self.integration_warning.setText(integration.warning or "")
        self.integration_warning.setVisible(bool(integration.warning))

    def _on_book_button_clicked(self) -> None:
        core = self._core
        actor = core.acting()
        if actor is None:
            return
        when = datetime.fromtimestamp(self.integration_edit.dateTime().toSecsSinceEpoch(), UTC)
        core.attempt("integration", lambda: core.service.book_integration(when, actor))


class RemsSection(QWidget):
    """For esketamine: the total monitoring minutes and when the patient was ready to leave."""

    def __init__(self, core: PanelCore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(2, 1)
        self.esketamine_box = QCheckBox("The drug is esketamine (REMS facts needed)")
        self.esketamine_box.toggled.connect(self._on_esketamine_box_toggled)
        self.rems_text = wrapped()
        self.ready_edit = placeholder_edit("HH:MM, blank = now")
        self.ready_edit.setMaxLength(5)
        self.ready_edit.setMinimumWidth(190)
        self.ready_edit.textEdited.connect(lambda _t: core.clear_error("ready_at"))
        self.ready_button = named(QPushButton("Ready to leave at"), "secondary")
        self.ready_button.clicked.connect(self._on_ready_button_clicked)
        grid.addWidget(core.input(self.esketamine_box), 0, 0, 1, 3)
        grid.addWidget(self.rems_text, 1, 0, 1, 3)
        grid.addWidget(core.input(self.ready_button), 2, 0)
        grid.addWidget(core.input(self.ready_edit), 2, 1)
        grid.addWidget(core.error("ready_at", self.ready_edit), 2, 2)

    def show_state(self, state: DischargeState) -> None:
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
            ready = f"{rems.ready_minutes} min (at {hhmm(rems.ready_at)})"
        else:
            ready = "not recorded yet"
        self.rems_text.setText(
            f"Total monitoring since the dose: {total}\nReady to leave, 2-h minimum aside: {ready}"
        )

    def _on_esketamine_box_toggled(self, checked: bool) -> None:
        core = self._core
        if not core.attempt(ACTION, lambda: core.service.set_esketamine(checked)):
            core.rerender()

    def _on_ready_button_clicked(self) -> None:
        core = self._core
        actor = core.acting()
        if actor is None:
            return
        ok, ready = core.time_today(self.ready_edit.text(), "ready_at")
        if not ok:
            return
        at = ready or (core.state.now if core.state else None)
        if at is not None and core.attempt(
            "ready_at", lambda: core.service.set_ready_at(at, actor)
        ):
            self.ready_edit.clear()
