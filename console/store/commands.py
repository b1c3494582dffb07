"""The entries the durable writer stores: each applies in one transaction and round-trips as JSON."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select

from console.domain.alarms import AlarmEvent, Bound, EventKind, Priority
from console.domain.audit import AuditDraft
from console.domain.lifecycle import SessionState
from console.domain.sessions import Observation, ObservationCategory
from console.domain.vitals import Parameter, VitalPoint
from console.store.audit_repository import AuditRepository
from console.store.database import Store
from console.store.limits_repository import SessionLimit, SessionLimitsRepository
from console.store.models import AlarmEventRow, VitalSampleRow, WaveformBlobRow
from console.store.repositories import SessionRepository
from console.store.vitals_repository import VitalsRepository, WaveformBlob
from console.store.workflow_repository import WorkflowRepository


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Targets:
    """The repositories a command writes through."""

    sessions: SessionRepository
    vitals: VitalsRepository
    workflow: WorkflowRepository
    audit: AuditRepository
    store: Store | None = None  # for the stored-already checks of entries without a uid column

    @classmethod
    def for_store(cls, store: Store) -> Targets:
        return cls(
            SessionRepository(store),
            VitalsRepository(store),
            WorkflowRepository(store),
            AuditRepository(store),
            store,
        )

    def database(self) -> Store:
        """The store the repositories write to."""
        return self.store if self.store is not None else self.vitals._store


def _new_uid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class SaveAudit:
    """Add one entry to the audit trail's chain."""

    draft: AuditDraft

    @property
    def uid(self) -> str:
        return self.draft.uid

    def already_applied(self, targets: Targets) -> bool:
        return False  # the repository skips a uid it holds

    def apply(self, targets: Targets) -> None:
        targets.audit.add(self.draft)

    def to_json(self) -> dict[str, Any]:
        d = self.draft
        return {
            "kind": "audit",
            "uid": d.uid,
            "at": d.at.isoformat(),
            "actor_id": d.actor_id,
            "action": d.action,
            "entity": d.entity,
            "entity_id": d.entity_id,
            "detail": d.detail,
        }


@dataclass(frozen=True, slots=True)
class SaveObservation:
    """Store one observation note."""

    observation: Observation
    recorded_at: datetime

    @property
    def uid(self) -> str:
        return self.observation.uid

    def already_applied(self, targets: Targets) -> bool:
        return False  # the repository skips a uid it holds

    def apply(self, targets: Targets) -> None:
        targets.sessions.add_observation(self.observation, self.recorded_at)

    def to_json(self) -> dict[str, Any]:
        o = self.observation
        return {
            "kind": "observation",
            "uid": o.uid,
            "session_id": o.session_id,
            "at": o.at.isoformat(),
            "author_id": o.author_id,
            "category": o.category.value,
            "text": o.text,
            "amends_uid": o.amends_uid,
            "recorded_at": self.recorded_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SaveTransition:
    """Store one session state change (with T0 when it is the dose)."""

    uid: str
    session_id: int
    from_state: SessionState
    to_state: SessionState
    at: datetime
    by_staff_id: int
    reason: str = ""
    t0: datetime | None = None

    def already_applied(self, targets: Targets) -> bool:
        return False  # the repository skips a uid it holds

    def apply(self, targets: Targets) -> None:
        targets.sessions.apply_transition(
            uid=self.uid,
            session_id=self.session_id,
            from_state=self.from_state,
            to_state=self.to_state,
            at=self.at,
            by_staff_id=self.by_staff_id,
            reason=self.reason,
            t0=self.t0,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "transition",
            "uid": self.uid,
            "session_id": self.session_id,
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "at": self.at.isoformat(),
            "by_staff_id": self.by_staff_id,
            "reason": self.reason,
            "t0": self.t0.isoformat() if self.t0 else None,
        }


@dataclass(frozen=True, slots=True)
class SaveVitals:
    """Store a batch of vital samples (and waveform seconds) for one session, all or nothing."""

    session_id: int
    points: tuple[VitalPoint, ...]
    waveforms: tuple[WaveformBlob, ...] = ()
    uid: str = field(default_factory=_new_uid)

    def already_applied(self, targets: Targets) -> bool:
        """True when this batch is in the database (it is stored whole or not at all, and a
        sample's arrival time in microseconds, source and parameter name it).
        """
        with targets.database().transaction() as tx:
            if self.points:
                p = self.points[0]
                query = select(literal(1)).where(
                    VitalSampleRow.session_id == self.session_id,
                    VitalSampleRow.host_time == p.at,
                    VitalSampleRow.parameter == p.parameter.value,
                    VitalSampleRow.source == p.source,
                )
            elif self.waveforms:
                w = self.waveforms[0]
                query = select(literal(1)).where(
                    WaveformBlobRow.session_id == self.session_id,
                    WaveformBlobRow.name == w.name,
                    WaveformBlobRow.start_time == w.start_time,
                )
            else:
                return True
            return tx.scalar(query.limit(1)) is not None

    def apply(self, targets: Targets) -> None:
        targets.vitals.add_batch(self.session_id, self.points, self.waveforms)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "vitals",
            "uid": self.uid,
            "session_id": self.session_id,
            "points": [
                [
                    p.parameter.value,
                    p.value,
                    p.at.isoformat(),
                    p.source,
                    p.device_time.isoformat() if p.device_time else None,
                    p.measurement_key,
                    p.entered_by_id,
                    p.device,
                    p.device_time_rejected,
                ]
                for p in self.points
            ],
            "waveforms": [
                [w.name, w.rate_hz, w.start_time.isoformat(), w.samples.hex()]
                for w in self.waveforms
            ],
        }


