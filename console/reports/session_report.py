"""The PDF session report: header, vital-sign plots, tables, timeline and signatures (QPainter).

Drawn with Qt's QPdfWriter and QPainter, so it needs a ``QGuiApplication`` (or ``QApplication``)
to exist first; without a display, start the process with ``QT_QPA_PLATFORM=offscreen`` (the
command line does). The layout is computed first as a list of drawing steps per page, then
painted, so every footer can say "page N of M". Times print in the local zone (or ``zone``).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPolygonF,
)

from console.domain.alarm_episodes import alarm_episodes
from console.domain.doses_record import DoseRecord, session_totals
from console.domain.review import SessionDossier, TimelineEntry, VitalSeries
from console.domain.scales import ScaleDefinition
from console.domain.schedule import format_duration
from console.domain.timeline import build_timeline
from console.domain.vitals import Parameter

RESOLUTION_DPI = 300
MARGIN_MM = 14
FOOTER_MM = 9
GAP_SECONDS = 30  # a device trace breaks where samples are further apart than this
NEAREST_SECONDS = 30  # a cuff row shows the monitor's HR/SpO2/RR within this many seconds

_Op = Callable[[QPainter], None]

_INK = QColor("#111111")
_MUTED = QColor("#555555")
_RULE = QColor("#9a9a9a")
_GRID = QColor("#dddddd")
_SHADE = QColor("#f1f3f5")
_HEAD = QColor("#e2e6ea")
_HR = QColor("#c62828")
_SPO2 = QColor("#1565c0")
_SYS = QColor("#6a1b9a")
_DIA = QColor("#00838f")
_MAP = QColor("#8d6e63")
_T0 = QColor("#2e7d32")
_DOSE = QColor("#ef6c00")
_ALARM = {"high": QColor("#d50000"), "medium": QColor("#f9a825"), "low": QColor("#00acc1")}

_WRAP = int(Qt.TextFlag.TextWordWrap.value)
_LEFT = int(Qt.AlignmentFlag.AlignLeft.value) | int(Qt.AlignmentFlag.AlignTop.value)
_RIGHT = int(Qt.AlignmentFlag.AlignRight.value) | int(Qt.AlignmentFlag.AlignTop.value)
_CENTER = int(Qt.AlignmentFlag.AlignHCenter.value) | int(Qt.AlignmentFlag.AlignTop.value)
_VCENTER_LEFT = int(Qt.AlignmentFlag.AlignLeft.value) | int(Qt.AlignmentFlag.AlignVCenter.value)
_VCENTER_RIGHT = int(Qt.AlignmentFlag.AlignRight.value) | int(Qt.AlignmentFlag.AlignVCenter.value)

_PREDOSE_LABELS = {
    "benzodiazepines": "benzodiazepines taken recently",
    "other_sedatives": "other sedatives taken recently",
    "stimulants": "stimulants taken recently",
    "maoi": "MAO inhibitor taken recently",
    "fasted_food": "nothing to eat for 2 h",
    "fasted_liquids": "nothing to drink for 30 min",
    "ride_driver": "ride home",
    "ride_phone": "ride's phone",
    "ride_relationship": "ride is the patient's",
}


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: title, share of the width, and alignment (Qt flags)."""

    title: str
    share: float
    align: int = _LEFT


def _soft(text: str, limit: int = 28) -> str:
    """Let very long unbroken words wrap (a zero-width space every ``limit`` characters)."""
    words = text.split(" ")
    if all(len(w) <= limit for w in words):
        return text
    return " ".join(
        "\u200b".join(w[i : i + limit] for i in range(0, len(w), limit)) if len(w) > limit else w
        for w in words
    )


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"


class _Pages:
    """Drawing steps per page, and the running vertical position on the current page."""

    def __init__(self, height: float) -> None:
        self.height = height
        self.pages: list[list[_Op]] = [[]]
        self.y = 0.0

    def add(self, op: _Op) -> None:
        self.pages[-1].append(op)

    def new_page(self) -> None:
        self.pages.append([])
        self.y = 0.0

    def room(self) -> float:
        return self.height - self.y

    def ensure(self, needed: float) -> None:
        """Start a new page unless ``needed`` fits below the current position."""
        if self.y > 0 and needed > self.room():
            self.new_page()


