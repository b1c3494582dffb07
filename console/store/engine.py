"""Opens the database: SQLite in WAL mode with foreign keys and a busy timeout, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from console.store.files import private_dir, private_file

SQLITE_BUSY_TIMEOUT_MS = 1500  # a locked database fails fast enough to keep the screen responsive


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed entry survives a kill and a power cut; entries are small and few
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings each backend needs; creates a SQLite file's folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            private_dir(path.parent, tighten=False)
            for own in (
                path,
                path.with_name(path.name + "-wal"),
                path.with_name(path.name + "-shm"),
            ):
                if own == path or own.exists():
                    private_file(own)  # SQLite gives its WAL and SHM the database file's mode
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 3
        # a server that vanishes (powered off, cable out) fails a connection in seconds
        connect_args.update(
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=2,
            tcp_user_timeout=5000,
        )
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
