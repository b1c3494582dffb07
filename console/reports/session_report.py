"""The PDF session report: header, vital-sign plots, tables, timeline and signatures (QPainter).

Drawn with Qt's QPdfWriter and QPainter, so it needs a ``QGuiApplication`` (or ``QApplication``)
to exist first; without a display, start the process with ``QT_QPA_PLATFORM=offscreen`` (the
command line does). The layout is computed first as a list of drawing steps per page, then
painted, so every footer can say "page N of M". Times print in the local zone (or ``zone``).

The document toolkit is ``console.reports.pdf``; each section is a module of
``console.reports.sections``, drawn in the order of ``SECTIONS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from PySide6.QtGui import QPainter

from console.domain.review import SessionDossier, TimelineEntry
from console.domain.scales import ScaleDefinition
from console.domain.timeline import build_timeline
from console.reports.pdf.page import RESOLUTION_DPI, letter_writer, require_gui
from console.reports.sections import SECTIONS
from console.reports.sections.context import ReportContext

__all__ = ["MARGIN_MM", "RESOLUTION_DPI", "write_session_report"]

MARGIN_MM = 14


def write_session_report(
    path: Path | str,
    dossier: SessionDossier,
    *,
    generated_at: datetime,
    clinic_name: str = "",
    timeline: Sequence[TimelineEntry] | None = None,
    scales: Mapping[str, ScaleDefinition] | None = None,
    zone: tzinfo | None = None,
) -> int:
    """Write the session report as a PDF at ``path``; returns the number of pages.

    Needs a QGuiApplication. ``timeline`` defaults to ``build_timeline(dossier, scales)``;
    ``scales`` (by id) names the rating scales; ``zone`` is the time zone printed (default: the
    machine's). An unwritable path raises OSError.
    """
    require_gui()
    target = Path(path)
    patient = dossier.patient
    writer = letter_writer(
        target, f"Session report: {patient.display_name} ({patient.chart_id})", MARGIN_MM
    )
    scales = scales or {}
    report = ReportContext(
        writer,
        dossier,
        generated_at=generated_at,
        clinic_name=clinic_name,
        timeline=list(timeline) if timeline is not None else build_timeline(dossier, scales),
        scales=scales,
        zone=zone,
    )
    for section in SECTIONS:
        section(report)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write the session report to {target}.")
    try:
        report.paint(painter, report.footer())
    finally:
        painter.end()
    return len(report.pages.pages)
