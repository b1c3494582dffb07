"""The audit trail's chain: the canonical form of an entry, its keyed MACs, and chain checking.

Entries written before the clinic had an audit key carry a plain SHA-256 chain (the "legacy
segment"); every entry since carries two HMAC-SHA256 values under the clinic's key: ``seal``
over its number and content, and ``hash`` over the same plus the previous entry's hash.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from console.domain.sessions import Observation

GENESIS = "0" * 64  # the "previous hash" of the first entry
_RENUMBER_SEARCH = 10_000  # how far a renumbered entry's original number is looked for


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
    CONSOLE_QUIT = "console-quit"
    EXPORT = "export"
    REVIEW = "review"
    DENIED = "denied"
    ACCOUNT_CREATE = "account-create"
    ACCOUNT_CHANGE = "account-change"
    BREAK_GLASS = "break-glass"


class BreakKind(enum.StrEnum):
    """How the trail was found broken; ``vigil audit verify`` names it."""

    TRUNCATED = "truncated"
    EDITED = "edited"
    INSERTED = "inserted"
    REMOVED = "removed"
    FORGED = "forged"
    RELINKED = "relinked"
    ANCHOR_MISMATCH = "anchor mismatch"
    RECORD_EDITED = "record edited"
    NO_KEY = "no key"


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
    seal: str | None = None  # None: written before the clinic had a key (legacy)

    def draft(self) -> AuditDraft:
        return AuditDraft(
            self.uid,
            self.at,
            self.actor_id,
            self.action,
            self.entity,
            self.entity_id,
            self.detail,
        )


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why."""

    id: int
    seq: int | None
    reason: str
    kind: BreakKind = BreakKind.EDITED


@dataclass(frozen=True, slots=True)
class Anchor:
    """The chain's head as a console last wrote it, kept outside the database."""

    chain: str  # the uid of entry 1: the same in every copy of one database
    seq: int
    hash: str
    keyed_from: int  # the first entry written with the key
    url: str = ""


@dataclass(slots=True)
class ChainReport:
    """What a walk over the whole chain found."""

    checked: int = 0
    legacy_until: int = 0  # the last entry of the unkeyed segment (0: none)
    last_seq: int = 0
    broken: ChainBreak | None = None
    digests: list[AuditEntry] = field(default_factory=list)  # entries naming a record digest
    anchored: int | None = None  # the number the anchor outside the database records


def canonical_detail(detail: dict[str, object] | None) -> str:
    return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), default=str)


def record_digest(fields: dict[str, object]) -> str:
    """SHA-256 of a signed record's content, kept in its audit entry to detect later edits."""
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def observation_digest(note: Observation) -> str:
    """The digest a note's audit entry carries: its text, category, author, session and time."""
    return record_digest(
        {
            "uid": note.uid,
            "session_id": note.session_id,
            "at": _when(note.at),
            "author_id": note.author_id,
            "category": str(note.category.value),
            "text": note.text,
            "amends_uid": note.amends_uid,
        }
    )


def discharge_digest(data: dict[str, Any], signed_by_id: int, signed_at: datetime) -> str:
    """The digest a signed discharge record's audit entry carries."""
    content = json.loads(json.dumps(data, sort_keys=True, default=str))
    return record_digest({"data": content, "signed_by": signed_by_id, "at": _when(signed_at)})


