"""Vital samples and waveform blobs: bulk inserts in one transaction, history in time order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, insert, select

from console.domain.vitals import PARAMETERS, Parameter, TrendRow, VitalPoint
from console.outbound.queue import OutboundQueue
from console.store.database import Store
from console.store.models import VitalSampleRow, WaveformBlobRow
from console.store.types import from_micros, to_micros


@dataclass(frozen=True, slots=True)
class WaveformBlob:
    """One second (or so) of a waveform, packed little-endian int16."""

    session_id: int
    name: str
    rate_hz: float
    start_time: datetime
    samples: bytes


#: A sample's arrival time in seconds since 1970, computed by the database (any dialect).
EPOCH_SECONDS = "CAST(host_time AS DOUBLE PRECISION) / 1000000"

_COLUMNS = (
    "session_id, source, device, parameter, value, unit, device_time, host_time, "
    "entered_by_id, measurement_key, device_time_rejected"
)


def _driver_time(value: datetime, sqlite: bool) -> object:
    """A time as the driver stores it: SQLite keeps UTC text in SQLAlchemy's own format (so the
    ORM reads these rows back); other databases take the aware UTC datetime.
    """
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store: times must be timezone-aware")
    utc = value.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else utc


def _insert_points(connection: Connection, session_id: int, points: Sequence[VitalPoint]) -> None:
    """Insert many samples with one driver-level executemany (the ORM's per-row work is the
    bottleneck at tens of thousands of rows a second); times are converted once per distinct value.
    """
    dialect = connection.dialect
    sqlite = dialect.name == "sqlite"
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO vital_sample ({_COLUMNS}) VALUES ({', '.join([marker] * 11)})"
    converted: dict[datetime, object] = {}

    def stored(value: datetime | None) -> object:
        if value is None:
            return None
        found = converted.get(value)
        if found is None:
            found = converted[value] = _driver_time(value, sqlite)
        return found

    arrivals: dict[datetime, int] = {}

    def micros(value: datetime) -> int:
        found = arrivals.get(value)
        if found is None:
            found = arrivals[value] = to_micros(value)
        return found

    units = {parameter: info.unit for parameter, info in PARAMETERS.items()}
    connection.exec_driver_sql(
        sql,
        [
            (
                session_id,
                p.source,
                p.device,
                p.parameter.value,
                p.value,
                units[p.parameter],
                stored(p.device_time),
                micros(p.at),
                p.entered_by_id,
                p.measurement_key,
                p.device_time_rejected,
            )
            for p in points
        ],
    )


_POINT_COLUMNS = (
    VitalSampleRow.parameter,
    VitalSampleRow.value,
    VitalSampleRow.host_time,
    VitalSampleRow.source,
    VitalSampleRow.device_time,
    VitalSampleRow.measurement_key,
    VitalSampleRow.entered_by_id,
    VitalSampleRow.device,
    VitalSampleRow.device_time_rejected,
)


@lru_cache(maxsize=4096)
def _parse_utc(text: str) -> datetime:
    """SQLite keeps UTC as text without a zone; a time shared by a batch is parsed once."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _point(row: Sequence[Any]) -> VitalPoint:
    return VitalPoint(
        Parameter(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7], bool(row[8])
    )


