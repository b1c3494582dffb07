"""Pre-dose checks, overrides, ratings, adverse events, alarm events and limit changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from console.domain.alarms import AlarmEvent, Bound
from console.domain.events import AdverseEvent, Override, OverrideKind, RatingEntry, Severity
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter
from console.store.database import Store, already_stored
from console.store.models import (
    AdverseEventRow,
    AlarmEventRow,
    AlarmLimitRow,
    OverrideRow,
    PreDoseRow,
    RatingRow,
)

LimitKey = tuple[Parameter, Bound]


class WorkflowRepository:
    """Entries of the dosing workflow; each insert is idempotent on its uid where it has one."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ---- pre-dose ----------------------------------------------------------------------------
    def save_predose(
        self, session_id: int, checks: PreDoseChecks, by_staff_id: int, at: datetime
    ) -> None:
        """Store the pre-dose answers (a later save replaces them until the dose is given)."""
        with self._store.transaction() as tx:
            row = tx.scalar(select(PreDoseRow).where(PreDoseRow.session_id == session_id))
            if row is None:
                row = PreDoseRow(session_id=session_id)
                tx.add(row)
            for name in (
                "benzodiazepines",
                "other_sedatives",
                "stimulants",
                "maoi",
                "fasted_food",
                "fasted_liquids",
                "ride_driver",
                "ride_phone",
                "ride_relationship",
                "opioids",
            ):
                setattr(row, name, getattr(checks, name))
            row.recorded_by_id = by_staff_id
            row.recorded_at = at

    def predose(self, session_id: int) -> PreDoseChecks | None:
        with self._store.transaction() as tx:
            row = tx.scalar(select(PreDoseRow).where(PreDoseRow.session_id == session_id))
            if row is None:
                return None
            return PreDoseChecks(
                row.benzodiazepines,
                row.other_sedatives,
                row.stimulants,
                row.maoi,
                row.fasted_food,
                row.fasted_liquids,
                row.ride_driver,
                row.ride_phone,
                row.ride_relationship,
                row.opioids,
            )

    # ---- overrides ---------------------------------------------------------------------------
    def add_override(self, override: Override) -> None:
        with self._store.transaction() as tx:
            if already_stored(tx, OverrideRow.uid, override.uid):
                return
            tx.add(
                OverrideRow(
                    uid=override.uid,
                    session_id=override.session_id,
                    kind=override.kind.value,
                    reason=override.reason,
                    signed_by_id=override.signed_by_id,
                    signed_at=override.signed_at,
                    detail=json.dumps(override.detail, sort_keys=True, default=str),
                )
            )

    def overrides(self, session_id: int) -> list[Override]:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(OverrideRow)
                .where(OverrideRow.session_id == session_id)
                .order_by(OverrideRow.signed_at, OverrideRow.id)
            )
            return [
                Override(
                    r.uid,
                    r.session_id,
                    OverrideKind(r.kind),
                    r.reason,
                    r.signed_by_id,
                    r.signed_at,
                    json.loads(r.detail),
                )
                for r in rows
            ]

    # ---- ratings -----------------------------------------------------------------------------
    def add_rating(self, rating: RatingEntry) -> None:
        with self._store.transaction() as tx:
            if already_stored(tx, RatingRow.uid, rating.uid):
                return
            tx.add(
                RatingRow(
                    uid=rating.uid,
                    session_id=rating.session_id,
                    scale_id=rating.scale_id,
                    value=rating.value,
                    note=rating.note,
                    at=rating.at,
                    author_id=rating.author_id,
                    amends_uid=rating.amends_uid,
                )
            )

    def ratings(self, session_id: int) -> list[RatingEntry]:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(RatingRow)
                .where(RatingRow.session_id == session_id)
                .order_by(RatingRow.at, RatingRow.id)
            )
            return [
                RatingEntry(
                    r.uid,
                    r.session_id,
                    r.scale_id,
                    r.value,
                    r.note,
                    r.at,
                    r.author_id,
                    r.amends_uid,
                )
                for r in rows
            ]

    # ---- adverse events ----------------------------------------------------------------------
    def add_adverse_event(self, event: AdverseEvent) -> None:
        with self._store.transaction() as tx:
            if already_stored(tx, AdverseEventRow.uid, event.uid):
                return
            tx.add(
                AdverseEventRow(
                    uid=event.uid,
                    session_id=event.session_id,
                    at=event.at,
                    kind=event.kind,
                    severity=event.severity.value,
                    action=event.action,
                    rescue_drug=event.rescue_drug,
                    rescue_dose_mg=event.rescue_dose_mg,
                    rescue_route=event.rescue_route,
                    rescue_at=event.rescue_at,
                    author_id=event.author_id,
                    detail=event.detail,
                    oxygen_l_min=event.oxygen_l_min,
                    oxygen_device=event.oxygen_device,
                    airway_manoeuvre=event.airway_manoeuvre,
                    positioning=event.positioning,
                )
            )

    def adverse_events(self, session_id: int) -> list[AdverseEvent]:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(AdverseEventRow)
                .where(AdverseEventRow.session_id == session_id)
                .order_by(AdverseEventRow.at, AdverseEventRow.id)
            )
            return [
                AdverseEvent(
                    r.uid,
                    r.session_id,
                    r.at,
                    r.kind,
                    Severity(r.severity),
                    r.action,
                    r.author_id,
                    r.rescue_drug,
                    r.rescue_dose_mg,
                    r.rescue_route,
                    r.rescue_at,
                    detail=r.detail,
                    oxygen_l_min=r.oxygen_l_min,
                    oxygen_device=r.oxygen_device,
                    airway_manoeuvre=r.airway_manoeuvre,
                    positioning=r.positioning,
                )
                for r in rows
            ]

    # ---- alarms ------------------------------------------------------------------------------
    def add_alarm_events(self, session_id: int | None, events: Sequence[AlarmEvent]) -> None:
        """Store alarm events (raised, escalated, acknowledged, cleared) in one transaction."""
        with self._store.transaction() as tx:
            for e in events:
                tx.add(
                    AlarmEventRow(
                        session_id=session_id,
                        alarm_id=e.alarm_id,
                        alarm_key=e.key,
                        kind=e.kind.value,
                        priority=e.priority.value,
                        message=e.message,
                        at=e.at,
                        staff_id=e.staff_id,
                        silenced_until=e.silenced_until,
                    )
                )

    def alarm_history(self, session_id: int) -> list[tuple[datetime, str, str, str, int | None]]:
        """(time, kind, priority, message, staff id) of a session's alarm events, oldest first."""
        with self._store.transaction() as tx:
            rows = tx.execute(
                select(
                    AlarmEventRow.at,
                    AlarmEventRow.kind,
                    AlarmEventRow.priority,
                    AlarmEventRow.message,
                    AlarmEventRow.staff_id,
                )
                .where(AlarmEventRow.session_id == session_id)
                .order_by(AlarmEventRow.at, AlarmEventRow.id)
            )
            return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def add_limit_change(
        self,
        *,
        patient_id: int | None,
        parameter: Parameter,
        bound: Bound,
        value: float | None,
        old_value: float | None,
        by_staff_id: int,
        at: datetime,
    ) -> None:
        """Record a limit change for the clinic (patient_id None) or one patient."""
        with self._store.transaction() as tx:
            tx.add(
                AlarmLimitRow(
                    patient_id=patient_id,
                    parameter=parameter.value,
                    bound=bound.value,
                    value=value,
                    old_value=old_value,
                    changed_by_id=by_staff_id,
                    changed_at=at,
                )
            )

    def limit_overrides(self, patient_id: int | None) -> dict[LimitKey, float | None]:
        """The limits in force for the clinic (None) or a patient: the newest change of each."""
        found: dict[LimitKey, float | None] = {}
        with self._store.transaction() as tx:
            query = select(AlarmLimitRow).order_by(AlarmLimitRow.changed_at, AlarmLimitRow.id)
            if patient_id is None:
                query = query.where(AlarmLimitRow.patient_id.is_(None))
            else:
                query = query.where(AlarmLimitRow.patient_id == patient_id)
            for row in tx.scalars(query):
                found[(Parameter(row.parameter), Bound(row.bound))] = row.value
        return found
