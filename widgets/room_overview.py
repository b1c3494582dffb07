"""The room overview: one tile per open bed, readable from three metres, framed by its alarm."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QMouseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.clock import Clock
from console.domain.alarms import ActiveAlarm, Priority
from console.domain.schedule import CheckState
from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter, VitalPoint
from console.services.bed import Bed
from console.services.room import Room
from widgets.alarm_banner import LIST_COLOURS, MARKERS
from widgets.alarm_strip import CALM_COLOUR, ElidedLabel
from widgets.theme import named

REFRESH_MS = 1000  # one pass over every tile a second; samples only mark a tile dirty
STALE = timedelta(seconds=60)  # an older continuous value is dimmed, its age in words
MIN_TILE_WIDTH = 440  # fewer columns when the overview is narrower than this per column
OK_COLOUR = "#3c8d5a"  # the device panel's "connected" green: reads on day and night panels
NO_VALUE = "—"
NUMERICS = ("hr", "spo2", "bp", "rr")
CAPTIONS = {"hr": "HR", "spo2": "SpO2", "bp": "BP", "rr": "RR"}
NO_BEDS = "No patient checked in. Check a patient in from the start screen."


def _frame_rules() -> str:
    return "\n".join(
        f'QFrame#bedTile[priority="{p.value}"] {{ border: 4px solid {LIST_COLOURS[p]}; }}\n'
        f'QLabel#tileAlarm[priority="{p.value}"] {{ color: {LIST_COLOURS[p]}; }}'
        for p in Priority
    )


OVERVIEW_QSS = f"""
QFrame#bedTile {{ border: 2px solid {CALM_COLOUR}; border-radius: 10px; }}
QFrame#bedTile:focus {{ background: rgba(127, 140, 150, 40); }}
{_frame_rules()}
QLabel#tileTitle {{ font-size: 17pt; font-weight: 700; }}
QLabel#tileState {{ font-size: 11pt; font-weight: 600; color: {CALM_COLOUR}; }}
QLabel#tileElapsed {{ font-size: 22pt; font-weight: 700;
    font-family: "DejaVu Sans Mono", monospace; }}
QLabel#tileElapsed[dosed="false"] {{ font-size: 13pt; font-weight: 600; color: {CALM_COLOUR};
    font-family: none; }}
QLabel#tileCheck {{ font-size: 12pt; font-weight: 600; }}
QLabel#tileCheck[level="due"] {{ color: {LIST_COLOURS[Priority.MEDIUM]}; }}
QLabel#tileCheck[level="overdue"] {{ color: {LIST_COLOURS[Priority.HIGH]}; }}
QLabel#tileCaption {{ font-size: 10pt; font-weight: 600; color: {CALM_COLOUR}; }}
QLabel#tileNumeric {{ font-size: 32pt; font-weight: 700;
    font-family: "DejaVu Sans Mono", monospace; }}
QLabel#tileNumeric[large="true"] {{ font-size: 64pt; }}
QLabel#tileNumeric[stale="true"] {{ color: {CALM_COLOUR}; }}
QLabel#tileDetail {{ font-size: 10pt; color: {CALM_COLOUR}; }}
QLabel#tileDetail[ok="true"] {{ color: {OK_COLOUR}; font-weight: 600; }}
QLabel#tileAlarm {{ font-size: 12pt; font-weight: 700; }}
QLabel#overviewEmpty {{ font-size: 14pt; color: {CALM_COLOUR}; }}
"""


def value_age(at: datetime, now: datetime) -> str:
    """How old a measurement is, in words: "just now", "3 min ago", "2 h ago"."""
    seconds = max(0, int((now - at).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def hours_minutes(clock_text: str) -> str:
    """A clock text without its seconds: "T+0:42:10" → "T+0:42", "0:42:10" → "0:42"."""
    return clock_text.rsplit(":", 1)[0]


def columns_for(count: int, width: int) -> int:
    """One large tile for one bed; otherwise 2 to 4 columns, fewer when the screen is narrow."""
    if count <= 1:
        return 1
    wanted = 2 if count <= 4 else 3 if count <= 6 else 4
    if width <= 0:
        return wanted
    return max(2, min(wanted, width // MIN_TILE_WIDTH))


def _number(value: float) -> str:
    return f"{value:.0f}"


def _set_text(label: QLabel, text: str) -> None:
    if isinstance(label, ElidedLabel):
        label.set_full_text(text)
    elif label.text() != text:
        label.setText(text)


def _set_prop(widget: QWidget, name: str, value: str) -> None:
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class TileFrame(QFrame):
    """What every bed tile shares (the room's and the station's): the frame in the colour of
    the most urgent alarm, its alarm line, and opening the bed by click or Enter.
    """

    # the tile was clicked or Enter was pressed on it (int: the bed's session id)
    activated = Signal(int)

    session_id: int
    alarm: QLabel

    def _show_alarms(self, active: Sequence[TileAlarm]) -> None:
        """The frame and the alarm line follow ``active`` (most urgent first)."""
        if not active:
            _set_prop(self, "priority", "none")
            _set_text(self.alarm, "")
            _set_prop(self.alarm, "priority", "none")
            return
        top = active[0]
        level = top.priority.value
        _set_prop(self, "priority", level)
        more = f"  (+{len(active) - 1} more)" if len(active) > 1 else ""
        _set_text(self.alarm, f"{MARKERS[top.priority]} {top.message}{more}")
        _set_prop(self.alarm, "priority", level)

    # ---- events ---------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit(self.session_id)
            event.accept()
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.activated.emit(self.session_id)
            event.accept()
            return
        super().mouseReleaseEvent(event)


class TileAlarm(Protocol):
    """An alarm as a tile shows it (the bed's own or one the station read)."""

    @property
    def priority(self) -> Priority: ...

    @property
    def message(self) -> str: ...


class BedTile(TileFrame):
    """One bed at a glance: who, where in the session, the clock, the numerics, what is due.

    Samples only mark the tile dirty; ``refresh`` (the overview's 1 s timer) redraws what changed.
    Alarm changes show at once: the frame takes the colour of the bed's most urgent alarm.
    """

    def __init__(self, bed: Bed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bedTile")
        self.setProperty("priority", "none")
        self.setProperty("large", "false")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(bed.label)
        self.setToolTip(f"{bed.label}: press Enter or click to open")
        self.bed = bed
        self.session_id = bed.session_id
        self._vitals_dirty = True
        self._latest: dict[Parameter, VitalPoint] = {}
        self._ride_confirmed = False

        # the words may be cut with "…" in a narrow tile (full text in the tooltip); the
        # numerics never are
        self.title = named(ElidedLabel(), "tileTitle")
        self.title.set_full_text(bed.label)
        self.state = named(QLabel(""), "tileState")
        self.elapsed = named(QLabel(""), "tileElapsed")
        self.minimum = named(ElidedLabel(), "tileDetail")
        self.check = named(ElidedLabel(), "tileCheck")
        self.captions = {key: named(QLabel(CAPTIONS[key]), "tileCaption") for key in NUMERICS}
        self.numerics = {key: named(QLabel(NO_VALUE), "tileNumeric") for key in NUMERICS}
        # under each numeric: its age (always for BP, for the others once they are stale)
        self.ages = {key: named(QLabel(""), "tileDetail") for key in NUMERICS}
        self.bp_age = self.ages["bp"]
        self.ride = named(ElidedLabel(), "tileDetail")
        self.alarm = named(ElidedLabel(), "tileAlarm")
        self.alarm.setMinimumHeight(self.alarm.fontMetrics().height())

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.state)
        clock = QHBoxLayout()
        clock.addWidget(self.elapsed)
        clock.addStretch(1)
        clock.addWidget(self.minimum)
        self._grid = grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(0)
        self._arrange(large=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(clock)
        layout.addWidget(self.check)
        layout.addStretch(1)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.ride)
        layout.addWidget(self.alarm)

        bed.vitals.pointsAdded.connect(self._on_vitals_points_added)
        bed.alarms.alarmsChanged.connect(self._on_alarms_alarms_changed)
        bed.changed.connect(self._on_bed_changed)
        bed.workflow.changed.connect(self._on_workflow_changed)
        self._ride_confirmed = bed.discharge.ride_confirmed()
        self._show_alarms(bed.alarms.active())

    # ---- public ---------------------------------------------------------------------------
    @property
    def priority(self) -> str:
        """The frame's colour: "high", "medium", "low", or "none" with no active alarm."""
        return str(self.property("priority"))

    def numeric(self, key: str) -> str:
        """The text shown for "hr", "spo2", "bp" or "rr" ("—" when no value)."""
        return self.numerics[key].text()

    def _arrange(self, *, large: bool) -> None:
        """Small: HR, SpO2, BP, RR in one row. Large: two rows (HR SpO2 / BP RR), so the
        larger digits never run into each other.
        """
        grid = self._grid
        per_row = 2 if large else len(NUMERICS)
        for column in range(grid.columnCount()):
            grid.setColumnStretch(column, 0)
        for index, key in enumerate(NUMERICS):
            for widget in (self.captions[key], self.numerics[key], self.ages[key]):
                grid.removeWidget(widget)
            band, column = divmod(index, per_row)
            grid.addWidget(self.captions[key], 3 * band, column)
            grid.addWidget(self.numerics[key], 3 * band + 1, column)
            grid.addWidget(self.ages[key], 3 * band + 2, column)
            grid.setColumnStretch(column, 2 if key == "bp" and not large else 1)

    def set_large(self, large: bool) -> None:
        """A tile with half the screen or more (one or two beds) uses larger numerics."""
        value = "true" if large else "false"
        if self.property("large") != value:
            self._arrange(large=large)
        _set_prop(self, "large", value)
        for label in self.numerics.values():
            _set_prop(label, "large", value)

    def detach(self) -> None:
        """Stop observing the bed (the tile is going away)."""
        bed = self.bed
        bed.vitals.pointsAdded.disconnect(self._on_vitals_points_added)
        bed.alarms.alarmsChanged.disconnect(self._on_alarms_alarms_changed)
        bed.changed.disconnect(self._on_bed_changed)
        bed.workflow.changed.disconnect(self._on_workflow_changed)

    def refresh(self, now: datetime) -> None:
        """Bring every label up to date; a label is set only when its text changed."""
        record = self.bed.record
        _set_text(self.state, record.state.label)
        self._show_clock()
        if self._vitals_dirty:
            self._latest = self.bed.vitals.latest()
            self._vitals_dirty = False
        self._show_numerics(now)
        self._ride_confirmed = self.bed.discharge.ride_confirmed()
        self._show_ride()

    # ---- display --------------------------------------------------------------------------
    def _show_clock(self) -> None:
        face = self.bed.clock.face
        if face is None:
            _set_text(self.elapsed, "")
            _set_text(self.check, "")
            _set_text(self.minimum, "")
            return
        if face.since_dose is not None:
            _set_text(self.elapsed, hours_minutes(face.since_dose))
        else:
            _set_text(
                self.elapsed, f"Not dosed · {hours_minutes(face.since_check_in)} since check-in"
            )
        _set_prop(self.elapsed, "dosed", "true" if face.since_dose is not None else "false")
        _set_text(self.check, face.check_text)
        level = {CheckState.DUE: "due", CheckState.OVERDUE: "overdue"}.get(face.check.state, "")
        _set_prop(self.check, "level", level)
        if face.since_dose is None:
            minimum = ""
        elif face.minimum_met:
            minimum = "✓ Minimum monitoring met"
        else:
            minimum = f"Minimum in {hours_minutes(face.minimum_left or '0:00:00')}"
        _set_text(self.minimum, minimum)
        _set_prop(self.minimum, "ok", "true" if face.minimum_met else "false")

    def _show_numerics(self, now: datetime) -> None:
        latest = self._latest
        beats = [p for p in (latest.get(Parameter.HR), latest.get(Parameter.PR)) if p is not None]
        fresh = [p for p in beats if now - p.at <= STALE]  # ECG HR first, else the pulse rate
        heart = fresh[0] if fresh else max(beats, key=lambda p: p.at, default=None)
        for key, point in (
            ("hr", heart),
            ("spo2", latest.get(Parameter.SPO2)),
            ("rr", latest.get(Parameter.RR)),
        ):
            label = self.numerics[key]
            _set_text(label, _number(point.value) if point is not None else NO_VALUE)
            stale = point is not None and now - point.at > STALE
            _set_prop(label, "stale", "true" if stale else "false")
            # an old value says so in words, not only in grey
            _set_text(self.ages[key], value_age(point.at, now) if stale and point else "")
            pulse = point is not None and point.parameter is Parameter.PR
            _set_text(self.captions[key], "PR" if pulse else CAPTIONS[key])
        sys, dia = latest.get(Parameter.NIBP_SYS), latest.get(Parameter.NIBP_DIA)
        if sys is None:
            _set_text(self.numerics["bp"], NO_VALUE)
            _set_text(self.bp_age, "")
            return
        bp = f"{_number(sys.value)}/{_number(dia.value) if dia is not None else NO_VALUE}"
        _set_text(self.numerics["bp"], bp)
        _set_text(self.bp_age, value_age(sys.at, now))

    def _show_ride(self) -> None:
        predose = self.bed.workflow.predose()
        if self._ride_confirmed:
            text, ok = "✓ Ride home confirmed", True
        elif predose is not None and predose.ride_arranged:
            text, ok = "Ride home arranged, not confirmed", False
        else:
            text, ok = "No ride home arranged", False
        _set_text(self.ride, text)
        _set_prop(self.ride, "ok", "true" if ok else "false")

    # ---- slots ----------------------------------------------------------------------------
    def _on_vitals_points_added(self, _points: object) -> None:
        self._vitals_dirty = True  # drawn on the next refresh, never per sample

    def _on_alarms_alarms_changed(self, active: tuple[ActiveAlarm, ...]) -> None:
        self._show_alarms(active)

    def _on_bed_changed(self, record: SessionRecord) -> None:
        _set_text(self.state, record.state.label)

    def _on_workflow_changed(self) -> None:
        self._show_ride()


class RoomOverview(QWidget):
    """Every open bed of the room as a tile; rebuilt when a bed opens or closes.

    One 1 s timer refreshes all tiles while the overview is shown (samples never repaint).
    """

    # a tile was clicked or activated with Enter (int: the bed's session id): show that bed
    bedRequested = Signal(int)

    def __init__(self, room: Room, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomOverview")
        self.setStyleSheet(OVERVIEW_QSS)
        self._room = room
        self._clock = clock
        self._tiles: dict[int, BedTile] = {}
        self._order: list[int] = []
        self._columns = 0
        self._grid = QGridLayout()
        self._grid.setSpacing(12)
        self.empty_label = named(QLabel(NO_BEDS), "overviewEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(self._grid, 1)
        layout.addWidget(self.empty_label, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        room.bedsChanged.connect(self._on_room_beds_changed)
        self._rebuild()

    # ---- public ---------------------------------------------------------------------------
    def tiles(self) -> list[BedTile]:
        """The tiles in display order (room, chair, check-in time)."""
        return [self._tiles[sid] for sid in self._order]

    def tile(self, session_id: int) -> BedTile | None:
        return self._tiles.get(session_id)

    def columns(self) -> int:
        return self._columns

    @property
    def refreshing(self) -> bool:
        """True while the 1 s refresh runs (only while the overview is shown)."""
        return self._timer.isActive()

    def refresh(self) -> None:
        """Update every tile now (the timer does this once a second while shown)."""
        now = self._clock.now()
        for tile in self._tiles.values():
            tile.refresh(now)

    def stop(self) -> None:
        """Stop the refresh timer (the overview is going away)."""
        self._timer.stop()

    # ---- layout ---------------------------------------------------------------------------
    def _rebuild(self) -> None:
        beds = self._room.beds()
        wanted = {bed.session_id: bed for bed in beds}
        for session_id in [sid for sid in self._tiles if sid not in wanted]:
            tile = self._tiles.pop(session_id)
            tile.detach()
            self._grid.removeWidget(tile)
            tile.hide()
            tile.deleteLater()
        for bed in beds:
            if bed.session_id not in self._tiles:
                tile = BedTile(bed)
                tile.activated.connect(self.bedRequested)
                self._tiles[bed.session_id] = tile
        self._order = [bed.session_id for bed in beds]
        self._place(force=True)
        self.empty_label.setVisible(not beds)
        self.refresh()

    def _place(self, *, force: bool = False) -> None:
        columns = columns_for(len(self._order), self.width() if self.isVisible() else 0)
        if columns == self._columns and not force:
            return
        self._columns = columns
        for tile in self._tiles.values():
            self._grid.removeWidget(tile)
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 0)
        for index, session_id in enumerate(self._order):
            tile = self._tiles[session_id]
            row, column = divmod(index, columns)
            self._grid.addWidget(tile, row, column)
            self._grid.setRowStretch(row, 1)
            self._grid.setColumnStretch(column, 1)
            rows = -(-len(self._order) // columns)
            tile.set_large(rows == 1 and columns <= 2)  # one or two beds: the screen is theirs
            tile.show()
        previous = None
        for session_id in self._order:  # Tab walks the tiles in reading order
            tile = self._tiles[session_id]
            if previous is not None:
                QWidget.setTabOrder(previous, tile)
            previous = tile

    # ---- events ---------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._place()
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()  # nothing to draw while the bed view or another screen is up

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    # ---- slots ----------------------------------------------------------------------------
    def _on_room_beds_changed(self) -> None:
        self._rebuild()

    def _on_timer_timeout(self) -> None:
        self.refresh()
