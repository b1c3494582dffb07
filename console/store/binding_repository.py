"""Monitors bound to patients: which port feeds which session, bound and released by whom."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, text

from console.domain.lifecycle import SessionState
from console.domain.room import DeviceBinding
from console.errors import IllegalTransition
from console.store.database import Store
from console.store.models import SessionDeviceRow, SessionRow

_BIND_LOCK = 0x5617_B1D0  # PostgreSQL advisory lock: one console binds a port at a time


def _binding(row: SessionDeviceRow) -> DeviceBinding:
    return DeviceBinding(
        id=row.id,
        session_id=row.session_id,
        protocol=row.protocol,
        port=row.port,
        bound_at=row.attached_at,
        bound_by=row.attached_by_staff_id,
        released_at=row.detached_at,
        released_by=row.detached_by_staff_id,
    )


class BindingRepository:
    """The ``session_device`` table: a port has at most one open (unreleased) binding."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def bind(
        self, session_id: int, protocol: str, port: str, at: datetime, by_staff_id: int | None
    ) -> DeviceBinding:
        """Bind the monitor on ``port`` to an open session.

        Raises IllegalTransition when the session is unknown or closed, or when the port is
        still bound (to this or another session): rebinding is a release, then a bind.
        """
        with self._store.transaction() as tx:
            if self._store.engine.dialect.name == "postgresql":
                tx.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _BIND_LOCK})
            session = tx.get(SessionRow, session_id, with_for_update=True)
            if session is None:
                raise IllegalTransition(f"There is no session {session_id} to bind {port} to.")
            if not SessionState(session.state).is_open:
                raise IllegalTransition(
                    f"The session is {SessionState(session.state).label.lower()} and closed: "
                    f"the monitor on {port} cannot be bound to it."
                )
            holder = tx.scalar(
                select(SessionDeviceRow.session_id)
                .where(SessionDeviceRow.port == port, SessionDeviceRow.detached_at.is_(None))
                .limit(1)
            )
            if holder is not None:
                whose = "this session" if holder == session_id else f"session {holder}"
                raise IllegalTransition(
                    f"The monitor on {port} is already bound to {whose}; release it first."
                )
            row = SessionDeviceRow(
                session_id=session_id,
                protocol=protocol,
                port=port,
                attached_at=at,
                attached_by_staff_id=by_staff_id,
            )
            tx.add(row)
            tx.flush()
            return _binding(row)

    def release(self, binding_id: int, at: datetime, by_staff_id: int | None) -> None:
        """Release one binding; releasing it again keeps the first release (who and when)."""
        with self._store.transaction() as tx:
            row = tx.get(SessionDeviceRow, binding_id, with_for_update=True)
            if row is None:
                raise IllegalTransition(f"There is no monitor binding {binding_id} to release.")
            if row.detached_at is None:
                row.detached_at = at
                row.detached_by_staff_id = by_staff_id

    def release_session(
        self, session_id: int, at: datetime, by_staff_id: int | None
    ) -> list[DeviceBinding]:
        """Release every open binding of a session (discharge, abort); returns them, released."""
        with self._store.transaction() as tx:
            rows = list(
                tx.scalars(
                    select(SessionDeviceRow)
                    .where(
                        SessionDeviceRow.session_id == session_id,
                        SessionDeviceRow.detached_at.is_(None),
                    )
                    .order_by(SessionDeviceRow.id)
                    .with_for_update()
                )
            )
            for row in rows:
                row.detached_at = at
                row.detached_by_staff_id = by_staff_id
            tx.flush()
            return [_binding(row) for row in rows]

    def open_bindings(self, session_ids: Collection[int] | None = None) -> list[DeviceBinding]:
        """Bindings not yet released, by id; only these sessions' when ``session_ids`` is given
        (an empty collection: none).
        """
        if session_ids is not None and not session_ids:
            return []
        query = select(SessionDeviceRow).where(SessionDeviceRow.detached_at.is_(None))
        if session_ids is not None:
            query = query.where(SessionDeviceRow.session_id.in_(list(session_ids)))
        with self._store.transaction() as tx:
            return [_binding(row) for row in tx.scalars(query.order_by(SessionDeviceRow.id))]

    def history(self, session_id: int) -> list[DeviceBinding]:
        """Every binding of a session, open and released, in the order they were made."""
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(SessionDeviceRow)
                .where(SessionDeviceRow.session_id == session_id)
                .order_by(SessionDeviceRow.id)
            )
            return [_binding(row) for row in rows]
