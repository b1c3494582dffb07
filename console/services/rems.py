"""The REMS monitoring form of an esketamine session: fill it from the record, track it, mark it sent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, tzinfo
from pathlib import Path

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.domain.rems import (
    RemsForm,
    RemsSetting,
    RemsSubmission,
    check_submission,
    due_label,
    esketamine_doses,
    rems_form,
    session_day,
)
from console.domain.review import SessionDossier
from console.errors import IllegalTransition, VigilError
from console.services.access import Access
from console.store.rems_repository import RemsRepository
from console.store.review_repository import ReviewRepository


class NotEsketamine(VigilError):
    """The session has no esketamine dose: it owes no REMS form."""


class RemsService:
    """Every action names the acting staff member; marking submitted and the PDF are audited."""

    def __init__(
        self,
        clock: Clock,
        reviews: ReviewRepository,
        rems: RemsRepository,
        access: Access,
        *,
        setting: RemsSetting | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        self._clock = clock
        self._reviews = reviews
        self._rems = rems
        self._access = access
        self._setting = setting or RemsSetting()
        self._zone = zone

    def set_setting(self, setting: RemsSetting) -> None:
        self._setting = setting

    def _dossier(self, session_id: int, staff_id: int | None) -> SessionDossier:
        self._access.require(
            Permission.BROWSE_SESSIONS, staff_id, entity="session", entity_id=session_id
        )
        dossier = self._reviews.dossier(session_id)
        if dossier is None:
            raise NotEsketamine(f"There is no session #{session_id} in this database.")
        if not esketamine_doses(dossier.doses):
            raise NotEsketamine("This session has no esketamine dose: no REMS form is due.")
        return dossier

    def form(self, session_id: int, staff_id: int | None) -> RemsForm:
        """The form's fields from the record (NotEsketamine for another drug)."""
        dossier = self._dossier(session_id, staff_id)
        return rems_form(dossier, self._setting, self._rems.submission(session_id), self._zone)

    def write_pdf(self, session_id: int, path: Path | str, staff_id: int | None) -> Path:
        """Write the filled form as a PDF (needs a QGuiApplication); the export is audited."""
        from console.reports.rems_form import write_rems_form_pdf

        form = self.form(session_id, staff_id)
        target = write_rems_form_pdf(Path(path).expanduser().absolute(), form)
        self._access.audit.record(
            AuditAction.EXPORT,
            "session",
            session_id,
            staff_id,
            {"format": "rems", "file": target.name},
            at=self._clock.now(),
        )
        return target

    def mark_submitted(
        self, session_id: int, submitted_on: date, confirmation: str, staff_id: int | None
    ) -> RemsSubmission:
        """Record the day and confirmation number (once; audited). ValidationFailed names
        "submitted_on" or "confirmation"; IllegalTransition when it is marked already.
        """
        dossier = self._dossier(session_id, staff_id)
        assert staff_id is not None  # _dossier required a signed-in staff member
        if self._rems.submission(session_id) is not None:
            raise IllegalTransition("This session's REMS form is already marked submitted.")
        now = self._clock.now()
        number = check_submission(
            submitted_on,
            confirmation,
            session_day(dossier, self._zone),
            now.astimezone(self._zone).date(),
        )
        submission = RemsSubmission(session_id, submitted_on, number, staff_id, now)
        self._rems.add(submission)
        self._access.audit.record(
            AuditAction.CREATE,
            "rems_submission",
            session_id,
            staff_id,
            {"submitted_on": submitted_on.isoformat(), "confirmation": number},
            at=now,
        )
        return submission

    def labels(self, sessions: Iterable[tuple[int, date]]) -> dict[int, str]:
        """For (session id, session day) pairs: the REMS label of those that owe a form."""
        days = dict(sessions)
        today = self._clock.now().astimezone(self._zone).date()
        owing = self._rems.owing(days)
        return {i: due_label(days[i], done, today) for i, done in owing.items()}
