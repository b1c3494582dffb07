"""Schema versions: an older database upgrades in place; a newer one is refused untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from console.errors import StoreVersionError
from console.store.database import Store
from console.store.engine import create_store_engine
from console.store.migrate import alembic_config, current_revision, head_revision, upgrade_to_head


def test_an_older_database_upgrades_in_place_keeping_its_rows(store_url: str):
    engine = create_store_engine(store_url)
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO staff (name, role) VALUES ('Old Hand', 'nurse')"))
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        row = connection.execute(text("SELECT name, active FROM staff")).one()
    assert row.name == "Old Hand" and bool(row.active) is True
    engine.dispose()


def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path):
    path = tmp_path / "newer.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(StoreVersionError, match=r"newer version of Vigil \(schema 9999\)"):
        Store.open(f"sqlite:///{path}")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_store: Store):
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_the_schema_head_constant_matches_the_migration_scripts():
    from console.store.migrate import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD
