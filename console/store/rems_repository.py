"""REMS form submissions, and which sessions owe one (those with an esketamine dose)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from console.domain.doses import Drug
from console.domain.rems import RemsSubmission
from console.errors import IllegalTransition
from console.store.database import Store
from console.store.models import DoseRow
from console.store.outbound_models import RemsSubmissionRow


def _submission(row: RemsSubmissionRow) -> RemsSubmission:
    return RemsSubmission(
        row.session_id, row.submitted_on, row.confirmation, row.recorded_by_id, row.recorded_at
    )


class RemsRepository:
    """One submission per session, never changed once stored."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def submission(self, session_id: int) -> RemsSubmission | None:
        with self._store.transaction() as tx:
            row = tx.scalar(
                select(RemsSubmissionRow).where(RemsSubmissionRow.session_id == session_id)
            )
            return None if row is None else _submission(row)

    def add(self, submission: RemsSubmission) -> None:
        """Store the submission; IllegalTransition when the session has one already."""
        with self._store.transaction() as tx:
            if tx.scalar(
                select(RemsSubmissionRow.id).where(
                    RemsSubmissionRow.session_id == submission.session_id
                )
            ):
                raise IllegalTransition("This session's REMS form is already marked submitted.")
            tx.add(
                RemsSubmissionRow(
                    session_id=submission.session_id,
                    submitted_on=submission.submitted_on,
                    confirmation=submission.confirmation,
                    recorded_by_id=submission.recorded_by_id,
                    recorded_at=submission.recorded_at,
                )
            )

    def owing(self, session_ids: Iterable[int]) -> dict[int, bool]:
        """For each of ``session_ids`` with an esketamine dose: whether its form is submitted."""
        ids = list(set(session_ids))
        if not ids:
            return {}
        with self._store.transaction() as tx:
            esketamine = set(
                tx.scalars(
                    select(DoseRow.session_id)
                    .where(DoseRow.session_id.in_(ids))
                    .where(DoseRow.drug == Drug.ESKETAMINE.value)
                    .distinct()
                )
            )
            done = set(
                tx.scalars(
                    select(RemsSubmissionRow.session_id).where(
                        RemsSubmissionRow.session_id.in_(esketamine)
                    )
                )
            )
        return {i: i in done for i in esketamine}
