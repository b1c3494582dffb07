"""The store-and-forward queue: messages queued inside the data's own transaction, sent in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from console.domain.doses_record import DoseRecord
from console.domain.vitals import Parameter, VitalPoint
from console.outbound.config import OutboundConfig
from console.outbound.messages import (
    MANUAL,
    NIBP,
    Endpoints,
    Subject,
    dose_message,
    new_control_id,
    vitals_message,
)
from console.store.database import Store
from console.store.models import PatientRow, SessionRow
from console.store.outbound_models import OutboundConfigRow, OutboundMarkRow, OutboundMessageRow
from console.store.types import to_micros

QUEUED, SENT, STOPPED, SKIPPED = "queued", "sent", "stopped", "skipped"
_MINUTE_US = 60_000_000


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A message waiting at the head of the queue (or stopped there by an AE/AR)."""

    id: int
    control_id: str
    session_id: int | None
    kind: str
    payload: str
    state: str
    created_at: datetime
    attempts: int
    error: str


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """How many wait, since when, and the message an AE/AR stopped (if any)."""

    queued: int
    oldest_unsent: datetime | None
    stopped: QueuedMessage | None


def _config(row: OutboundConfigRow | None) -> OutboundConfig:
    if row is None:
        return OutboundConfig()
    return OutboundConfig(
        enabled=row.enabled,
        host=row.host,
        port=row.port,
        sending_application=row.sending_application,
        sending_facility=row.sending_facility,
        receiving_application=row.receiving_application,
        receiving_facility=row.receiving_facility,
    )


def _ends(config: OutboundConfig) -> Endpoints:
    return Endpoints(
        config.sending_application,
        config.sending_facility,
        config.receiving_application,
        config.receiving_facility,
    )


def _subject(tx: Session, session_id: int) -> Subject | None:
    row = tx.execute(
        select(PatientRow.chart_id, SessionRow.uid)
        .join(SessionRow, SessionRow.patient_id == PatientRow.id)
        .where(SessionRow.id == session_id)
    ).first()
    return None if row is None else Subject(row[0], row[1])


def _always_sent(point: VitalPoint) -> bool:
    """Every cuff measurement and every value entered by hand leaves; device values are thinned."""
    return point.source == MANUAL or point.parameter in NIBP or point.measurement_key is not None


def select_points(
    points: Sequence[VitalPoint], marks: dict[Parameter, int]
) -> tuple[list[VitalPoint], dict[Parameter, int]]:
    """The points to send and the new marks: a device value of a parameter at most once per
    clock minute (the first of a minute later than the last one sent); cuff and manual always.
    """
    chosen: list[VitalPoint] = []
    changed: dict[Parameter, int] = {}
    for point in points:
        if _always_sent(point):
            chosen.append(point)
            continue
        minute = to_micros(point.at) // _MINUTE_US
        last = changed.get(point.parameter, marks.get(point.parameter, -1))
        if minute > last:
            chosen.append(point)
            changed[point.parameter] = minute
    return chosen, changed


