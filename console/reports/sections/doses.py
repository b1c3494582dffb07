"""The doses table, the session totals and the notes on queried or corrected doses."""

from __future__ import annotations

from console.domain.doses_record import DoseRecord, session_totals
from console.reports.pdf.page import RIGHT
from console.reports.pdf.palette import MUTED
from console.reports.pdf.table import Column, table
from console.reports.pdf.text import number
from console.reports.sections.context import ReportContext


def render(report: ReportContext) -> None:
    report.heading_block("Doses")
    rows = [_dose_row(report, d) for d in report.d.doses]
    table(
        report,
        [
            Column("Time", 1.2),
            Column("T+", 0.8),
            Column("Drug", 1.2),
            Column("Route", 1.4),
            Column("Amount", 1.5),
            Column("mg/kg", 0.8, RIGHT),
            Column("Lot", 1.1),
            Column("Given by", 1.6),
        ],
        rows,
        "No dose was recorded.",
    )
    totals = session_totals(report.d.doses, report.d.patient.weight_kg)
    if totals:
        report.paragraph("Session total: " + ", ".join(t.text for t in totals), report.body)
    notes = [_dose_note(report, d) for d in report.d.doses if d.correction or d.confirm_reason]
    for note in notes:
        report.paragraph(note, report.small, color=MUTED)


def _dose_row(report: ReportContext, d: DoseRecord) -> list[str]:
    """One dose-table row; a dose entered in error is marked and its amount bracketed."""
    amount = f"{number(d.amount_mg)} mg" + (
        f" ({number(d.rate_mg_per_h)} mg/h)" if d.rate_mg_per_h is not None else ""
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


def _dose_note(report: ReportContext, d: DoseRecord) -> str:
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
            f"Dose of {when} ({number(d.amount_mg)} mg) entered in error — {fix.reason} "
            f"(signed {fix.printed_name}, {report.stamp(fix.signed_at)}); left out of every total."
        )
    return " ".join(parts)
