"""Schema versions: an older database upgrades in place; a newer one is refused untouched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

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


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An engine on an empty database, disposed of afterwards."""
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


_AT = "2026-03-08 06:30:00+00:00"
#: A staff member, a room, a patient and an open session, as an older schema holds them.
_ONE_SESSION = (
    "INSERT INTO staff (id, name, role) VALUES (1, 'Old Hand', 'nurse')",
    "INSERT INTO room (id, name) VALUES (1, 'Room 1')",
    "INSERT INTO patient (id, display_name, chart_id, date_of_birth, weight_kg, created_at)"
    f" VALUES (1, 'J. D.', 'MRN-1', '1986-04-12', 72.5, '{_AT}')",
    "INSERT INTO session (id, uid, patient_id, room_id, therapist_id, checked_in_at, state)"
    f" VALUES (1, 'u-1', 1, 1, 1, '{_AT}', 'monitoring')",
)


def test_the_beds_migration_keeps_sessions_and_devices_and_leaves_the_new_columns_empty(
    engine: Engine,
):
    command.upgrade(alembic_config(engine), "0005")
    with engine.begin() as connection:
        for statement in (
            *_ONE_SESSION,
            "INSERT INTO session_device (id, session_id, protocol, port, attached_at)"
            f" VALUES (1, 1, 'masimo', '/dev/ttyUSB0', '{_AT}')",
        ):
            connection.execute(text(statement))
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        session = connection.execute(text("SELECT uid, state, chair FROM session")).one()
        device = connection.execute(
            text(
                "SELECT session_id, port, attached_by_staff_id, detached_by_staff_id,"
                " detached_at FROM session_device"
            )
        ).one()
    assert tuple(session) == ("u-1", "monitoring", None)
    assert tuple(device) == (1, "/dev/ttyUSB0", None, None, None)
    with engine.begin() as connection:  # the new columns take values, the staff keys are checked
        connection.execute(text("UPDATE session SET chair = 5"))
        connection.execute(text("UPDATE session_device SET attached_by_staff_id = 1"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE session_device SET detached_by_staff_id = 42"))
    command.downgrade(alembic_config(engine), "0005")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT port FROM session_device")).scalar() == (
            "/dev/ttyUSB0"
        )
        assert "chair" not in {c["name"] for c in inspect(connection).get_columns("session")}


def test_the_table_models_agree_with_the_migrations(engine: Engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from console.store.models import Base

    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_sample_times_become_exact_microseconds_and_come_back(engine: Engine):
    from datetime import UTC, datetime, timedelta

    from console.store.vitals_repository import VitalsRepository

    _MICROSECOND = timedelta(microseconds=1)

    command.upgrade(alembic_config(engine), "0006")
    times = ["2026-03-08 06:31:02.123456", "2026-03-08 06:31:03.000000", "2026-03-08 06:31:03.5"]
    with engine.begin() as connection:
        for statement in (
            *_ONE_SESSION,
            *(
                "INSERT INTO vital_sample (session_id, source, device, parameter, value, unit,"
                f" host_time) VALUES (1, 'ivy', '/dev/pts/1', 'hr', {70 + n}, '/min', '{t}')"
                for n, t in enumerate(times)
            ),
        ):
            connection.execute(text(statement))
    upgrade_to_head(engine)
    expected = [
        datetime(2026, 3, 8, 6, 31, 2, 123456, tzinfo=UTC),
        datetime(2026, 3, 8, 6, 31, 3, tzinfo=UTC),
        datetime(2026, 3, 8, 6, 31, 3, 500000, tzinfo=UTC),
    ]
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT host_time FROM vital_sample ORDER BY id")).all()
        indexes = inspect(connection).get_indexes("vital_sample")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [row[0] for row in stored] == [(t - epoch) // _MICROSECOND for t in expected]
    assert [i["column_names"] for i in indexes] == [["session_id", "host_time"]]
    store = Store(engine)
    assert [p.at for p in VitalsRepository(store).history(1)] == expected
    command.downgrade(alembic_config(engine), "0006")
    with engine.connect() as connection:
        back = connection.execute(text("SELECT host_time FROM vital_sample ORDER BY id")).all()
    parsed = [v if isinstance(v, datetime) else datetime.fromisoformat(v) for (v,) in back]
    assert [p.replace(tzinfo=UTC) if p.tzinfo is None else p for p in parsed] == expected
