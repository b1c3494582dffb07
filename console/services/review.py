"""Supervisor review: browse past sessions, open one whole, and sign a review (append-only)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.domain.review import (
    REVIEWED_BY,
    BrowserFilter,
    Review,
    SessionDossier,
    SessionSummary,
)
from console.domain.text import check_text
from console.errors import FieldError, IllegalTransition, ValidationFailed, VigilError
from console.services.access import Access
from console.services.signatures import Signer
from console.store.review_repository import ReviewRepository

MAX_COMMENT_LENGTH = 4000
# the signer's own field names ("pin" for PinSigner and PasswordSigner, "signer") → the form's
_SECRET_FIELDS = frozenset({"pin", "password", "secret", "signer"})


class SessionNotFound(VigilError):
    """There is no session with this id (a stale link, another database)."""


def validate_comment(comment: str) -> list[FieldError]:
    """A review needs a comment saying what was looked at or what needs doing."""
    if not comment.strip():
        return [FieldError("comment", "Write a comment: what you checked, or what needs doing.")]
    if len(comment) > MAX_COMMENT_LENGTH:
        return [FieldError("comment", f"Keep the comment under {MAX_COMMENT_LENGTH} characters.")]
    return check_text("comment", comment)


class ReviewService(QObject):
    """Every action checks the acting staff member's permission first (and audits a refusal)."""

    # a review was signed and stored (Review)
    reviewed = Signal(object)

    def __init__(
        self,
        clock: Clock,
        repository: ReviewRepository,
        access: Access,
        signer: Signer,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._repository = repository
        self._access = access
        self._signer = signer

    def can_review(self, staff_id: int | None = None) -> bool:
        """Whether ``staff_id`` (the signed-in user by default) may sign reviews: for the form."""
        return self._access.can(Permission.REVIEW, staff_id)

    def can_export(self, staff_id: int | None = None) -> bool:
        """Whether ``staff_id`` (the signed-in user by default) may export session records."""
        return self._access.can(Permission.EXPORT, staff_id)

    def browse(self, wanted: BrowserFilter, staff_id: int | None) -> list[SessionSummary]:
        """The sessions matching ``wanted``, newest first; PermissionDenied for other roles."""
        self._access.require(Permission.BROWSE_SESSIONS, staff_id, entity="session")
        return self._repository.browse(wanted)

    def open(self, session_id: int, staff_id: int | None) -> SessionDossier:
        """Everything recorded in one session; SessionNotFound when there is no such session."""
        self._access.require(
            Permission.BROWSE_SESSIONS, staff_id, entity="session", entity_id=session_id
        )
        dossier = self._repository.dossier(session_id)
        if dossier is None:
            raise SessionNotFound(f"There is no session #{session_id} in this database.")
        return dossier

    def sign_review(
        self, session_id: int, comment: str, staff_id: int | None, password: str
    ) -> Review:
        """Sign a review of a closed session: the reviewer re-enters their password.

        Raises PermissionDenied (audited) for a role that may not review, IllegalTransition
        for a session still open, and ValidationFailed naming "comment" or "password".
        A second review of the same session adds another; none is ever changed.
        """
        who = self._access.require(
            Permission.REVIEW, staff_id, entity="session", entity_id=session_id
        )
        record = self._repository.session(session_id)
        if record is None:
            raise SessionNotFound(f"There is no session #{session_id} in this database.")
        if record.state.is_open:
            raise IllegalTransition(
                f"The session is {record.state.label.lower()} and still open: "
                "it can be reviewed once it is discharged or aborted."
            )
        errors = validate_comment(comment)
        if not password:
            errors.append(FieldError("password", "Enter your password to sign."))
        if errors:
            raise ValidationFailed(errors)
        now = self._clock.now()
        try:
            signature = self._signer.sign(who.id, password, REVIEWED_BY, now)
        except ValidationFailed as refused:
            raise ValidationFailed(
                [
                    FieldError("password", e.message) if e.field in _SECRET_FIELDS else e
                    for e in refused.errors
                ]
            ) from refused
        review = Review(
            uid=str(uuid.uuid4()),
            session_id=session_id,
            reviewer_id=who.id,
            printed_name=signature.printed_name,
            meaning=signature.meaning,
            at=now,
            comment=comment.strip(),
        )
        self._repository.add_review(review)
        self._access.audit.record(
            AuditAction.REVIEW,
            "session",
            session_id,
            who.id,
            {
                "review_uid": review.uid,
                "meaning": review.meaning,
                "printed_name": review.printed_name,
            },
            at=now,
        )
        self.reviewed.emit(review)
        return review
