"""The session header: patient, state and the session clock in digits readable from three metres."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.domain.people import Patient
from console.domain.schedule import CheckState, ClockFace
from console.domain.sessions import SessionRecord


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("clockCaption")
    return label


class SessionHeader(QFrame):
    """Shows who, where in the lifecycle, and the clock; fed by the services' signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.patient_label = QLabel("—")
        self.patient_label.setObjectName("patientName")
        self.state_label = QLabel("")
        self.state_label.setObjectName("stateBadge")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.dose_value = QLabel("T+ –:––:––")
        self.dose_value.setObjectName("clockBig")
        self.dose_value.setAccessibleName("Time since dose")
        self.check_in_value = QLabel("0:00:00")
        self.check_in_value.setObjectName("clockMid")
        self.minimum_value = QLabel("–:––:––")
        self.minimum_value.setObjectName("clockMid")
        self.minimum_caption = _caption("TO 2-HOUR MINIMUM")
        self.check_text = QLabel("")
        self.check_text.setObjectName("checkText")

        who = QVBoxLayout()
        who.addWidget(self.patient_label)
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.state_label)
        badge_row.addStretch(1)
        who.addLayout(badge_row)
        who.addWidget(self.check_text)
        who.addStretch(1)

        grid = QGridLayout()
        grid.setHorizontalSpacing(36)
        grid.addWidget(_caption("SINCE DOSE"), 0, 0)
        grid.addWidget(self.dose_value, 1, 0, 2, 1)
        grid.addWidget(_caption("SINCE CHECK-IN"), 0, 1)
        grid.addWidget(self.check_in_value, 1, 1)
        grid.addWidget(self.minimum_caption, 0, 2)
        grid.addWidget(self.minimum_value, 1, 2)

        row = QHBoxLayout(self)
        row.setContentsMargins(18, 12, 18, 12)
        row.addLayout(who, 2)
        row.addLayout(grid, 5)

    def set_minimum_minutes(self, minutes: int) -> None:
        hours, rest = divmod(minutes, 60)
        span = f"{hours}-HOUR" if rest == 0 else f"{minutes}-MIN"
        self.minimum_caption.setText(f"TO {span} MINIMUM")

    def show_session(self, record: SessionRecord | None, patient: Patient | None) -> None:
        if record is None or patient is None:
            self.patient_label.setText("—")
            self.state_label.setText("")
            return
        self.patient_label.setText(f"{patient.display_name}  ·  {patient.chart_id}")
        self.state_label.setText(record.state.label)

    def show_face(self, face: ClockFace | None) -> None:
        if face is None:
            return
        self.check_in_value.setText(face.since_check_in)
        self.dose_value.setText(face.since_dose or "T+ –:––:––")
        if face.since_dose is None:
            self.minimum_value.setObjectName("clockMid")
            self.minimum_value.setText("–:––:––")
        elif face.minimum_met:
            self.minimum_value.setObjectName("minimumMet")
            self.minimum_value.setText("minimum met")
        else:
            self.minimum_value.setObjectName("clockMid")
            self.minimum_value.setText(face.minimum_left or "")
        self.minimum_value.style().unpolish(self.minimum_value)
        self.minimum_value.style().polish(self.minimum_value)
        level = {CheckState.OVERDUE: "overdue", CheckState.DUE: "due"}.get(face.check.state, "")
        self.check_text.setText(face.check_text)
        if self.check_text.property("level") != level:
            self.check_text.setProperty("level", level)
            self.check_text.style().unpolish(self.check_text)
            self.check_text.style().polish(self.check_text)
