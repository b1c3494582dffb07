"""The discharge facts and signature, and the supervisor reviews."""

from __future__ import annotations

from console.domain.discharge.model import SignedDischarge
from console.domain.review import SessionDossier
from console.reports.pdf.palette import MUTED
from console.reports.sections.context import ReportContext


def render(report: ReportContext) -> None:
    report.heading_block("Discharge", keep=30)
    signed = report.d.discharge
    if signed is None:
        state = report.d.session.state
        why = "The session was aborted." if state.value == "aborted" else ""
        report.paragraph(f"The discharge was not signed. {why}".strip(), color=MUTED)
    else:
        facts = _discharge_facts(signed.signed, report.d)
        if facts:
            report.pairs(facts, columns=1)
            report.gap(1)
        report.signature(
            [
                ("Printed name", signed.printed_name),
                ("Meaning", signed.meaning),
                ("Date and time", report.stamp(signed.signed_at)),
            ]
        )
    report.heading_block("Supervisor review", keep=30)
    if not report.d.reviews:
        report.paragraph("Not reviewed yet.", color=MUTED)
    for review in report.d.reviews:
        report.signature(
            [
                ("Printed name", review.printed_name),
                ("Meaning", review.meaning),
                ("Date and time", report.stamp(review.at)),
            ],
            f"Comment: {review.comment}" if review.comment.strip() else "",
        )


def _discharge_facts(signed: SignedDischarge, dossier: SessionDossier) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    if signed.padss_total is not None:
        facts.append(("PADSS", f"{signed.padss_total} of 10"))
    vitals = signed.draft.vitals
    if vitals is not None and vitals.summary:
        facts.append(("Vitals vs baseline", vitals.summary))
    ride = signed.draft.ride
    if ride.driver_name:
        relation = f" ({ride.relationship})" if ride.relationship else ""
        facts.append(("Ride home", f"{ride.driver_name}{relation}"))
    if signed.rems_total_minutes is not None:
        facts.append(("REMS monitoring", f"{signed.rems_total_minutes} min"))
    if signed.open_items:
        facts.append(("Open items (overridden)", "; ".join(signed.open_items)))
    del dossier
    return facts