@dataclass(frozen=True, slots=True)
class SaveAlarmEvents:
    """Store alarm events (raised, escalated, acknowledged, cleared) for one session."""

    session_id: int | None
    events: tuple[AlarmEvent, ...]
    uid: str = field(default_factory=_new_uid)

    def already_applied(self, targets: Targets) -> bool:
        """True when these events are in the database (stored together or not at all)."""
        if not self.events:
            return True
        e = self.events[0]
        with targets.database().transaction() as tx:
            query = select(literal(1)).where(
                AlarmEventRow.alarm_id == e.alarm_id,
                AlarmEventRow.alarm_key == e.key,
                AlarmEventRow.kind == e.kind.value,
                AlarmEventRow.at == e.at,
            )
            if self.session_id is None:
                query = query.where(AlarmEventRow.session_id.is_(None))
            else:
                query = query.where(AlarmEventRow.session_id == self.session_id)
            return tx.scalar(query.limit(1)) is not None

    def apply(self, targets: Targets) -> None:
        targets.workflow.add_alarm_events(self.session_id, self.events)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "alarm_events",
            "uid": self.uid,
            "session_id": self.session_id,
            "events": [
                [
                    e.kind.value,
                    e.alarm_id,
                    e.key,
                    e.priority.value,
                    e.message,
                    e.at.isoformat(),
                    e.staff_id,
                    e.silenced_until.isoformat() if e.silenced_until else None,
                ]
                for e in self.events
            ],
        }


@dataclass(frozen=True, slots=True)
class SaveSessionLimits:
    """Store one change of a patient's own alarm limits for one session (all its limits)."""

    session_id: int
    limits: tuple[SessionLimit, ...]
    by_staff_id: int
    at: datetime
    uid: str = field(default_factory=_new_uid)

    def already_applied(self, targets: Targets) -> bool:
        return False  # the repository skips a change uid it holds

    def apply(self, targets: Targets) -> None:
        SessionLimitsRepository(targets.database()).add_change(
            self.uid, self.session_id, self.limits, by_staff_id=self.by_staff_id, at=self.at
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "session_limits",
            "uid": self.uid,
            "session_id": self.session_id,
            "by_staff_id": self.by_staff_id,
            "at": self.at.isoformat(),
            "limits": [
                [limit.parameter.value, limit.bound.value, limit.value, limit.old_value]
                for limit in self.limits
            ],
        }


def _limit_value(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a limit must be a number or null, not {value!r}")
    return float(value)


Command = (
    SaveObservation | SaveTransition | SaveVitals | SaveAlarmEvents | SaveAudit | SaveSessionLimits
)


def command_from_json(item: dict[str, Any]) -> Command:
    """Rebuild a spooled command (KeyError, ValueError, TypeError, IndexError for a bad one)."""
    if item["kind"] == "observation":
        return SaveObservation(
            Observation(
                uid=item["uid"],
                session_id=item["session_id"],
                at=datetime.fromisoformat(item["at"]),
                author_id=item["author_id"],
                category=ObservationCategory(item["category"]),
                text=item["text"],
                amends_uid=item["amends_uid"],
            ),
            datetime.fromisoformat(item["recorded_at"]),
        )
    if item["kind"] == "transition":
        return SaveTransition(
            uid=item["uid"],
            session_id=item["session_id"],
            from_state=SessionState(item["from_state"]),
            to_state=SessionState(item["to_state"]),
            at=datetime.fromisoformat(item["at"]),
            by_staff_id=item["by_staff_id"],
            reason=item["reason"],
            t0=_time(item["t0"]),
        )
    if item["kind"] == "vitals":
        session_id = item["session_id"]
        return SaveVitals(
            session_id,
            tuple(
                VitalPoint(
                    Parameter(p[0]),
                    p[1],
                    datetime.fromisoformat(p[2]),
                    p[3],
                    _time(p[4]),
                    p[5],
                    p[6],
                    p[7] if len(p) > 7 else "",
                    bool(p[8]) if len(p) > 8 else False,
                )
                for p in item["points"]
            ),
            tuple(
                WaveformBlob(
                    session_id, w[0], w[1], datetime.fromisoformat(w[2]), bytes.fromhex(w[3])
                )
                for w in item["waveforms"]
            ),
            str(item.get("uid") or _new_uid()),
        )
    if item["kind"] == "alarm_events":
        return SaveAlarmEvents(
            item["session_id"],
            tuple(
                AlarmEvent(
                    EventKind(e[0]),
                    e[1],
                    e[2],
                    Priority(e[3]),
                    e[4],
                    datetime.fromisoformat(e[5]),
                    e[6],
                    _time(e[7]),
                )
                for e in item["events"]
            ),
            str(item.get("uid") or _new_uid()),
        )
    if item["kind"] == "audit":
        return SaveAudit(
            AuditDraft(
                item["uid"],
                datetime.fromisoformat(item["at"]),
                item["actor_id"],
                item["action"],
                item["entity"],
                item["entity_id"],
                item["detail"],
            )
        )
    if item["kind"] == "session_limits":
        return SaveSessionLimits(
            int(item["session_id"]),
            tuple(
                SessionLimit(Parameter(x[0]), Bound(x[1]), _limit_value(x[2]), _limit_value(x[3]))
                for x in item["limits"]
            ),
            int(item["by_staff_id"]),
            datetime.fromisoformat(item["at"]),
            str(item["uid"]),
        )
    raise ValueError(f"unknown spooled entry kind {item['kind']!r}")
