"""The table of hand-entered vital-sign sets and cuff readings."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from console.domain.review import VitalSeries
from console.domain.vitals import Parameter
from console.reports.pdf.page import RIGHT
from console.reports.pdf.palette import MUTED
from console.reports.pdf.table import Column, table
from console.reports.pdf.text import number
from console.reports.sections.context import ReportContext

NEAREST_SECONDS = 30  # a cuff row shows the monitor's HR/SpO2/RR within this many seconds


def render(report: ReportContext) -> None:
    report.heading_block("Vital signs: hand-entered sets and cuff readings")
    table(
        report,
        [
            Column("Time", 0.9),
            Column("T+", 0.8),
            Column("Source", 1.7),
            Column("BP mmHg (MAP)", 1.5),
            Column("HR /min", 0.9, RIGHT),
            Column("SpO2 %", 0.9, RIGHT),
            Column("RR /min", 0.9, RIGHT),
            Column("Temp °C", 0.9, RIGHT),
        ],
        vitals_rows(report.d.vitals, report.clock, report.offset, report.d.name),
        "No hand-entered vitals or cuff readings.",
    )
    report.paragraph(
        f"For a cuff reading, HR, SpO2 and RR are the monitor's values within "
        f"{NEAREST_SECONDS} s of it.",
        report.small,
        color=MUTED,
    )


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


def vitals_rows(
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
            bp = f"{number(sys_)}/{number(dia)}"
            if mean is not None:
                bp += f" ({number(mean)})"

        def show(p: Parameter, values: dict[Parameter, float] = values) -> str:
            value = values.get(p)
            return "—" if value is None else number(value)

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
