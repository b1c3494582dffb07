"""Dose records and their "entered in error" corrections, read back with mg/kg from the weight."""

from __future__ import annotations

from sqlalchemy import select

from console.domain.doses import Drug, Route, mg_per_kg
from console.domain.doses_record import DoseCorrection, DoseRecord
from console.outbound.queue import OutboundQueue
from console.store.database import Store, already_stored
from console.store.models import DoseCorrectionRow, DoseRow, PatientRow, SessionRow


class DoseRepository:
    """The dose table; dataclasses in and out."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, dose: DoseRecord) -> None:
        """Store a dose; a second call with the same uid changes nothing."""
        with self._store.transaction() as tx:
            if already_stored(tx, DoseRow.uid, dose.uid):
                return
            tx.add(
                DoseRow(
                    uid=dose.uid,
                    session_id=dose.session_id,
                    drug=dose.drug.value,
                    route=dose.route.value,
                    amount_mg=dose.amount_mg,
                    started_at=dose.started_at,
                    ended_at=dose.ended_at,
                    rate_mg_per_h=dose.rate_mg_per_h,
                    lot=dose.lot,
                    device_count=dose.device_count,
                    given_by_id=dose.given_by_id,
                    recorded_at=dose.recorded_at,
                    confirm_reason=dose.confirm_reason,
                )
            )
            OutboundQueue.enqueue_dose(tx, dose)  # when the outbound interface is on

    def add_correction(self, session_id: int, correction: DoseCorrection) -> None:
        """Store an "entered in error" amendment; the dose row itself is never changed."""
        with self._store.transaction() as tx:
            if already_stored(tx, DoseCorrectionRow.uid, correction.uid):
                return
            tx.add(
                DoseCorrectionRow(
                    uid=correction.uid,
                    dose_uid=correction.dose_uid,
                    session_id=session_id,
                    reason=correction.reason,
                    signed_by_id=correction.signed_by_id,
                    printed_name=correction.printed_name,
                    signed_at=correction.signed_at,
                )
            )
            row = tx.scalar(select(DoseRow).where(DoseRow.uid == correction.dose_uid))
            if row is not None:  # the receiver posts its copy as wrong (OBX-11 "W")
                OutboundQueue.enqueue_dose(tx, _record(row, None, correction), status="W")

    def doses(self, session_id: int) -> list[DoseRecord]:
        """A session's doses, first given first, each with its correction if it has one."""
        with self._store.transaction() as tx:
            rows = tx.execute(
                select(DoseRow, PatientRow.weight_kg)
                .join(SessionRow, SessionRow.id == DoseRow.session_id)
                .join(PatientRow, PatientRow.id == SessionRow.patient_id)
                .where(DoseRow.session_id == session_id)
                .order_by(DoseRow.started_at, DoseRow.id)
            ).all()
            corrections = {
                c.dose_uid: DoseCorrection(
                    c.uid, c.dose_uid, c.reason, c.signed_by_id, c.printed_name, c.signed_at
                )
                for c in tx.scalars(
                    select(DoseCorrectionRow).where(DoseCorrectionRow.session_id == session_id)
                )
            }
            return [_record(row, weight, corrections.get(row.uid)) for row, weight in rows]


def _record(row: DoseRow, weight: float | None, correction: DoseCorrection | None) -> DoseRecord:
    return DoseRecord(
        uid=row.uid,
        session_id=row.session_id,
        drug=Drug(row.drug),
        route=Route(row.route),
        amount_mg=row.amount_mg,
        started_at=row.started_at,
        given_by_id=row.given_by_id,
        recorded_at=row.recorded_at,
        ended_at=row.ended_at,
        rate_mg_per_h=row.rate_mg_per_h,
        lot=row.lot,
        device_count=row.device_count,
        mg_per_kg=mg_per_kg(row.amount_mg, weight) if weight else None,
        confirm_reason=row.confirm_reason,
        correction=correction,
    )