class _Report:
    def __init__(
        self,
        writer: QPdfWriter,
        dossier: SessionDossier,
        *,
        generated_at: datetime,
        clinic_name: str,
        timeline: Sequence[TimelineEntry],
        scales: Mapping[str, ScaleDefinition],
        zone: tzinfo | None,
    ) -> None:
        self.device = writer
        self.d = dossier
        self.generated_at = generated_at
        self.clinic_name = clinic_name.strip()
        self.timeline = timeline
        self.scales = scales
        self.zone = zone
        self.dpmm = writer.resolution() / 25.4
        self.width = float(writer.width())
        self.full_height = float(writer.height())
        self.pages = _Pages(self.full_height - self.mm(FOOTER_MM))
        self.body = self._font(9)
        self.small = self._font(7.5)
        self.cell = self._font(8)
        self.cell_bold = self._font(8, bold=True)
        self.label = self._font(8, bold=True)
        self.heading = self._font(11.5, bold=True)
        self.title = self._font(17, bold=True)

    # ---- units, fonts, text ---------------------------------------------------------------
    def mm(self, value: float) -> float:
        return value * self.dpmm

    @staticmethod
    def _font(points: float, *, bold: bool = False) -> QFont:
        font = QFont("DejaVu Sans")
        font.setStyleHint(QFont.StyleHint.SansSerif)
        font.setPointSizeF(points)
        font.setBold(bold)
        for tag in ("liga", "clig"):  # "fi", "ff" stay two letters: copy and search find them
            font.setFeature(QFont.Tag(tag), 0)
        return font

    def text_height(self, text: str, font: QFont, width: float) -> float:
        metrics = QFontMetricsF(font, self.device)
        if not text:
            return metrics.height()
        rect = metrics.boundingRect(QRectF(0, 0, width, 1e7), _WRAP | _LEFT, text)
        return max(rect.height(), metrics.height())

    def text_width(self, text: str, font: QFont) -> float:
        return QFontMetricsF(font, self.device).horizontalAdvance(text)

    def draw_text(
        self,
        rect: QRectF,
        text: str,
        font: QFont,
        *,
        color: QColor = _INK,
        flags: int = _LEFT,
    ) -> None:
        def op(p: QPainter) -> None:
            p.setFont(font)
            p.setPen(color)
            p.drawText(rect, flags | _WRAP, text)

        self.pages.add(op)

    # ---- times ------------------------------------------------------------------------------
    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.zone)

    def clock(self, when: datetime | None) -> str:
        return "—" if when is None else self.local(when).strftime("%H:%M")

    def stamp(self, when: datetime | None) -> str:
        return "—" if when is None else self.local(when).strftime("%Y-%m-%d %H:%M")

    def offset(self, when: datetime) -> str:
        t0, closed = self.d.session.t0, self.d.session.closed_at
        if t0 is None or (closed is not None and when > closed):
            return ""  # no dose yet, or after the session (a review)
        seconds = int((when - t0).total_seconds())
        sign = "+" if seconds >= 0 else "−"
        minutes = abs(seconds) // 60
        return f"T{sign}{minutes // 60}:{minutes % 60:02d}"

    # ---- building blocks --------------------------------------------------------------------
    def gap(self, millimetres: float) -> None:
        self.pages.y += self.mm(millimetres)

    def heading_block(self, text: str, *, keep: float = 18) -> None:
        height = self.text_height(text, self.heading, self.width)
        self.pages.ensure(height + self.mm(keep))
        self.gap(2.5)
        y = self.pages.y
        self.draw_text(QRectF(0, y, self.width, height), text, self.heading)
        rule_y = y + height + self.mm(0.6)

        def rule(p: QPainter) -> None:
            p.setPen(QPen(_RULE, self.mm(0.3)))
            p.drawLine(QPointF(0, rule_y), QPointF(self.width, rule_y))

        self.pages.add(rule)
        self.pages.y = rule_y + self.mm(1.8)

    def paragraph(self, text: str, font: QFont | None = None, *, color: QColor = _INK) -> None:
        font = font or self.body
        text = _soft(text)
        height = self.text_height(text, font, self.width)
        self.pages.ensure(height)
        self.draw_text(QRectF(0, self.pages.y, self.width, height), text, font, color=color)
        self.pages.y += height + self.mm(1)

    def pairs(self, items: Sequence[tuple[str, str]], columns: int = 2) -> None:
        """Label: value pairs in ``columns`` columns, row by row."""
        col_w = self.width / columns
        label_w = max(self.text_width(label, self.label) for label, _ in items) + self.mm(3.5)
        label_w = min(label_w, col_w * 0.45)
        for start in range(0, len(items), columns):
            row = items[start : start + columns]
            heights = [
                max(
                    self.text_height(label, self.label, label_w),
                    self.text_height(_soft(value), self.body, col_w - label_w - self.mm(3)),
                )
                for label, value in row
            ]
            height = max(heights)
            self.pages.ensure(height)
            y = self.pages.y
            for index, (label, value) in enumerate(row):
                x = index * col_w
                self.draw_text(QRectF(x, y, label_w, height), label, self.label, color=_MUTED)
                self.draw_text(
                    QRectF(x + label_w, y, col_w - label_w - self.mm(3), height),
                    _soft(value),
                    self.body,
                )
            self.pages.y += height + self.mm(0.8)

    def table(self, columns: Sequence[Column], rows: Iterable[Sequence[str]], empty: str) -> None:
        rows = [list(r) for r in rows]
        if not rows:
            self.paragraph(empty, self.body, color=_MUTED)
            return
        total = sum(c.share for c in columns)
        widths = [self.width * c.share / total for c in columns]
        lefts = [sum(widths[:i]) for i in range(len(widths))]
        pad = self.mm(1.0)

        def row_height(cells: Sequence[str], font: QFont) -> float:
            return (
                max(
                    self.text_height(_soft(text), font, w - 2 * pad)
                    for text, w in zip(cells, widths, strict=True)
                )
                + 2 * pad * 0.7
            )

        titles = [c.title for c in columns]
        head_h = row_height(titles, self.cell_bold)

        def draw_row(cells: Sequence[str], font: QFont, height: float, fill: QColor | None) -> None:
            y = self.pages.y
            if fill is not None:
                rect = QRectF(0, y, self.width, height)

                def shade(p: QPainter) -> None:
                    p.fillRect(rect, fill)

                self.pages.add(shade)
            for text, x, w, column in zip(cells, lefts, widths, columns, strict=True):
                self.draw_text(
                    QRectF(x + pad, y + pad * 0.7, w - 2 * pad, height - pad),
                    _soft(text),
                    font,
                    flags=column.align,
                )
            self.pages.y += height

        def header() -> None:
            draw_row(titles, self.cell_bold, head_h, _HEAD)

        first = row_height(rows[0], self.cell)
        self.pages.ensure(head_h + first)
        header()
        for index, cells in enumerate(rows):
            height = row_height(cells, self.cell)
            if height > self.pages.room():
                self.pages.new_page()
                header()
            draw_row(cells, self.cell, height, _SHADE if index % 2 else None)
        self.gap(1.5)

    def signature(self, lines: Sequence[tuple[str, str]], comment: str = "") -> None:
        """A boxed signature: label/value lines (printed name, meaning, date/time), a comment."""
        pad = self.mm(2)
        inner = self.width - 2 * pad
        label_w = self.mm(30)
        heights = [self.text_height(_soft(v), self.body, inner - label_w) for _, v in lines]
        comment = _soft(comment.strip())
        comment_h = self.text_height(comment, self.body, inner) if comment else 0.0
        height = sum(heights) + self.mm(0.8) * len(heights) + 2 * pad
        if comment:
            height += comment_h + self.mm(1.5)
        self.pages.ensure(height)
        top = self.pages.y
        box = QRectF(0, top, self.width, height)

        def frame(p: QPainter) -> None:
            p.setPen(QPen(_RULE, self.mm(0.3)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(box)

        self.pages.add(frame)
        y = top + pad
        for (label, value), h in zip(lines, heights, strict=True):
            self.draw_text(QRectF(pad, y, label_w, h), label, self.label, color=_MUTED)
            self.draw_text(QRectF(pad + label_w, y, inner - label_w, h), _soft(value), self.body)
            y += h + self.mm(0.8)
        if comment:
            y += self.mm(0.7)
            self.draw_text(QRectF(pad, y, inner, comment_h), comment, self.body)
        self.pages.y = top + height + self.mm(2.5)

    # ---- plots ------------------------------------------------------------------------------
    def _span(self) -> tuple[float, float]:
        s = self.d.session
        start = s.checked_in_at.timestamp()
        ends = [s.closed_at.timestamp()] if s.closed_at is not None else []
        ends.extend(series.times[-1] for series in self.d.vitals.values() if series.times)
        ends.extend(a.at.timestamp() for a in self.d.alarms)
        ends.extend(d.started_at.timestamp() for d in self.d.doses)
        starts = [start, *(series.times[0] for series in self.d.vitals.values() if series.times)]
        first, last = min(starts), max([start + 600, *ends])
        return first, max(last, first + 600)

    def plot(
        self,
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
        legend_h = self.text_height("Ag", self.small, self.width)
        height = self.mm(height_mm)
        self.pages.ensure(height + legend_h + self.mm(4))
        top = self.pages.y
        axis_w = self.mm(11)
        plot = QRectF(axis_w, top + legend_h + self.mm(1.5), self.width - 2 * axis_w, height)
        t_first, t_last = self._span()
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

        ticks = self._time_ticks(t_first, t_last)
        left_ticks = _value_ticks(y_low, y_high)
        ops: list[_Op] = []
        small, mm = self.small, self.mm
        label_h = QFontMetricsF(small, self.device).height()

        def frame(p: QPainter) -> None:
            p.setPen(QPen(_GRID, mm(0.2)))
            for t, _ in ticks:
                p.drawLine(QPointF(x_of(t), plot.top()), QPointF(x_of(t), plot.bottom()))
            for value in left_ticks:
                p.drawLine(QPointF(plot.left(), y_of(value)), QPointF(plot.right(), y_of(value)))
            p.setPen(QPen(_RULE, mm(0.3)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(plot)
            p.setFont(small)
            p.setPen(_MUTED)
            for t, text in ticks:
                p.drawText(
                    QRectF(x_of(t) - mm(10), plot.bottom() + mm(0.8), mm(20), label_h),
                    _CENTER,
                    text,
                )
            for value in left_ticks:
                p.drawText(
                    QRectF(0, y_of(value) - label_h / 2, axis_w - mm(1.2), label_h),
                    _VCENTER_RIGHT,
                    _number(value),
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
                        _VCENTER_LEFT,
                        _number(value),
                    )

            ops.append(right_axis)
        # markers behind the traces: T0 and doses (vertical lines), alarms (triangles on top)
        t0 = self.d.session.t0
        for dose in self.d.doses:
            x = x_of(dose.started_at.timestamp())
            first_dose = t0 is not None and dose.started_at == t0
            ops.append(_vline(x, plot, _T0 if first_dose else _DOSE, mm(0.35), dashed=True))
        if t0 is not None:
            x0 = x_of(t0.timestamp())
            ops.append(_vline(x0, plot, _T0, mm(0.4), dashed=True))

            def t0_label(p: QPainter) -> None:
                p.setFont(small)
                p.setPen(_T0)
                p.drawText(
                    QRectF(x0 + mm(0.8), plot.bottom() - label_h - mm(0.6), mm(20), label_h),
                    _LEFT,
                    "T0",
                )

            ops.append(t0_label)
        ops.extend(self._alarm_marks(plot, x_of))
        clip = QRectF(plot)
        for series, color, _, _ in traces:
            if series is not None:
                ops.append(self._trace(series, color, clip, x_of, y_of, markers))
        if right is not None:
            r_series_, r_color_, _, (lo, hi) = right
            if r_series_ is not None:
                ops.append(
                    self._trace(r_series_, r_color_, clip, x_of, lambda v: y_of(v, lo, hi), markers)
                )
        # title and legend above the plot
        legend: list[tuple[str, QColor, str]] = [
            (f"{name} ({unit})", c, "bar") for _, c, name, unit in traces
        ]
        if right is not None:
            legend.append((f"{_label(right[0])} ({right[2]}, right axis)", right[1], "bar"))
        if t0 is not None:
            legend.append(("T0", _T0, "dash"))
        if len(self.d.doses) > 1:
            legend.append(("later dose", _DOSE, "dash"))
        legend.append(("alarm", _ALARM["high"], "triangle"))
        title_w = self.text_width(title, self.cell_bold) + mm(4)

        def header(p: QPainter) -> None:
            p.setFont(self.cell_bold)
            p.setPen(_INK)
            p.drawText(QRectF(plot.left(), top, title_w, legend_h), _LEFT, title)
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
                p.setPen(_INK)
                width = QFontMetricsF(small, self.device).horizontalAdvance(text)
                p.drawText(QRectF(x, top, width + mm(1), legend_h), _LEFT, text)
                x += width + mm(4)

        ops.append(header)
        for op in ops:
            self.pages.add(op)
        self.pages.y = plot.bottom() + label_h + self.mm(3)

    def _time_ticks(self, first: float, last: float) -> list[tuple[float, str]]:
        span_min = (last - first) / 60
        step = next((s for s in (5, 10, 15, 30, 60, 120) if span_min / s <= 12), 240)
        start = datetime.fromtimestamp(first, UTC).astimezone(self.zone)
        minute = start.replace(second=0, microsecond=0)
        minute += timedelta(minutes=(step - (minute.hour * 60 + minute.minute) % step) % step)
        ticks: list[tuple[float, str]] = []
        while minute.timestamp() <= last:
            if minute.timestamp() >= first:
                ticks.append((minute.timestamp(), minute.strftime("%H:%M")))
            minute += timedelta(minutes=step)
        return ticks

    def _alarm_marks(self, plot: QRectF, x_of: Callable[[float], float]) -> list[_Op]:
        size = self.mm(1.6)
        ops: list[_Op] = []
        for episode in alarm_episodes(self.d.alarms):  # one mark per episode, as the timeline
            x = x_of(episode.first.timestamp())
            color = _ALARM.get(episode.priority, _ALARM["low"])
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
        self,
        series: VitalSeries,
        color: QColor,
        clip: QRectF,
        x_of: Callable[[float], float],
        y_of: Callable[[float], float],
        markers: str,
    ) -> _Op:
        device_path = QPainterPath()
        dots: list[QPointF] = []
        hollow: list[QPointF] = []
        if markers == "line":
            _decimated_path(device_path, series, x_of, y_of, self.mm(0.25), hollow)
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
        mm = self.mm
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
            p.setBrush(QBrush(QColor("white")))
            for point in hollow:
                p.drawEllipse(point, mm(0.8), mm(0.8))
            p.restore()

        return draw

    # ---- sections ---------------------------------------------------------------------------
    def header(self) -> None:
        s, patient = self.d.session, self.d.patient
        if self.clinic_name:
            self.paragraph(self.clinic_name, self.heading, color=_MUTED)
        self.paragraph("Session report", self.title)
        zone_name = self.local(s.checked_in_at).strftime("%Z (UTC%z)")
        self.paragraph(
            f"Times are local: {zone_name}. T+ is the time since the first dose (T0).",
            self.small,
            color=_MUTED,
        )
        self.gap(1)
        closed = s.closed_at
        if closed is None:
            monitoring = "the session is still open"
        else:
            monitoring = f"{format_duration(closed - s.checked_in_at)[:-3]} (check-in to close)"
            if s.t0 is not None:
                monitoring += f"; {format_duration(closed - s.t0)[:-3]} after T0"
            else:
                monitoring += "; no dose given"
        dob = patient.date_of_birth
        items = [
            ("Patient", patient.display_name),
            ("Chart id", patient.chart_id),
            ("Date of birth", dob.isoformat()),
            ("Weight", f"{_number(patient.weight_kg)} kg"),
            ("Date", self.local(s.checked_in_at).strftime("%A %d %B %Y")),
            ("Room", self.d.room or "—"),
            ("Therapist", self.d.name(s.therapist_id)),
            ("Medical staff", self.d.name(s.medical_staff_id) or "—"),
            ("Session state", s.state.label),
            ("Flags", ", ".join(sorted(self.d.flags)) or "none"),
            ("Checked in", self.stamp(s.checked_in_at)),
            ("T0 (first dose)", self.stamp(s.t0)),
            ("Closed", self.stamp(closed)),
            ("Total monitoring", monitoring),
        ]
        self.pairs(items)
        if self.d.predose:
            self.gap(1)
            self.paragraph("Pre-dose checks: " + _predose_text(self.d.predose), self.body)

    def plots(self) -> None:
        self.heading_block("Vital signs", keep=70)
        v = self.d.vitals
        hr = v.get(Parameter.HR) or v.get(Parameter.PR)
        spo2 = v.get(Parameter.SPO2)
        if hr is None and spo2 is None:
            self.paragraph("No heart rate or SpO2 was recorded.", color=_MUTED)
        else:
            hr_label = "HR" if Parameter.HR in v else "PR"
            self.plot(
                "Heart rate and SpO2",
                [(hr, _HR, hr_label, "/min")] if hr is not None else [],
                right=(spo2, _SPO2, "%", (70.0, 100.0)) if spo2 is not None else None,
                left_range=(30.0, 180.0),
            )
        bp = [
            (v.get(Parameter.NIBP_SYS), _SYS, "SYS", "mmHg"),
            (v.get(Parameter.NIBP_DIA), _DIA, "DIA", "mmHg"),
            (v.get(Parameter.NIBP_MEAN), _MAP, "MAP", "mmHg"),
        ]
        present = [trace for trace in bp if trace[0] is not None]
        if present:
            self.plot("Blood pressure", present, markers="cuff", height_mm=52)
        else:
            self.paragraph("No blood pressure was recorded.", color=_MUTED)
        if hr is None and spo2 is None and not present:
            return
        self.paragraph(
            "Lines: monitor values. Dots: cuff readings. Open circles: values entered by hand.",
            self.small,
            color=_MUTED,
        )

    def doses(self) -> None:
        self.heading_block("Doses")
        rows = [_dose_row(self, d) for d in self.d.doses]
        self.table(
            [
                Column("Time", 1.2),
                Column("T+", 0.8),
                Column("Drug", 1.2),
                Column("Route", 1.4),
                Column("Amount", 1.5),
                Column("mg/kg", 0.8, _RIGHT),
                Column("Lot", 1.1),
                Column("Given by", 1.6),
            ],
            rows,
            "No dose was recorded.",
        )
        totals = session_totals(self.d.doses, self.d.patient.weight_kg)
        if totals:
            self.paragraph("Session total: " + ", ".join(t.text for t in totals), self.body)
        notes = [_dose_note(self, d) for d in self.d.doses if d.correction or d.confirm_reason]
        for note in notes:
            self.paragraph(note, self.small, color=_MUTED)

    def vitals_table(self) -> None:
        self.heading_block("Vital signs: hand-entered sets and cuff readings")
        self.table(
            [
                Column("Time", 0.9),
                Column("T+", 0.8),
                Column("Source", 1.7),
                Column("BP mmHg (MAP)", 1.5),
                Column("HR /min", 0.9, _RIGHT),
                Column("SpO2 %", 0.9, _RIGHT),
                Column("RR /min", 0.9, _RIGHT),
                Column("Temp °C", 0.9, _RIGHT),
            ],
            _vitals_rows(self.d.vitals, self.clock, self.offset, self.d.name),
            "No hand-entered vitals or cuff readings.",
        )
        self.paragraph(
            f"For a cuff reading, HR, SpO2 and RR are the monitor's values within "
            f"{NEAREST_SECONDS} s of it.",
            self.small,
            color=_MUTED,
        )

    def ratings(self) -> None:
        self.heading_block("Ratings")
        by_uid = {r.uid: r for r in self.d.ratings}
        rows = []
        for r in self.d.ratings:
            scale = self.scales.get(r.scale_id)
            name = scale.name if scale else r.scale_id
            value = scale.format_value(r.value) if scale else str(r.value)
            note = r.note
            if r.amends_uid:
                original = by_uid.get(r.amends_uid)
                was = f" of {self.clock(original.at)}" if original else ""
                note = f"Corrects the rating{was}. {note}".strip()
            rows.append(
                [self.clock(r.at), self.offset(r.at), name, value, note, self.d.name(r.author_id)]
            )
        self.table(
            [
                Column("Time", 0.9),
                Column("T+", 0.8),
                Column("Scale", 1.2),
                Column("Value", 0.7, _RIGHT),
                Column("Note", 3.2),
                Column("By", 1.5),
            ],
            rows,
            "No rating was recorded.",
        )

    def adverse_events(self) -> None:
        self.heading_block("Adverse events and rescue medication")
        rows = []
        for e in self.d.adverse_events:
            rescue = "none"
            if e.rescue_given:
                dose = f" {_number(e.rescue_dose_mg)} mg" if e.rescue_dose_mg is not None else ""
                route = f" {e.rescue_route}" if e.rescue_route else ""
                when = f" at {self.clock(e.rescue_at)}" if e.rescue_at else ""
                rescue = f"{e.rescue_drug}{dose}{route}{when}"
            rows.append(
                [
                    self.clock(e.at),
                    self.offset(e.at),
                    e.kind,
                    e.severity.value,
                    e.action or "—",
                    rescue,
                    self.d.name(e.author_id),
                ]
            )
        self.table(
            [
                Column("Time", 0.9),
                Column("T+", 0.8),
                Column("What", 1.5),
                Column("Severity", 1.0),
                Column("Action", 2.2),
                Column("Rescue medication", 2.0),
                Column("By", 1.4),
            ],
            rows,
            "No adverse event was recorded.",
        )

    def overrides(self) -> None:
        self.heading_block("Overrides")
        names = {
            "bp_gate": "Dosed despite the blood-pressure gate",
            "ride_home": "No confirmed ride home",
            "discharge": "Discharged with open items",
        }
        rows = []
        for o in self.d.overrides:
            reason = o.reason
            open_items = o.detail.get("open_items")
            if isinstance(open_items, list) and open_items:
                reason += " Open items: " + "; ".join(str(i) for i in open_items)
            rows.append(
                [
                    self.stamp(o.signed_at),
                    names.get(o.kind.value, o.kind.value),
                    reason,
                    self.d.name(o.signed_by_id),
                ]
            )
        self.table(
            [
                Column("Signed", 1.4),
                Column("Override", 2.0),
                Column("Reason", 4.0),
                Column("Signed by", 1.6),
            ],
            rows,
            "No override.",
        )

    def timeline_section(self) -> None:
        self.heading_block("Timeline")
        self.table(
            [
                Column("Time", 0.8),
                Column("T+", 0.8),
                Column("Entry", 1.1),
                Column("What", 5.6),
                Column("By", 1.5),
            ],
            [
                [self.clock(e.at), self.offset(e.at), e.kind.value, e.text, e.by]
                for e in self.timeline
            ],
            "Nothing was recorded.",
        )

    def signatures(self) -> None:
        self.heading_block("Discharge", keep=30)
        signed = self.d.discharge
        if signed is None:
            state = self.d.session.state
            why = "The session was aborted." if state.value == "aborted" else ""
            self.paragraph(f"The discharge was not signed. {why}".strip(), color=_MUTED)
        else:
            facts = _discharge_facts(signed.data, self.d)
            if facts:
                self.pairs(facts, columns=1)
                self.gap(1)
            self.signature(
                [
                    ("Printed name", signed.printed_name),
                    ("Meaning", signed.meaning),
                    ("Date and time", self.stamp(signed.signed_at)),
                ]
            )
        self.heading_block("Supervisor review", keep=30)
        if not self.d.reviews:
            self.paragraph("Not reviewed yet.", color=_MUTED)
        for review in self.d.reviews:
            self.signature(
                [
                    ("Printed name", review.printed_name),
                    ("Meaning", review.meaning),
                    ("Date and time", self.stamp(review.at)),
                ],
                f"Comment: {review.comment}" if review.comment.strip() else "",
            )

    # ---- paint ------------------------------------------------------------------------------
    def build(self) -> None:
        self.header()
        self.plots()
        self.doses()
        self.vitals_table()
        self.ratings()
        self.adverse_events()
        self.overrides()
        self.timeline_section()
        self.signatures()

    def paint(self, painter: QPainter) -> None:
        total = len(self.pages.pages)
        footer_top = self.full_height - self.mm(FOOTER_MM) + self.mm(3)
        label_h = QFontMetricsF(self.small, self.device).height()
        patient = self.d.patient
        left = (
            f"{patient.display_name} · chart {patient.chart_id} · session {self.d.session.id}"
            f" · printed {self.stamp(self.generated_at)}"
        )
        for number, ops in enumerate(self.pages.pages, start=1):
            if number > 1 and not self.device.newPage():
                raise OSError("The PDF writer could not start a new page.")
            for op in ops:
                op(painter)
            painter.setPen(QPen(_RULE, self.mm(0.3)))
            painter.drawLine(QPointF(0, footer_top), QPointF(self.width, footer_top))
            painter.setFont(self.small)
            painter.setPen(_MUTED)
            rect = QRectF(0, footer_top + self.mm(1), self.width, label_h)
            painter.drawText(rect, _LEFT, left)
            painter.drawText(rect, _RIGHT, f"Page {number} of {total}")


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


def _vline(x: float, plot: QRectF, color: QColor, width: float, *, dashed: bool) -> _Op:
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


def _nearest(series: VitalSeries | None, t: float) -> float | None:
    """The device value nearest ``t`` within NEAREST_SECONDS, if any."""
    if series is None or not series.times:
        return None
    i = bisect_left(series.times, t)
    best: tuple[float, float] | None = None
    for j in (i - 1, i):
        if 0 <= j < len(series.times) and not series.manual[j]:
            distance = abs(series.times[j] - t)
            if distance <= NEAREST_SECONDS and (best is None or distance < best[0]):
                best = (distance, series.values[j])
    return None if best is None else best[1]


def _vitals_rows(
    vitals: Mapping[Parameter, VitalSeries],
    clock: Callable[[datetime], str],
    offset: Callable[[datetime], str],
    name: Callable[[int | None], str] = lambda _: "",
) -> list[list[str]]:
    """One row per hand-entered set (same time, same author) and per cuff reading, in time order.

    A hand-entered set names who entered it: "by hand, Jordan Lee".
    """
    rows: dict[tuple[float, bool, int], dict[Parameter, float]] = {}
    for parameter, series in vitals.items():
        cuff = parameter in (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)
        for index, (t, v, manual) in enumerate(
            zip(series.times, series.values, series.manual, strict=True)
        ):
            if manual or cuff:
                author = (series.author(index) or -1) if manual else -1
                rows.setdefault((t, manual, author), {})[parameter] = v
    out: list[list[str]] = []
    for (t, manual, author), values in sorted(rows.items()):
        if not manual:  # a cuff reading: add the monitor's values around it
            for parameter in (Parameter.HR, Parameter.SPO2, Parameter.RR):
                near = _nearest(vitals.get(parameter), t)
                if near is not None:
                    values.setdefault(parameter, near)
        when = datetime.fromtimestamp(t, UTC)
        sys_, dia, mean = (
            values.get(p) for p in (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)
        )
        bp = "—"
        if sys_ is not None and dia is not None:
            bp = f"{_number(sys_)}/{_number(dia)}"
            if mean is not None:
                bp += f" ({_number(mean)})"

        def show(p: Parameter, values: dict[Parameter, float] = values) -> str:
            value = values.get(p)
            return "—" if value is None else _number(value)

        out.append(
            [
                clock(when),
                offset(when),
                _source_text(manual, name(author if author >= 0 else None)),
                bp,
                show(Parameter.HR),
                show(Parameter.SPO2),
                show(Parameter.RR),
                show(Parameter.TEMP),
            ]
        )
    return out


def _source_text(manual: bool, author: str) -> str:
    if not manual:
        return "cuff"
    return f"by hand, {author}" if author else "by hand"


def _dose_row(report: Any, d: DoseRecord) -> list[str]:
    """One dose-table row; a dose entered in error is marked and its amount bracketed."""
    amount = f"{_number(d.amount_mg)} mg" + (
        f" ({_number(d.rate_mg_per_h)} mg/h)" if d.rate_mg_per_h is not None else ""
    )
    if d.correction is not None:
        amount = f"[{amount}] ENTERED IN ERROR"
    return [
        report.clock(d.started_at)
        + (f"–{report.clock(d.ended_at)}" if d.ended_at is not None else ""),
        report.offset(d.started_at),
        d.drug.value.capitalize(),
        d.route.label,
        amount,
        f"{d.mg_per_kg:.2f}" if d.mg_per_kg is not None else "—",
        d.lot or "—",
        report.d.name(d.given_by_id),
    ]


def _dose_note(report: Any, d: DoseRecord) -> str:
    """Below the dose table: why a queried dose went ahead, and each entered-in-error mark."""
    when = report.clock(d.started_at)
    parts = []
    if d.confirm_reason:
        parts.append(
            f"Dose of {when} was queried by the slip guard; confirmed: {d.confirm_reason}."
        )
    if d.correction is not None:
        fix = d.correction
        parts.append(
            f"Dose of {when} ({_number(d.amount_mg)} mg) entered in error — {fix.reason} "
            f"(signed {fix.printed_name}, {report.stamp(fix.signed_at)}); left out of every total."
        )
    return " ".join(parts)


def _yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _predose_text(data: Mapping[str, Any]) -> str:
    parts = []
    for key, value in data.items():
        if value in ("", None):
            continue
        parts.append(f"{_PREDOSE_LABELS.get(key, key.replace('_', ' '))}: {_yes_no(value)}")
    text = "; ".join(parts)
    return (text if text.endswith(".") else text + ".") if parts else "none recorded."


def _discharge_facts(data: Mapping[str, Any], dossier: SessionDossier) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    total = data.get("padss_total")
    if total is not None:
        facts.append(("PADSS", f"{total} of 10"))
    padss = data.get("padss")
    if isinstance(padss, Mapping):
        vitals = padss.get("vitals")
        if isinstance(vitals, Mapping) and vitals.get("summary"):
            facts.append(("Vitals vs baseline", str(vitals["summary"])))
    ride = data.get("ride")
    if isinstance(ride, Mapping) and ride.get("driver_name"):
        relation = f" ({ride['relationship']})" if ride.get("relationship") else ""
        facts.append(("Ride home", f"{ride['driver_name']}{relation}"))
    rems = data.get("rems")
    if isinstance(rems, Mapping) and rems.get("total_minutes") is not None:
        facts.append(("REMS monitoring", f"{rems['total_minutes']} min"))
    open_items = data.get("open_items")
    if isinstance(open_items, list) and open_items:
        facts.append(("Open items (overridden)", "; ".join(str(i) for i in open_items)))
    del dossier
    return facts


def _require_gui() -> None:
    if not isinstance(QGuiApplication.instance(), QGuiApplication):
        raise RuntimeError(
            "The PDF report needs a QGuiApplication: create one first "
            "(with QT_QPA_PLATFORM=offscreen where there is no display)."
        )


def write_session_report(
    path: Path | str,
    dossier: SessionDossier,
    *,
    generated_at: datetime,
    clinic_name: str = "",
    timeline: Sequence[TimelineEntry] | None = None,
    scales: Mapping[str, ScaleDefinition] | None = None,
    zone: tzinfo | None = None,
) -> int:
    """Write the session report as a PDF at ``path``; returns the number of pages.

    Needs a QGuiApplication. ``timeline`` defaults to ``build_timeline(dossier, scales)``;
    ``scales`` (by id) names the rating scales; ``zone`` is the time zone printed (default: the
    machine's). An unwritable path raises OSError.
    """
    _require_gui()
    target = Path(path)
    with target.open("wb"):  # an unwritable place fails here, as a plain OSError
        pass
    writer = QPdfWriter(str(target))
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(f"Session report: {dossier.patient.display_name} ({dossier.patient.chart_id})")
    writer.setCreator("Vigil")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.Letter),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    scales = scales or {}
    report = _Report(
        writer,
        dossier,
        generated_at=generated_at,
        clinic_name=clinic_name,
        timeline=list(timeline) if timeline is not None else build_timeline(dossier, scales),
        scales=scales,
        zone=zone,
    )
    report.build()
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write the session report to {target}.")
    try:
        report.paint(painter)
    finally:
        painter.end()
    return len(report.pages.pages)
