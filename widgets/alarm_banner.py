"""The alarm banner (the most urgent alarm, in bedside colours) and the alarm list with its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.alarms import ActiveAlarm, AlarmEvent, EventKind, Priority
from console.errors import PermissionDenied
from console.services.alarms import AlarmService
from widgets.theme import named

ACKNOWLEDGE_KEYS = "Ctrl+Shift+A"  # Ctrl+A stays "select all" in the text fields
ACKNOWLEDGE_TEXT = "Acknowledge alarms"  # what the keys do (the window's keyboard list)
CALM_TEXT = "No alarm on this bed."
NOBODY_ACTING = "Choose who is acting to acknowledge."
#: The IEC 60601-1-8 priority markers, shown before the message so priority never rests on colour.
MARKERS: dict[Priority, str] = {Priority.HIGH: "!!!", Priority.MEDIUM: "!!", Priority.LOW: "!"}
HISTORY_ROWS = 500  # the list keeps the newest rows; the full log is in the database
# Item colours for the lists, readable on the day (white) and night (near-black) panels.
LIST_COLOURS: dict[Priority, str] = {
    Priority.HIGH: "#d0555b",
    Priority.MEDIUM: "#b8901c",
    Priority.LOW: "#2f9fb0",
}

StaffName = Callable[[int], str]


def _staff(staff_id: int) -> str:
    return f"staff #{staff_id}"


def local_time(at: datetime) -> str:
    """A UTC time shown in the machine's local time, HH:MM:SS."""
    return at.astimezone().strftime("%H:%M:%S")


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class AlarmBanner(QFrame):
    """A bar with the most urgent alarm, how many others stand, and Acknowledge; hidden when calm.

    The colour comes from the theme through the ``priority`` property ("high", "medium", "low")
    on the bar and its labels (QFrame#alarmBanner[priority="high"], QLabel#alarmMessage[...]).
    Put it in an AlarmSlot so that its coming and going moves nothing on the page.
    """

    # the bar was shown (True: an alarm stands) or hidden (False: calm)
    shownChanged = Signal(bool)

    def __init__(
        self,
        alarms: AlarmService,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
        *,
        staff_name: StaffName = _staff,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self._alarms = alarms
        self._actor = actor
        self._staff_name = staff_name
        self.marker = named(QLabel(""), "alarmMarker")
        self.message = named(QLabel(""), "alarmMessage")
        self.others = named(QLabel(""), "alarmDetail")
        self.acknowledged = named(QLabel(""), "alarmDetail")
        self.notice = named(QLabel(""), "alarmNotice")
        self.acknowledge_button = named(
            QPushButton(f"Acknowledge ({ACKNOWLEDGE_KEYS})"), "alarmAcknowledge"
        )
        self.acknowledge_button.setToolTip(
            "Silences the sound for 2 min; the alarm stays shown until its condition clears."
        )
        self.acknowledge_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steals typing
        self.acknowledge_button.clicked.connect(self._on_acknowledge_button_clicked)
        self.shortcut = QShortcut(QKeySequence(ACKNOWLEDGE_KEYS), self)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.setWhatsThis(ACKNOWLEDGE_TEXT)
        self.shortcut.activated.connect(self._on_shortcut_activated)

        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.message)
        details = QHBoxLayout()
        details.setSpacing(16)
        details.addWidget(self.others)
        details.addWidget(self.acknowledged)
        details.addStretch(1)
        text.addLayout(details)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 10, 8)
        layout.setSpacing(12)
        layout.addWidget(self.marker)
        layout.addLayout(text, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.acknowledge_button)
        self._labels = (self.marker, self.message, self.others, self.acknowledged, self.notice)

        self.current: ActiveAlarm | None = None
        alarms.alarmsChanged.connect(self._on_alarms_alarms_changed)
        self._show(alarms.active())

    # ---- public ---------------------------------------------------------------------------
    def acknowledge_all(self) -> bool:
        """Acknowledge every sounding alarm for the acting staff member; False if nobody acts."""
        staff = self._actor()
        if staff is None:
            self.notice.setText(NOBODY_ACTING)
            self.notice.show()
            return False
        try:
            self._alarms.acknowledge_all(staff)  # alarmsChanged then shows who acknowledged
        except PermissionDenied as refused:
            self.notice.setText(str(refused))
            self.notice.show()
            return False
        self.notice.hide()
        return True

    # ---- display --------------------------------------------------------------------------
    def _show(self, active: tuple[ActiveAlarm, ...]) -> None:
        if not active:
            self.current = None
            self.notice.hide()
            self.hide()
            self.shownChanged.emit(False)
            return
        top = active[0]
        self.current = top
        level = top.priority.value
        self.marker.setText(MARKERS[top.priority])
        self.message.setText(top.message)
        # the detail labels stay in the layout even when empty, so the bar never changes height
        self.others.setText(f"+{len(active) - 1} more" if len(active) > 1 else "")
        if top.acknowledged_by is not None and top.acknowledged_at is not None:
            who = self._staff_name(top.acknowledged_by)
            self.acknowledged.setText(f"Acknowledged by {who} at {local_time(top.acknowledged_at)}")
        else:
            self.acknowledged.setText("")
        if self.property("priority") != level:
            self.setProperty("priority", level)
            _repolish(self)
            for label in self._labels:
                label.setProperty("priority", level)
                _repolish(label)
        self.show()
        self.shownChanged.emit(True)

    def _on_alarms_alarms_changed(self, active: tuple[ActiveAlarm, ...]) -> None:
        self._show(active)

    def _on_acknowledge_button_clicked(self) -> None:
        self.acknowledge_all()

    def _on_shortcut_activated(self) -> None:
        self.acknowledge_all()


