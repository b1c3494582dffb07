"""The signed overrides (gate, ride home, discharge with open items)."""

from __future__ import annotations

from console.reports.pdf.table import Column, table
from console.reports.sections.context import ReportContext


def render(report: ReportContext) -> None:
    report.heading_block("Overrides")
    names = {
        "bp_gate": "Dosed despite the blood-pressure gate",
        "ride_home": "No confirmed ride home",
        "discharge": "Discharged with open items",
    }
    rows = []
    for o in report.d.overrides:
        reason = o.reason
        open_items = o.detail.get("open_items")
        if isinstance(open_items, list) and open_items:
            reason += " Open items: " + "; ".join(str(i) for i in open_items)
        rows.append(
            [
                report.stamp(o.signed_at),
                names.get(o.kind.value, o.kind.value),
                reason,
                report.d.name(o.signed_by_id),
            ]
        )
    table(
        report,
        [
            Column("Signed", 1.4),
            Column("Override", 2.0),
            Column("Reason", 4.0),
            Column("Signed by", 1.6),
        ],
        rows,
        "No override.",
    )
