"""Session trends: stacked pyqtgraph plots on a shared clock-and-T+ time axis, fed from ring buffers."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QWidget

from console.clock import Clock
from console.domain.sessions import Observation, SessionRecord
from console.domain.vitals import Parameter, TrendRow, VitalPoint
from widgets.vitals.ring import FloatArray, RingBuffer
from widgets.vitals.tiles import DAY, Palette

REFRESH_MS = 34  # at most ~30 redraws a second, and only after new data
MIN_SPAN_S = 30 * 60  # the axis shows at least half an hour, then the whole session
HEADROOM = 0.04  # free space kept right of "now", as a share of the span
MAX_CUFFS = 240  # more cuffs than this (a 1 Hz feed) are folded, like peak downsampling
GUIDES_MAX = 4  # faint horizontal lines per plot (the axes' own grid costs ~12 ms a paint)
GUIDE_STEPS = (5, 10, 20, 25, 50, 100)
TICK_STEPS_S = (60, 120, 300, 600, 900, 1800, 3600, 7200)

# (tile key, parameters drawn as lines, axis caption, default y range)
ROWS: tuple[tuple[str, tuple[Parameter, ...], str, tuple[float, float]], ...] = (
    ("hr", (Parameter.HR, Parameter.PR), "HR·PR /min", (40, 140)),
    ("spo2", (Parameter.SPO2,), "SpO2 %", (85, 100)),
    ("nibp", (), "NIBP mmHg", (40, 180)),
    ("rr", (Parameter.RR,), "RR /min", (0, 30)),
    ("etco2", (Parameter.ETCO2,), "EtCO2 mmHg", (0, 50)),
)
NIBP = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)
PLOTTED = tuple(p for _, params, _, _ in ROWS for p in params) + NIBP


def _dash_symbol() -> QPainterPath:
    path = QPainterPath()
    path.moveTo(-0.5, 0.0)
    path.lineTo(0.5, 0.0)
    return path


_DASH = _dash_symbol()


def _thin(values: FloatArray, reduce: Callable[..., Any]) -> FloatArray:
    """Fold runs of k cuffs into one (e.g. max SYS, min DIA) so at most MAX_CUFFS are drawn."""
    k = math.ceil(values.shape[0] / MAX_CUFFS)
    if k <= 1:
        return values.copy()
    padded = np.concatenate((values, np.full(-values.shape[0] % k, np.nan)))
    return np.asarray(reduce(padded.reshape(-1, k), axis=1), dtype=np.float64)


class TimeAxis(pg.AxisItem):  # type: ignore[misc]
    """Bottom axis in local clock time, with T+minutes beneath once the dose time is set."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.t0: float | None = None

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        span = maxVal - minVal
        if span <= 0 or not math.isfinite(span):
            return []
        most = max(2.0, size / 110.0)
        step = next((s for s in TICK_STEPS_S if span / s <= most), TICK_STEPS_S[-1])
        if self.t0 is not None:
            origin = self.t0  # ticks on whole T+ minutes
        else:
            offset = datetime.fromtimestamp(minVal).astimezone().utcoffset()
            origin = -(offset.total_seconds() if offset else 0.0)  # ticks on local clock minutes
        first = origin + math.ceil((minVal - origin) / step) * step
        return [(float(step), [float(v) for v in np.arange(first, maxVal + 1e-6, step)])]

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        out = []
        for value in values:
            text = datetime.fromtimestamp(value).astimezone().strftime("%H:%M")
            if self.t0 is not None:
                minutes = round((value - self.t0) / 60)
                text += f"\nT{'+' if minutes >= 0 else '−'}{abs(minutes)}"
            out.append(text)
        return out


