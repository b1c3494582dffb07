"""The append-only, hash-chained audit trail: add an entry at the chain's head, read, verify."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from console.domain.audit import (
    GENESIS,
    AuditDraft,
    AuditEntry,
    ChainBreak,
    canonical_detail,
    entry_hash,
    first_break,
)
from console.errors import StoreUnavailable
from console.store.database import Store, already_stored
from console.store.models import AuditRow

_CHAIN_LOCK = 0x5617_A0D1  # PostgreSQL advisory lock: one writer at the chain's head at a time
_ATTEMPTS = 6


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        seq=row.seq if row.seq is not None else 0,
        uid=row.uid,
        at=row.at,
        actor_id=row.actor_id,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        detail=row.detail,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters for the audit viewer; ``None`` means any."""

    since: datetime | None = None
    until: datetime | None = None
    actor_id: int | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    text: str = ""
    limit: int = 500


def new_draft(
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
    uid: str | None = None,
) -> AuditDraft:
    return AuditDraft(
        uid or str(uuid.uuid4()), at, actor_id, action, entity, entity_id, canonical_detail(detail)
    )


class AuditRepository:
    """Entries join the chain one at a time: each holds the previous entry's hash."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def append(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.add(
            new_draft(
                at=at,
                actor_id=actor_id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail=detail,
            )
        )

    def add(self, draft: AuditDraft) -> None:
        """Add ``draft`` at the head of the chain (once, however often it is given)."""
        for attempt in range(_ATTEMPTS):
            try:
                self._add_once(draft)
                return
            except StoreUnavailable as error:
                # another console took the same place in the chain (unique seq): try again
                if not isinstance(error.__cause__, IntegrityError) or attempt == _ATTEMPTS - 1:
                    raise

    def _add_once(self, draft: AuditDraft) -> None:
        with self._store.transaction() as tx:
            if self._store.engine.dialect.name == "postgresql":
                tx.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
            if already_stored(tx, AuditRow.uid, draft.uid):
                return
            head = tx.execute(
                select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
            ).first()
            seq = (head.seq or 0) + 1 if head is not None else 1
            prev = head.hash if head is not None else GENESIS
            tx.add(
                AuditRow(
                    uid=draft.uid,
                    seq=seq,
                    at=draft.at,
                    actor_id=draft.actor_id,
                    action=draft.action,
                    entity=draft.entity,
                    entity_id=draft.entity_id,
                    detail=draft.detail,
                    prev_hash=prev,
                    hash=entry_hash(seq, draft, prev),
                )
            )

    def count(self, action: str | None = None) -> int:
        with self._store.transaction() as tx:
            query = select(func.count(AuditRow.id))
            if action is not None:
                query = query.where(AuditRow.action == action)
            return int(tx.scalar(query) or 0)

    def entries(self, batch: int = 2000) -> Iterator[AuditEntry]:
        """Every entry in chain order, read in batches."""
        last = 0
        while True:
            with self._store.transaction() as tx:
                rows = list(
                    tx.scalars(
                        select(AuditRow)
                        .where(AuditRow.seq > last)
                        .order_by(AuditRow.seq)
                        .limit(batch)
                    )
                )
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            last = rows[-1].seq or last

    def verify(self) -> tuple[int, ChainBreak | None]:
        """How many entries were checked, and the first break in the chain (None when intact)."""
        with self._store.transaction() as tx:
            outside = tx.scalar(select(AuditRow.id).where(AuditRow.seq.is_(None)).limit(1))
        if outside is not None:
            return 0, ChainBreak(outside, None, "it has no place in the chain (inserted directly)")
        checked = 0

        def counted() -> Iterator[AuditEntry]:
            nonlocal checked
            for entry in self.entries():
                checked += 1
                yield entry

        broken = first_break(counted())
        return checked, broken

    def search(self, query: AuditQuery) -> list[AuditEntry]:
        """Newest first, filtered for the viewer."""
        with self._store.transaction() as tx:
            statement = select(AuditRow)
            if query.since is not None:
                statement = statement.where(AuditRow.at >= query.since)
            if query.until is not None:
                statement = statement.where(AuditRow.at < query.until)
            if query.actor_id is not None:
                statement = statement.where(AuditRow.actor_id == query.actor_id)
            if query.action:
                statement = statement.where(AuditRow.action == query.action)
            if query.entity:
                statement = statement.where(AuditRow.entity == query.entity)
            if query.entity_id:
                statement = statement.where(AuditRow.entity_id == query.entity_id)
            if query.text:
                pattern = f"%{query.text}%"
                statement = statement.where(
                    or_(AuditRow.detail.ilike(pattern), AuditRow.entity_id.ilike(pattern))
                )
            rows = tx.scalars(statement.order_by(AuditRow.seq.desc()).limit(query.limit))
            return [_entry(row) for row in rows]


def detail_of(entry: AuditEntry) -> dict[str, Any]:
    """The entry's detail as a dict (it is stored as canonical JSON)."""
    value = json.loads(entry.detail or "{}")
    return value if isinstance(value, dict) else {"value": value}
