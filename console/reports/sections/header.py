"""The report's first block: clinic, title, patient and session facts, pre-dose checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.domain.schedule import format_duration
from console.reports.pdf.palette import MUTED
from console.reports.pdf.text import number
from console.reports.sections.context import ReportContext

PREDOSE_LABELS = {
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


def render(report: ReportContext) -> None:
    s, patient = report.d.session, report.d.patient
    if report.clinic_name:
        report.paragraph(report.clinic_name, report.heading, color=MUTED)
    report.paragraph("Session report", report.title)
    zone_name = report.local(s.checked_in_at).strftime("%Z (UTC%z)")
    report.paragraph(
        f"Times are local: {zone_name}. T+ is the time since the first dose (T0).",
        report.small,
        color=MUTED,
    )
    report.gap(1)
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
        ("Weight", f"{number(patient.weight_kg)} kg"),
        ("Date", report.local(s.checked_in_at).strftime("%A %d %B %Y")),
        ("Room", report.d.room or "—"),
        ("Therapist", report.d.name(s.therapist_id)),
        ("Medical staff", report.d.name(s.medical_staff_id) or "—"),
        ("Session state", s.state.label),
        ("Flags", ", ".join(sorted(report.d.flags)) or "none"),
        ("Checked in", report.stamp(s.checked_in_at)),
        ("T0 (first dose)", report.stamp(s.t0)),
        ("Closed", report.stamp(closed)),
        ("Total monitoring", monitoring),
    ]
    report.pairs(items)
    if report.d.predose:
        report.gap(1)
        report.paragraph("Pre-dose checks: " + _predose_text(report.d.predose), report.body)


def _yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _predose_text(data: Mapping[str, Any]) -> str:
    parts = []
    for key, value in data.items():
        if value in ("", None):
            continue
        parts.append(f"{PREDOSE_LABELS.get(key, key.replace('_', ' '))}: {_yes_no(value)}")
    text = "; ".join(parts)
    return (text if text.endswith(".") else text + ".") if parts else "none recorded."
