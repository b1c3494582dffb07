"""Reads for the clinic station (every room at once) and the room consoles' heartbeat writes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, insert, or_, select, text, update

from console.domain.lifecycle import SessionState
from console.domain.station import (
    AlarmLine,
    ConsoleBeat,
    SampleBatch,
    StationAlarm,
    StationBed,
    StationSnapshot,
    bed_label,
    fold_alarms,
)
from console.domain.vitals import Parameter, VitalPoint
from console.store.database import Store
from console.store.models import AlarmEventRow, PatientRow, RoomRow, SessionRow, VitalSampleRow
from console.store.station_models import ConsoleHeartbeatRow

_OPEN = [s.value for s in SessionState if s.is_open]
_SAMPLE_COLUMNS = (
    VitalSampleRow.id,
    VitalSampleRow.session_id,
    VitalSampleRow.parameter,
    VitalSampleRow.value,
    VitalSampleRow.host_time,
    VitalSampleRow.source,
    VitalSampleRow.device,
    VitalSampleRow.measurement_key,
)


def _point(row: Sequence[object]) -> VitalPoint:
    at = row[4]
    assert isinstance(at, datetime)
    return VitalPoint(
        Parameter(str(row[2])),
        float(row[3]),  # type: ignore[arg-type]
        at,
        str(row[5]),
        measurement_key=row[7],  # type: ignore[arg-type]
        device=str(row[6] or ""),
    )


def is_check(point: VitalPoint) -> bool:
    """True for a value that counts as a vitals check (a manual set or a cuff measurement)."""
    return point.source == "manual" or point.parameter is Parameter.NIBP_SYS


class StationRepository:
    """Reads the open sessions of every room, their newest values and alarms; writes heartbeats."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def dialect(self) -> str:
        return self._store.engine.dialect.name

    # ---- the station's reads ------------------------------------------------------------------
    def snapshot(self) -> StationSnapshot:
        """Everything at once: rooms, open beds, newest values, active alarms, console reports."""
        rooms = self.rooms()
        beds = self.beds()
        ids = [b.session_id for b in beds]
        latest, last_ids = self.latest(ids)
        alarms = self.alarms(ids)
        return StationSnapshot(rooms, beds, latest, last_ids, alarms, self.beats())

    def rooms(self) -> dict[int, str]:
        """Every room of the clinic by id, with its name."""
        with self._store.transaction() as tx:
            return {r.id: r.name for r in tx.scalars(select(RoomRow).order_by(RoomRow.name))}

    def beds(self, session_ids: Collection[int] | None = None) -> list[StationBed]:
        """Open beds (or the given sessions, open or not), by room, chair and check-in time."""
        query = select(SessionRow, PatientRow.display_name).join(
            PatientRow, PatientRow.id == SessionRow.patient_id
        )
        if session_ids is None:
            query = query.where(SessionRow.state.in_(_OPEN))
        else:
            query = query.where(SessionRow.id.in_(list(session_ids)))
        with self._store.transaction() as tx:
            rows = list(tx.execute(query.order_by(SessionRow.room_id, SessionRow.checked_in_at)))
            ids = [row[0].id for row in rows]
            checks: dict[int, list[datetime]] = {sid: [] for sid in ids}
            if ids:
                for sid, at in tx.execute(
                    select(VitalSampleRow.session_id, VitalSampleRow.host_time)
                    .where(VitalSampleRow.session_id.in_(ids))
                    .where(
                        or_(
                            VitalSampleRow.source == "manual",
                            VitalSampleRow.parameter == Parameter.NIBP_SYS.value,
                        )
                    )
                    .distinct()
                    .order_by(VitalSampleRow.host_time)
                ):
                    checks[sid].append(at)
        beds = [
            StationBed(
                session_id=s.id,
                room_id=s.room_id,
                chair=s.chair,
                label=bed_label(name, s.chair),
                state=SessionState(s.state),
                checked_in_at=s.checked_in_at,
                t0=s.t0,
                closed_at=s.closed_at,
                check_times=tuple(checks[s.id]),
            )
            for s, name in rows
        ]
        return sorted(beds, key=lambda b: (b.room_id, b.chair or 99, b.checked_in_at))

    def latest(
        self, session_ids: Collection[int]
    ) -> tuple[dict[int, dict[Parameter, VitalPoint]], dict[int, int]]:
        """The newest value of each parameter of each session, and each session's newest row id."""
        found: dict[int, dict[Parameter, VitalPoint]] = {sid: {} for sid in session_ids}
        last: dict[int, int] = {}
        if not session_ids:
            return found, last
        newest = (
            select(func.max(VitalSampleRow.id).label("id"))
            .where(VitalSampleRow.session_id.in_(list(session_ids)))
            .group_by(VitalSampleRow.session_id, VitalSampleRow.parameter)
            .subquery()
        )
        with self._store.transaction() as tx:
            rows = tx.execute(
                select(*_SAMPLE_COLUMNS).join(newest, VitalSampleRow.id == newest.c.id)
            )
            for row in rows:
                point = _point(row)
                found[row[1]][point.parameter] = point
                last[row[1]] = max(last.get(row[1], 0), row[0])
        return found, last

    def samples_since(self, session_id: int, first_id: int) -> SampleBatch:
        """A session's samples from row ``first_id`` on (the batch a notice named), oldest first."""
        with self._store.transaction() as tx:
            rows = list(
                tx.execute(
                    select(*_SAMPLE_COLUMNS)
                    .where(VitalSampleRow.id >= first_id)
                    .where(VitalSampleRow.session_id == session_id)
                    .order_by(VitalSampleRow.id)
                )
            )
        return SampleBatch(
            session_id, tuple(_point(r) for r in rows), max((r[0] for r in rows), default=0)
        )

    def alarms(self, session_ids: Collection[int]) -> dict[int, list[StationAlarm]]:
        """The active alarms of each session, folded from its stored alarm events."""
        lines: dict[int, list[AlarmLine]] = {sid: [] for sid in session_ids}
        if not session_ids:
            return {}
        with self._store.transaction() as tx:
            for row in tx.execute(
                select(
                    AlarmEventRow.session_id,
                    AlarmEventRow.alarm_key,
                    AlarmEventRow.kind,
                    AlarmEventRow.priority,
                    AlarmEventRow.message,
                    AlarmEventRow.at,
                    AlarmEventRow.staff_id,
                )
                .where(AlarmEventRow.session_id.in_(list(session_ids)))
                .order_by(AlarmEventRow.id)
            ):
                sid = row[0]
                if sid is not None:
                    lines[sid].append(AlarmLine(sid, *row[1:]))
        return {sid: fold_alarms(found) for sid, found in lines.items()}

    def beats(self) -> list[ConsoleBeat]:
        """Every console's last report, with its age by the database's clock."""
        with self._store.transaction() as tx:
            now = tx.scalar(select(func.now())) if self.dialect == "postgresql" else None
            rows = list(tx.execute(select(ConsoleHeartbeatRow)))
        beats = []
        for (row,) in rows:
            reference = now if isinstance(now, datetime) else row.last_seen
            beats.append(
                ConsoleBeat(
                    row.console_id,
                    row.room_id,
                    row.last_seen,
                    reference - row.last_seen,
                    row.started_at,
                )
            )
        return beats

    def request_acknowledge(self, session_id: int, key: str, staff_id: int, station: str) -> None:
        """Ask the room console holding ``session_id`` to acknowledge alarm ``key`` (PostgreSQL).

        Nothing is stored here: the console applies it and its audit entry names the station.
        """
        with self._store.transaction() as tx:
            tx.execute(
                text(
                    "SELECT pg_notify('vigil_station_ack', json_build_object("
                    "'schema', current_schema(), 'session', CAST(:session AS integer), "
                    "'key', CAST(:key AS text), 'staff', CAST(:staff AS integer), "
                    "'station', CAST(:station AS text))::text)"
                ),
                {"session": session_id, "key": key, "staff": staff_id, "station": station},
            )

    # ---- the room consoles' writes -----------------------------------------------------------
    def beat(
        self,
        console_id: str,
        room_ids: Collection[int],
        at: datetime,
        started_at: datetime | None = None,
    ) -> None:
        """Record that ``console_id`` is reporting for ``room_ids`` (one short transaction).

        On PostgreSQL the database's own clock is used, so the station compares like with like.
        """
        stamp = func.now() if self.dialect == "postgresql" else at
        with self._store.transaction() as tx:
            for room_id in room_ids:
                done = tx.execute(
                    update(ConsoleHeartbeatRow)
                    .where(ConsoleHeartbeatRow.console_id == console_id)
                    .where(ConsoleHeartbeatRow.room_id == room_id)
                    .values(last_seen=stamp, started_at=started_at)
                )
                if not done.rowcount:  # type: ignore[attr-defined]
                    tx.execute(
                        insert(ConsoleHeartbeatRow).values(
                            console_id=console_id,
                            room_id=room_id,
                            last_seen=stamp,
                            started_at=started_at,
                        )
                    )
