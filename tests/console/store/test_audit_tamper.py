"""Every tamper a database writer can do to the audit trail is named by `vigil audit verify`.

Each case tampers with a copy of a real SQLite database (and, where the append-only trigger
applies, with PostgreSQL after the table's owner switched the trigger off), then checks that
the verifier names the kind of tamper and exits with EXIT_BROKEN.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from console.cli_audit import EXIT_BROKEN, verify
from console.domain.audit import GENESIS, AuditDraft, entry_hash
from console.store.audit_repository import AuditRepository
from console.store.database import Store

ENTRIES = 12


def fill(audit: AuditRepository, clock, n: int = ENTRIES) -> None:
    for i in range(n):
        audit.append(
            at=clock.now() + timedelta(seconds=i),
            actor_id=None,
            action="create",
            entity="observation-test",
            entity_id=f"note-{i}",
            detail={"text": f"note {i}"},
        )


@pytest.fixture
def trail(store_url: str, tmp_path: Path, clock) -> Iterator[Store]:
    """A trail of ENTRIES entries; on SQLite the store is a copy of the clinic's database."""
    original = Store.open(store_url)
    fill(AuditRepository(original), clock)
    if original.engine.dialect.name != "sqlite":
        yield original
        original.close()
        return
    original.close()
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(tmp_path / "vigil.sqlite3", copy)
    store = Store.open(f"sqlite:///{copy}")
    yield store
    store.close()


def tamper(store: Store, change: Callable[[Connection], None]) -> None:
    """Run ``change`` as the database's owner would, the PostgreSQL trigger switched off."""
    postgres = store.engine.dialect.name == "postgresql"
    with store.engine.begin() as connection:
        if postgres:
            connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        change(connection)
        if postgres:
            connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))


def rows(connection: Connection) -> list[dict[str, object]]:
    result = connection.execute(text("SELECT * FROM audit_event ORDER BY seq"))
    return [dict(row._mapping) for row in result]


def rehash_from(connection: Connection, first: int) -> None:
    """What a writer without the key can do: recompute every plain hash from ``first`` on."""
    prev = GENESIS
    for row in rows(connection):
        seq = int(str(row["seq"]))
        if seq >= first:
            at = row["at"]
            draft = AuditDraft(
                str(row["uid"]),
                at if getattr(at, "tzinfo", None) else _aware(at),
                row["actor_id"],  # type: ignore[arg-type]
                str(row["action"]),
                str(row["entity"]),
                str(row["entity_id"]),
                str(row["detail"]),
            )
            new = entry_hash(seq, draft, prev)
            connection.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": new, "id": row["id"]},
            )
            prev = new
        else:
            prev = str(row["hash"])


def _aware(at: object):
    from datetime import UTC, datetime

    value = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    return value.replace(tzinfo=UTC)


def renumber(connection: Connection, after: int, by: int) -> None:
    """Shift every entry numbered above ``after`` by ``by`` (one at a time: seq is unique)."""
    order = "DESC" if by > 0 else "ASC"
    ids = connection.execute(
        text(f"SELECT id FROM audit_event WHERE seq > :after ORDER BY seq {order}"),
        {"after": after},
    ).scalars()
    for row_id in list(ids):
        connection.execute(
            text("UPDATE audit_event SET seq = seq + :by WHERE id = :id"), {"by": by, "id": row_id}
        )


def insert_forged(connection: Connection, seq: int, clock) -> None:
    at = clock.now().replace(tzinfo=None) if connection.dialect.name == "sqlite" else clock.now()
    connection.execute(
        text(
            "INSERT INTO audit_event (uid, seq, at, action, entity, entity_id, detail, prev_hash,"
            " hash) VALUES (:uid, :seq, :at, 'login', 'account', 'mallory', '{}', '', '')"
        ),
        {"uid": f"forged-{seq}", "seq": seq, "at": at},
    )


def verdict(store: Store) -> str:
    code, message = verify(store)
    assert code == EXIT_BROKEN, message
    return message


def test_an_untouched_trail_is_intact_and_keyed(trail):
    code, message = verify(trail)
    assert code == 0, message
    assert f"{ENTRIES} entries checked" in message and "keyed" in message


def test_editing_an_entry_is_named(trail):
    tamper(trail, lambda c: c.execute(text("UPDATE audit_event SET detail = '{}' WHERE seq = 4")))
    assert "number 4" in (message := verdict(trail)) and "edited" in message


def test_deleting_an_entry_in_the_middle_is_named(trail):
    tamper(trail, lambda c: c.execute(text("DELETE FROM audit_event WHERE seq = 6")))
    message = verdict(trail)
    assert "removed" in message and "number 7" in message


def test_an_entry_inserted_outside_the_chain_is_named(trail, clock):
    def change(connection: Connection) -> None:
        insert_forged(connection, 0, clock)
        connection.execute(text("UPDATE audit_event SET seq = NULL WHERE seq = 0"))

    tamper(trail, change)
    assert "inserted" in verdict(trail)


@pytest.mark.parametrize("gone", [1, 5])
def test_deleting_the_last_entries_is_named_truncated(trail, gone):
    tamper(
        trail,
        lambda c: c.execute(
            text("DELETE FROM audit_event WHERE seq > :keep"), {"keep": ENTRIES - gone}
        ),
    )
    message = verdict(trail)
    assert "truncated" in message and f"the last {gone} entr" in message


def test_editing_an_entry_and_rehashing_the_rest_is_named(trail):
    def change(connection: Connection) -> None:
        connection.execute(text("UPDATE audit_event SET detail = '{}' WHERE seq = 5"))
        rehash_from(connection, 5)

    tamper(trail, change)
    message = verdict(trail)
    assert "edited" in message and "number 5" in message


