"""A bed on the clinic station: the overview's tile, drawn from plain data read from the database."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.domain.alarms import Priority
from console.domain.schedule import CheckState, ClockFace
from console.domain.station import StationAlarm, StationBed
from console.domain.vitals import Parameter, VitalPoint
from widgets.alarm_banner import LIST_COLOURS
from widgets.alarm_strip import CALM_COLOUR, ElidedLabel
from widgets.room_overview import (
    CAPTIONS,
    NO_VALUE,
    NUMERICS,
    OVERVIEW_QSS,
    STALE,
    TileFrame,
    _set_prop,
    _set_text,
    hours_minutes,
    value_age,
)
from widgets.theme import named

STATION_QSS = (
    OVERVIEW_QSS
    + f"""
QLabel#tileReport {{ font-size: 11pt; font-weight: 700; color: {LIST_COLOURS[Priority.MEDIUM]}; }}
QFrame#bedTile[silent="true"] {{ border-style: dashed; }}
QLabel#stationRoom {{ font-size: 15pt; font-weight: 700; }}
QLabel#stationRoomReport {{ font-size: 12pt; font-weight: 700;
    color: {LIST_COLOURS[Priority.MEDIUM]}; }}
QLabel#stationStatus {{ font-size: 10pt; color: {CALM_COLOUR}; }}
QLabel#stationStatus[state="lost"] {{ color: {LIST_COLOURS[Priority.HIGH]}; font-weight: 700; }}
"""
)


def _number(value: float) -> str:
    return f"{value:.0f}"


class StationTile(TileFrame):
    """One bed of one room: who, the clock since the dose, the next check, numerics, alarms.

    Everything shown comes from ``show``; the tile reads nothing itself.
    """

    def __init__(self, bed: StationBed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bedTile")
        self.setProperty("priority", "none")
        self.setProperty("silent", "false")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(bed.label)
        self.setToolTip(f"{bed.label}: press Enter or click to see the record (read-only)")
        self.session_id = bed.session_id
        self.title = named(ElidedLabel(), "tileTitle")
        self.title.set_full_text(bed.label)
        self.state = named(QLabel(""), "tileState")
        self.elapsed = named(QLabel(""), "tileElapsed")
        self.check = named(ElidedLabel(), "tileCheck")
        self.captions = {key: named(QLabel(CAPTIONS[key]), "tileCaption") for key in NUMERICS}
        self.numerics = {key: named(QLabel(NO_VALUE), "tileNumeric") for key in NUMERICS}
        self.ages = {key: named(QLabel(""), "tileDetail") for key in NUMERICS}
        self.alarm = named(ElidedLabel(), "tileAlarm")
        self.alarm.setMinimumHeight(self.alarm.fontMetrics().height())
        self.report = named(ElidedLabel(), "tileReport")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.state)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        for column, key in enumerate(NUMERICS):
            grid.addWidget(self.captions[key], 0, column)
            grid.addWidget(self.numerics[key], 1, column)
            grid.addWidget(self.ages[key], 2, column)
            grid.setColumnStretch(column, 2 if key == "bp" else 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.elapsed)
        layout.addWidget(self.check)
        layout.addLayout(grid)
        layout.addWidget(self.alarm)
        layout.addWidget(self.report)

    # ---- public ---------------------------------------------------------------------------
    @property
    def priority(self) -> str:
        """The frame's colour: "high", "medium", "low", or "none" with no active alarm."""
        return str(self.property("priority"))

    def numeric(self, key: str) -> str:
        """The text shown for "hr", "spo2", "bp" or "rr" ("—" when no value)."""
        return self.numerics[key].text()

    def show_bed(
        self,
        bed: StationBed,
        face: ClockFace | None,
        latest: dict[Parameter, VitalPoint],
        alarms: list[StationAlarm],
        silence: str | None,
        now: datetime,
    ) -> None:
        """Bring every label up to date; a label is set only when its text changed."""
        _set_text(self.state, bed.state.label)
        self._show_clock(face)
        self._show_numerics(latest, now)
        self._show_alarms(alarms)
        _set_text(self.report, silence or "")
        self.report.setVisible(bool(silence))
        _set_prop(self, "silent", "true" if silence else "false")

    # ---- display --------------------------------------------------------------------------
    def _show_clock(self, face: ClockFace | None) -> None:
        if face is None:
            _set_text(self.elapsed, "")
            _set_text(self.check, "")
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

    def _show_numerics(self, latest: dict[Parameter, VitalPoint], now: datetime) -> None:
        beats = [p for p in (latest.get(Parameter.HR), latest.get(Parameter.PR)) if p is not None]
        fresh = [p for p in beats if now - p.at <= STALE]
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
            _set_text(self.ages[key], value_age(point.at, now) if stale and point else "")
            pulse = point is not None and point.parameter is Parameter.PR
            _set_text(self.captions[key], "PR" if pulse else CAPTIONS[key])
        sys, dia = latest.get(Parameter.NIBP_SYS), latest.get(Parameter.NIBP_DIA)
        if sys is None:
            _set_text(self.numerics["bp"], NO_VALUE)
            _set_text(self.ages["bp"], "")
            return
        bp = f"{_number(sys.value)}/{_number(dia.value) if dia is not None else NO_VALUE}"
        _set_text(self.numerics["bp"], bp)
        _set_text(self.ages["bp"], value_age(sys.at, now))
