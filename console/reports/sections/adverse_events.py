"""Adverse events and rescue medication."""

from __future__ import annotations

from console.reports.pdf.table import Column, table
from console.reports.pdf.text import number
from console.reports.sections.context import ReportContext


def render(report: ReportContext) -> None:
    report.heading_block("Adverse events and rescue medication")
    rows = []
    for e in report.d.adverse_events:
        rescue = "none"
        if e.rescue_given:
            dose = f" {number(e.rescue_dose_mg)} mg" if e.rescue_dose_mg is not None else ""
            route = f" {e.rescue_route}" if e.rescue_route else ""
            when = f" at {report.clock(e.rescue_at)}" if e.rescue_at else ""
            rescue = f"{e.rescue_drug}{dose}{route}{when}"
        rows.append(
            [
                report.clock(e.at),
                report.offset(e.at),
                e.kind,
                e.severity.value,
                e.action or "—",
                rescue,
                report.d.name(e.author_id),
            ]
        )
    table(
        report,
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
