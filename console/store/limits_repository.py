"""A patient's own alarm limits for one session: each change stored whole, replayed in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select

from console.domain.alarms import Bound
from console.domain.vitals import Parameter
from console.store.database import Store
from console.store.models import SessionAlarmLimitRow

#: One change as it was applied: (parameter, bound) → the new value (None = off), in its order.
StoredChange = dict[tuple[Parameter, Bound], float | None]


@dataclass(frozen=True, slots=True)
class SessionLimit:
    """One limit of a change: the new value (None = off) and the one it replaced."""

    parameter: Parameter
    bound: Bound
    value: float | None
    old_value: float | None


class SessionLimitsRepository:
    """Changes of a session's own limits; the rows of one change go in together or not at all."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_change(
        self,
        change_uid: str,
        session_id: int,
        limits: Sequence[SessionLimit],
        *,
        by_staff_id: int,
        at: datetime,
    ) -> bool:
        """Store one change (False, storing nothing, when a change with this uid is stored)."""
        with self._store.transaction() as tx:
            held = tx.scalar(
                select(literal(1)).where(SessionAlarmLimitRow.change_uid == change_uid).limit(1)
            )
            if held is not None:
                return False
            tx.add_all(
                SessionAlarmLimitRow(
                    change_uid=change_uid,
                    session_id=session_id,
                    parameter=limit.parameter.value,
                    bound=limit.bound.value,
                    value=limit.value,
                    old_value=limit.old_value,
                    changed_by_id=by_staff_id,
                    changed_at=at,
                )
                for limit in limits
            )
        return True

    def changes(self, session_id: int) -> list[StoredChange]:
        """The session's changes, oldest first, each as it was applied (apply them in turn)."""
        found: dict[str, StoredChange] = {}
        with self._store.transaction() as tx:
            rows = tx.execute(
                select(
                    SessionAlarmLimitRow.change_uid,
                    SessionAlarmLimitRow.parameter,
                    SessionAlarmLimitRow.bound,
                    SessionAlarmLimitRow.value,
                )
                .where(SessionAlarmLimitRow.session_id == session_id)
                .order_by(SessionAlarmLimitRow.id)
            ).all()
        for uid, parameter, bound, value in rows:
            found.setdefault(uid, {})[(Parameter(parameter), Bound(bound))] = value
        return list(found.values())
