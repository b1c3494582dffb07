"""The alarm strip: every bed's active alarms on one fixed-height line, on every screen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QEnterEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from console.domain.alarms import Priority
from console.errors import VigilError
from console.services.room import Room, RoomAlarm
from widgets.alarm_banner import LIST_COLOURS, MARKERS
from widgets.theme import named

STRIP_HEIGHT = 44  # fixed: alarms coming and going never move the screen below
MAX_SHOWN = 3  # alarms shown at most; the rest are counted ("+N more")
MIN_ENTRY_WIDTH = 280  # fewer alarms are shown when the strip is narrower than this per alarm
CALM_TEXT = "No active alarms"
NOBODY_ACTING = "Sign in to acknowledge alarms."
#: The muted grey of the device panel's headers and the day theme's placeholders: calm text that
#: reads on the day (light) and night (near-black) surfaces alike.
CALM_COLOUR = "#7a8896"


def _priority_rules(selector: str, prop: str = "priority") -> str:
    return "\n".join(
        f'{selector}[{prop}="{p.value}"] {{ color: {LIST_COLOURS[p]}; }}' for p in Priority
    )


STRIP_QSS = f"""
QFrame#alarmStrip {{ border-bottom: 1px solid {CALM_COLOUR}; }}
QLabel#alarmStripCalm {{ color: {CALM_COLOUR}; font-size: 11pt; }}
QLabel#alarmStripMore {{ color: {CALM_COLOUR}; font-size: 10pt; font-weight: 600; }}
QLabel#alarmStripNotice {{ color: {LIST_COLOURS[Priority.HIGH]}; font-size: 10pt; }}
QPushButton#alarmStripLink {{
    background: transparent; border: none; padding: 2px 4px; text-align: left;
    font-size: 11pt; font-weight: 700;
}}
QPushButton#alarmStripLink:disabled {{ background: transparent; }}
{_priority_rules("QPushButton#alarmStripLink")}
QPushButton#alarmStripAck {{ padding: 3px 8px; font-size: 9pt; }}
"""


def describe(alarm: RoomAlarm) -> str:
    """One alarm as the strip reads it: "!!! Chair 2 · J. Doe — SpO2 85 < 90"."""
    text = f"{MARKERS[alarm.alarm.priority]} {alarm.bed_label} — {alarm.alarm.message}"
    if alarm.alarm.acknowledged_by is not None:
        text += " (acknowledged)"
    return text


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class _Elided:
    """Shared by ElidedButton and ElidedLabel: keeps the full text, shows it cut with "…" to the
    width given (the full text in the tooltip), and asks for the full width.
    """

    PADDING = 0  # the widget's own frame around the text, in pixels
    MINIMUM = 0  # the narrowest the widget may become, in pixels

    _full: str

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self.setToolTip(text)  # type: ignore[attr-defined]
            self.updateGeometry()  # type: ignore[attr-defined]
            self._elide()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()  # type: ignore[misc]
        metrics = self.fontMetrics()  # type: ignore[attr-defined]
        # + 4: rounding never cuts the full text
        return QSize(metrics.horizontalAdvance(self._full) + self.PADDING + 4, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.MINIMUM, super().minimumSizeHint().height())  # type: ignore[misc]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)  # type: ignore[misc]
        self._elide()

    def _elide(self) -> None:
        room = max(0, self.width() - self.PADDING)  # type: ignore[attr-defined]
        shown = self.fontMetrics().elidedText(  # type: ignore[attr-defined]
            self._full, Qt.TextElideMode.ElideRight, room
        )
        if shown != self.text():  # type: ignore[attr-defined]
            self.setText(shown)  # type: ignore[attr-defined]


class ElidedButton(_Elided, QPushButton):
    """A flat button asking for its full text's width, cut with "…" when given less."""

    PADDING = 12
    MINIMUM = 60

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)


class ElidedLabel(_Elided, QLabel):
    """A label asking for its full text's width, cut with "…" when given less (full text in
    the tooltip).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)


class AlarmEntry(QFrame):
    """One alarm in the strip: its bed and message (click: go to the bed) and Acknowledge."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmStripEntry")
        self.alarm: RoomAlarm | None = None
        self.link = named(ElidedButton(), "alarmStripLink")
        self.link.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steals typing from a form
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.acknowledge_button = named(QPushButton("Acknowledge"), "alarmStripAck")
        self.acknowledge_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.acknowledge_button.setToolTip(
            "Silences this alarm's sound for 2 min; it stays shown until its condition clears."
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.link)
        layout.addWidget(self.acknowledge_button)

    def show_alarm(self, alarm: RoomAlarm | None) -> None:
        self.alarm = alarm
        if alarm is None:
            self.hide()
            return
        self.link.set_full_text(describe(alarm))
        level = alarm.alarm.priority.value
        if self.link.property("priority") != level:
            self.link.setProperty("priority", level)
            _repolish(self.link)
        self.show()


