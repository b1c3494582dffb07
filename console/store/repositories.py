"""Repositories: dataclasses in and out; the rest of the program never sees SQLAlchemy."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import or_, select

from console.domain.lifecycle import SessionState
from console.domain.people import Patient, PatientDraft, Room, Staff, StaffRole
from console.domain.sessions import Observation, ObservationCategory, SessionRecord, Transition
from console.domain.vitals import Parameter
from console.errors import IllegalTransition
from console.store.database import Store, already_stored
from console.store.models import (
    ObservationRow,
    PatientRow,
    RoomRow,
    SessionRow,
    StaffRow,
    TransitionRow,
    VitalSampleRow,
)


def _patient(row: PatientRow) -> Patient:
    return Patient(row.id, row.display_name, row.chart_id, row.date_of_birth, row.weight_kg)


def _session(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        uid=row.uid,
        patient_id=row.patient_id,
        room_id=row.room_id,
        therapist_id=row.therapist_id,
        medical_staff_id=row.medical_staff_id,
        checked_in_at=row.checked_in_at,
        state=SessionState(row.state),
        t0=row.t0,
        closed_at=row.closed_at,
        chair=row.chair,
    )


def _observation(row: ObservationRow) -> Observation:
    return Observation(
        uid=row.uid,
        session_id=row.session_id,
        at=row.at,
        author_id=row.author_id,
        category=ObservationCategory(row.category),
        text=row.text,
        amends_uid=row.amends_uid,
    )


class PeopleRepository:
    """Patients, staff and rooms."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_patient(self, draft: PatientDraft, created_at: datetime) -> Patient:
        assert draft.date_of_birth is not None and draft.weight_kg is not None
        with self._store.transaction() as tx:
            row = PatientRow(
                display_name=draft.display_name.strip(),
                chart_id=draft.chart_id.strip(),
                date_of_birth=draft.date_of_birth,
                weight_kg=draft.weight_kg,
                created_at=created_at,
            )
            tx.add(row)
            tx.flush()
            return _patient(row)

    def patient(self, patient_id: int) -> Patient:
        with self._store.transaction() as tx:
            return _patient(tx.get_one(PatientRow, patient_id))

    def patient_by_chart(self, chart_id: str) -> Patient | None:
        with self._store.transaction() as tx:
            row = tx.scalar(select(PatientRow).where(PatientRow.chart_id == chart_id.strip()))
            return _patient(row) if row is not None else None

    def patients(self) -> list[Patient]:
        with self._store.transaction() as tx:
            rows = tx.scalars(select(PatientRow).order_by(PatientRow.display_name))
            return [_patient(r) for r in rows]

    def add_staff(self, name: str, role: StaffRole) -> Staff:
        with self._store.transaction() as tx:
            row = StaffRow(name=name.strip(), role=role.value)
            tx.add(row)
            tx.flush()
            return Staff(row.id, row.name, role)

    def staff(self) -> list[Staff]:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(StaffRow).where(StaffRow.active.is_(True)).order_by(StaffRow.name)
            )
            return [Staff(r.id, r.name, StaffRole(r.role)) for r in rows]

    def set_pin_hashes(self, hashes: dict[int, str]) -> None:
        """Store PIN hashes by staff id (the signature stand-in until accounts exist)."""
        with self._store.transaction() as tx:
            for staff_id, pin_hash in hashes.items():
                tx.get_one(StaffRow, staff_id).pin_hash = pin_hash

    def signer(self, staff_id: int) -> tuple[str, str] | None:
        """(printed name, PIN hash) of an active staff member, or None."""
        with self._store.transaction() as tx:
            row = tx.get(StaffRow, staff_id)
            if row is None or not row.active:
                return None
            return row.name, row.pin_hash

    def add_room(self, name: str) -> Room:
        with self._store.transaction() as tx:
            row = RoomRow(name=name.strip())
            tx.add(row)
            tx.flush()
            return Room(row.id, row.name)

    def rooms(self) -> list[Room]:
        with self._store.transaction() as tx:
            return [Room(r.id, r.name) for r in tx.scalars(select(RoomRow).order_by(RoomRow.name))]


