"""The alarm service: feeds vitals, device and observation conditions to the board; sounds and logs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from console.clock import Clock
from console.domain.alarms import (
    DEFAULT_SILENCE,
    DEFAULT_TECHNICAL,
    ActiveAlarm,
    AlarmBoard,
    AlarmCondition,
    AlarmEvent,
    Bound,
    LimitSet,
    Priority,
    TechnicalConfig,
    cable_unplugged,
    device_silent,
    effective_limits,
    evaluate,
    point_source,
    rating_condition,
    sensor_problem,
    validate_limit_change,
    vitals_overdue,
)
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.domain.scales import ScaleDefinition
from console.domain.schedule import CheckStatus, ClockFace
from console.domain.vitals import Parameter, VitalPoint
from console.errors import ValidationFailed, VigilError
from console.services.access import Access
from console.services.alarm_sound import AlarmSound, SilentSound
from console.services.limit_changes import LimitChanges, check_limit_changes
from console.services.vitals import DeviceCondition
from devices.reader import ReaderState, ReaderStatus

log = logging.getLogger(__name__)

TICK_MS = 1000
#: How often a sounding alarm's tone pattern repeats (IEC 60601-1-8: high 2.5–15 s, medium
#: 2.5–30 s, low > 15 s or not at all); long enough apart to stay discreet in a quiet room.
REPEAT: dict[Priority, timedelta] = {
    Priority.HIGH: timedelta(seconds=8),
    Priority.MEDIUM: timedelta(seconds=20),
    Priority.LOW: timedelta(seconds=60),
}
_TINY = timedelta(microseconds=1)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class LimitChange:
    """One alarm limit changed by a staff member (None = the limit turned off), for the log."""

    parameter: Parameter
    bound: Bound
    old: float | None
    new: float | None
    by_staff_id: int
    at: datetime


class AlarmService(QObject):
    """Owns the alarm board: every source's conditions go in, events and the active list come out.

    Each input slot re-evaluates at once (an alarm shows in the same event-loop turn as its
    reading); the 1 s timer re-evaluates for what only time changes: escalation of lasting
    technical alarms, "no data for N s", the end of a silence and the repeat of the tone.
    """

    # the active alarms after any change (tuple[ActiveAlarm, ...]), most urgent first
    alarmsChanged = Signal(object)
    # one alarm log entry (AlarmEvent): raised, escalated, acknowledged or cleared
    alarmEvent = Signal(object)
    # a limit was changed (LimitChange); ``limits`` holds the new set
    limitChanged = Signal(object)
    # the sink could not store an event (str: the message); the alarm itself still shows
    storeProblem = Signal(str)

    def __init__(
        self,
        clock: Clock,
        limits: LimitSet,
        sink: Callable[[AlarmEvent], None] | None = None,
        sound: AlarmSound | None = None,
        parent: QObject | None = None,
        *,
        limit_sink: Callable[[LimitChange], None] | None = None,
        patient_limit_sink: Callable[[tuple[LimitChange, ...]], None] | None = None,
        silence: timedelta = DEFAULT_SILENCE,
        technical: TechnicalConfig = DEFAULT_TECHNICAL,
        access: Access,
        audit_detail: dict[str, object] | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._audit_detail = dict(audit_detail or {})  # whose alarms these are (session, bed)
        self._access = access
        self._limits = limits
        self._sink = sink
        self._limit_sink = limit_sink
        self._patient_limit_sink = patient_limit_sink
        self._sound: AlarmSound = sound if sound is not None else SilentSound()
        self._silence = silence
        self._technical = technical
        self._board = AlarmBoard()
        # the latest value of each (source, parameter): the port, or "manual" for hand-entered
        self._latest: dict[tuple[str, Parameter], VitalPoint] = {}
        self._sensor: dict[tuple[str, str], AlarmCondition] = {}  # (source, code) → condition
        self._readers: dict[str, ReaderStatus] = {}  # silent or disconnected readers, by port
        self._check: CheckStatus | None = None
        self._ratings: dict[str, tuple[ScaleDefinition, int]] = {}  # scale id → latest rating
        self._shown: tuple[ActiveAlarm, ...] = ()
        self._sounded: tuple[int, Priority] | None = None  # (alarm_id, priority) last played
        self._sounded_at: datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    # ---- queries ---------------------------------------------------------------------------
    @property
    def limits(self) -> LimitSet:
        return self._limits

    @property
    def sound(self) -> AlarmSound:
        return self._sound

    def active(self) -> tuple[ActiveAlarm, ...]:
        """The active alarms, most urgent first, then the longest-standing."""
        return tuple(self._board.active())

    def history(self) -> tuple[AlarmEvent, ...]:
        """Every event since the service started, oldest first."""
        return self._board.history

    def sounding(self) -> ActiveAlarm | None:
        """The alarm whose tone plays now, if any (the most urgent one not silenced)."""
        return self._board.sounding(self._clock.now())

    # ---- the tick --------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while the once-a-second tick runs."""
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        """Stop the tick and any sound (before the service goes away)."""
        self._timer.stop()
        self._sound.stop()
        self._sounded = None

    def tick(self) -> None:
        """Re-evaluate now (the timer calls this every second)."""
        self._refresh()

    # ---- inputs ----------------------------------------------------------------------------
    def on_points(self, points: Iterable[VitalPoint]) -> None:
        """New values (VitalsService.pointsAdded): each is checked against the limits at once.

        Each source (device port, or "manual") keeps its own latest value and its own alarm, so
        two devices sending one parameter never make an alarm flap, and a manual set replaces
        only earlier manual values (parameter by parameter).
        """
        for point in points:
            slot = (point_source(point), point.parameter)
            earlier = self._latest.get(slot)
            if earlier is None or point.at >= earlier.at:
                self._latest[slot] = point
        self._refresh()

    def forget_source(self, source: str) -> None:
        """Drop the values of one source (a port released from this bed): its limit alarms clear."""
        if self._drop_source(source):
            self._refresh()

    def on_device_condition(self, condition: DeviceCondition) -> None:
        """A device status started or ended (VitalsService.conditionChanged): sensor off etc."""
        slot = (condition.source, condition.code)
        if condition.active:
            self._sensor[slot] = sensor_problem(
                condition.source, condition.code, self._technical, label=condition.source
            )
        else:
            self._sensor.pop(slot, None)
        self._refresh()

    def on_device_status(self, status: ReaderStatus) -> None:
        """A reader's state (DeviceManager.statusChanged): silent or disconnected ports alarm.

        CONNECTED (or STOPPED: the user disconnected it) clears them; CONNECTING and LISTENING
        keep what stands, so a port retrying with back-off does not raise and clear in turn.
        STOPPED also forgets the port's last values, so their limit alarms clear too.
        """
        if status.state in (ReaderState.SILENT, ReaderState.DISCONNECTED):
            self._readers[status.source] = status
        elif status.state in (ReaderState.CONNECTED, ReaderState.STOPPED):
            self._readers.pop(status.source, None)
        if status.state is ReaderState.STOPPED:
            self._drop_source(status.source)
        self._refresh()

    def on_check_status(self, status: CheckStatus | None) -> None:
        """The vitals check's state: an overdue check is a low alarm until the check is done."""
        self._check = status
        self._refresh()

    def on_clock_face(self, face: ClockFace | None) -> None:
        """ClockService.faceChanged: follow the face's check status (None: no session)."""
        self.on_check_status(face.check if face is not None else None)

    def on_rating(self, definition: ScaleDefinition, value: int | None) -> None:
        """The latest rating on a scale (None: no rating of it stands).

        A rating at or beyond the scale's own alarm limits raises an alarm "obs:<scale id>" of the
        scale's priority (MOAA/S ≤ 1 is high); a later rating within the limits clears it.
        """
        if value is None:
            self._ratings.pop(definition.id, None)
        else:
            self._ratings[definition.id] = (definition, value)
        self._refresh()

    # ---- acknowledgement -------------------------------------------------------------------
    def acknowledge(self, key: str, by_staff_id: int, *, via: str = "") -> AlarmEvent | None:
        """Silence one alarm's sound for the silence time; it stays shown until it clears.

        ``via`` names where it was acknowledged when not on the bed's own screen ("strip").
        """
        self._access.require(
            Permission.ACKNOWLEDGE_ALARM, by_staff_id, entity="alarm", entity_id=key
        )
        event = self._board.acknowledge(key, by_staff_id, self._clock.now(), self._silence)
        if event is not None:
            self._publish([event])
            self._audit_ack([event], via)
        return event

    def acknowledge_all(self, by_staff_id: int) -> list[AlarmEvent]:
        """Acknowledge every active alarm not already silenced; returns the logged events."""
        self._access.require(Permission.ACKNOWLEDGE_ALARM, by_staff_id, entity="alarm")
        now = self._clock.now()
        events: list[AlarmEvent] = []
        for alarm in self._board.active():
            if alarm.is_silenced(now):
                continue
            event = self._board.acknowledge(alarm.key, by_staff_id, now, self._silence)
            if event is not None:
                events.append(event)
        if events:
            self._publish(events)
            self._audit_ack(events)
        return events

    def _audit_ack(self, events: list[AlarmEvent], via: str = "") -> None:
        for event in events:
            detail = {
                **self._audit_detail,
                "priority": event.priority.value,
                "message": event.message,
            }
            if via:
                detail["via"] = via
            self._access.audit.record(
                AuditAction.ALARM_ACK, "alarm", event.key, event.staff_id, detail, at=event.at
            )

    # ---- limits ----------------------------------------------------------------------------
    def set_limits(
        self, parameter: Parameter, bound: Bound, value: float | None, by_staff_id: int
    ) -> LimitChange:
        """Change one limit now (an HR change moves PR too); raises ValidationFailed.

        A rejected change stores nothing. An accepted one goes to ``limit_sink`` and the standing
        readings are re-checked against the new limits at once.
        """
        self._access.require(
            Permission.CHANGE_LIMITS, by_staff_id, entity="alarm-limit", entity_id=parameter.value
        )
        errors = validate_limit_change(self._limits, parameter, bound, value)
        if errors:
            raise ValidationFailed(errors)
        current = self._limits.get(parameter)
        old = current.get(bound) if current is not None else None
        change = LimitChange(parameter, bound, old, value, by_staff_id, self._clock.now())
        self._limits = effective_limits(self._limits, {(parameter, bound): value}, {})
        if self._limit_sink is not None:
            self._store(self._limit_sink, change)
        self._access.audit.record(
            AuditAction.LIMIT_CHANGE,
            "alarm-limit",
            parameter.value,
            by_staff_id,
            {"bound": bound.value, "old": old, "new": value},
            at=change.at,
        )
        self.limitChanged.emit(change)
        self._refresh()
        return change

    def change_limits(self, changes: LimitChanges, by_staff_id: int) -> list[LimitChange]:
        """Change this patient's limits for this session only, all or nothing.

        Raises ValidationFailed (nothing changed) when any change is bad; each accepted change is
        audited with the session, the parameter, the bound and old → new. The whole change (every
        limit the caller set, changed or not) goes to ``patient_limit_sink``, so the session gets
        the same limits back after a restart. The limits end with the session: a later session
        starts from the clinic's limits again.
        """
        self._access.require(
            Permission.CHANGE_PATIENT_LIMITS,
            by_staff_id,
            entity="alarm-limit",
            entity_id=",".join(sorted(f"{p.value}.{b.value}" for p, b in changes)),
        )
        errors = check_limit_changes(self._limits, changes)
        if errors:
            raise ValidationFailed(errors)
        now = self._clock.now()
        applied: list[LimitChange] = []
        for (parameter, bound), value in changes.items():
            current = self._limits.get(parameter)
            old = current.get(bound) if current is not None else None
            applied.append(LimitChange(parameter, bound, old, value, by_staff_id, now))
        made = [change for change in applied if change.old != change.new]
        if not made:
            return []
        self._limits = effective_limits(self._limits, {}, changes)
        if self._patient_limit_sink is not None:
            self._store(self._patient_limit_sink, tuple(applied))
        for change in made:
            self._access.audit.record(
                AuditAction.LIMIT_CHANGE,
                "alarm-limit",
                change.parameter.value,
                by_staff_id,
                {
                    **self._audit_detail,
                    "scope": "patient (this session)",
                    "bound": change.bound.value,
                    "old": change.old,
                    "new": change.new,
                },
                at=now,
            )
        for change in made:
            self.limitChanged.emit(change)
        self._refresh()
        return made

    def use_limits(self, limits: LimitSet) -> None:
        """Replace the whole limit set (a new session's effective limits); nothing is logged."""
        self._limits = limits
        self._refresh()

    # ---- internals -------------------------------------------------------------------------
    def _drop_source(self, source: str) -> bool:
        stale = [slot for slot in self._latest if slot[0] == source]
        for slot in stale:
            del self._latest[slot]
        return bool(stale)

    def _conditions(self, now: datetime) -> list[AlarmCondition]:
        found: list[AlarmCondition] = []
        for point in self._latest.values():
            condition = evaluate(point, self._limits)
            if condition is not None:
                found.append(condition)
        found.extend(self._sensor.values())
        for source, status in self._readers.items():
            label = f"{status.driver} ({source})" if status.driver else source
            if status.state is ReaderState.DISCONNECTED:
                found.append(cable_unplugged(source, self._technical, label=label))
                continue
            last = status.last_reading or status.changed or now
            since = min(last, now - _TINY)  # the reader already judged it silent
            silent = device_silent(source, since, timedelta(0), now, self._technical, label)
            if silent is not None:
                found.append(silent)
        if self._check is not None:
            overdue = vitals_overdue(self._check)
            if overdue is not None:
                found.append(overdue)
        for definition, value in self._ratings.values():
            rating = rating_condition(definition, value)
            if rating is not None:
                found.append(rating)
        return found

    def _refresh(self) -> None:
        now = self._clock.now()
        events = self._board.update(self._conditions(now), now)
        self._publish(events, now)

    def _publish(self, events: list[AlarmEvent], now: datetime | None = None) -> None:
        """Sound first, then the screen, then the log: storage can never delay the alarm."""
        now = now or self._clock.now()
        self._update_sound(now)
        shown = tuple(self._board.active())
        if shown != self._shown:
            self._shown = shown
            self.alarmsChanged.emit(shown)
        for event in events:
            self.alarmEvent.emit(event)
            if self._sink is not None:
                self._store(self._sink, event)

    def _update_sound(self, now: datetime) -> None:
        sounding = self._board.sounding(now)
        if sounding is None:
            if self._sounded is not None:
                self._sound.stop()
                self._sounded, self._sounded_at = None, None
            return
        which = (sounding.alarm_id, sounding.priority)
        due = self._sounded_at is None or now - self._sounded_at >= REPEAT[sounding.priority]
        if which != self._sounded or due:
            self._sound.play(sounding.priority)
            self._sounded, self._sounded_at = which, now

    def _store(self, sink: Callable[[_T], None], item: _T) -> None:
        try:
            sink(item)
        except VigilError as error:
            log.warning("could not store %r: %s", item, error)
            self.storeProblem.emit(str(error))

    def _on_timer_timeout(self) -> None:
        self._refresh()
