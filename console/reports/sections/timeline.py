"""The timeline: everything recorded, in time order."""

from __future__ import annotations

from console.reports.pdf.table import Column, table
from console.reports.sections.context import ReportContext


def render(report: ReportContext) -> None:
    report.heading_block("Timeline")
    table(
        report,
        [
            Column("Time", 0.8),
            Column("T+", 0.8),
            Column("Entry", 1.1),
            Column("What", 5.6),
            Column("By", 1.5),
        ],
        [
            [report.clock(e.at), report.offset(e.at), e.kind.value, e.text, e.by]
            for e in report.timeline
        ],
        "Nothing was recorded.",
    )