class SessionRepository:
    """Sessions, their state changes and observations."""

    _OPEN_STATES = tuple(s.value for s in SessionState if s.is_open)

    def __init__(self, store: Store) -> None:
        self._store = store

    def check_in(
        self,
        *,
        uid: str,
        patient_id: int,
        room_id: int,
        therapist_id: int,
        medical_staff_id: int | None,
        at: datetime,
        chair: int | None = None,
    ) -> SessionRecord:
        """Store a new session checked in at ``at``, sitting in ``chair`` of the room if known."""
        with self._store.transaction() as tx:
            row = SessionRow(
                uid=uid,
                patient_id=patient_id,
                room_id=room_id,
                therapist_id=therapist_id,
                medical_staff_id=medical_staff_id,
                checked_in_at=at,
                state=SessionState.CHECKED_IN.value,
                chair=chair,
            )
            tx.add(row)
            tx.flush()
            return _session(row)

    def get(self, session_id: int) -> SessionRecord | None:
        with self._store.transaction() as tx:
            row = tx.get(SessionRow, session_id)
            return _session(row) if row is not None else None

    def open_sessions(self, room_ids: Collection[int] | None = None) -> list[SessionRecord]:
        """Open sessions in check-in order, in these rooms (None or empty: every room)."""
        query = select(SessionRow).where(SessionRow.state.in_(self._OPEN_STATES))
        if room_ids:
            query = query.where(SessionRow.room_id.in_(list(room_ids)))
        with self._store.transaction() as tx:
            rows = tx.scalars(query.order_by(SessionRow.checked_in_at))
            return [_session(r) for r in rows]

    def occupant(self, room_id: int, chair: int) -> SessionRecord | None:
        """The open session sitting in ``chair`` of the room, or None when the chair is free."""
        query = (
            select(SessionRow)
            .where(SessionRow.state.in_(self._OPEN_STATES))
            .where(SessionRow.room_id == room_id, SessionRow.chair == chair)
            .order_by(SessionRow.checked_in_at, SessionRow.id)
            .limit(1)
        )
        with self._store.transaction() as tx:
            row = tx.scalar(query)
            return _session(row) if row is not None else None

    def apply_transition(
        self,
        *,
        uid: str,
        session_id: int,
        from_state: SessionState,
        to_state: SessionState,
        at: datetime,
        by_staff_id: int,
        reason: str = "",
        t0: datetime | None = None,
    ) -> None:
        """Store a state change once (idempotent on ``uid``); the stored state must be ``from_state``."""
        with self._store.transaction() as tx:
            if already_stored(tx, TransitionRow.uid, uid):
                return
            row = tx.get_one(SessionRow, session_id, with_for_update=True)
            if row.state != from_state.value:
                raise IllegalTransition(
                    f"The session is stored as {SessionState(row.state).label.lower()}, "
                    f"not {from_state.label.lower()}: it was changed elsewhere."
                )
            row.state = to_state.value
            if t0 is not None:
                row.t0 = t0
            if not to_state.is_open:
                row.closed_at = at
            tx.add(
                TransitionRow(
                    uid=uid,
                    session_id=session_id,
                    from_state=from_state.value,
                    to_state=to_state.value,
                    at=at,
                    by_staff_id=by_staff_id,
                    reason=reason,
                )
            )

    def transitions(self, session_id: int) -> list[Transition]:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(TransitionRow)
                .where(TransitionRow.session_id == session_id)
                .order_by(TransitionRow.at, TransitionRow.id)
            )
            return [
                Transition(
                    r.session_id,
                    SessionState(r.from_state),
                    SessionState(r.to_state),
                    r.at,
                    r.by_staff_id,
                    r.reason,
                )
                for r in rows
            ]

    def add_observation(self, observation: Observation, recorded_at: datetime) -> None:
        """Store a note once (idempotent on its uid)."""
        with self._store.transaction() as tx:
            if already_stored(tx, ObservationRow.uid, observation.uid):
                return
            tx.add(
                ObservationRow(
                    uid=observation.uid,
                    session_id=observation.session_id,
                    at=observation.at,
                    author_id=observation.author_id,
                    category=observation.category.value,
                    text=observation.text,
                    amends_uid=observation.amends_uid,
                    recorded_at=recorded_at,
                )
            )

    def observations(self, session_id: int) -> list[Observation]:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(ObservationRow)
                .where(ObservationRow.session_id == session_id)
                .order_by(ObservationRow.at, ObservationRow.id)
            )
            return [_observation(r) for r in rows]

    def check_times(self, session_id: int) -> list[datetime]:
        """When vitals checks were taken: each manual set and each cuff measurement."""
        with self._store.transaction() as tx:
            rows: Iterable[datetime] = tx.scalars(
                select(VitalSampleRow.host_time)
                .where(VitalSampleRow.session_id == session_id)
                .where(
                    or_(
                        VitalSampleRow.source == "manual",
                        VitalSampleRow.parameter == Parameter.NIBP_SYS.value,
                    )
                )
                .distinct()
                .order_by(VitalSampleRow.host_time)
            )
            return list(rows)
