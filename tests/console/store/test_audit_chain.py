"""The audit trail's hash chain on SQLite and PostgreSQL: append, verify, and every kind of tamper."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from console.domain.audit import GENESIS, BreakKind, entry_hash
from console.store.audit_repository import AuditQuery, AuditRepository, new_draft


def fill(audit: AuditRepository, clock, n: int) -> None:
    for i in range(n):
        audit.append(
            at=clock.now() + timedelta(seconds=i),
            actor_id=None,
            action="create",
            entity="observation",
            entity_id=f"note-{i}",
            detail={"text": f"note {i}", "ünïcode": "ø"},
        )


def test_entries_link_to_the_one_before_and_verify(store, clock):
    audit = AuditRepository(store)
    assert audit.verify() == (0, None)
    fill(audit, clock, 5)
    entries = list(audit.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert audit.verify() == (5, None)


def test_an_entry_is_written_once_however_often_it_is_saved(store, clock):
    audit = AuditRepository(store)
    draft = new_draft(at=clock.now(), actor_id=None, action="login", entity="staff", entity_id="1")
    audit.add(draft)
    audit.add(draft)  # a spool replay after a lost acknowledgement
    assert audit.count() == 1


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE audit_event SET detail = '{\"text\":\"changed\"}' WHERE seq = 3", "edited"),
        ("UPDATE audit_event SET at = at WHERE seq = 3; "
         "UPDATE audit_event SET actor_id = NULL, action = 'logout' WHERE seq = 3", "edited"),
        ("DELETE FROM audit_event WHERE seq = 3", "missing"),
    ],
    ids=["detail edited", "action edited", "row deleted"],
)  # fmt: skip
def test_a_row_changed_in_the_database_is_named(store, clock, statement, reason):
    audit = AuditRepository(store)
    fill(audit, clock, 5)
    third = next(e for e in audit.entries() if e.seq == 3)
    fourth = next(e for e in audit.entries() if e.seq == 4)
    with store.engine.begin() as connection:
        owner_without_trigger(connection)
        for part in statement.split("; "):
            connection.execute(text(part))
    _checked, broken = audit.verify()
    assert broken is not None
    expected = fourth if "DELETE" in statement else third
    assert (broken.id, broken.seq) == (expected.id, expected.seq)
    assert reason in broken.reason


def owner_without_trigger(connection) -> None:
    """Tamper as the table's owner could: switch PostgreSQL's append-only trigger off."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))


def test_a_rehashed_forgery_is_named_edited(store, clock):
    """Recomputing the changed row's plain hash does not help: its keyed seal no longer holds."""
    from console.domain.audit import AuditDraft

    audit = AuditRepository(store)
    fill(audit, clock, 4)
    two = next(e for e in audit.entries() if e.seq == 2)
    forged = AuditDraft(two.uid, two.at, two.actor_id, "logout", two.entity, two.entity_id, "{}")
    with store.engine.begin() as connection:
        owner_without_trigger(connection)
        connection.execute(
            text(
                "UPDATE audit_event SET action = 'logout', detail = '{}', hash = :h WHERE seq = 2"
            ),
            {"h": entry_hash(2, forged, two.prev_hash)},
        )
    _, broken = audit.verify()
    assert broken is not None and broken.seq == 2
    assert broken.kind is BreakKind.EDITED and "keyed MAC" in broken.reason


def test_a_legacy_chain_verifies_up_to_its_end_then_keyed(store, clock):
    """Entries written before the key (plain SHA-256) stay checkable; new ones are keyed."""
    from console.cli_audit import verify

    prev = GENESIS
    with store.engine.begin() as connection:
        for seq in (1, 2, 3):
            draft = new_draft(
                at=clock.now(), actor_id=None, action="login", entity="staff", entity_id=str(seq)
            )
            digest = entry_hash(seq, draft, prev)
            connection.execute(
                text(
                    "INSERT INTO audit_event (uid, seq, at, action, entity, entity_id, detail,"
                    " prev_hash, hash) VALUES (:uid, :seq, :at, 'login', 'staff', :e, '{}', :p, :h)"
                ),
                {
                    "uid": draft.uid,
                    "seq": seq,
                    "at": clock.now()
                    if store.engine.dialect.name != "sqlite"
                    else clock.now().replace(tzinfo=None),
                    "e": str(seq),
                    "p": prev,
                    "h": digest,
                },
            )
            prev = digest
    audit = AuditRepository(store)
    assert "all 3 in the legacy (unkeyed) segment" in verify(store)[1]
    fill(audit, clock, 2)
    code, message = verify(store)
    assert code == 0, message
    assert "legacy segment up to number 3, keyed from number 4" in message
    assert [e.seal is None for e in audit.entries()] == [True, True, True, False, False]
    with store.engine.begin() as connection:  # a legacy entry edited after the keyed ones began
        owner_without_trigger(connection)
        connection.execute(text("UPDATE audit_event SET entity_id = 'x' WHERE seq = 2"))
    assert "number 2" in verify(store)[1]


def test_an_inserted_row_outside_the_chain_is_named(store, clock):
    audit = AuditRepository(store)
    fill(audit, clock, 2)
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_event (uid, at, action, entity, entity_id, detail, prev_hash, hash)"
                " VALUES ('x', :at, 'login', 'staff', '1', '{}', '', '')"
            ),
            {"at": clock.now().replace(tzinfo=None)},
        )
    _, broken = audit.verify()
    assert broken is not None and broken.seq is None and "inserted" in broken.reason


def test_two_writers_at_once_never_fork_the_chain(store, clock):
    """Two consoles on one clinic database: every entry gets its own place, the chain holds."""
    audits = [AuditRepository(store), AuditRepository(store)]
    errors: list[BaseException] = []

    def write(audit: AuditRepository, who: int) -> None:
        try:
            for i in range(15):
                audit.append(
                    at=clock.now(),
                    actor_id=None,
                    action="create",
                    entity="t",
                    entity_id=f"{who}-{i}",
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(a, n)) for n, a in enumerate(audits)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert audits[0].verify() == (30, None)


def test_the_viewer_filters_newest_first(store, clock):
    audit = AuditRepository(store)
    fill(audit, clock, 3)
    audit.append(at=clock.now(), actor_id=None, action="login", entity="staff", entity_id="7")
    assert [e.action for e in audit.search(AuditQuery())] == ["login", "create", "create", "create"]
    assert [e.entity_id for e in audit.search(AuditQuery(action="create", text="note 1"))] == [
        "note-1"
    ]
    assert (
        audit.search(AuditQuery(since=clock.now() + timedelta(seconds=2), action="create"))[
            0
        ].entity_id
        == "note-2"
    )