def test_downgrading_the_whole_trail_to_plain_hashes_is_named(trail):
    def change(connection: Connection) -> None:
        connection.execute(text("UPDATE audit_event SET detail = '{}', seal = NULL WHERE seq = 5"))
        connection.execute(text("UPDATE audit_event SET seal = NULL"))
        rehash_from(connection, 1)

    tamper(trail, change)
    assert "number 1" in (message := verdict(trail)) and "edited" in message


def test_deleting_in_the_middle_renumbering_and_rehashing_is_named(trail):
    def change(connection: Connection) -> None:
        connection.execute(text("DELETE FROM audit_event WHERE seq IN (6, 7)"))
        renumber(connection, 7, -2)
        rehash_from(connection, 6)

    tamper(trail, change)
    message = verdict(trail)
    assert "removed: 2 entries before it" in message and "written as number 8" in message


def test_inserting_in_the_middle_renumbering_and_rehashing_is_named(trail, clock):
    def change(connection: Connection) -> None:
        renumber(connection, 5, 1)
        insert_forged(connection, 6, clock)
        rehash_from(connection, 6)

    tamper(trail, change)
    message = verdict(trail)
    assert "inserted" in message and "number 6" in message


def test_appending_a_forged_entry_with_a_valid_hash_is_named(trail, clock):
    def change(connection: Connection) -> None:
        insert_forged(connection, ENTRIES + 1, clock)
        rehash_from(connection, ENTRIES + 1)

    tamper(trail, change)
    message = verdict(trail)
    assert "forged" in message and f"number {ENTRIES + 1}" in message


def test_a_replaced_head_is_named_an_anchor_mismatch(trail, clock):
    """The head rewritten by a console holding the key (a restored, then continued backup)."""
    audit = AuditRepository(trail)
    tamper(
        trail, lambda c: c.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": ENTRIES})
    )
    fill(audit, clock, 1)  # the same number, other content: a valid MAC, but not the anchored one
    message = verdict(trail)
    assert "anchor mismatch" in message


def test_a_keyless_verifier_says_so(trail, monkeypatch, tmp_path):
    monkeypatch.setenv("VIGIL_AUDIT_KEY", str(tmp_path / "elsewhere" / "audit.key"))
    message = verdict(trail)
    assert "no key" in message


@pytest.mark.postgres
def test_postgres_refuses_update_delete_and_truncate_of_the_trail(postgres_url, clock):
    store = Store.open(postgres_url)
    try:
        fill(AuditRepository(store), clock, 3)
        for statement in (
            "UPDATE audit_event SET detail = '{}' WHERE seq = 2",
            "DELETE FROM audit_event WHERE seq = 3",
            "TRUNCATE audit_event",
        ):
            with (
                pytest.raises(DBAPIError, match="append-only"),
                store.engine.begin() as connection,
            ):
                connection.execute(text(statement))
        assert verify(store)[0] == 0
    finally:
        store.close()


def test_editing_a_notes_text_in_the_database_is_named(qtbot, sqlite_clinic, clock, tmp_path):
    """A note's audit entry carries its digest: changing the stored text breaks verification."""
    from console.domain.sessions import ObservationCategory
    from console.services.sessions import SessionService
    from console.store.spool import Spool
    from console.store.writer import DurableWriter

    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    service = SessionService(clock, c.people, c.sessions, c.access(writer), writer)
    service.open(service.check_in(c.patient.id, c.room.id, c.therapist.id, c.nurse.id).id)
    note = service.add_note(ObservationCategory.AFFECT, "calm, oriented", c.therapist.id)
    writer.flush()
    assert verify(c.store)[0] == 0
    with c.store.engine.begin() as connection:
        connection.execute(
            text("UPDATE observation SET text = 'agitated' WHERE uid = :u"), {"u": note.uid}
        )
    message = verdict(c.store)
    assert "record edited" in message and note.uid in message
    service.deleteLater()


def test_the_key_and_the_anchor_are_made_private_at_first_use(sqlite_store, clock, tmp_path):
    import stat

    from console.store.audit_key import AuditKey

    key = AuditKey(tmp_path / "config" / "audit.key")
    assert key.load() is None
    fill(AuditRepository(sqlite_store, key), clock, 2)
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.anchor_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.path.parent.stat().st_mode) == 0o700
    anchor = key.anchor(None, sqlite_store.url)
    assert anchor is not None and (anchor.seq, anchor.keyed_from) == (2, 1)
    assert key.load() == AuditKey(key.path).load()  # the same key read again, not a new one


def test_a_console_with_another_key_never_extends_the_trail(sqlite_store, clock, tmp_path):
    """A console given the wrong key (or none: it would make one) cannot append: kept for later."""
    from console.store.audit_key import AuditKey, AuditKeyError

    fill(AuditRepository(sqlite_store), clock, 2)
    stranger = AuditRepository(sqlite_store, AuditKey(tmp_path / "other" / "audit.key"))
    with pytest.raises(AuditKeyError, match="not the one this database's audit trail"):
        fill(stranger, clock, 1)
    assert verify(sqlite_store)[0] == 0
    assert AuditRepository(sqlite_store).count() == 2


def test_editing_a_signed_discharge_record_is_named(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    from tests.console.services.test_discharge_service import build

    for rig in build(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
        rig.to_recovery()
        rig.make_fit()
        rig.service.discharge(rig.nurse, "1234")
        rig.vitals.flush()
        assert verify(sqlite_store)[0] == 0, verify(sqlite_store)[1]
        with sqlite_store.engine.begin() as connection:
            connection.execute(
                text("UPDATE discharge_record SET data = replace(data, 'Sam Rivera', 'Nobody')")
            )
        message = verdict(sqlite_store)
        assert "record edited" in message and "signed discharge record of session" in message