class OutboundQueue:
    """Queue rows in the caller's transaction; read and settle them from the sender's own store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ---- inside another repository's transaction ---------------------------------------
    @staticmethod
    def enqueue_vitals(tx: Session, session_id: int, points: Sequence[VitalPoint]) -> int:
        """Queue what of ``points`` leaves (one message per minute of data); returns how many
        messages were queued. Nothing when the interface is off.
        """
        row = tx.get(OutboundConfigRow, 1)
        if row is None or not row.enabled or not points:
            return 0
        marks = {
            Parameter(p): m
            for p, m in tx.execute(
                select(OutboundMarkRow.parameter, OutboundMarkRow.minute).where(
                    OutboundMarkRow.session_id == session_id
                )
            )
        }
        chosen, changed = select_points(points, marks)
        if not chosen:
            return 0
        subject = _subject(tx, session_id)
        if subject is None:
            return 0
        for parameter, minute in changed.items():
            tx.merge(
                OutboundMarkRow(session_id=session_id, parameter=parameter.value, minute=minute)
            )
        by_minute: dict[int, list[VitalPoint]] = {}
        for point in chosen:
            by_minute.setdefault(to_micros(point.at) // _MINUTE_US, []).append(point)
        ends = _ends(_config(row))
        for group in by_minute.values():
            at = max(p.at for p in group)
            control = new_control_id()
            tx.add(
                OutboundMessageRow(
                    control_id=control,
                    session_id=session_id,
                    kind="vitals",
                    payload=vitals_message(ends, subject, group, control, at),
                    state=QUEUED,
                    created_at=at,
                    attempts=0,
                    ack_code="",
                    error="",
                )
            )
        return len(by_minute)

    @staticmethod
    def enqueue_dose(tx: Session, dose: DoseRecord, status: str = "R") -> bool:
        """Queue a dose as its own message; False when the interface is off.

        ``status`` is OBX-11: "R" for a dose given, "W" when it was entered in error (the
        receiver posts its copy as wrong).
        """
        row = tx.get(OutboundConfigRow, 1)
        if row is None or not row.enabled:
            return False
        subject = _subject(tx, dose.session_id)
        if subject is None:
            return False
        control = new_control_id()
        tx.add(
            OutboundMessageRow(
                control_id=control,
                session_id=dose.session_id,
                kind="dose",
                payload=dose_message(
                    _ends(_config(row)),
                    subject,
                    dose,
                    control,
                    dose.correction.signed_at
                    if status == "W" and dose.correction
                    else dose.recorded_at,
                    status=status,
                ),
                state=QUEUED,
                created_at=dose.recorded_at,
                attempts=0,
                ack_code="",
                error="",
            )
        )
        return True

    # ---- settings -------------------------------------------------------------------------
    def config(self) -> OutboundConfig:
        with self._store.transaction() as tx:
            return _config(tx.get(OutboundConfigRow, 1))

    def save_config(self, config: OutboundConfig, staff_id: int | None, at: datetime) -> None:
        with self._store.transaction() as tx:
            row = tx.get(OutboundConfigRow, 1)
            if row is None:
                row = OutboundConfigRow(id=1)
                tx.add(row)
            row.enabled = config.enabled
            row.host = config.host
            row.port = config.port
            row.sending_application = config.sending_application
            row.sending_facility = config.sending_facility
            row.receiving_application = config.receiving_application
            row.receiving_facility = config.receiving_facility
            row.changed_by_id = staff_id
            row.changed_at = at

    # ---- the sender's side ------------------------------------------------------------------
    def head(self) -> QueuedMessage | None:
        """The oldest message not yet sent or skipped (a stopped one holds the queue)."""
        with self._store.transaction() as tx:
            row = tx.scalars(
                select(OutboundMessageRow)
                .where(OutboundMessageRow.state.in_((QUEUED, STOPPED)))
                .order_by(OutboundMessageRow.id)
                .limit(1)
            ).first()
            return None if row is None else _message(row)

    def counts(self) -> QueueCounts:
        with self._store.transaction() as tx:
            count, oldest = tx.execute(
                select(func.count(), func.min(OutboundMessageRow.id)).where(
                    OutboundMessageRow.state.in_((QUEUED, STOPPED))
                )
            ).one()
            head = tx.get(OutboundMessageRow, oldest) if oldest is not None else None
            return QueueCounts(
                int(count),
                head.created_at if head is not None else None,
                _message(head) if head is not None and head.state == STOPPED else None,
            )

    def mark_sent(self, message_id: int, ack_code: str, at: datetime) -> bool:
        """Record the AA; False when the message was no longer waiting (nothing changes)."""
        return self._settle(message_id, (QUEUED,), SENT, ack_code=ack_code, sent_at=at, error="")

    def mark_stopped(self, message_id: int, ack_code: str, reason: str) -> bool:
        return self._settle(message_id, (QUEUED,), STOPPED, ack_code=ack_code, error=reason)

    def count_attempt(self, message_id: int, error: str) -> None:
        with self._store.transaction() as tx:
            tx.execute(
                update(OutboundMessageRow)
                .where(OutboundMessageRow.id == message_id)
                .values(attempts=OutboundMessageRow.attempts + 1, error=error)
            )

    def retry(self, message_id: int) -> bool:
        """Send a stopped message again (an admin's decision)."""
        return self._settle(message_id, (STOPPED,), QUEUED, error="")

    def skip(self, message_id: int) -> bool:
        """Give up a stopped message so the ones behind it can leave (an admin's decision)."""
        return self._settle(message_id, (STOPPED,), SKIPPED)

    def message(self, message_id: int) -> QueuedMessage | None:
        with self._store.transaction() as tx:
            row = tx.get(OutboundMessageRow, message_id)
            return None if row is None else _message(row)

    def messages(self, state: str | None = None) -> list[QueuedMessage]:
        """Every message (or those in ``state``) in queue order: for tests and support."""
        with self._store.transaction() as tx:
            query = select(OutboundMessageRow).order_by(OutboundMessageRow.id)
            if state is not None:
                query = query.where(OutboundMessageRow.state == state)
            return [_message(row) for row in tx.scalars(query)]

    def _settle(
        self, message_id: int, before: tuple[str, ...], after: str, **values: object
    ) -> bool:
        with self._store.transaction() as tx:
            done = tx.execute(
                update(OutboundMessageRow)
                .where(OutboundMessageRow.id == message_id)
                .where(OutboundMessageRow.state.in_(before))
                .values(state=after, **values)
            )
            return bool(getattr(done, "rowcount", 0))


def _message(row: OutboundMessageRow) -> QueuedMessage:
    return QueuedMessage(
        row.id,
        row.control_id,
        row.session_id,
        row.kind,
        row.payload,
        row.state,
        row.created_at,
        row.attempts,
        row.error,
    )
