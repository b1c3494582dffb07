"""The station's alarm strip: the active alarms of every room, with room and bed, most urgent first."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from console.domain.station import StationAlarm
from widgets.alarm_banner import MARKERS
from widgets.alarm_strip import CALM_TEXT, MAX_SHOWN, STRIP_HEIGHT, STRIP_QSS, ElidedButton
from widgets.theme import named

ACK_OFF = "Acknowledging from the station is off; the clinic can turn it on in the settings."


def describe(alarm: StationAlarm, place: str) -> str:
    """One alarm as the strip reads it: "!!! Room 2 · Chair 1 · J. Doe — SpO2 85 < 90"."""
    text = f"{MARKERS[alarm.priority]} {place} — {alarm.message}"
    if alarm.acknowledged_by is not None:
        text += " (acknowledged)"
    return text


class StationAlarmStrip(QFrame):
    """A fixed-height line of alarms; a click opens the bed, Acknowledge only if the clinic allows."""

    # an alarm's bed was clicked (int: its session id)
    bedRequested = Signal(int)
    # Acknowledge was pressed on an alarm (StationAlarm)
    acknowledgeRequested = Signal(object)

    def __init__(
        self,
        place: Callable[[int], str],
        acknowledge: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alarmStrip")
        self.setStyleSheet(STRIP_QSS)
        self.setFixedHeight(STRIP_HEIGHT)
        self._place = place
        self._alarms: tuple[StationAlarm, ...] = ()
        self.links = [named(ElidedButton(), "alarmStripLink") for _ in range(MAX_SHOWN)]
        self.buttons = [named(QPushButton("Acknowledge"), "alarmStripAck") for _ in self.links]
        self.calm_label = named(QLabel(CALM_TEXT), "alarmStripCalm")
        self.more_label = named(QLabel(""), "alarmStripMore")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(14)
        layout.addWidget(self.calm_label)
        for index, (link, button) in enumerate(zip(self.links, self.buttons, strict=True)):
            link.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            link.setCursor(Qt.CursorShape.PointingHandCursor)
            link.clicked.connect(lambda _=False, i=index: self._on_link_clicked(i))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setEnabled(acknowledge)
            button.setToolTip(
                "Acknowledge this alarm from the station (audited with the station and you)."
                if acknowledge
                else ACK_OFF
            )
            button.clicked.connect(lambda _=False, i=index: self._on_button_clicked(i))
            layout.addWidget(link)
            layout.addWidget(button)
        layout.addWidget(self.more_label)
        layout.addStretch(1)
        self.show_alarms(())

    def shown_texts(self) -> list[str]:
        return [link.full_text() for link in self.links if not link.isHidden()]

    def show_alarms(self, alarms: tuple[StationAlarm, ...]) -> None:
        self._alarms = alarms
        for index, (link, button) in enumerate(zip(self.links, self.buttons, strict=True)):
            if index < len(alarms):
                alarm = alarms[index]
                link.set_full_text(describe(alarm, self._place(alarm.session_id)))
                if link.property("priority") != alarm.priority.value:
                    link.setProperty("priority", alarm.priority.value)
                    link.style().unpolish(link)
                    link.style().polish(link)
            link.setVisible(index < len(alarms))
            button.setVisible(index < len(alarms))
        rest = len(alarms) - min(len(alarms), MAX_SHOWN)
        self.more_label.setText(f"+{rest} more" if rest else "")
        self.more_label.setVisible(rest > 0)
        self.calm_label.setVisible(not alarms)

    def _on_link_clicked(self, index: int) -> None:
        if index < len(self._alarms):
            self.bedRequested.emit(self._alarms[index].session_id)

    def _on_button_clicked(self, index: int) -> None:
        if index < len(self._alarms):
            self.acknowledgeRequested.emit(self._alarms[index])