class TrendsWidget(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """HR/PR, SpO2, NIBP, RR and EtCO2 over the whole session, stacked on one time axis."""

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._palette = DAY
        self.rings = {p: RingBuffer() for p in PLOTTED}
        self.curves: dict[Parameter, pg.PlotDataItem] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self.axes: list[TimeAxis] = []
        self.t0_lines: list[pg.InfiniteLine] = []
        self.observation_marks: list[tuple[float, str]] = []
        self._observation_items: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self._y_ranges: dict[str, tuple[float, float]] = {}
        self._guides: dict[str, pg.PlotCurveItem] = {}  # faint horizontal lines, one item a plot
        self._guide_values: dict[str, list[float]] = {}
        self._start: float | None = None
        self._x_range: tuple[float, float] = (0.0, 0.0)
        self._dirty: set[Parameter] = set()
        self._partial: dict[float, dict[Parameter, float]] = {}  # NIBP values waiting for a pair
        self._active = True  # drawing (False: a bed view built ahead, not on screen)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.ci.setSpacing(10)  # room between the stacked plots so their tick labels never touch
        self.ci.setContentsMargins(2, 4, 8, 2)
        self._build()
        self.set_palette(DAY)

    def _build(self) -> None:
        first: pg.PlotItem | None = None
        for index, (key, parameters, caption, y_range) in enumerate(ROWS):
            last = index == len(ROWS) - 1
            axis = TimeAxis()
            self.axes.append(axis)
            plot = self.addPlot(row=index, col=0, axisItems={"bottom": axis})
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.getAxis("left").setWidth(54)
            plot.getAxis("left").setLabel(caption)
            plot.enableAutoRange(x=False, y=False)
            self._guides[key] = pg.PlotCurveItem(connect="pairs", antialias=False)
            plot.addItem(self._guides[key], ignoreBounds=True)
            self.plots[key] = plot
            self._set_y_range(key, y_range)
            axis.setStyle(tickLength=-4)
            axis.setHeight(44)
            if not last:
                plot.hideAxis("bottom")  # one time axis for the stack; fewer axes to paint
            for name in ("left", "bottom"):  # a pixmap blit is cheaper than replaying the QPicture
                plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            if first is not None:
                plot.setXLink(first)
            first = first or plot
            for parameter in parameters:
                curve = pg.PlotDataItem(antialias=False, skipFiniteCheck=True)
                curve.setDownsampling(auto=True, method="peak")
                curve.opts["autoDownsampleFactor"] = 1.0  # one min/max pair per pixel column
                curve.setClipToView(True)
                plot.addItem(curve)
                self.curves[parameter] = curve
            line = pg.InfiniteLine(angle=90, movable=False)
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.t0_lines.append(line)
        nibp = self.plots["nibp"]
        # every cuff's DIA→SYS bar and its two caps in one item, drawn as separate segments
        # (drawLines: an ErrorBarItem strokes a path and costs ~3 ms a paint for 100 cuffs)
        self.nibp_bars = pg.PlotCurveItem(connect="pairs", antialias=False, skipFiniteCheck=True)
        self.nibp_means = pg.ScatterPlotItem(symbol="o", size=7, pxMode=True)  # MAP dots
        for item in (self.nibp_bars, self.nibp_means):
            nibp.addItem(item)
        self.t0_lines[0].label = pg.InfLineLabel(
            self.t0_lines[0], text="T0", position=0.9, anchors=[(0, 0.5), (0, 0.5)]
        )
        # the next scheduled vitals check, on the blood-pressure row
        self.check_line = pg.InfiniteLine(angle=90, movable=False)
        self.check_line.setVisible(False)
        nibp.addItem(self.check_line, ignoreBounds=True)
        self.check_line.label = pg.InfLineLabel(
            self.check_line, text="check due", position=0.92, anchors=[(1, 0.5), (1, 0.5)]
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
            plot.getAxis("left").setLabel(plot.getAxis("left").labelText, color=palette.traces[key])
        for parameter, curve in self.curves.items():
            colour = palette.traces["pr" if parameter == Parameter.PR else parameter.value]
            # 1 px solid: a 2 px or dashed pen costs ~2.5 ms a curve per paint at 2,000 points
            curve.setPen(pg.mkPen(colour, width=1))
        nibp = palette.traces["nibp"]
        self.nibp_bars.setPen(pg.mkPen(nibp, width=2))
        self.nibp_means.setPen(pg.mkPen(nibp))
        self.nibp_means.setBrush(pg.mkBrush(nibp))
        guide = pg.mkPen(palette.guide, width=1)  # solid: a dotted pen costs ~2 ms a paint
        for item in self._guides.values():
            item.setPen(guide)
        marker = pg.mkPen(palette.marker, width=1, style=Qt.PenStyle.DashLine)
        for line in self.t0_lines:
            line.setPen(pg.mkPen(palette.traces["nibp"], width=1, style=Qt.PenStyle.DashLine))
        self.t0_lines[0].label.setColor(palette.traces["nibp"])
        for _, line in self._observation_items:
            line.setPen(marker)
            if getattr(line, "label", None) is not None:
                line.label.setColor(palette.marker)

    # ---- session -------------------------------------------------------------------------
    def set_session(self, record: SessionRecord | None) -> None:
        """Follow the session's start (left edge) and dose time (T0 marker and T+ labels)."""
        self._start = record.checked_in_at.timestamp() if record else None
        t0 = record.t0.timestamp() if record and record.t0 else None
        for axis in self.axes:
            axis.t0 = t0
            axis.picture = None  # re-label the ticks
            axis.update()
        for line in self.t0_lines:
            line.setVisible(t0 is not None)
            if t0 is not None:
                line.setValue(t0)
        self.follow(self._clock.now())

    def show_check(self, due_at: datetime | None, overdue: bool) -> None:
        """Mark the next vitals check on the BP row ("check due", red when overdue)."""
        self.check_line.setVisible(due_at is not None)
        if due_at is None:
            return
        self.check_line.setValue(due_at.timestamp())
        colour = self._palette.overdue if overdue else self._palette.marker
        self.check_line.setPen(
            pg.mkPen(colour, width=2 if overdue else 1, style=Qt.PenStyle.DotLine)
        )
        self.check_line.label.setText("check OVERDUE" if overdue else "check due")
        self.check_line.label.setColor(colour)

    def t0(self) -> float | None:
        return self.axes[0].t0

    def reset(self) -> None:
        """Forget all data and notes (not named clear: the layout widget owns that name)."""
        for ring in self.rings.values():
            ring.clear()
        self._partial.clear()
        for plot, line in self._observation_items:
            plot.removeItem(line)
        self._observation_items.clear()
        self.observation_marks.clear()
        for key, _, _, y_range in ROWS:
            self._set_y_range(key, y_range)
        self._dirty.update(PLOTTED)
        self.refresh()

    # ---- data ----------------------------------------------------------------------------
    def add_points(self, points: Iterable[VitalPoint]) -> None:
        """Append new values; the plots redraw within REFRESH_MS, once for many points."""
        for point in points:
            if point.parameter in NIBP:
                self._partial.setdefault(point.at.timestamp(), {})[point.parameter] = point.value
                continue
            ring = self.rings.get(point.parameter)
            if ring is None:
                continue
            ring.append(point.at.timestamp(), point.value)
            self._dirty.add(point.parameter)
            self._widen(point.parameter, point.value)
        self._complete_cuffs()
        if self._dirty and not self._timer.isActive():
            self._timer.start()

    def load(self, points: Iterable[VitalPoint]) -> None:
        """Replace the trends with a session's history (one bulk copy per parameter)."""
        self.load_rows(point.trend_row for point in points)

    def load_rows(self, rows: Iterable[TrendRow]) -> None:
        """Replace the trends with trend rows (parameter, value, POSIX seconds, source)."""
        grouped: dict[Parameter, tuple[list[float], list[float]]] = {p: ([], []) for p in PLOTTED}
        for parameter, value, at, _ in rows:
            if parameter in NIBP:
                self._partial.setdefault(at, {})[parameter] = value
            elif parameter in grouped:
                times, values = grouped[parameter]
                times.append(at)
                values.append(value)
        for parameter, (times, values) in grouped.items():
            if parameter in NIBP:
                continue
            self.rings[parameter].clear()
            self.rings[parameter].extend(times, values)
            if values:
                self._widen(parameter, min(values))
                self._widen(parameter, max(values))
        self._complete_cuffs()
        self._dirty.update(PLOTTED)
        self.refresh()

    def _complete_cuffs(self) -> None:
        """Move each cuff with both SYS and DIA from the partial ones into the aligned rings."""
        for at in sorted(self._partial):
            values = self._partial[at]
            if Parameter.NIBP_SYS not in values or Parameter.NIBP_DIA not in values:
                continue
            del self._partial[at]
            for parameter in NIBP:
                self.rings[parameter].append(at, values.get(parameter, math.nan))
            self._widen(Parameter.NIBP_SYS, values[Parameter.NIBP_SYS])
            self._widen(Parameter.NIBP_DIA, values[Parameter.NIBP_DIA])
            self._dirty.add(Parameter.NIBP_SYS)

    def add_observation(self, observation: Observation) -> None:
        """A labelled dashed line at the note's time (label on the top plot only)."""
        self.add_marker(observation.at, observation.category.label.split(" /")[0])

    def add_marker(self, when: datetime, label: str) -> None:
        """A labelled dashed line across the plots: a note, a rating (label on the top plot)."""
        at = when.timestamp()
        self.observation_marks.append((at, label))
        pen = pg.mkPen(self._palette.marker, width=1, style=Qt.PenStyle.DashLine)
        position = 0.75 if len(self.observation_marks) % 2 else 0.55  # stagger close labels
        for index, plot in enumerate(self.plots.values()):
            options = {
                "position": position,
                "anchors": [(0, 0.5), (0, 0.5)],
                "color": self._palette.marker,
            }
            line = pg.InfiniteLine(
                pos=at,
                angle=90,
                movable=False,
                pen=pen,
                label=label if index == 0 else None,
                labelOpts=options,
            )
            plot.addItem(line, ignoreBounds=True)
            self._observation_items.append((plot, line))

    def series(self, parameter: Parameter) -> tuple[FloatArray, FloatArray]:
        """What the curve for ``parameter`` was last given (times, values)."""
        if parameter in self.curves:
            x, y = self.curves[parameter].getOriginalDataset()
            if x is None:
                return np.zeros(0), np.zeros(0)
            return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        return self.rings[parameter].arrays()

    # ---- drawing -------------------------------------------------------------------------
    def _widen(self, parameter: Parameter, value: float) -> None:
        key = next((k for k, params, _, _ in ROWS if parameter in params), "nibp")
        low, high = self._y_ranges[key]
        if low <= value <= high:
            return
        low, high = min(low, math.floor(value / 10) * 10), max(high, math.ceil(value / 10) * 10)
        self._set_y_range(key, (low, high))

    def _set_y_range(self, key: str, y_range: tuple[float, float]) -> None:
        """Set a plot's value range and spread its guide lines over round values inside it."""
        low, high = y_range
        self._y_ranges[key] = y_range
        self.plots[key].setYRange(low, high, padding=0.02)
        step = next((s for s in GUIDE_STEPS if (high - low) / s <= GUIDES_MAX), GUIDE_STEPS[-1])
        values = np.arange(math.ceil(low / step) * step, high, step)
        self._guide_values[key] = [float(v) for v in values if v > low]
        self._draw_guides(key)

    def _draw_guides(self, key: str) -> None:
        """Each guide is one segment across the shown time range (redrawn when it moves)."""
        values = self._guide_values.get(key, [])
        left, right = self._x_range
        self._guides[key].setData(x=[left, right] * len(values), y=np.repeat(values, 2))

    def set_active(self, active: bool) -> None:
        """False while the bed is not on screen: data is kept, drawing waits until shown."""
        self._active = active
        if active:
            self.refresh()

    def refresh(self) -> None:
        """Push the dirty rings into their items (setData on the items made once)."""
        self._timer.stop()
        if not self._active:
            return  # the dirty set is kept for when the bed is shown
        dirty, self._dirty = self._dirty, set()
        for parameter in dirty & self.curves.keys():
            t, v = self.rings[parameter].arrays()
            self.curves[parameter].setData(t, v)
        if dirty & set(NIBP):
            self._refresh_nibp()
        self.follow(self._clock.now())

    def nibp_cuffs(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Every complete cuff: times, SYS, DIA and MAP (NaN when the device gave none)."""
        t, sys_ = self.rings[Parameter.NIBP_SYS].arrays()
        return t, sys_, self.rings[Parameter.NIBP_DIA].arrays()[1], self.rings[NIBP[2]].arrays()[1]

    def _refresh_nibp(self) -> None:
        t, sys_, dia, mean = self.nibp_cuffs()
        t, high, low = _thin(t, np.nanmin), _thin(sys_, np.nanmax), _thin(dia, np.nanmin)
        mean = _thin(mean, np.nanmean)
        w = self.plots["nibp"].getViewBox().viewPixelSize()[0] * 5  # caps 10 px wide
        w = w if math.isfinite(w) else 0.0
        self.nibp_bars.setData(
            x=np.column_stack((t, t, t - w, t + w, t - w, t + w)).ravel(),
            y=np.column_stack((low, high, high, high, low, low)).ravel(),
        )
        shown = np.isfinite(mean)
        self.nibp_means.setData(x=t[shown], y=mean[shown])

    def follow(self, now: datetime) -> None:
        """Show the whole session (at least MIN_SPAN_S) up to ``now``, moving the edge in steps.

        The right edge jumps ahead by HEADROOM of the span only when ``now`` reaches it, so the
        axes and the downsampled curves are not recomputed for every new second.
        """
        current = now.timestamp()
        left = self._start if self._start is not None else current - MIN_SPAN_S
        right = max(current, left + MIN_SPAN_S)
        old_left, old_right = self._x_range
        if (
            old_left == left
            and current <= old_right
            and old_right - current <= ((old_right - left) * 2 * HEADROOM + 60)
        ):
            return
        wanted = (left, right + max(60.0, (right - left) * HEADROOM))
        self._x_range = wanted
        self.plots["hr"].setXRange(*wanted, padding=0)
        for key in self._guides:
            self._draw_guides(key)
        if len(self.rings[Parameter.NIBP_SYS]):
            self._refresh_nibp()  # the caps keep their width in pixels

    def stop(self) -> None:
        self._timer.stop()