class VitalsRepository:
    """Many rows a second go in as one batch; a batch is all stored or none of it is."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_batch(
        self, session_id: int, points: Sequence[VitalPoint], waveforms: Sequence[WaveformBlob] = ()
    ) -> None:
        if not points and not waveforms:
            return
        with self._store.transaction() as tx:
            if points:
                _insert_points(tx.connection(), session_id, points)
                OutboundQueue.enqueue_vitals(tx, session_id, points)  # when the interface is on
            if waveforms:
                tx.execute(
                    insert(WaveformBlobRow),
                    [
                        {
                            "session_id": w.session_id,
                            "name": w.name,
                            "rate_hz": w.rate_hz,
                            "start_time": w.start_time,
                            "samples": w.samples,
                        }
                        for w in waveforms
                    ],
                )

    def history(self, session_id: int, *, before: datetime | None = None) -> list[VitalPoint]:
        """Every value of a session in time order, or only those that arrived ``before`` a time
        (the pre-dose part of a long session is small). Read through the driver: sessions are long.
        """
        with self._store.transaction() as tx:
            connection = tx.connection()
            marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            bound: tuple[object, ...] = (session_id,)
            until = ""
            if before is not None:
                until = f" AND host_time < {marker}"
                bound += (to_micros(before),)
            rows = connection.exec_driver_sql(
                "SELECT parameter, value, host_time, source, device_time, measurement_key, "
                "entered_by_id, device, device_time_rejected "
                f"FROM vital_sample WHERE session_id = {marker}{until} "
                "ORDER BY host_time, id",
                bound,
            ).fetchall()
        sqlite = connection.dialect.name == "sqlite"
        parameters = {p.value: p for p in Parameter}
        return [
            VitalPoint(
                parameters[r[0]],
                r[1],
                from_micros(r[2]),
                r[3],
                (_parse_utc(r[4]) if sqlite else r[4]) if r[4] else None,
                r[5],
                r[6],
                r[7],
                bool(r[8]),
            )
            for r in rows
        ]

    def trend_rows(self, session_id: int) -> list[TrendRow]:
        """A session's values as trend rows, in time order: the times are converted by the
        database, so 8 hours of a session cost no object per value beyond a tuple.
        """
        with self._store.transaction() as tx:
            connection = tx.connection()
            marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            rows = connection.exec_driver_sql(
                f"SELECT parameter, value, {EPOCH_SECONDS}, COALESCE(NULLIF(device, ''), source) "
                f"FROM vital_sample WHERE session_id = {marker} ORDER BY host_time, id",
                (session_id,),
            ).fetchall()
        parameters = {p.value: p for p in Parameter}
        return [(parameters[r[0]], r[1], r[2], r[3]) for r in rows]

    def device_time_rejections(self, session_id: int) -> list[tuple[datetime, str]]:
        """When (arrival time) and from which source (port, or driver) a device stamped a time
        that was not plausible, once per arrival time and source, in time order.
        """
        flagged = VitalSampleRow.device_time_rejected.is_(True)
        with self._store.transaction() as tx:
            rows = tx.execute(
                select(VitalSampleRow.host_time, VitalSampleRow.device, VitalSampleRow.source)
                .where(VitalSampleRow.session_id == session_id, flagged)
                .distinct()
                .order_by(VitalSampleRow.host_time)
            ).all()
        return [(r[0], r[1] or r[2]) for r in rows]

    def latest(self, session_id: int) -> dict[Parameter, VitalPoint]:
        """The newest value of each parameter in a session."""
        found: dict[Parameter, VitalPoint] = {}
        with self._store.transaction() as tx:
            newest = (
                select(VitalSampleRow.parameter, func.max(VitalSampleRow.id).label("id"))
                .where(VitalSampleRow.session_id == session_id)
                .group_by(VitalSampleRow.parameter)
                .subquery()
            )
            rows = tx.execute(
                select(*_POINT_COLUMNS).join(newest, VitalSampleRow.id == newest.c.id)
            )
            for row in rows:
                point = _point(row)
                found[point.parameter] = point
        return found

    def last_measurement_keys(self, session_id: int) -> dict[tuple[str, Parameter], str]:
        """The newest cuff-measurement key per (source, parameter), to dedupe after a restart."""
        keys: dict[tuple[str, Parameter], str] = {}
        with self._store.transaction() as tx:
            rows = tx.execute(
                select(
                    VitalSampleRow.source, VitalSampleRow.parameter, VitalSampleRow.measurement_key
                )
                .where(VitalSampleRow.session_id == session_id)
                .where(VitalSampleRow.measurement_key.is_not(None))
                .order_by(VitalSampleRow.id)
            )
            for source, parameter, key in rows:
                if key is not None:
                    keys[(source, Parameter(parameter))] = key
        return keys

    def waveform_seconds(self, session_id: int, name: str) -> int:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(WaveformBlobRow.id)
                .where(WaveformBlobRow.session_id == session_id)
                .where(WaveformBlobRow.name == name)
            )
            return len(list(rows))
