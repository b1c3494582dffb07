"""Past sessions for review: the browser's query with flags computed in SQL, dossiers, reviews."""

from __future__ import annotations

import dataclasses
import gc
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select

from console.domain.events import OverrideKind
from console.domain.lifecycle import SessionState
from console.domain.review import (
    REVIEWED_BY,
    AlarmRecord,
    BrowserFilter,
    Review,
    SessionDossier,
    SessionFlag,
    SessionSummary,
    SignedDischargeRecord,
    VitalSeries,
)
from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter, VitalPoint
from console.store.database import Store, already_stored
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.models import (
    AdverseEventRow,
    AlarmEventRow,
    DischargeRow,
    ObservationRow,
    OverrideRow,
    PatientRow,
    ReviewRow,
    RoomRow,
    SessionRow,
    StaffRow,
)
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.vitals_repository import EPOCH_SECONDS, VitalsRepository
from console.store.workflow_repository import WorkflowRepository

_CLOSED = (SessionState.DISCHARGED.value, SessionState.ABORTED.value)
_MEANING_DISCHARGE = "discharged by"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive "contains" on both databases (ILIKE on PostgreSQL, lower() LIKE on SQLite)."""
    result: ColumnElement[bool] = column.ilike(f"%{_escape_like(text)}%", escape="\\")
    return result


def _flag_conditions() -> dict[SessionFlag, ColumnElement[bool]]:
    """Each flag as a SQL condition on the ``session`` row (correlated EXISTS subqueries).

    UNSIGNED: a discharged session without a signed discharge record, and also a session aborted
    after the dose (T0 set): a dosed patient who left with no signed discharge is exactly what a
    supervisor must see. A session aborted before any dose has nothing to sign and is not flagged.
    """
    s = SessionRow
    signed = exists().where(DischargeRow.session_id == s.id, DischargeRow.signed_by_id.is_not(None))
    needs_signature = or_(
        s.state == SessionState.DISCHARGED.value,
        and_(s.state == SessionState.ABORTED.value, s.t0.is_not(None)),
    )
    return {
        SessionFlag.HIGH_ALARM: exists().where(
            AlarmEventRow.session_id == s.id, AlarmEventRow.priority == "high"
        ),
        SessionFlag.ADVERSE_EVENT: exists().where(AdverseEventRow.session_id == s.id),
        SessionFlag.RESCUE_MEDICATION: exists().where(
            AdverseEventRow.session_id == s.id, AdverseEventRow.rescue_drug != ""
        ),
        SessionFlag.GATE_OVERRIDE: exists().where(
            OverrideRow.session_id == s.id,
            OverrideRow.kind.in_([OverrideKind.BP_GATE.value, OverrideKind.RIDE_HOME.value]),
        ),
        SessionFlag.DISCHARGE_OVERRIDE: exists().where(
            OverrideRow.session_id == s.id, OverrideRow.kind == OverrideKind.DISCHARGE.value
        ),
        SessionFlag.UNSIGNED: and_(needs_signature, ~signed),
        SessionFlag.UNREVIEWED: and_(
            s.state.in_(_CLOSED), ~exists().where(ReviewRow.session_id == s.id)
        ),
    }


_FLAGS = tuple(SessionFlag)


def _with_flags(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    conditions = _flag_conditions()
    return query.add_columns(*(conditions[f].label(f"f{i}") for i, f in enumerate(_FLAGS)))


def _flags_of(values: Sequence[Any]) -> frozenset[SessionFlag]:
    return frozenset(flag for flag, on in zip(_FLAGS, values, strict=True) if on)


def _review(row: ReviewRow) -> Review:
    return Review(
        row.uid, row.session_id, row.reviewer_id, row.printed_name, row.meaning, row.at, row.comment
    )


def vital_series(points: Iterable[VitalPoint]) -> dict[Parameter, VitalSeries]:
    """Points in time order → one series per parameter (times in seconds since the epoch)."""
    rows = [
        (p.parameter.value, p.at.timestamp(), p.value, p.source == "manual", p.entered_by_id)
        for p in points
    ]
    return _series_of(rows)


_Row = tuple[str, float, float, bool, int | None]


def _series_of(rows: list[_Row]) -> dict[Parameter, VitalSeries]:
    """(parameter, time, value, manual, entered by) rows in time order → one series per parameter.

    Sorted by parameter (stable, so each keeps its time order), transposed once, then sliced:
    no Python work per sample, which matters at tens of thousands of them.
    """
    if not rows:
        return {}
    rows.sort(key=itemgetter(0))
    names, times, values, manual, authors = zip(*rows, strict=True)
    found: dict[Parameter, VitalSeries] = {}
    start = 0
    while start < len(names):
        name = names[start]
        end = bisect_right(names, name, lo=start)
        parameter = Parameter(name)
        found[parameter] = VitalSeries(
            parameter,
            times[start:end],
            values[start:end],
            tuple(map(bool, manual[start:end])),
            authors[start:end],
        )
        start = end
    return found


def _authors(data: Any) -> set[int]:
    """Staff ids a discharge record names (each answer's "by"), at any depth."""
    found: set[int] = set()
    if isinstance(data, dict):
        by = data.get("by")
        if isinstance(by, int) and not isinstance(by, bool):
            found.add(by)
        for value in data.values():
            found |= _authors(value)
    elif isinstance(data, list):
        for value in data:
            found |= _authors(value)
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of (acyclic) row tuples are
    made: its full passes, triggered by the allocations alone, otherwise double the read time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ReviewRepository:
    """Reads whole sessions through the other repositories; adds reviews (never changes one)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._people = PeopleRepository(store)
        self._sessions = SessionRepository(store)
        self._vitals = VitalsRepository(store)
        self._workflow = WorkflowRepository(store)
        self._doses = DoseRepository(store)
        self._discharges = DischargeRepository(store)

    # ---- the browser -------------------------------------------------------------------------
    def browse(self, wanted: BrowserFilter) -> list[SessionSummary]:
        """Sessions matching every filter, newest check-in first, at most ``wanted.limit``."""
        s = SessionRow
        query = _with_flags(
            select(
                s.id,
                PatientRow.display_name,
                PatientRow.chart_id,
                RoomRow.name,
                StaffRow.name,
                s.checked_in_at,
                s.closed_at,
                s.state,
                s.t0,
            )
            .join(PatientRow, PatientRow.id == s.patient_id)
            .join(RoomRow, RoomRow.id == s.room_id)
            .join(StaffRow, StaffRow.id == s.therapist_id)
        )
        if wanted.since is not None:
            query = query.where(s.checked_in_at >= wanted.since)
        if wanted.until is not None:
            query = query.where(s.checked_in_at < wanted.until)
        if wanted.patient.strip():
            text = wanted.patient.strip()
            query = query.where(
                or_(_contains(PatientRow.display_name, text), _contains(PatientRow.chart_id, text))
            )
        if wanted.therapist_id is not None:
            query = query.where(s.therapist_id == wanted.therapist_id)
        if wanted.room_id is not None:
            query = query.where(s.room_id == wanted.room_id)
        if wanted.states:
            query = query.where(s.state.in_(sorted(state.value for state in wanted.states)))
        conditions = _flag_conditions()
        for flag in sorted(wanted.flags):
            query = query.where(conditions[flag])
        for word in wanted.text.split():
            query = query.where(
                exists().where(
                    ObservationRow.session_id == s.id, _contains(ObservationRow.text, word)
                )
            )
        query = query.order_by(s.checked_in_at.desc(), s.id.desc()).limit(max(wanted.limit, 0))
        with self._store.transaction() as tx:
            rows = tx.execute(query).all()
        return [
            SessionSummary(
                id=r[0],
                patient_name=r[1],
                chart_id=r[2],
                room=r[3],
                therapist=r[4],
                checked_in_at=r[5],
                closed_at=r[6],
                state=SessionState(r[7]),
                t0=r[8],
                flags=_flags_of(r[9:]),
            )
            for r in rows
        ]

    def flags(self, session_id: int) -> frozenset[SessionFlag]:
        """The flags of one session (the same SQL as the browser)."""
        query = _with_flags(select(literal(1))).where(SessionRow.id == session_id)
        with self._store.transaction() as tx:
            row = tx.execute(query).first()
        return frozenset() if row is None else _flags_of(row[1:])

    # ---- one session -------------------------------------------------------------------------
    def session(self, session_id: int) -> SessionRecord | None:
        """The session's own row (state, times), without the rest of its record."""
        return self._sessions.get(session_id)

    def dossier(self, session_id: int) -> SessionDossier | None:
        """Everything recorded in the session, or None when there is no such session."""
        record = self._sessions.get(session_id)
        if record is None:
            return None
        workflow = self._workflow
        patient = self._people.patient(record.patient_id)
        transitions = self._sessions.transitions(session_id)
        doses = self._doses.doses(session_id)
        observations = self._sessions.observations(session_id)
        ratings = workflow.ratings(session_id)
        adverse = workflow.adverse_events(session_id)
        overrides = workflow.overrides(session_id)
        alarms = self.alarms(session_id)
        predose = workflow.predose(session_id)
        signed = self._discharges.record(session_id)
        draft = self._discharges.draft(session_id) if signed is None else None
        reviews = self.reviews(session_id)
        vitals = self.vital_series(session_id)

        staff_ids: set[int | None] = {record.therapist_id, record.medical_staff_id}
        staff_ids.update(t.by_staff_id for t in transitions)
        staff_ids.update(d.given_by_id for d in doses)
        staff_ids.update(o.author_id for o in observations)
        staff_ids.update(r.author_id for r in ratings)
        staff_ids.update(a.author_id for a in adverse)
        staff_ids.update(o.signed_by_id for o in overrides)
        staff_ids.update(a.staff_id for a in alarms)
        for series in vitals.values():
            staff_ids.update(series.entered_by)
        staff_ids.update(r.reviewer_id for r in reviews)
        if signed is not None:
            staff_ids.add(signed.signed_by_id)
        staff_ids.update(_authors(signed.data if signed is not None else draft))
        names = self._staff_names({i for i in staff_ids if i is not None})

        discharge = None
        if signed is not None:
            signature = signed.data.get("signature")
            stored = signature if isinstance(signature, dict) else {}
            discharge = SignedDischargeRecord(
                data=signed.data,
                signed_by_id=signed.signed_by_id,
                printed_name=str(stored.get("name") or names.get(signed.signed_by_id, "")),
                meaning=str(stored.get("meaning") or _MEANING_DISCHARGE),
                signed_at=signed.signed_at,
            )
        return SessionDossier(
            session=record,
            patient=patient,
            room=self._room_name(record.room_id),
            staff_names=names,
            transitions=tuple(transitions),
            doses=tuple(doses),
            vitals=vitals,
            observations=tuple(observations),
            ratings=tuple(ratings),
            adverse_events=tuple(adverse),
            alarms=tuple(alarms),
            overrides=tuple(overrides),
            predose=dataclasses.asdict(predose) if predose is not None else None,
            discharge_draft=draft,
            discharge=discharge,
            reviews=tuple(reviews),
            flags=self.flags(session_id),
        )

    def vital_series(self, session_id: int) -> dict[Parameter, VitalSeries]:
        """The session's vitals as one series per parameter, read in one pass through the driver
        (an 8-hour session holds tens of thousands of samples: no per-row objects on the way).
        """
        with self._store.transaction() as tx, _collector_paused():
            connection = tx.connection()
            dialect = connection.dialect
            marker = "?" if dialect.paramstyle == "qmark" else "%s"
            cursor = connection.connection.cursor()  # the driver's own cursor: plain tuples
            try:
                cursor.execute(
                    f"SELECT parameter, {EPOCH_SECONDS}, value, source = 'manual', entered_by_id "
                    "FROM vital_sample "
                    f"WHERE session_id = {marker} ORDER BY host_time, id",
                    (session_id,),
                )
                rows: list[_Row] = list(cursor.fetchall())
            finally:
                cursor.close()
            return _series_of(rows)

    def alarms(self, session_id: int) -> list[AlarmRecord]:
        """The session's alarm events with their alarm's key, oldest first."""
        e = AlarmEventRow
        with self._store.transaction() as tx:
            rows = tx.execute(
                select(e.at, e.kind, e.priority, e.message, e.staff_id, e.alarm_key)
                .where(e.session_id == session_id)
                .order_by(e.at, e.id)
            ).all()
        return [AlarmRecord(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def _staff_names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        with self._store.transaction() as tx:
            rows = tx.execute(select(StaffRow.id, StaffRow.name).where(StaffRow.id.in_(ids)))
            return {row[0]: row[1] for row in rows}

    def _room_name(self, room_id: int) -> str:
        with self._store.transaction() as tx:
            name = tx.scalar(select(RoomRow.name).where(RoomRow.id == room_id))
            return name or ""

    # ---- reviews -----------------------------------------------------------------------------
    def add_review(self, review: Review) -> None:
        """Store a review once (idempotent on its uid); stored reviews are never changed."""
        if review.at.utcoffset() is None:
            raise ValueError(f"a review's time must be timezone-aware, got {review.at!r}")
        with self._store.transaction() as tx:
            if already_stored(tx, ReviewRow.uid, review.uid):
                return
            tx.add(
                ReviewRow(
                    uid=review.uid,
                    session_id=review.session_id,
                    reviewer_id=review.reviewer_id,
                    printed_name=review.printed_name,
                    meaning=review.meaning or REVIEWED_BY,
                    at=review.at,
                    comment=review.comment,
                )
            )

    def reviews(self, session_id: int) -> list[Review]:
        """The session's reviews, oldest first."""
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(ReviewRow)
                .where(ReviewRow.session_id == session_id)
                .order_by(ReviewRow.at, ReviewRow.id)
            )
            return [_review(r) for r in rows]
