"""The esketamine REMS monitoring form as a one-page PDF: the record's answers, blanks left visible."""

from __future__ import annotations

from html import escape
from pathlib import Path

from console.domain.rems import RemsForm
from console.reports.pdf.page import draw_document, letter_writer, one_page_document

MARGIN_MM = 14
FONT_POINTS = (10, 9, 8)  # the largest that keeps the form on one page wins
BLANK_MARK = "_______________"  # an empty answer: written in by the clinician

SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Patient",
        (
            ("patient_name", "Name"),
            ("date_of_birth", "Date of birth"),
            ("sex", "Sex"),
            ("first_treatment", "First esketamine treatment?"),
        ),
    ),
    (
        "Concomitant medication (taken recently)",
        (
            ("benzodiazepines", "Benzodiazepines"),
            ("sedative_hypnotics", "Non-benzodiazepine sedative hypnotics"),
            ("psychostimulants", "Psychostimulants"),
            ("maois", "MAOIs"),
            ("opioids", "Opioids"),
        ),
    ),
    (
        "Healthcare provider who monitored",
        (
            ("provider_name", "Name"),
            ("provider_phone", "Phone"),
            ("provider_email", "Email"),
        ),
    ),
    (
        "Setting",
        (("setting_name", "Name"), ("setting_address", "Address")),
    ),
    (
        "Treatment session",
        (
            ("session_date", "Session date"),
            ("dose", "Dose (56 mg, 84 mg or other)"),
            ("lot", "Lot number"),
            ("total_minutes", "Total minutes from the first device to the end of monitoring"),
            (
                "ready_minutes",
                "Without the 2-hour minimum, ready to leave after (minutes from the first device)",
            ),
            ("vitals_ok_before", "Vital signs acceptable before dosing"),
            ("vitals_ok_after", "Vital signs acceptable before completion of monitoring"),
            ("bp_before", "Blood pressure before dosing"),
            ("bp_40_min", "Blood pressure about 40 minutes after dosing"),
            ("bp_end", "Blood pressure before completion of monitoring"),
        ),
    ),
    (
        "For the clinician to complete (see the form's own wording)",
        (
            ("sedation", "Sedation"),
            ("dissociation", "Dissociation"),
            ("respiratory_depression", "Respiratory depression"),
            ("serious_adverse_event", "Serious adverse event"),
        ),
    ),
)


def rems_form_html(form: RemsForm, font_points: int = FONT_POINTS[0]) -> str:
    """The form as rich text: each field with the record's answer, or a blank line to fill in."""
    rows: list[str] = []
    for title, fields in SECTIONS:
        rows.append(
            f'<tr><td colspan="2" style="font-weight:700; padding-top:6pt; '
            f'border-bottom:1px solid #000;">{escape(title)}</td></tr>'
        )
        for name, label in fields:
            value = getattr(form, name)
            shown = f"<b>{escape(value)}</b>" if value else BLANK_MARK
            rows.append(f"<tr><td width='58%'>{escape(label)}</td><td>{shown}</td></tr>")
    submitted = ""
    if form.submission is not None:
        s = form.submission
        submitted = (
            f"<p>Marked submitted on <b>{s.submitted_on.isoformat()}</b>, confirmation "
            f"<b>{escape(s.confirmation)}</b>.</p>"
        )
    return f"""
<html><body style="font-size:{font_points}pt; color:#000000;">
<p style="font-size:{font_points + 6}pt; font-weight:700; margin-bottom:0;">
Esketamine REMS patient monitoring form: answers from the record</p>
<p style="margin-top:2pt;">Chart {escape(form.chart_id)}. Copy these answers into the REMS
form and complete every blank ({BLANK_MARK}) yourself: the record does not hold them.</p>
<table cellspacing="0" cellpadding="2" width="100%">{"".join(rows)}</table>
{submitted}
</body></html>
"""


def write_rems_form_pdf(path: Path | str, form: RemsForm) -> Path:
    """Write the form as a one-page US Letter PDF (needs a QGuiApplication); OSError if unwritable."""
    target = Path(path)
    writer = letter_writer(target, f"REMS monitoring form: {form.chart_id}", MARGIN_MM)
    document = one_page_document(writer, FONT_POINTS, lambda points: rems_form_html(form, points))
    if not draw_document(writer, document):
        raise OSError(f"Cannot write the REMS form to {target}.")
    return target
