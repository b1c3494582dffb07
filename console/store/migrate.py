"""Applies Alembic migrations at start-up; refuses a database written by a newer Vigil.

Alembic itself is imported only when the schema must change: a database already at this version's
head is recognised from its ``alembic_version`` row, which keeps start-up fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from console.errors import StoreUnavailable, StoreVersionError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SCHEMA_HEAD = "0012"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest schema revision this version of Vigil knows, read from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    try:
        return ScriptDirectory(str(MIGRATIONS)).get_revision(revision) is not None
    except CommandError:
        return False


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to this version's schema, in place; refuse one from a newer version."""
    try:
        current = current_revision(engine)
        if current == SCHEMA_HEAD:
            return
        if current is not None and not _known(current):
            raise StoreVersionError(
                f"This database was written by a newer version of Vigil (schema {current}); "
                f"this version knows schemas up to {SCHEMA_HEAD}. It has not been "
                "changed. Update Vigil, or open another database with --db."
            )
        from alembic import command

        command.upgrade(alembic_config(engine), "head")
    except DBAPIError as error:
        raise StoreUnavailable(
            f"The database could not be prepared: {error.orig}. Nothing was changed."
        ) from error
