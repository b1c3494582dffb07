"""The audit trail's hash chain: the canonical form of an entry, its hash, and chain checking."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64  # the "previous hash" of the first entry


class AuditAction(enum.StrEnum):
    """What an audit entry records."""

    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login-failed"
    ACCOUNT_LOCKED = "account-locked"
    SCREEN_LOCKED = "screen-locked"
    CREATE = "create"
    AMEND = "amend"
    SIGN = "sign"
    SIGN_FAILED = "sign-failed"
    OVERRIDE = "override"
    TRANSITION = "transition"
    ALARM_ACK = "alarm-ack"
    LIMIT_CHANGE = "limit-change"
    DEVICE_BIND = "device-bind"
    DEVICE_RELEASE = "device-release"
    SETTINGS_CHANGE = "settings-change"
    EXPORT = "export"
    REVIEW = "review"
    DENIED = "denied"
    ACCOUNT_CREATE = "account-create"
    ACCOUNT_CHANGE = "account-change"


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An audit entry before it joins the chain."""

    uid: str  # written once however often it is saved (spool replay)
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: str  # canonical JSON (see ``canonical_detail``)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """An entry as stored: its place in the chain, the previous entry's hash and its own."""

    id: int
    seq: int
    uid: str
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why."""

    id: int
    seq: int | None
    reason: str


def canonical_detail(detail: dict[str, object] | None) -> str:
    return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), default=str)


def _when(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(seq: int, draft: AuditDraft, prev_hash: str) -> str:
    """SHA-256 over the entry's fields in a fixed order, including the previous entry's hash."""
    payload = json.dumps(
        [
            seq,
            draft.uid,
            _when(draft.at),
            draft.actor_id,
            draft.action,
            draft.entity,
            draft.entity_id,
            draft.detail,
            prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def first_break(entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """Walk the chain in ``seq`` order; the first entry that was changed, removed or inserted."""
    expected_seq, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq:
            missing = (
                "entries are missing before it" if entry.seq > expected_seq else "out of order"
            )
            return ChainBreak(
                entry.id, entry.seq, f"sequence {entry.seq}, expected {expected_seq}: {missing}"
            )
        if entry.prev_hash != prev:
            return ChainBreak(
                entry.id,
                entry.seq,
                "its link to the previous entry does not match (an entry before it was removed or replaced)",
            )
        draft = AuditDraft(
            entry.uid,
            entry.at,
            entry.actor_id,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.detail,
        )
        if entry_hash(entry.seq, draft, entry.prev_hash) != entry.hash:
            return ChainBreak(
                entry.id, entry.seq, "its content does not match its hash (the row was changed)"
            )
        expected_seq, prev = entry.seq + 1, entry.hash
    return None
