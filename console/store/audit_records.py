"""Signed records against the digests their audit entries carry: an edited note is named."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select

from console.domain.audit import (
    AuditEntry,
    BreakKind,
    ChainBreak,
    discharge_digest,
    observation_digest,
)
from console.domain.sessions import Observation, ObservationCategory
from console.store.database import Store
from console.store.models import DischargeRow, ObservationRow


def _stated(entry: AuditEntry) -> str | None:
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        return None
    digest = detail.get("digest") if isinstance(detail, dict) else None
    return digest if isinstance(digest, str) else None


_BATCH = 500


def _observation_digests(store: Store, uids: list[str]) -> dict[str, str]:
    """The digest of each stored note among ``uids``, by uid ("" for one that cannot be read)."""
    found: dict[str, str] = {}
    for first in range(0, len(uids), _BATCH):
        with store.transaction() as tx:
            rows = tx.scalars(
                select(ObservationRow).where(ObservationRow.uid.in_(uids[first : first + _BATCH]))
            )
            for row in rows:
                try:
                    category = ObservationCategory(row.category)
                except ValueError:
                    found[row.uid] = ""
                    continue
                found[row.uid] = observation_digest(
                    Observation(
                        uid=row.uid,
                        session_id=row.session_id,
                        at=row.at,
                        author_id=row.author_id,
                        category=category,
                        text=row.text,
                        amends_uid=row.amends_uid,
                    )
                )
    return found


def _discharge_digests(store: Store, ids: list[str]) -> dict[str, str]:
    """The digest of each signed discharge record, by session id (as text)."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found: dict[str, str] = {}
    for first in range(0, len(numbers), _BATCH):
        with store.transaction() as tx:
            rows = tx.scalars(
                select(DischargeRow).where(
                    DischargeRow.session_id.in_(numbers[first : first + _BATCH])
                )
            )
            for row in rows:
                if row.signed_by_id is None or row.signed_at is None:
                    continue
                try:
                    data = json.loads(row.data)
                except ValueError:
                    found[str(row.session_id)] = ""
                    continue
                found[str(row.session_id)] = discharge_digest(data, row.signed_by_id, row.signed_at)
    return found


def record_break(store: Store, entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """The first signed record whose stored content no longer matches its entry's digest."""
    stated = [(entry, digest) for entry in entries if (digest := _stated(entry)) is not None]
    notes = _observation_digests(
        store, [e.entity_id for e, _ in stated if e.entity == "observation"]
    )
    discharges = _discharge_digests(
        store, [e.entity_id for e, _ in stated if e.entity == "discharge"]
    )
    for entry, digest in stated:
        if entry.entity == "observation":
            actual = notes.get(entry.entity_id)
            what = f"note {entry.entity_id}"
        elif entry.entity == "discharge":
            actual = discharges.get(entry.entity_id)
            what = f"the signed discharge record of session {entry.entity_id}"
        else:
            continue
        if actual is None:
            return ChainBreak(
                entry.id,
                entry.seq,
                f"record edited: {what}, recorded by this entry, is no longer in the database",
                BreakKind.RECORD_EDITED,
            )
        if actual != digest:
            return ChainBreak(
                entry.id,
                entry.seq,
                f"record edited: {what} was changed in the database after it was recorded "
                "(its content no longer matches the digest in this entry)",
                BreakKind.RECORD_EDITED,
            )
    return None
