"""Applies Alembic migrations at start-up; refuses a database written by a newer Vigil."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from console.errors import StoreUnavailable, StoreVersionError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest schema revision this version of Vigil knows."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to this version's schema, in place; refuse one from a newer version."""
    try:
        current = current_revision(engine)
        scripts = ScriptDirectory(str(MIGRATIONS))
        if current is not None:
            try:
                known = scripts.get_revision(current)
            except CommandError:
                known = None
            if known is None:
                raise StoreVersionError(
                    f"This database was written by a newer version of Vigil (schema {current}); "
                    f"this version knows schemas up to {head_revision()}. It has not been "
                    "changed. Update Vigil, or open another database with --db."
                )
        command.upgrade(alembic_config(engine), "head")
    except DBAPIError as error:
        raise StoreUnavailable(
            f"The database could not be prepared: {error.orig}. Nothing was changed."
        ) from error
