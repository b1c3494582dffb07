"""The ratings table (amendments say which rating they correct)."""

from __future__ import annotations

from console.reports.pdf.page import RIGHT
from console.reports.pdf.table import Column, table
from console.reports.sections.context import ReportContext


def render(report: ReportContext) -> None:
    report.heading_block("Ratings")
    by_uid = {r.uid: r for r in report.d.ratings}
    rows = []
    for r in report.d.ratings:
        scale = report.scales.get(r.scale_id)
        name = scale.name if scale else r.scale_id
        value = scale.format_value(r.value) if scale else str(r.value)
        note = r.note
        if r.amends_uid:
            original = by_uid.get(r.amends_uid)
            was = f" of {report.clock(original.at)}" if original else ""
            note = f"Corrects the rating{was}. {note}".strip()
        rows.append(
            [report.clock(r.at), report.offset(r.at), name, value, note, report.d.name(r.author_id)]
        )
    table(
        report,
        [
            Column("Time", 0.9),
            Column("T+", 0.8),
            Column("Scale", 1.2),
            Column("Value", 0.7, RIGHT),
            Column("Note", 3.2),
            Column("By", 1.5),
        ],
        rows,
        "No rating was recorded.",
    )
