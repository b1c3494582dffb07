"""The ride-home section: the driver's name, phone and relationship, and the confirmation."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from console.services.discharge import DischargeState
from widgets.discharge.common import ACTION, PanelCore, hhmm
from widgets.theme import named, placeholder_edit


class RideSection(QWidget):
    """Who takes the patient home; confirmed by staff (now, or at a typed time today)."""

    def __init__(self, core: PanelCore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
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
            edit.textEdited.connect(lambda _t, k=key: core.clear_error(k))
            grid.addWidget(label, row, 0)
            edit.setMinimumWidth(210)
            grid.addWidget(core.input(edit), row, 1)
            grid.addWidget(core.error(key, edit), row, 2)
        self.confirm_ride_button = QPushButton("Confirm ride now")
        self.confirm_ride_button.clicked.connect(self._on_confirm_ride_clicked)
        self.ride_status = named(QLabel(""), "clockCaption")
        self.ride_status.setWordWrap(True)
        grid.addWidget(core.input(self.confirm_ride_button), len(fields), 1)
        grid.addWidget(self.ride_status, len(fields), 2)

    def show_state(self, state: DischargeState) -> None:
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
                f"Confirmed {hhmm(ride.confirmed_at)}, {self._core.by(ride.mark, 'recorded')}"
            )
        else:
            self.ride_status.setText("Not confirmed yet: call or meet the driver, then confirm.")

    def _on_confirm_ride_clicked(self) -> None:
        core = self._core
        actor = core.acting()
        if actor is None:
            return
        for key in ("driver_name", "phone", "relationship", "confirmed_at"):
            core.show(key, "")
        ok, confirmed_at = core.time_today(self.confirmed_at_edit.text(), "confirmed_at")
        if not ok:
            return
        driver, phone = self.driver_edit.text(), self.phone_edit.text()
        relationship = self.relationship_edit.text()
        if core.attempt(
            ACTION,
            lambda: core.service.confirm_ride(driver, phone, relationship, actor, confirmed_at),
        ):
            self.confirmed_at_edit.clear()
            for edit in (self.driver_edit, self.phone_edit, self.relationship_edit):
                edit.setModified(False)
            core.rerender()