class AlarmStrip(QFrame):
    """Lists the active alarms of every bed, most urgent first; its height never changes.

    Acknowledging goes through ``Room.acknowledge`` for the acting user (``actor()``); a refusal
    shows as text in the strip. The Acknowledge buttons are enabled only while someone acts.
    """

    # an alarm's bed was clicked (int: its session id): show that bed
    bedRequested = Signal(int)

    def __init__(
        self,
        room: Room,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alarmStrip")
        self.setStyleSheet(STRIP_QSS)
        self.setFixedHeight(STRIP_HEIGHT)
        self._room = room
        self._actor = actor
        self._interactive = True
        self._alarms: tuple[RoomAlarm, ...] = ()
        self.entries = [AlarmEntry() for _ in range(MAX_SHOWN)]
        self.more_label = named(QLabel(""), "alarmStripMore")
        self.calm_label = named(QLabel(CALM_TEXT), "alarmStripCalm")
        self.notice = named(ElidedLabel(), "alarmStripNotice")
        self.notice.setMaximumWidth(360)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(14)
        layout.addWidget(self.calm_label)
        for entry in self.entries:
            entry.link.clicked.connect(lambda _=False, e=entry: self._on_entry_link_clicked(e))
            entry.acknowledge_button.clicked.connect(
                lambda _=False, e=entry: self._on_entry_acknowledge_clicked(e)
            )
            layout.addWidget(entry)
        layout.addWidget(self.more_label)
        layout.addStretch(1)
        layout.addWidget(self.notice)
        room.alarmsChanged.connect(self._on_room_alarms_changed)
        self._show(room.active_alarms())

    # ---- public ---------------------------------------------------------------------------
    def shown_alarms(self) -> list[RoomAlarm]:
        """The alarms listed now, in order (the rest are counted in "+N more")."""
        return [e.alarm for e in self.entries if e.alarm is not None and not e.isHidden()]

    def hidden_count(self) -> int:
        """How many active alarms are counted in "+N more" rather than listed."""
        return len(self._alarms) - len(self.shown_alarms())

    def set_interactive(self, interactive: bool) -> None:
        """False on the lock screen: a click on an alarm no longer opens its bed."""
        self._interactive = interactive
        self.refresh()

    def refresh(self) -> None:
        """Re-check who acts (sign-in, lock) and enable the buttons accordingly."""
        acting = self._actor() is not None
        for entry in self.entries:
            entry.acknowledge_button.setEnabled(acting)
            entry.link.setEnabled(self._interactive)
        if acting and self.notice.full_text() == NOBODY_ACTING:
            self._set_notice("")

    def acknowledge(self, alarm: RoomAlarm) -> bool:
        """Acknowledge one bed's alarm for the acting user; a refusal shows in the strip."""
        staff = self._actor()
        if staff is None:
            self._set_notice(NOBODY_ACTING)
            self.refresh()
            return False
        try:
            self._room.acknowledge(alarm.session_id, alarm.alarm.key, staff)
        except VigilError as refused:
            self._set_notice(str(refused))
            return False
        self._set_notice("")
        return True

    # ---- display --------------------------------------------------------------------------
    def _fits(self) -> int:
        width = self.width()
        if width <= 0:
            return MAX_SHOWN
        return max(1, min(MAX_SHOWN, width // MIN_ENTRY_WIDTH))

    def _show(self, alarms: tuple[RoomAlarm, ...]) -> None:
        self._alarms = alarms
        shown = alarms[: self._fits()]
        for index, entry in enumerate(self.entries):
            entry.show_alarm(shown[index] if index < len(shown) else None)
        rest = len(alarms) - len(shown)
        self.more_label.setText(f"+{rest} more" if rest else "")
        self.more_label.setVisible(rest > 0)
        self.calm_label.setVisible(not alarms)
        if not alarms:
            self._set_notice("")
        self.refresh()

    def _set_notice(self, text: str) -> None:
        self.notice.set_full_text(text)

    # ---- events ---------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if len(self._alarms[: self._fits()]) != len(self.shown_alarms()):
            self._show(self._alarms)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def enterEvent(self, event: QEnterEvent) -> None:
        super().enterEvent(event)
        self.refresh()  # the user may have signed in or locked since the last alarm change

    # ---- slots ----------------------------------------------------------------------------
    def _on_room_alarms_changed(self, alarms: tuple[RoomAlarm, ...]) -> None:
        self._show(alarms)

    def _on_entry_link_clicked(self, entry: AlarmEntry) -> None:
        if self._interactive and entry.alarm is not None:
            self.bedRequested.emit(entry.alarm.session_id)

    def _on_entry_acknowledge_clicked(self, entry: AlarmEntry) -> None:
        if entry.alarm is not None:
            self.acknowledge(entry.alarm)
