"""The Store: one engine, short ORM sessions, and database errors turned into StoreUnavailable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, literal, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from console.errors import StoreUnavailable
from console.store.engine import create_store_engine
from console.store.migrate import upgrade_to_head


def describe_failure(error: DBAPIError) -> str:
    """A sentence for the user about a failed database operation."""
    text = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    lowered = text.lower()
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

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open ``url`` and bring its schema up to date (raises StoreVersionError for a newer one)."""
        engine = create_store_engine(url)
        if migrate:
            upgrade_to_head(engine)
        return cls(engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A short unit of work, committed on success; database failures become StoreUnavailable."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            session.rollback()
            raise StoreUnavailable(describe_failure(error)) from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
