"""Discharge records: the draft checklist as JSON while unsigned, then the signed record."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from console.domain.discharge.model import DischargeDraft
from console.domain.discharge.model import SignedDischarge as SignedData
from console.errors import IllegalTransition
from console.store.database import Store
from console.store.models import DischargeRow


class SignedDischarge(NamedTuple):
    """A signed discharge record: the data as signed, who signed and when."""

    data: dict[str, Any]
    signed_by_id: int
    signed_at: datetime

    @property
    def discharge(self) -> SignedData:
        """The signed data, typed (records in older shapes read too)."""
        return SignedData.from_json(self.data)


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=str)


class DischargeRepository:
    """One discharge row per session: replaced freely while a draft, frozen once signed."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save_draft(self, session_id: int, data: dict[str, Any]) -> None:
        """Store ``data`` as the session's draft; IllegalTransition once the record is signed."""
        with self._store.transaction() as tx:
            row = tx.scalar(select(DischargeRow).where(DischargeRow.session_id == session_id))
            if row is None:
                tx.add(DischargeRow(session_id=session_id, data=_dumps(data)))
                return
            if row.signed_by_id is not None:
                raise IllegalTransition("The discharge record is signed: it can no longer change.")
            row.data = _dumps(data)

    def draft(self, session_id: int) -> dict[str, Any] | None:
        """The stored data (the draft, or what was signed), or None when nothing is stored."""
        with self._store.transaction() as tx:
            row = tx.scalar(select(DischargeRow).where(DischargeRow.session_id == session_id))
            if row is None:
                return None
            loaded: dict[str, Any] = json.loads(row.data)
            return loaded

    def sign(
        self, session_id: int, data: dict[str, Any], signed_by_id: int, signed_at: datetime
    ) -> None:
        """Store ``data`` as the signed record; IllegalTransition if it is already signed."""
        if signed_at.utcoffset() is None:
            raise ValueError(f"signed_at must be timezone-aware, got {signed_at!r}")
        with self._store.transaction() as tx:
            row = tx.scalar(select(DischargeRow).where(DischargeRow.session_id == session_id))
            if row is None:
                row = DischargeRow(session_id=session_id, data="{}")
                tx.add(row)
            elif row.signed_by_id is not None:
                raise IllegalTransition("The discharge record is already signed.")
            row.data = _dumps(data)
            row.signed_by_id = signed_by_id
            row.signed_at = signed_at

    def record(self, session_id: int) -> SignedDischarge | None:
        """The signed record, or None while the discharge is unsigned (or not started)."""
        with self._store.transaction() as tx:
            row = tx.scalar(select(DischargeRow).where(DischargeRow.session_id == session_id))
            if row is None or row.signed_by_id is None or row.signed_at is None:
                return None
            return SignedDischarge(json.loads(row.data), row.signed_by_id, row.signed_at)

    # ---- typed -----------------------------------------------------------------------------
    def load_draft(self, session_id: int) -> DischargeDraft | None:
        """The stored draft, typed (older shapes read too), or None when nothing is stored."""
        data = self.draft(session_id)
        return DischargeDraft.from_json(data) if data is not None else None

    def store_draft(self, session_id: int, draft: DischargeDraft) -> None:
        """Store the typed draft; IllegalTransition once the record is signed."""
        self.save_draft(session_id, draft.to_json())
