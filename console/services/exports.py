"""Session exports (PDF report, vitals CSV, FHIR Bundle): permission, atomic file, audit entry.

``export_session`` is the whole job as a plain function (the command line uses it, no widgets);
``ExportService`` is the same for the review screen, with a signal when a file is written.
The PDF needs a QGuiApplication; the CSV and FHIR exports do not.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal, get_args

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.domain.review import SessionDossier
from console.domain.scales import ScaleDefinition
from console.errors import VigilError
from console.reports.fhir_bundle import fhir_bundle
from console.reports.vitals_csv import write_vitals_csv
from console.services.access import Access
from console.store.review_repository import ReviewRepository
from console.store.vitals_repository import VitalsRepository

ExportFormat = Literal["pdf", "csv", "fhir"]
FORMATS: tuple[str, ...] = get_args(ExportFormat)
SUFFIXES: dict[str, str] = {"pdf": ".pdf", "csv": ".csv", "fhir": ".json"}
FORMAT_NAMES: dict[str, str] = {
    "pdf": "PDF session report",
    "csv": "vitals CSV",
    "fhir": "FHIR R4 bundle",
}


class ExportFailed(VigilError):
    """The export could not be made (no such session, unknown format, unwritable place)."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A written export: where, which format, its SHA-256 and size, and what is in it."""

    path: Path
    fmt: str
    sha256: str
    size: int
    summary: str  # "4 pages", "9,012 samples", "488 resources"


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What the clinic settings add to an export."""

    clinic_name: str = ""
    scales: Mapping[str, ScaleDefinition] | None = None
    zone: tzinfo | None = None  # the time zone the PDF and CSV print (default: the machine's)


def suggested_file_name(chart_id: str, checked_in_at: datetime, session_id: int, fmt: str) -> str:
    """A file name for the save dialog: "MRN-20417_2026-03-08_session-42.pdf"."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in chart_id.strip()) or "patient"
    day = checked_in_at.astimezone().date().isoformat()
    return f"{safe}_{day}_session-{session_id}{SUFFIXES.get(fmt, '')}"


def _write_atomically(target: Path, write: Callable[[Path], str]) -> tuple[str, int, str]:
    """Write through a temporary file beside ``target``, then rename it into place.

    ``write(temp_path)`` fills the file and returns a summary. Returns (sha256, size, summary).
    Any failure removes the temporary file, and ``target`` is left as it was.
    """
    folder = target.parent
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise ExportFailed(f"Cannot write in {folder}: {error.strerror or error}.") from error
    os.close(handle)
    temp = Path(name)
    try:
        summary = write(temp)
        digest = hashlib.sha256()
        with temp.open("r+b") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
            size = stream.tell()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename durable (POSIX)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return digest.hexdigest(), size, summary


def _writer(
    fmt: str,
    dossier: SessionDossier,
    vitals: VitalsRepository,
    generated_at: datetime,
    options: ExportOptions,
) -> Callable[[Path], str]:
    if fmt == "pdf":

        def pdf(path: Path) -> str:
            from console.reports.session_report import write_session_report

            pages = write_session_report(
                path,
                dossier,
                generated_at=generated_at,
                clinic_name=options.clinic_name,
                scales=options.scales,
                zone=options.zone,
            )
            return f"{pages} page{'s' if pages != 1 else ''}"

        return pdf
    if fmt == "csv":

        def csv_file(path: Path) -> str:
            points = vitals.history(dossier.session.id)
            with path.open("w", encoding="utf-8", newline="") as stream:
                count = write_vitals_csv(stream, points, dossier.name, zone=options.zone)
            return f"{count:,} samples"

        return csv_file

    def fhir(path: Path) -> str:
        bundle = fhir_bundle(dossier, generated_at=generated_at)
        with path.open("w", encoding="utf-8") as stream:
            json.dump(bundle, stream, ensure_ascii=False, indent=1, allow_nan=False)
            stream.write("\n")
        return f"{len(bundle['entry']):,} resources"

    return fhir


def export_session(
    *,
    reviews: ReviewRepository,
    vitals: VitalsRepository,
    access: Access,
    clock: Clock,
    session_id: int,
    fmt: str,
    path: Path | str,
    staff_id: int | None,
    options: ExportOptions | None = None,
) -> ExportResult:
    """Export one session to ``path`` for ``staff_id``; the whole job, without widgets.

    Order: the EXPORT permission (PermissionDenied, with a "denied" audit entry), the format,
    the session, then the file is written beside ``path`` and renamed into place (never half
    written), then an "export" audit entry names the format, the file name and its SHA-256.
    Raises ExportFailed when there is no such session, the format is unknown or the folder
    cannot be written.
    """
    staff = access.require(Permission.EXPORT, staff_id, entity="session", entity_id=session_id)
    if fmt not in FORMATS:
        raise ExportFailed(f"Unknown export format “{fmt}”: choose pdf, csv or fhir.")
    dossier = reviews.dossier(session_id)
    if dossier is None:
        raise ExportFailed(f"There is no session {session_id}.")
    target = Path(path).expanduser().absolute()
    if target.is_dir():
        raise ExportFailed(f"{target} is a folder: give a file name.")
    generated_at = clock.now()
    write = _writer(fmt, dossier, vitals, generated_at, options or ExportOptions())
    try:
        digest, size, summary = _write_atomically(target, write)
    except OSError as error:
        raise ExportFailed(f"Cannot write {target}: {error.strerror or error}.") from error
    access.audit.record(
        AuditAction.EXPORT,
        "session",
        session_id,
        staff.id,
        {"format": fmt, "file": target.name, "sha256": digest, "bytes": size},
        at=generated_at,
    )
    return ExportResult(target, fmt, digest, size, summary)


class ExportService(QObject):
    """Exports for the review screen: checks the role, writes atomically, audits, announces."""

    # the path of a file just written (str)
    exported = Signal(str)

    def __init__(
        self,
        clock: Clock,
        reviews: ReviewRepository,
        vitals: VitalsRepository,
        access: Access,
        *,
        options: ExportOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._reviews = reviews
        self._vitals = vitals
        self._access = access
        self._options = options or ExportOptions()
        self.last_result: ExportResult | None = None

    def set_options(self, options: ExportOptions) -> None:
        """New clinic name, scales or zone (the settings changed)."""
        self._options = options

    def can_export(self, staff_id: int | None = None) -> bool:
        """Whether the staff member (the signed-in one by default) may export: for the button."""
        return self._access.can(Permission.EXPORT, staff_id)

    def export(self, session_id: int, fmt: str, path: Path | str, staff_id: int | None) -> Path:
        """Write the export and return its path; PermissionDenied or ExportFailed otherwise."""
        result = export_session(
            reviews=self._reviews,
            vitals=self._vitals,
            access=self._access,
            clock=self._clock,
            session_id=session_id,
            fmt=fmt,
            path=path,
            staff_id=staff_id,
            options=self._options,
        )
        self.last_result = result
        self.exported.emit(str(result.path))
        return result.path