def _invalidate(layout: QLayout) -> None:
    layout.invalidate()
    for index in range(layout.count()):
        item = layout.itemAt(index)
        inner = item.layout() if item is not None else None
        if inner is not None:
            _invalidate(inner)


_RESTYLED = (QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.Polish)


class AlarmSlot(QWidget):
    """The banner's reserved place: as tall as the banner whether an alarm stands or not.

    When calm a quiet line says so; the bar appears over the same space, so nothing below it
    moves (a click never lands on another control because an alarm came or went).
    """

    def __init__(self, banner: AlarmBanner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = banner
        self.calm = named(QLabel(CALM_TEXT), "placeholder")
        self.calm.setIndent(14)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.calm, 0, 0)
        grid.addWidget(banner, 0, 0)
        banner.shownChanged.connect(self._on_banner_shown_changed)
        self._on_banner_shown_changed(not banner.isHidden())
        # a theme change restyles the bar: measure again once every widget has its new style
        self._measure = QTimer(self)
        self._measure.setSingleShot(True)
        self._measure.setInterval(0)
        self._measure.timeout.connect(self._reserve)
        banner.installEventFilter(self)
        self._reserve()

    def _reserve(self) -> None:
        """Fix the height to the banner's with every line filled (the theme may change it)."""
        banner = self.banner
        banner.ensurePolished()
        filled = (banner.marker, banner.message, banner.others)
        kept = [label.text() for label in filled]
        for label in filled:
            label.setText(label.text() or "!!!")
        layout = banner.layout()
        assert layout is not None
        _invalidate(layout)  # a hidden bar's nested layouts keep sizes from the last theme
        height = max(banner.sizeHint().height(), self.calm.sizeHint().height())
        for label, text in zip(filled, kept, strict=True):
            label.setText(text)
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def showEvent(self, event: QShowEvent) -> None:
        self._reserve()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in _RESTYLED:
            self._measure.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.banner and event.type() in _RESTYLED:
            self._measure.start()
        return False

    def _on_banner_shown_changed(self, shown: bool) -> None:
        self.calm.setHidden(shown)


class AlarmList(QFrame):
    """The "Alarms" panel: the alarms standing now, then every alarm of this run, newest first."""

    ACTIVE_HEADERS = ("Priority", "Alarm", "Since", "Acknowledged")
    HISTORY_HEADERS = ("Raised", "Priority", "Alarm", "Acknowledged", "Cleared")

    def __init__(
        self,
        alarms: AlarmService,
        parent: QWidget | None = None,
        *,
        staff_name: StaffName = _staff,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._staff_name = staff_name
        self.active = self._tree(self.ACTIVE_HEADERS)
        self.history = self._tree(self.HISTORY_HEADERS)
        self.empty = named(QLabel("No alarm."), "placeholder")
        self._rows: dict[int, QTreeWidgetItem] = {}  # history rows by alarm id
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Alarms"), "panelTitle"))
        layout.addWidget(self.empty)
        layout.addWidget(self.active, 1)
        layout.addWidget(named(QLabel("History"), "panelTitle"))
        layout.addWidget(self.history, 2)
        for event in alarms.history():
            self._add_event(event)
        self._show_active(alarms.active())
        alarms.alarmsChanged.connect(self._on_alarms_alarms_changed)
        alarms.alarmEvent.connect(self._on_alarms_alarm_event)

    @staticmethod
    def _tree(headers: tuple[str, ...]) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setHeaderLabels(list(headers))
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        tree.setUniformRowHeights(True)
        tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setStretchLastSection(True)
        return tree

    @staticmethod
    def _paint_priority(item: QTreeWidgetItem, column: int, priority: Priority) -> None:
        item.setText(column, f"{MARKERS[priority]} {priority.value}")
        item.setForeground(column, QBrush(QColor(LIST_COLOURS[priority])))

    def _show_active(self, active: tuple[ActiveAlarm, ...]) -> None:
        self.active.clear()
        for alarm in active:
            item = QTreeWidgetItem(["", alarm.message, local_time(alarm.raised_at), ""])
            self._paint_priority(item, 0, alarm.priority)
            if alarm.acknowledged_by is not None and alarm.acknowledged_at is not None:
                who = self._staff_name(alarm.acknowledged_by)
                item.setText(3, f"{who} at {local_time(alarm.acknowledged_at)}")
            self.active.addTopLevelItem(item)
        self.active.setVisible(bool(active))
        self.empty.setVisible(not active)

    def _add_event(self, event: AlarmEvent) -> None:
        item = self._rows.get(event.alarm_id)
        if item is None:
            item = QTreeWidgetItem([local_time(event.at), "", event.message, "", ""])
            self._rows[event.alarm_id] = item
            self.history.insertTopLevelItem(0, item)
            while self.history.topLevelItemCount() > HISTORY_ROWS:
                old = self.history.takeTopLevelItem(self.history.topLevelItemCount() - 1)
                self._rows = {k: v for k, v in self._rows.items() if v is not old}
        self._paint_priority(item, 1, event.priority)
        item.setText(2, event.message)
        if event.kind is EventKind.ACKNOWLEDGED and event.staff_id is not None:
            item.setText(3, f"{self._staff_name(event.staff_id)} at {local_time(event.at)}")
        elif event.kind is EventKind.CLEARED:
            item.setText(4, local_time(event.at))

    def _on_alarms_alarms_changed(self, active: tuple[ActiveAlarm, ...]) -> None:
        self._show_active(active)

    def _on_alarms_alarm_event(self, event: AlarmEvent) -> None:
        self._add_event(event)
