"""A time-series plot: traces on a time axis, a second value axis, T0, dose and alarm marks."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from console.domain.review import VitalSeries
from console.domain.vitals import Parameter
from console.reports.pdf.page import CENTER, LEFT, VCENTER_LEFT, VCENTER_RIGHT, Op
from console.reports.pdf.palette import ALARM, DOSE, GRID, INK, MUTED, RULE, T0, WHITE
from console.reports.pdf.text import Document, number

GAP_SECONDS = 30  # a device trace breaks where samples are further apart than this


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """What every plot of one document shares: the time span (epoch seconds), the zone its
    clock labels print in, T0, the dose times and the alarm episodes (first time, priority).
    """

    first: float
    last: float
    zone: tzinfo | None
    t0: datetime | None
    doses: tuple[datetime, ...]
    alarms: tuple[tuple[datetime, str], ...]


def plot(
    doc: Document,
    axis: TimeAxis,
    title: str,
    traces: Sequence[tuple[VitalSeries | None, QColor, str, str]],
    *,
    right: tuple[VitalSeries | None, QColor, str, tuple[float, float]] | None = None,
    left_range: tuple[float, float] | None = None,
    markers: str = "line",
    height_mm: float = 58,
) -> None:
    """A time plot: left-axis traces (series, colour, legend, unit), an optional right-axis
    trace with its own range, T0, dose and alarm markers. ``markers`` is "line" (device
    traces, decimated per pixel) or "cuff" (discrete readings joined by thin lines).
    """
    legend_h = doc.text_height("Ag", doc.small, doc.width)
    height = doc.mm(height_mm)
    doc.pages.ensure(height + legend_h + doc.mm(4))
    top = doc.pages.y
    axis_w = doc.mm(11)
    plot = QRectF(axis_w, top + legend_h + doc.mm(1.5), doc.width - 2 * axis_w, height)
    t_first, t_last = axis.first, axis.last
    values = [v for series, *_ in traces if series for v in series.values if math.isfinite(v)]
    if left_range is None:
        low, high = (min(values), max(values)) if values else (0.0, 100.0)
        step = 20.0
        low = math.floor((low - 5) / step) * step
        high = math.ceil((high + 5) / step) * step
        left_range = (low, max(high, low + step))
    y_low, y_high = left_range

    def x_of(t: float) -> float:
        return plot.left() + (t - t_first) / (t_last - t_first) * plot.width()

    def y_of(value: float, lo: float = y_low, hi: float = y_high) -> float:
        clamped = min(max(value, lo), hi)
        return plot.bottom() - (clamped - lo) / (hi - lo) * plot.height()

    ticks = _time_ticks(t_first, t_last, axis.zone)
    left_ticks = _value_ticks(y_low, y_high)
    ops: list[Op] = []
    small, mm = doc.small, doc.mm
    label_h = QFontMetricsF(small, doc.device).height()

    def frame(p: QPainter) -> None:
        p.setPen(QPen(GRID, mm(0.2)))
        for t, _ in ticks:
            p.drawLine(QPointF(x_of(t), plot.top()), QPointF(x_of(t), plot.bottom()))
        for value in left_ticks:
            p.drawLine(QPointF(plot.left(), y_of(value)), QPointF(plot.right(), y_of(value)))
        p.setPen(QPen(RULE, mm(0.3)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(plot)
        p.setFont(small)
        p.setPen(MUTED)
        for t, text in ticks:
            p.drawText(
                QRectF(x_of(t) - mm(10), plot.bottom() + mm(0.8), mm(20), label_h),
                CENTER,
                text,
            )
        for value in left_ticks:
            p.drawText(
                QRectF(0, y_of(value) - label_h / 2, axis_w - mm(1.2), label_h),
                VCENTER_RIGHT,
                number(value),
            )

    ops.append(frame)
    if right is not None:
        _, r_color, _, (r_low, r_high) = right

        def right_axis(p: QPainter) -> None:
            p.setFont(small)
            p.setPen(r_color)
            for value in _value_ticks(r_low, r_high):
                p.drawText(
                    QRectF(
                        plot.right() + mm(1.2),
                        y_of(value, r_low, r_high) - label_h / 2,
                        axis_w - mm(1.2),
                        label_h,
                    ),
                    VCENTER_LEFT,
                    number(value),
                )

        ops.append(right_axis)
    # markers behind the traces: T0 and doses (vertical lines), alarms (triangles on top)
    t0 = axis.t0
    for started_at in axis.doses:
        x = x_of(started_at.timestamp())
        first_dose = t0 is not None and started_at == t0
        ops.append(_vline(x, plot, T0 if first_dose else DOSE, mm(0.35), dashed=True))
    if t0 is not None:
        x0 = x_of(t0.timestamp())
        ops.append(_vline(x0, plot, T0, mm(0.4), dashed=True))

        def t0_label(p: QPainter) -> None:
            p.setFont(small)
            p.setPen(T0)
            p.drawText(
                QRectF(x0 + mm(0.8), plot.bottom() - label_h - mm(0.6), mm(20), label_h),
                LEFT,
                "T0",
            )

        ops.append(t0_label)
    ops.extend(_alarm_marks(doc, axis, plot, x_of))
    clip = QRectF(plot)
    for series, color, _, _ in traces:
        if series is not None:
            ops.append(_trace(doc, series, color, clip, x_of, y_of, markers))
    if right is not None:
        r_series_, r_color_, _, (lo, hi) = right
        if r_series_ is not None:
            ops.append(
                _trace(doc, r_series_, r_color_, clip, x_of, lambda v: y_of(v, lo, hi), markers)
            )
    # title and legend above the plot
    legend: list[tuple[str, QColor, str]] = [
        (f"{name} ({unit})", c, "bar") for _, c, name, unit in traces
    ]
    if right is not None:
        legend.append((f"{_label(right[0])} ({right[2]}, right axis)", right[1], "bar"))
    if t0 is not None:
        legend.append(("T0", T0, "dash"))
    if len(axis.doses) > 1:
        legend.append(("later dose", DOSE, "dash"))
    legend.append(("alarm", ALARM["high"], "triangle"))
    title_w = doc.text_width(title, doc.cell_bold) + mm(4)

    def header(p: QPainter) -> None:
        p.setFont(doc.cell_bold)
        p.setPen(INK)
        p.drawText(QRectF(plot.left(), top, title_w, legend_h), LEFT, title)
        p.setFont(small)
        x = plot.left() + title_w
        middle = top + legend_h * 0.5
        for text, color, shape in legend:
            if shape == "triangle":
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QBrush(color))
                p.drawPolygon(
                    QPolygonF(
                        [
                            QPointF(x + mm(1.2), middle - mm(0.8)),
                            QPointF(x + mm(2.8), middle - mm(0.8)),
                            QPointF(x + mm(2.0), middle + mm(0.6)),
                        ]
                    )
                )
            elif shape == "dash":
                pen = QPen(color, mm(0.4))
                pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.drawLine(QPointF(x, middle), QPointF(x + mm(4), middle))
            else:
                p.fillRect(QRectF(x, middle - mm(0.45), mm(4), mm(0.9)), color)
            x += mm(5)
            p.setPen(INK)
            width = QFontMetricsF(small, doc.device).horizontalAdvance(text)
            p.drawText(QRectF(x, top, width + mm(1), legend_h), LEFT, text)
            x += width + mm(4)

    ops.append(header)
    for op in ops:
        doc.pages.add(op)
    doc.pages.y = plot.bottom() + label_h + doc.mm(3)


def _time_ticks(first: float, last: float, zone: tzinfo | None) -> list[tuple[float, str]]:
    span_min = (last - first) / 60
    step = next((s for s in (5, 10, 15, 30, 60, 120) if span_min / s <= 12), 240)
    start = datetime.fromtimestamp(first, UTC).astimezone(zone)
    minute = start.replace(second=0, microsecond=0)
    minute += timedelta(minutes=(step - (minute.hour * 60 + minute.minute) % step) % step)
    ticks: list[tuple[float, str]] = []
    while minute.timestamp() <= last:
        if minute.timestamp() >= first:
            ticks.append((minute.timestamp(), minute.strftime("%H:%M")))
        minute += timedelta(minutes=step)
    return ticks


def _alarm_marks(
    doc: Document, axis: TimeAxis, plot: QRectF, x_of: Callable[[float], float]
) -> list[Op]:
    size = doc.mm(1.6)
    ops: list[Op] = []
    for first, priority in axis.alarms:  # one mark per episode, as the timeline
        x = x_of(first.timestamp())
        color = ALARM.get(priority, ALARM["low"])
        triangle = QPolygonF(
            [
                QPointF(x - size / 2, plot.top() - size * 0.9),
                QPointF(x + size / 2, plot.top() - size * 0.9),
                QPointF(x, plot.top()),
            ]
        )

        def mark(p: QPainter, triangle: QPolygonF = triangle, color: QColor = color) -> None:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(color))
            p.drawPolygon(triangle)

        ops.append(mark)
    return ops


def _trace(
    doc: Document,
    series: VitalSeries,
    color: QColor,
    clip: QRectF,
    x_of: Callable[[float], float],
    y_of: Callable[[float], float],
    markers: str,
) -> Op:
    device_path = QPainterPath()
    dots: list[QPointF] = []
    hollow: list[QPointF] = []
    if markers == "line":
        _decimated_path(device_path, series, x_of, y_of, doc.mm(0.25), hollow)
    else:
        started = False
        for t, v, manual in zip(series.times, series.values, series.manual, strict=True):
            if not math.isfinite(v):
                continue
            point = QPointF(x_of(t), y_of(v))
            (hollow if manual else dots).append(point)
            if not manual:
                if started:
                    device_path.lineTo(point)
                else:
                    device_path.moveTo(point)
                    started = True
    mm = doc.mm
    cuff = markers != "line"

    def draw(p: QPainter) -> None:
        p.save()
        p.setClipRect(clip.adjusted(-mm(1.5), -mm(1.5), mm(1.5), mm(1.5)))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(color, mm(0.22) if cuff else mm(0.3))
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(device_path)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(color))
        for point in dots if cuff else ():
            p.drawEllipse(point, mm(0.6), mm(0.6))
        p.setPen(QPen(color, mm(0.3)))
        p.setBrush(QBrush(WHITE))
        for point in hollow:
            p.drawEllipse(point, mm(0.8), mm(0.8))
        p.restore()

    return draw


def _label(series: VitalSeries | None) -> str:
    if series is None:
        return ""
    return {Parameter.SPO2: "SpO2", Parameter.HR: "HR", Parameter.PR: "PR"}.get(
        series.parameter, series.parameter.value
    )


def _value_ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 8), 200)
    first = math.ceil(low / step) * step
    ticks = []
    value = float(first)
    while value <= high + 1e-9:
        ticks.append(value)
        value += step
    return ticks


def _vline(x: float, plot: QRectF, color: QColor, width: float, *, dashed: bool) -> Op:
    def draw(p: QPainter) -> None:
        pen = QPen(color, width)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))

    return draw


def _decimated_path(
    path: QPainterPath,
    series: VitalSeries,
    x_of: Callable[[float], float],
    y_of: Callable[[float], float],
    column: float,
    hollow: list[QPointF],
) -> None:
    """Device values as a path with one min/max pair per ``column`` of width.

    Fast for 8 h at 1 Hz; a gap longer than GAP_SECONDS breaks the line. Hand entries go to
    ``hollow`` (drawn as open circles).
    """
    bucket: int | None = None
    lo = hi = first = last = 0.0
    previous_t: float | None = None
    open_line = False

    def flush() -> None:
        nonlocal open_line
        if bucket is None:
            return
        x = bucket * column + column / 2
        points = [first, lo, hi, last] if lo != hi else [first]
        for value in points:
            point = QPointF(x, y_of(value))
            if open_line:
                path.lineTo(point)
            else:
                path.moveTo(point)
                open_line = True

    for t, v, manual in zip(series.times, series.values, series.manual, strict=True):
        if not math.isfinite(v):
            continue
        if manual:
            hollow.append(QPointF(x_of(t), y_of(v)))
            continue
        if previous_t is not None and t - previous_t > GAP_SECONDS:
            flush()
            bucket = None
            open_line = False
        previous_t = t
        index = int(x_of(t) // column)
        if index != bucket:
            flush()
            bucket, lo, hi, first = index, v, v, v
        lo, hi, last = min(lo, v), max(hi, v), v
    flush()
