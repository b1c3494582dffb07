"""The append-only, keyed audit chain: add an entry at the chain's head, read, verify."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from console.domain.audit import (
    GENESIS,
    Anchor,
    AuditDraft,
    AuditEntry,
    BreakKind,
    ChainBreak,
    ChainReport,
    canonical_detail,
    check_chain,
    entry_mac,
    entry_seal,
)
from console.errors import StoreUnavailable
from console.store.audit_key import AuditKey, AuditKeyError
from console.store.audit_records import record_break
from console.store.database import Store, already_stored
from console.store.models import AuditRow

log = logging.getLogger(__name__)

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
        seal=row.seal,
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
    """Entries join the chain one at a time: each is sealed with the clinic key and holds the
    previous entry's MAC; after each one the anchor outside the database moves forward.
    """

    def __init__(self, store: Store, key: AuditKey | None = None) -> None:
        self._store = store
        self._key = key if key is not None else AuditKey()
        self._chain: str | None = None  # the uid of entry 1
        self._keyed_from: int | None = None
        self._key_matches = False  # checked against the head once per repository

    @property
    def key(self) -> AuditKey:
        return self._key

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
        key = self._key.load_or_create()
        for attempt in range(_ATTEMPTS):
            try:
                head = self._add_once(draft, key)
            except StoreUnavailable as error:
                # another console took the same place in the chain (unique seq): try again
                if not isinstance(error.__cause__, IntegrityError) or attempt == _ATTEMPTS - 1:
                    raise
            else:
                if head is not None:
                    self._chain, self._keyed_from = head.chain, head.keyed_from
                    self._advance(head)
                return

    def _add_once(self, draft: AuditDraft, key: bytes) -> Anchor | None:
        with self._store.transaction() as tx:
            if self._store.engine.dialect.name == "postgresql":
                tx.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
            if already_stored(tx, AuditRow.uid, draft.uid):
                return None
            head = tx.scalar(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1))
            if head is not None and not self._key_matches:
                self._check_key(_entry(head), key)
            seq = (head.seq or 0) + 1 if head is not None else 1
            prev = head.hash if head is not None else GENESIS
            mac = entry_mac(key, seq, draft, prev)
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
                    hash=mac,
                    seal=entry_seal(key, seq, draft),
                )
            )
            # kept on the repository only once committed (a lost race retries with another seq)
            chain, keyed_from = (draft.uid, 1) if seq == 1 else (self._chain, self._keyed_from)
            if chain is None:
                chain = tx.scalar(select(AuditRow.uid).where(AuditRow.seq == 1))
            if keyed_from is None:
                first = tx.scalar(select(func.min(AuditRow.seq)).where(AuditRow.seal.is_not(None)))
                keyed_from = int(first) if first is not None else seq
            return Anchor(chain or draft.uid, seq, mac, keyed_from, self._store.url)

    def _check_key(self, head: AuditEntry, key: bytes) -> None:
        """Refuse to extend a keyed trail with another key (a console not given the clinic's)."""
        if head.seal is not None and entry_seal(key, head.seq, head.draft()) != head.seal:
            raise AuditKeyError(
                f"the audit key {self._key.path} is not the one this database's audit trail was "
                f"written with (or its last entry, number {head.seq}, was changed): give this "
                "console the clinic's key (VIGIL_AUDIT_KEY) and run `vigil audit verify`"
            )
        self._key_matches = True

    def _advance(self, head: Anchor) -> None:
        """After the commit: a failure here loses no entry, only the anchor's protection."""
        try:
            self._key.advance(head)
        except (OSError, StoreUnavailable) as error:
            log.warning("the audit anchor was not moved to number %d: %s", head.seq, error)

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
        report = self.check()
        return report.checked, report.broken

    def check(self) -> ChainReport:
        """Walk the chain with the key, compare its head with the anchor, recompute the digests
        of signed records; the report names the first thing that does not hold.
        """
        with self._store.transaction() as tx:
            outside = tx.scalar(select(AuditRow.id).where(AuditRow.seq.is_(None)).limit(1))
            chain = tx.scalar(select(AuditRow.uid).where(AuditRow.seq == 1))
        if outside is not None:
            return ChainReport(
                broken=ChainBreak(
                    outside,
                    None,
                    "inserted: it has no place in the chain (inserted directly)",
                    BreakKind.INSERTED,
                )
            )
        anchor = self._key.anchor(chain, self._store.url)
        if anchor is not None and chain is not None and anchor.chain != chain:
            return ChainReport(
                broken=ChainBreak(
                    0,
                    1,
                    "anchor mismatch: this database's trail is not the one the anchor kept "
                    f"outside it records for {self._store.url} (the trail was replaced)",
                    BreakKind.ANCHOR_MISMATCH,
                )
            )
        report = check_chain(self.entries(), self._key.load(), anchor)
        if report.broken is None:
            report.broken = record_break(self._store, report.digests)
        return report

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
