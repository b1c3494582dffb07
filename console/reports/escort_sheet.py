"""The escort sheet: one printable page of going-home instructions for the patient's escort."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import (
    QPagedPaintDevice,
    QPageLayout,
)

from console.reports.pdf.page import draw_document, letter_writer, one_page_document

FONT_POINTS = (15, 14, 13, 12)  # the largest that keeps the sheet on one page wins
MARGIN_MM = 16


@dataclass(frozen=True, slots=True)
class ClinicContact:
    """What the escort sheet prints about the clinic."""

    name: str
    phone: str
    after_hours_phone: str
    crisis_line: str = "988"


def _when(integration_at: datetime | None) -> str:
    if integration_at is None:
        return "Not booked yet: the clinic will call to arrange it."
    local = integration_at.astimezone()
    return f"{local:%A} {local.day} {local:%B %Y}, at {local:%H:%M} (local time)"


def escort_sheet_html(
    *,
    patient_display_name: str,
    clinic_name: str,
    clinic_phone: str,
    crisis_line: str,
    after_hours_phone: str,
    integration_at: datetime | None,
    driver_name: str,
    session_date: date,
    emergency: str = "911",
    font_points: int = FONT_POINTS[0],
) -> str:
    """The sheet as rich text for QTextDocument (every value escaped)."""

    def e(text: str) -> str:
        return escape(text)

    def phone(number: str) -> str:
        return escape(number).replace(" ", "&nbsp;")  # a number never wraps mid-way

    big, mid = font_points + 9, font_points + 4
    return f"""
<html><body style="font-size:{font_points}pt; color:#000000;">
<p style="font-size:{big}pt; font-weight:700; margin-bottom:2pt;">Going home safely today</p>
<p style="margin-top:0;">For the adult taking <b>{e(patient_display_name)}</b> home after
today's treatment at {e(clinic_name)} ({session_date.day} {session_date:%B %Y}).<br/>
Escort: <b>{e(driver_name)}</b></p>

<p style="font-size:{mid}pt; font-weight:700; margin-bottom:0;">For the rest of today and tonight</p>
<ul style="margin-top:2pt;">
<li>Please stay with them until tomorrow morning. They should not be alone tonight.</li>
<li>They must not drive, ride a bike or use machines or power tools until tomorrow, after a
full night's sleep.</li>
<li>No big decisions today: no contracts, legal papers, large purchases or important messages.</li>
<li>No alcohol, cannabis, sleeping tablets or other sedating medicines today, unless their own
doctor has said otherwise.</li>
<li>Let them rest, drink water and eat something light when they feel ready.</li>
</ul>

<p style="font-size:{mid}pt; font-weight:700; margin-bottom:0;">When to call</p>
<ul style="margin-top:2pt;">
<li>Call the clinic on <b>{phone(clinic_phone)}</b> (after hours <b>{phone(after_hours_phone)}</b>)
if sickness or vomiting goes on, they feel faint when standing, a headache will not ease,
they still seem confused this evening, or anything else worries you.</li>
<li>Call <b>{phone(emergency)}</b> at once for trouble breathing, chest pain, a fit, or if you cannot wake them.</li>
<li>If they feel unsafe or talk about harming themselves, call or text the crisis line
<b>{phone(crisis_line)}</b>, at any hour, and stay with them.</li>
</ul>

<p style="font-size:{mid}pt; font-weight:700; margin-bottom:0;">Next appointment</p>
<p style="margin-top:2pt;">Integration session: <b>{e(_when(integration_at))}</b></p>

<p style="margin-top:10pt;">{e(clinic_name)} &nbsp;·&nbsp; <b>{phone(clinic_phone)}</b>
&nbsp;·&nbsp; after hours <b>{phone(after_hours_phone)}</b> &nbsp;·&nbsp; crisis line
<b>{phone(crisis_line)}</b></p>
</body></html>
"""


@dataclass(frozen=True, slots=True)
class EscortFacts:
    """Everything the sheet says about this patient's day (the rest is fixed advice)."""

    patient_display_name: str
    clinic_name: str
    clinic_phone: str
    after_hours_phone: str
    integration_at: datetime | None
    driver_name: str
    session_date: date
    crisis_line: str = "988"
    emergency: str = "911"

    @property
    def title(self) -> str:
        return f"Going home safely: {self.patient_display_name}"


def paint_escort_sheet(device: QPagedPaintDevice, facts: EscortFacts) -> bool:
    """Paint the sheet on one page of ``device`` (a QPdfWriter or a QPrinter), keeping its
    paper size and giving it the sheet's margins. False when the device cannot be painted on
    (e.g. a printer that cannot be opened).
    """
    device.setPageMargins(
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter
    )
    document = one_page_document(
        device,
        FONT_POINTS,
        lambda points: escort_sheet_html(
            patient_display_name=facts.patient_display_name,
            clinic_name=facts.clinic_name,
            clinic_phone=facts.clinic_phone,
            crisis_line=facts.crisis_line,
            after_hours_phone=facts.after_hours_phone,
            integration_at=facts.integration_at,
            driver_name=facts.driver_name,
            session_date=facts.session_date,
            emergency=facts.emergency,
            font_points=points,
        ),
    )
    return draw_document(device, document)


def write_escort_sheet_pdf(path: Path | str, facts: EscortFacts) -> Path:
    """Write the one-page escort sheet as a US Letter PDF at ``path`` (needs a
    QGuiApplication); an unwritable place is an OSError.
    """
    target = Path(path)
    writer = letter_writer(target, facts.title, MARGIN_MM)
    if not paint_escort_sheet(writer, facts):
        raise OSError(f"Cannot write the escort sheet to {target}.")
    return target


def write_escort_sheet(
    path: Path | str,
    *,
    patient_display_name: str,
    clinic_name: str,
    clinic_phone: str,
    crisis_line: str = "988",
    after_hours_phone: str,
    integration_at: datetime | None,
    driver_name: str,
    session_date: date,
    emergency: str = "911",
) -> Path:
    """Write the one-page escort sheet as a PDF at ``path`` (needs a QGuiApplication)."""
    return write_escort_sheet_pdf(
        path,
        EscortFacts(
            patient_display_name=patient_display_name,
            clinic_name=clinic_name,
            clinic_phone=clinic_phone,
            after_hours_phone=after_hours_phone,
            integration_at=integration_at,
            driver_name=driver_name,
            session_date=session_date,
            crisis_line=crisis_line,
            emergency=emergency,
        ),
    )
