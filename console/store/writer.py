"""Writes entries to the database, or to the spool when it cannot take them, and catches up later."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain.alarms import AlarmEvent, EventKind, Priority
from console.domain.audit import AuditDraft
from console.domain.lifecycle import SessionState
from console.domain.sessions import Observation, ObservationCategory
from console.domain.vitals import Parameter, VitalPoint
from console.errors import IllegalTransition, StoreUnavailable
from console.store.audit_repository import AuditRepository
from console.store.database import Store
from console.store.repositories import SessionRepository
from console.store.spool import Spool
from console.store.vitals_repository import VitalsRepository, WaveformBlob
from console.store.workflow_repository import WorkflowRepository

log = logging.getLogger(__name__)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Targets:
    """The repositories a command writes through."""

    sessions: SessionRepository
    vitals: VitalsRepository
    workflow: WorkflowRepository
    audit: AuditRepository

    @classmethod
    def for_store(cls, store: Store) -> Targets:
        return cls(
            SessionRepository(store),
            VitalsRepository(store),
            WorkflowRepository(store),
            AuditRepository(store),
        )


@dataclass(frozen=True, slots=True)
class SaveAudit:
    """Add one entry to the audit trail's chain."""

    draft: AuditDraft

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

    def apply(self, targets: Targets) -> None:
        targets.vitals.add_batch(self.session_id, self.points, self.waveforms)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "vitals",
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

    def apply(self, targets: Targets) -> None:
        targets.workflow.add_alarm_events(self.session_id, self.events)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "alarm_events",
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


Command = SaveObservation | SaveTransition | SaveVitals | SaveAlarmEvents | SaveAudit


def command_from_json(item: dict[str, Any]) -> Command:
    """Rebuild a spooled command."""
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
                )
                for p in item["points"]
            ),
            tuple(
                WaveformBlob(
                    session_id, w[0], w[1], datetime.fromisoformat(w[2]), bytes.fromhex(w[3])
                )
                for w in item["waveforms"]
            ),
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
    raise ValueError(f"unknown spooled entry kind {item['kind']!r}")


class Outcome(enum.Enum):
    SAVED = "saved"
    QUEUED = "queued"  # kept in the spool; saved when the database returns


class DurableWriter:
    """Every entry is either in the database or fsynced in the spool, in the order it was made."""

    def __init__(self, targets: Targets, spool: Spool) -> None:
        self._targets = targets
        self._spool = spool
        self._rejected = Spool(spool.path.with_name(spool.path.stem + ".rejected.jsonl"))
        self.last_error = ""

    @property
    def pending(self) -> int:
        return len(self._spool)

    def write(self, command: Command) -> Outcome:
        """Save ``command`` now if the database takes it, else keep it in the spool."""
        if self.pending:
            self._spool.append(command.to_json())  # keep the order: queue behind older entries
            return Outcome.SAVED if self.flush() == 0 else Outcome.QUEUED
        try:
            command.apply(self._targets)
        except StoreUnavailable as error:
            self.last_error = str(error)
            self._spool.append(command.to_json())
            log.warning("database unavailable, entry spooled: %s", error)
            return Outcome.QUEUED
        return Outcome.SAVED

    def when_durable(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once every entry written before this call is committed or spooled.

        Writes are synchronous today, so that is now; a writer thread keeps the same promise.
        """
        callback()

    def flush(self) -> int:
        """Move spooled entries into the database, oldest first; return how many still wait."""
        items = self._spool.items()
        done = 0
        try:
            for item in items:
                try:
                    command_from_json(item).apply(self._targets)
                except IllegalTransition as error:
                    # the session changed elsewhere meanwhile: keep the entry for review
                    log.error("spooled entry refused (%s), kept in %s", error, self._rejected.path)
                    self._rejected.append({**item, "refused": str(error)})
                done += 1
        except StoreUnavailable as error:
            self.last_error = str(error)
        if done:
            self._spool.replace(items[done:])
        return len(items) - done
