"""Whole-session plots for the review screen: an events lane and the vitals, each set in one go."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsItem, QWidget

from console import palette
from console.domain.alarm_episodes import alarm_episodes
from console.domain.review import SessionDossier
from console.domain.timeline import episode_text
from console.domain.vitals import Parameter
from widgets.vitals.tiles import DAY, Palette
from widgets.vitals.trends import TimeAxis

FloatArray = np.ndarray

# (key, parameters drawn as lines, caption, default y range, trace colour key per parameter)
ROWS: tuple[tuple[str, tuple[Parameter, ...], str, tuple[float, float]], ...] = (
    ("hr", (Parameter.HR, Parameter.PR), "HR·PR /min", (40, 140)),
    ("spo2", (Parameter.SPO2,), "SpO2 %", (85, 100)),
    ("nibp", (), "NIBP mmHg", (40, 180)),
    ("rr", (Parameter.RR, Parameter.ETCO2), "RR /min · EtCO2", (0, 50)),
)
NIBP = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)
# the events lane: y position and caption of each lane, top to bottom
LANES = {"dose": 3.0, "note": 2.0, "alarm": 1.0}
HIGH_ALARM = palette.HIGH_ALARM
MEDIUM_ALARM = "#c99a00"
ADVERSE = "#d35400"
DOSE = palette.DOSE_BLUE
EDGE_MARGIN_S = 120.0  # free time shown before check-in and after the last entry
# a cuff reading is a thin DIA–SYS bar with caps of a fixed pixel width (not a width in time):
# as wide as CAP_PX, narrowed when readings lie closer so that neighbours never touch
CAP_PX = 10.0
MIN_CAP_PX = 3.0
CAP_GAP_PX = 2.0  # at least this many free pixels between neighbouring readings' caps


def _colour(parameter: Parameter) -> str:
    return {
        Parameter.PR: "pr",
        Parameter.ETCO2: "etco2",
        Parameter.RR: "rr",
        Parameter.SPO2: "spo2",
    }.get(parameter, "hr")


def _array(values: Sequence[float]) -> FloatArray:
    return np.fromiter(values, dtype=np.float64, count=len(values))


def _text_tip(x: float, y: float, data: object) -> str:
    return str(data)


def _prepare(plot: pg.PlotItem, caption: str) -> None:
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    plot.setClipToView(True)
    plot.enableAutoRange(x=False, y=False)
    left = plot.getAxis("left")
    left.setWidth(62)
    left.setLabel(caption)
    for name in ("left", "bottom"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class ReviewPlots(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """An events lane (doses, notes, alarms) above HR·PR, SpO2, NIBP and RR·EtCO2 on one axis.

    ``show_dossier`` gives every item its whole data in one ``setData``: no item per sample or
    per marker, so an 8-hour session paints as fast as a short one.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._palette = DAY
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[Parameter, pg.PlotDataItem] = {}
        self.manual: dict[str, pg.ScatterPlotItem] = {}  # hand-entered values, per plot
        self.axes: list[TimeAxis] = []
        self.t0_lines: list[pg.InfiniteLine] = []
        self.cursor_lines: list[pg.InfiniteLine] = []
        self.note_lines: dict[str, pg.PlotCurveItem] = {}
        self.alarm_lines: dict[str, pg.PlotCurveItem] = {}
        self._y_ranges: dict[str, tuple[float, float]] = {}
        self.ci.setSpacing(6)
        self.ci.setContentsMargins(2, 4, 10, 2)
        self._build()
        self.set_palette(DAY)

    def _build(self) -> None:
        events_axis = TimeAxis()
        self.axes.append(events_axis)
        events = self.addPlot(row=0, col=0, axisItems={"bottom": events_axis})
        _prepare(events, "")
        events.hideAxis("bottom")
        events.setYRange(0.4, 3.6, padding=0)
        events.getAxis("left").setTicks([[(y, lane.capitalize()) for lane, y in LANES.items()]])
        events.setMaximumHeight(84)
        events.setMinimumHeight(84)
        self.plots["events"] = events
        self.doses = pg.ScatterPlotItem(symbol="t1", size=13, pxMode=True, hoverable=True)
        self.notes = pg.ScatterPlotItem(symbol="d", size=10, pxMode=True, hoverable=True)
        self.alarms = pg.ScatterPlotItem(symbol="s", size=10, pxMode=True, hoverable=True)
        for item in (self.doses, self.notes, self.alarms):
            item.opts["tip"] = _text_tip
            events.addItem(item)
        first = events
        for index, (key, parameters, caption, y_range) in enumerate(ROWS, start=1):
            axis = TimeAxis()
            self.axes.append(axis)
            plot = self.addPlot(row=index, col=0, axisItems={"bottom": axis})
            _prepare(plot, caption)
            plot.setDownsampling(auto=True, mode="peak")
            axis.setStyle(tickLength=-4)
            axis.setHeight(44)
            if index != len(ROWS):
                plot.hideAxis("bottom")
            plot.setXLink(first)
            self.plots[key] = plot
            for parameter in parameters:
                curve = pg.PlotDataItem(antialias=False, skipFiniteCheck=True)
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                plot.addItem(curve)
                self.curves[parameter] = curve
            self.manual[key] = pg.ScatterPlotItem(symbol="o", size=7, pxMode=True)
            plot.addItem(self.manual[key])
            self.note_lines[key] = pg.PlotCurveItem(connect="pairs", antialias=False)
            self.alarm_lines[key] = pg.PlotCurveItem(connect="pairs", antialias=False)
            for item in (self.note_lines[key], self.alarm_lines[key]):
                plot.addItem(item, ignoreBounds=True)
                item.setZValue(-5)
            self._set_y_range(key, y_range)
        nibp = self.plots["nibp"]
        self.nibp_bars = pg.PlotCurveItem(connect="pairs", antialias=False, skipFiniteCheck=True)
        self.nibp_caps = pg.ScatterPlotItem(symbol="_", size=CAP_PX, pxMode=True)
        self.nibp_means = pg.ScatterPlotItem(symbol="o", size=6, pxMode=True)
        nibp.addItem(self.nibp_bars)
        nibp.addItem(self.nibp_caps)
        nibp.addItem(self.nibp_means)
        self._nibp_times: FloatArray = np.empty(0)
        nibp.getViewBox().sigXRangeChanged.connect(self._fit_nibp_caps)
        nibp.getViewBox().sigResized.connect(self._fit_nibp_caps)
        for plot in self.plots.values():
            t0 = pg.InfiniteLine(angle=90, movable=False)
            t0.setVisible(False)
            plot.addItem(t0, ignoreBounds=True)
            self.t0_lines.append(t0)
            cursor = pg.InfiniteLine(angle=90, movable=False)
            cursor.setVisible(False)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursor_lines.append(cursor)
        self.t0_lines[0].label = pg.InfLineLabel(
            self.t0_lines[0], text="T0", position=0.5, anchors=[(0, 0.5), (0, 0.5)]
        )

    # ---- look ----------------------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.setBackground(palette.plot_background)
        font = QFont()
        font.setPointSize(10)
        for key, plot in self.plots.items():
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(palette.grid))
                axis.setTextPen(pg.mkPen(palette.axis))
                axis.setStyle(tickFont=font)
            colour = palette.traces.get(key, palette.axis)
            plot.getAxis("left").setLabel(plot.getAxis("left").labelText, color=colour)
        for parameter, curve in self.curves.items():
            curve.setPen(pg.mkPen(palette.traces[_colour(parameter)], width=1))
        for key, item in self.manual.items():
            colour = palette.traces.get(key, palette.axis)
            item.setPen(pg.mkPen(colour, width=1.5))
            item.setBrush(pg.mkBrush(palette.plot_background))
        nibp = palette.traces["nibp"]
        self.nibp_bars.setPen(pg.mkPen(nibp, width=2))
        self.nibp_caps.setPen(pg.mkPen(nibp, width=2))
        self.nibp_means.setPen(pg.mkPen(nibp))
        self.nibp_means.setBrush(pg.mkBrush(nibp))
        for item in self.note_lines.values():
            item.setPen(pg.mkPen(palette.guide, width=1))
        for item in self.alarm_lines.values():
            item.setPen(pg.mkPen("#e8a0a0" if palette is DAY else "#6a3434", width=1))
        self.doses.setPen(pg.mkPen(DOSE))
        self.doses.setBrush(pg.mkBrush(DOSE))
        self.notes.setPen(pg.mkPen(palette.marker))
        self.notes.setBrush(pg.mkBrush(palette.marker))
        t0_pen = pg.mkPen(palette.traces["nibp"], width=1, style=Qt.PenStyle.DashLine)
        for line in self.t0_lines:
            line.setPen(t0_pen)
        self.t0_lines[0].label.setColor(palette.traces["nibp"])
        cursor_pen = pg.mkPen(palette.marker, width=2)
        for line in self.cursor_lines:
            line.setPen(cursor_pen)

    # ---- data ----------------------------------------------------------------------------
    def show_dossier(self, dossier: SessionDossier) -> None:
        """Plot the whole session: one setData per item."""
        record = dossier.session
        vitals = dossier.vitals
        start = record.checked_in_at.timestamp()
        ends = [start + 600.0]
        if record.closed_at is not None:
            ends.append(record.closed_at.timestamp())
        ends.extend(series.times[-1] for series in vitals.values() if series.times)
        end = max(ends)
        t0 = record.t0.timestamp() if record.t0 is not None else None
        for axis in self.axes:
            axis.t0 = t0
            axis.picture = None
        for line in self.t0_lines:
            line.setVisible(t0 is not None)
            if t0 is not None:
                line.setValue(t0)
        for line in self.cursor_lines:
            line.setVisible(False)
        for key, parameters, _, y_range in ROWS:
            low, high = y_range
            manual_t: list[FloatArray] = []
            manual_v: list[FloatArray] = []
            for parameter in parameters:
                series = vitals.get(parameter)
                if series is None or not series.times:
                    self.curves[parameter].setData([], [])
                    continue
                t, v = _array(series.times), _array(series.values)
                self.curves[parameter].setData(t, v)
                low, high = min(low, float(np.nanmin(v))), max(high, float(np.nanmax(v)))
                if any(series.manual):
                    by_hand = np.fromiter(series.manual, dtype=bool, count=len(series.manual))
                    manual_t.append(t[by_hand])
                    manual_v.append(v[by_hand])
            if key == "nibp":
                low, high = self._show_nibp(dossier, low, high)
            else:
                self.manual[key].setData(
                    x=np.concatenate(manual_t) if manual_t else [],
                    y=np.concatenate(manual_v) if manual_v else [],
                )
            self._set_y_range(key, (math.floor(low / 10) * 10, math.ceil(high / 10) * 10))
        self._show_events(dossier)
        self.plots["events"].setXRange(start - EDGE_MARGIN_S, end + EDGE_MARGIN_S, padding=0)
        self._fit_nibp_caps()

    def _show_nibp(self, dossier: SessionDossier, low: float, high: float) -> tuple[float, float]:
        """Each cuff or hand-taken BP as a DIA–SYS bar with caps, MAP as a dot."""
        sys_series = dossier.vitals.get(Parameter.NIBP_SYS)
        dia_series = dossier.vitals.get(Parameter.NIBP_DIA)
        if sys_series is None or dia_series is None:
            self.nibp_bars.setData([], [])
            self.nibp_caps.setData([], [])
            self.nibp_means.setData([], [])
            self.manual["nibp"].setData([], [])
            self._nibp_times = np.empty(0)
            return low, high
        dia_at = dict(zip(dia_series.times, dia_series.values, strict=True))
        mean_series = dossier.vitals.get(Parameter.NIBP_MEAN)
        mean_at = (
            dict(zip(mean_series.times, mean_series.values, strict=True)) if mean_series else {}
        )
        t, top, bottom, mean, by_hand = [], [], [], [], []
        for at, value, manual in zip(
            sys_series.times, sys_series.values, sys_series.manual, strict=True
        ):
            dia = dia_at.get(at)
            if dia is None:
                continue
            t.append(at)
            top.append(value)
            bottom.append(dia)
            mean.append(mean_at.get(at, math.nan))
            by_hand.append(manual)
        ta, sa, da, ma = (np.asarray(a, dtype=np.float64) for a in (t, top, bottom, mean))
        # the bar has no width in time; its caps are pixel-wide symbols (see _fit_nibp_caps)
        self.nibp_bars.setData(x=np.repeat(ta, 2), y=np.column_stack((da, sa)).ravel())
        self.nibp_caps.setData(x=np.concatenate((ta, ta)), y=np.concatenate((sa, da)))
        self._nibp_times = np.unique(ta)
        shown = np.isfinite(ma)
        self.nibp_means.setData(x=ta[shown], y=ma[shown])
        hand = np.asarray(by_hand, dtype=bool)
        self.manual["nibp"].setData(
            x=np.concatenate((ta[hand], ta[hand])), y=np.concatenate((sa[hand], da[hand]))
        )
        if len(ta):
            low, high = min(low, float(np.nanmin(da))), max(high, float(np.nanmax(sa)))
        return low, high

    def cap_width(self) -> float:
        """The width in pixels of a cuff reading's caps (and MAP dot) at the present zoom."""
        times = self._nibp_times
        if len(times) < 2:
            return CAP_PX
        view = self.plots["nibp"].getViewBox()
        (left, right), _ = view.viewRange()
        pixels = float(view.width())
        if right <= left or pixels <= 0:
            return CAP_PX
        closest = float(np.min(np.diff(times))) * pixels / float(right - left)
        return max(MIN_CAP_PX, min(CAP_PX, closest - CAP_GAP_PX))

    def _fit_nibp_caps(self, *_args: object) -> None:
        width = self.cap_width()
        if width != self.nibp_caps.opts["size"]:
            self.nibp_caps.setSize(width)
            self.nibp_means.setSize(min(6.0, width))

    def _show_events(self, dossier: SessionDossier) -> None:
        def local(at: datetime) -> str:
            return at.astimezone().strftime("%H:%M")

        doses = [(d.started_at, f"{local(d.started_at)} {d.summary}") for d in dossier.doses]
        doses += [
            (e.rescue_at or e.at, f"{local(e.rescue_at or e.at)} Rescue: {e.rescue_drug}")
            for e in dossier.adverse_events
            if e.rescue_given
        ]
        self.doses.setData(
            x=[at.timestamp() for at, _ in doses],
            y=[LANES["dose"]] * len(doses),
            data=[text for _, text in doses],
        )
        notes = [
            (o.at, f"{local(o.at)} {o.category.label}: {o.text[:80]}") for o in dossier.observations
        ]
        self.notes.setData(
            x=[at.timestamp() for at, _ in notes],
            y=[LANES["note"]] * len(notes),
            data=[text for _, text in notes],
        )
        # one mark per alarm episode: a flapping alarm is one mark, its tip says how many times
        episodes = alarm_episodes(dossier.alarms, dossier.vitals)
        marks = [
            (e.first, HIGH_ALARM if e.priority == "high" else MEDIUM_ALARM, episode_text(e))
            for e in episodes
        ]
        marks += [(e.at, ADVERSE, f"Adverse event: {e.kind}") for e in dossier.adverse_events]
        self.alarms.setData(
            x=[at.timestamp() for at, _, _ in marks],
            y=[LANES["alarm"]] * len(marks),
            brush=[pg.mkBrush(colour) for _, colour, _ in marks],
            pen=[pg.mkPen(colour) for _, colour, _ in marks],
            data=[f"{local(at)} {text}" for at, _, text in marks],
        )
        note_x = np.repeat([at.timestamp() for at, _ in notes], 2)
        alarm_x = np.repeat([at.timestamp() for at, _, _ in marks], 2)
        for key, _, _, _ in ROWS:
            low, high = self._y_ranges[key]
            self.note_lines[key].setData(x=note_x, y=np.tile([low, high], len(notes)))
            self.alarm_lines[key].setData(x=alarm_x, y=np.tile([low, high], len(marks)))

    def _set_y_range(self, key: str, y_range: tuple[float, float]) -> None:
        self._y_ranges[key] = y_range
        self.plots[key].setYRange(*y_range, padding=0.03)

    def show_cursor(self, at: datetime | None) -> None:
        """A line across the plots at ``at`` (the timeline's selected entry), or none."""
        for line in self.cursor_lines:
            line.setVisible(at is not None)
            if at is not None:
                line.setValue(at.timestamp())

    def x_range(self) -> tuple[float, float]:
        (left, right), _ = self.plots["events"].getViewBox().viewRange()
        return float(left), float(right)
