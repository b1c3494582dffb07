"""``vigil export --session ID --format pdf|csv|fhir|rems --out FILE``: one audited export, no window.

main.py parses the arguments and authenticates the staff member; this module does the export.
A PDF needs a QGuiApplication: when none exists one is created here on the offscreen platform
(unless QT_QPA_PLATFORM says otherwise), so the command works without a display.
"""

from __future__ import annotations

import os
from pathlib import Path

from console.clock import Clock
from console.services.access import Access
from console.services.exports import FORMAT_NAMES, ExportOptions, export_session
from console.store.database import Store
from console.store.review_repository import ReviewRepository
from console.store.vitals_repository import VitalsRepository

_APP: object | None = None  # the QGuiApplication created for a PDF export, kept alive


def ensure_gui_application() -> None:
    """Create a QGuiApplication (offscreen by default) unless one exists already."""
    global _APP  # noqa: PLW0603 - one application per process, kept for the process's life
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    existing = QCoreApplication.instance()
    if isinstance(existing, QGuiApplication):
        return
    if existing is not None:
        raise RuntimeError("A QCoreApplication is running: the PDF report needs a QGuiApplication.")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _APP = QGuiApplication(["vigil-export"])


def run_export(
    store: Store,
    clock: Clock,
    access: Access,
    session_id: int,
    fmt: str,
    out: Path | str,
    staff_id: int | None,
    *,
    options: ExportOptions | None = None,
) -> str:
    """Export the session and return the line to print.

    Raises PermissionDenied (the staff member may not export; a "denied" entry is audited) or
    ExportFailed (no such session, unknown format, unwritable place): print the message and
    exit with status 1.
    """
    if fmt == "rems":
        return _export_rems(store, clock, access, session_id, out, staff_id, options)
    if fmt == "pdf":
        ensure_gui_application()
    result = export_session(
        reviews=ReviewRepository(store),
        vitals=VitalsRepository(store),
        access=access,
        clock=clock,
        session_id=session_id,
        fmt=fmt,
        path=out,
        staff_id=staff_id,
        options=options,
    )
    return (
        f"Wrote the {FORMAT_NAMES[fmt]} of session {session_id} ({result.summary}, "
        f"{result.size:,} bytes) to {result.path}\nSHA-256 {result.sha256}"
    )


def _export_rems(
    store: Store,
    clock: Clock,
    access: Access,
    session_id: int,
    out: Path | str,
    staff_id: int | None,
    options: ExportOptions | None,
) -> str:
    """``--format rems``: the esketamine REMS monitoring form, filled from the record (audited)."""
    from console.domain.rems import RemsSetting
    from console.services.rems import RemsService
    from console.store.rems_repository import RemsRepository

    ensure_gui_application()
    service = RemsService(
        clock,
        ReviewRepository(store),
        RemsRepository(store),
        access,
        setting=RemsSetting((options or ExportOptions()).clinic_name),
    )
    path = service.write_pdf(session_id, out, staff_id)
    return f"Wrote the REMS monitoring form of session {session_id} to {path}"
