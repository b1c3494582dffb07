"""The Store: one engine, short ORM sessions, and database errors turned into StoreUnavailable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, literal, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from console.errors import StoreUnavailable
from console.store.engine import create_store_engine
from console.store.migrate import upgrade_to_head

#: a read on another thread fails at once while the writer has waited this long on the database
READ_GIVES_WAY_S = 0.2


_writer_thread = threading.local()


def mark_writer_thread() -> None:
    """The calling thread writes for the durable writer: its reads and writes never give way."""
    _writer_thread.marked = True


class StoreRefused(StoreUnavailable):
    """The database answered and refused this entry (a value it cannot hold, a broken link):
    retrying cannot help, so the writer sets the entry aside instead of waiting for it.
    """


def _unavailable(error: DBAPIError) -> bool:
    """True when the database could not take anything now (locked, full, gone), as opposed to
    refusing this one entry.
    """
    return isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated


def describe_failure(error: DBAPIError) -> str:
    """A sentence for the user about a failed database operation."""
    text = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    lowered = text.lower()
    if "full" in lowered:
        return (
            "The disk holding the database is full. Entries are kept and saved once space is "
            "freed: free disk space now."
        )
    if "locked" in lowered or "busy" in lowered:
        return (
            "The database is locked by another program. Entries are kept and saved when it frees."
        )
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        return "The database is read-only. Entries are kept and saved once it can be written."
    if isinstance(error, OperationalError):
        return (
            f"The database is not answering ({text}). Entries are kept and saved when it returns."
        )
    return f"The database refused a write ({text}). Entries are kept; tell the clinic's IT."


def already_stored(tx: Session, uid_column: InstrumentedAttribute[str], uid: str) -> bool:
    """True when an entry with this uid is stored: every entry is written once, however often
    it is saved (a spool replay, a retry after a lock).
    """
    return tx.scalar(select(literal(1)).where(uid_column == uid).limit(1)) is not None


class Store:
    """Owns the engine; repositories borrow short transactions from it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # set by the durable writer's database thread: since when it waits on the database
        self.writer_waiting_since: float | None = None

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, check: bool = False) -> Store:
        """Open ``url`` and bring its schema up to date (raises StoreVersionError for a newer one).

        A SQLite file of 0 bytes is refused (it would otherwise become an empty clinic); with
        ``check``, a SQLite file is checked for damage first (``PRAGMA quick_check``).
        """
        path = sqlite_file(url)
        if path is not None:
            refuse_empty_file(path)
        engine = create_store_engine(url)
        try:
            if path is not None and check:
                quick_check(engine, path)
            if migrate:
                upgrade_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _give_way(self) -> None:
        """On any thread but the writer's: fail at once while the writer is stuck on the database
        (locked, or a server that stopped answering), so the screen never waits on it.
        """
        since = self.writer_waiting_since
        if since is None or getattr(_writer_thread, "marked", False):
            return
        if time.monotonic() - since > READ_GIVES_WAY_S:
            raise StoreUnavailable(
                "The database is not answering in time. Entries are kept and saved when it does."
            )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A short unit of work, committed on success; database failures become StoreUnavailable
        (StoreRefused when the database answered and refused what was asked).
        """
        self._give_way()
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            session.rollback()
            if _unavailable(error):
                raise StoreUnavailable(describe_failure(error)) from error
            raise StoreRefused(describe_failure(error)) from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    return Path(database).expanduser()


def refuse_empty_file(path: Path) -> None:
    """A database file of 0 bytes is a damaged or truncated clinic, never a new one."""
    if path.exists() and path.stat().st_size == 0:
        raise StoreUnavailable(
            f"The database file {path} is empty (0 bytes): it was cut short or damaged. Vigil "
            "did not open it, so that it does not start an empty clinic in its place. Restore "
            "it from a backup, or move it away to start a new clinic."
        )


def quick_check(engine: Engine, path: Path) -> None:
    """Refuse a damaged SQLite file, naming it (``PRAGMA quick_check``)."""
    if not path.exists():
        return
    try:
        with engine.connect() as connection:
            rows = [str(r[0]) for r in connection.execute(text("PRAGMA quick_check")).fetchall()]
    except DBAPIError as error:
        if _unavailable(error) and "not a database" not in str(error.orig):
            raise StoreUnavailable(describe_failure(error)) from error
        rows = [str(error.orig).strip().splitlines()[0] if error.orig else str(error)]
    if rows != ["ok"]:
        raise StoreUnavailable(
            f"The database file {path} is damaged ({'; '.join(rows[:3])}). Vigil did not open "
            "it. Restore it from a backup; keep the damaged file for the clinic's IT."
        )