def _when(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _fields(seq: int, draft: AuditDraft) -> list[object]:
    return [
        seq,
        draft.uid,
        _when(draft.at),
        draft.actor_id,
        draft.action,
        draft.entity,
        draft.entity_id,
        draft.detail,
    ]


def _payload(parts: list[object]) -> bytes:
    return json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(seq: int, draft: AuditDraft, prev_hash: str) -> str:
    """The legacy, unkeyed SHA-256 over the entry's fields and the previous entry's hash."""
    return hashlib.sha256(_payload([*_fields(seq, draft), prev_hash])).hexdigest()


def entry_mac(key: bytes, seq: int, draft: AuditDraft, prev_hash: str) -> str:
    """HMAC-SHA256 under the clinic key over the entry's fields and the previous entry's hash."""
    return hmac.new(key, _payload(["chain", *_fields(seq, draft), prev_hash]), "sha256").hexdigest()


def entry_seal(key: bytes, seq: int, draft: AuditDraft) -> str:
    """HMAC-SHA256 over the entry's number and content alone (finds renumbered entries)."""
    return hmac.new(key, _payload(["seal", *_fields(seq, draft)]), "sha256").hexdigest()


def _seal_holds(key: bytes, seq: int, entry: AuditEntry) -> bool:
    return entry.seal is not None and hmac.compare_digest(
        entry_seal(key, seq, entry.draft()), entry.seal
    )


def _with_next(entries: Iterable[AuditEntry]) -> Iterator[tuple[AuditEntry, AuditEntry | None]]:
    iterator = iter(entries)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def _misplaced(key: bytes, entry: AuditEntry, anchor: Anchor | None) -> ChainBreak | None:
    """A keyed entry whose seal holds under another number: entries were removed or inserted."""
    top = max(entry.seq + _RENUMBER_SEARCH, anchor.seq if anchor else 0)
    for original in range(entry.seq + 1, top + 1):
        if _seal_holds(key, original, entry):
            n = original - entry.seq
            return ChainBreak(
                entry.id,
                entry.seq,
                f"removed: {n} entr{'y' if n == 1 else 'ies'} before it were deleted and the "
                f"rest renumbered (this entry was written as number {original})",
                BreakKind.REMOVED,
            )
    for original in range(entry.seq - 1, max(0, entry.seq - _RENUMBER_SEARCH - 1), -1):
        if _seal_holds(key, original, entry):
            n = entry.seq - original
            return ChainBreak(
                entry.id,
                entry.seq,
                f"inserted: {n} entr{'y' if n == 1 else 'ies'} were inserted before it and the "
                f"rest renumbered (this entry was written as number {original})",
                BreakKind.INSERTED,
            )
    return None


def _unsealed(
    key: bytes | None, entry: AuditEntry, following: AuditEntry | None, anchor: Anchor | None
) -> ChainBreak:
    """An entry no console with the key wrote as it stands: edited, inserted or forged."""
    if key is not None and entry.seal is not None:
        moved = _misplaced(key, entry, anchor)
        if moved is not None:
            return moved
    if key is not None and following is not None and _seal_holds(key, following.seq - 1, following):
        return ChainBreak(
            entry.id,
            entry.seq,
            "inserted: this entry was not written by Vigil, and the ones after it were renumbered",
            BreakKind.INSERTED,
        )
    if following is None and (anchor is None or entry.seq > anchor.seq):
        return ChainBreak(
            entry.id,
            entry.seq,
            "forged: an entry was appended without the audit key"
            + ("" if anchor else " (or the last entry was edited; no anchor to tell)"),
            BreakKind.FORGED,
        )
    return ChainBreak(
        entry.id,
        entry.seq,
        "edited: its content does not match its keyed MAC (the row was changed)",
        BreakKind.EDITED,
    )


def check_chain(
    entries: Iterable[AuditEntry], key: bytes | None, anchor: Anchor | None = None
) -> ChainReport:
    """Walk the chain in ``seq`` order and compare its head with the anchor kept outside it."""
    report = ChainReport(anchored=anchor.seq if anchor is not None else None)
    expected_seq, prev, keyed = 1, GENESIS, False
    at_anchor: AuditEntry | None = None
    for entry, following in _with_next(entries):
        report.checked += 1
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                missing = entry.seq - expected_seq
                report.broken = ChainBreak(
                    entry.id,
                    entry.seq,
                    f"removed: number {entry.seq}, expected {expected_seq}: {missing} "
                    f"entr{'y is' if missing == 1 else 'ies are'} missing before it",
                    BreakKind.REMOVED,
                )
            else:
                report.broken = ChainBreak(
                    entry.id,
                    entry.seq,
                    f"inserted: number {entry.seq}, expected {expected_seq}: out of order",
                    BreakKind.INSERTED,
                )
            return report
        if entry.seal is None:  # a legacy entry: only before the first keyed one
            after_key = keyed or (anchor is not None and entry.seq >= anchor.keyed_from)
            if after_key:
                report.broken = _unsealed(key, entry, following, anchor)
                return report
            if entry.prev_hash != prev:
                report.broken = ChainBreak(
                    entry.id,
                    entry.seq,
                    "edited: its link to the previous entry does not match "
                    "(an entry before it was removed or replaced)",
                )
                return report
            if entry_hash(entry.seq, entry.draft(), entry.prev_hash) != entry.hash:
                report.broken = ChainBreak(
                    entry.id,
                    entry.seq,
                    "edited: its content does not match its hash (the row was changed)",
                )
                return report
            report.legacy_until = entry.seq
        else:
            if key is None:
                report.broken = ChainBreak(
                    entry.id,
                    entry.seq,
                    "no key: the audit key file is missing, so keyed entries cannot be checked",
                    BreakKind.NO_KEY,
                )
                return report
            keyed = True
            if not _seal_holds(key, entry.seq, entry):
                report.broken = _unsealed(key, entry, following, anchor)
                return report
            if entry.prev_hash != prev or not hmac.compare_digest(
                entry_mac(key, entry.seq, entry.draft(), entry.prev_hash), entry.hash
            ):
                report.broken = ChainBreak(
                    entry.id,
                    entry.seq,
                    "relinked: its content holds but its link to the entry before was rewritten",
                    BreakKind.RELINKED,
                )
                return report
        if anchor is not None and entry.seq == anchor.seq:
            at_anchor = entry
        if '"digest":' in entry.detail:
            report.digests.append(entry)
        report.last_seq = entry.seq
        expected_seq, prev = entry.seq + 1, entry.hash
    report.broken = _anchor_break(report, anchor, at_anchor)
    return report


def _anchor_break(
    report: ChainReport, anchor: Anchor | None, at_anchor: AuditEntry | None
) -> ChainBreak | None:
    if anchor is None:
        return None
    if report.last_seq < anchor.seq:
        gone = anchor.seq - report.last_seq
        return ChainBreak(
            0,
            report.last_seq or None,
            f"truncated: the trail ends at number {report.last_seq}, but the anchor kept outside "
            f"the database records number {anchor.seq}: the last {gone} "
            f"entr{'y was' if gone == 1 else 'ies were'} removed",
            BreakKind.TRUNCATED,
        )
    if at_anchor is None or not hmac.compare_digest(at_anchor.hash, anchor.hash):
        return ChainBreak(
            at_anchor.id if at_anchor else 0,
            anchor.seq,
            f"anchor mismatch: entry number {anchor.seq} is not the one the anchor kept outside "
            "the database records (the trail was replaced)",
            BreakKind.ANCHOR_MISMATCH,
        )
    return None


def first_break(entries: Iterable[AuditEntry], key: bytes | None = None) -> ChainBreak | None:
    """The first entry that was changed, removed or inserted (no anchor check)."""
    return check_chain(entries, key).broken
