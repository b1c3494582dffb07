"""Alarm rules (limits, technical and observation conditions) and the pure board that tracks them.

The rules are functions from a value (or a device's state) to an ``AlarmCondition``; the
``AlarmBoard`` turns the conditions present at each tick into RAISED / ESCALATED / CLEARED events
and keeps acknowledgements. Nothing here reads a clock: every call takes ``now`` (aware UTC).
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from console.domain.scales import ScaleDefinition, alarm_for, crossed_limit
from console.domain.schedule import CheckState, CheckStatus
from console.domain.vitals import PARAMETERS, Parameter, VitalPoint, is_possible
from console.errors import FieldError

DEFAULT_SILENCE = timedelta(minutes=2)


@functools.total_ordering
class Priority(enum.Enum):
    """Alarm priority (IEC 60601-1-8); compares by urgency, so ``max()`` is the most urgent."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"  # also every technical alarm until it lasts

    @property
    def urgency(self) -> int:
        """3 for HIGH, 2 for MEDIUM, 1 for LOW."""
        return _URGENCY[self]

    @property
    def colour(self) -> str:
        """The bedside colour name: red, yellow or cyan."""
        return _COLOURS[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Priority):
            return NotImplemented
        return self.urgency < other.urgency


_URGENCY = {Priority.HIGH: 3, Priority.MEDIUM: 2, Priority.LOW: 1}
_COLOURS = {Priority.HIGH: "red", Priority.MEDIUM: "yellow", Priority.LOW: "cyan"}


# --- limits -----------------------------------------------------------------------------------


class Bound(enum.StrEnum):
    """One of the four limits of a parameter; the value is stored with a limit override."""

    HIGH_UPPER = "high_upper"
    MEDIUM_UPPER = "medium_upper"
    MEDIUM_LOWER = "medium_lower"
    HIGH_LOWER = "high_lower"


@dataclass(frozen=True, slots=True)
class Limit:
    """A parameter's limits: a value above an upper or below a lower limit alarms; None = off."""

    high_upper: float | None = None
    medium_upper: float | None = None
    medium_lower: float | None = None
    high_lower: float | None = None

    def get(self, bound: Bound) -> float | None:
        match bound:
            case Bound.HIGH_UPPER:
                return self.high_upper
            case Bound.MEDIUM_UPPER:
                return self.medium_upper
            case Bound.MEDIUM_LOWER:
                return self.medium_lower
            case Bound.HIGH_LOWER:
                return self.high_lower

    def with_bound(self, bound: Bound, value: float | None) -> Limit:
        return replace(self, **{bound.value: value})


@dataclass(frozen=True, slots=True)
class LimitSet:
    """The limits of every parameter that has any; a parameter absent here never alarms."""

    limits: Mapping[Parameter, Limit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "limits", MappingProxyType(dict(self.limits)))

    def get(self, parameter: Parameter) -> Limit | None:
        return self.limits.get(parameter)

    def with_bound(self, parameter: Parameter, bound: Bound, value: float | None) -> LimitSet:
        """A copy with one limit changed (unchecked: see ``validate_limit_change``)."""
        limit = self.limits.get(parameter, Limit()).with_bound(bound, value)
        return LimitSet({**self.limits, parameter: limit})


_HR_LIMIT = Limit(high_upper=150, medium_upper=120, medium_lower=50, high_lower=40)

#: Adult defaults from CLINICAL.md; the oximeter's pulse rate uses the heart-rate limits.
DEFAULT_LIMITS = LimitSet(
    {
        Parameter.NIBP_SYS: Limit(high_upper=200, medium_upper=180, medium_lower=90, high_lower=80),
        Parameter.NIBP_DIA: Limit(high_upper=120, medium_upper=110),
        Parameter.HR: _HR_LIMIT,
        Parameter.PR: _HR_LIMIT,
        Parameter.SPO2: Limit(medium_lower=92, high_lower=88),
        Parameter.RR: Limit(high_upper=35, medium_upper=30, medium_lower=10, high_lower=8),
    }
)

#: A layer of limit changes (clinic or patient): (parameter, bound) → new value, None = turned off.
LimitOverrides = Mapping[tuple[Parameter, Bound], float | None]

# A change to the heart-rate limits applies to the pulse rate too (unless PR is set explicitly).
_FOLLOWERS: dict[Parameter, tuple[Parameter, ...]] = {Parameter.HR: (Parameter.PR,)}

#: Labels in alarm messages where they differ from the numerics' labels ("SBP 186 > 180").
ALARM_LABELS: dict[Parameter, str] = {Parameter.NIBP_SYS: "SBP", Parameter.NIBP_DIA: "DBP"}


def alarm_label(parameter: Parameter) -> str:
    """The parameter's name in alarm text: SBP, DBP, else the label from PARAMETERS."""
    return ALARM_LABELS.get(parameter, PARAMETERS[parameter].label)


def _fmt(value: float) -> str:
    return f"{value:g}"


def effective_limits(
    defaults: LimitSet, clinic_overrides: LimitOverrides, patient_overrides: LimitOverrides
) -> LimitSet:
    """Defaults, then the clinic's changes, then the patient's: the later layer wins per bound.

    Within a layer an HR change applies to PR too, and an explicit PR change then wins over it.
    """
    result = defaults
    for layer in (clinic_overrides, patient_overrides):
        for follow in (False, True):
            for (parameter, bound), value in layer.items():
                if follow:
                    for follower in _FOLLOWERS.get(parameter, ()):
                        if (follower, bound) not in layer:
                            result = result.with_bound(follower, bound, value)
                else:
                    result = result.with_bound(parameter, bound, value)
    return result


_ORDER = (Bound.HIGH_LOWER, Bound.MEDIUM_LOWER, Bound.MEDIUM_UPPER, Bound.HIGH_UPPER)


def _bound_name(bound: Bound) -> str:
    return bound.value.replace("_", " ")


def _problems(parameter: Parameter, limit: Limit, changed: Bound | None) -> list[FieldError]:
    """Impossible values and out-of-order pairs, told from the changed bound's side if given."""
    errors: list[FieldError] = []
    info = PARAMETERS[parameter]
    label = alarm_label(parameter)
    present: list[tuple[Bound, float]] = []
    for bound in _ORDER:
        value = limit.get(bound)
        if value is None:
            continue
        if is_possible(parameter, value):
            present.append((bound, value))
        elif changed in (None, bound):
            shown = _fmt(value) if math.isfinite(value) else str(value)
            errors.append(
                FieldError(
                    f"{parameter.value}.{bound.value}",
                    f"{label} {_bound_name(bound)} limit {shown} is not possible "
                    f"({info.minimum:g}–{info.maximum:g} {info.unit}).",
                )
            )
    for i, (low_bound, low) in enumerate(present):
        for high_bound, high in present[i + 1 :]:
            if low < high or changed not in (None, low_bound, high_bound):
                continue
            if changed is low_bound:
                subject, value, relation = low_bound, low, "below"
                other, other_value = high_bound, high
            else:
                subject, value, relation = high_bound, high, "above"
                other, other_value = low_bound, low
            errors.append(
                FieldError(
                    f"{parameter.value}.{subject.value}",
                    f"{label} {_bound_name(subject)} limit {_fmt(value)} must be {relation} "
                    f"the {_bound_name(other)} limit {_fmt(other_value)}.",
                )
            )
    return errors


def validate_limit(parameter: Parameter, limit: Limit) -> list[FieldError]:
    """Check a parameter's limits: possible values, strictly high lower < medium lower < medium
    upper < high upper (a medium limit lies inside the high one). Fields are "<parameter>.<bound>".
    """
    return _problems(parameter, limit, None)


def validate_limit_change(
    current: LimitSet, parameter: Parameter, bound: Bound, value: float | None
) -> list[FieldError]:
    """The errors (none if fine) of changing one limit of the ``current`` effective limits.

    Only problems the change itself causes are reported, all on the changed field
    ("<parameter>.<bound>"); an HR change also checks the PR limits it would move.
    """
    name = f"{parameter.value}.{bound.value}"
    errors: list[FieldError] = []
    for target in (parameter, *_FOLLOWERS.get(parameter, ())):
        limit = current.limits.get(target, Limit()).with_bound(bound, value)
        for error in _problems(target, limit, bound):
            moved = FieldError(name, error.message)
            if moved not in errors:
                errors.append(moved)
    return errors


# --- conditions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlarmCondition:
    """Something alarm-worthy that holds now; the same ``key`` on the next tick is the same alarm."""

    # "limit:nibp_sys@/dev/ttyUSB0", "limit:spo2@manual", "tech:silent:/dev/ttyUSB0", "obs:moaas",
    # "check:overdue"
    key: str
    priority: Priority
    message: str  # "SBP 186 > 180"
    escalate_after: timedelta | None = None  # lasting longer than this raises it to escalate_to
    escalate_to: Priority = Priority.MEDIUM
    parameter: Parameter | None = None
    value: float | None = None
    limit: float | None = None
    source: str = ""  # the value's source for a limit alarm: the device's port, or "manual"


#: The source of hand-entered values (VitalPoint.source of a manual set).


def point_source(point: VitalPoint) -> str:
    """The source a value is judged under: its device (port), else its source ("manual")."""
    return point.source_id


def limit_key(parameter: Parameter, source: str = "") -> str:
    """A limit alarm's key: "limit:spo2@/dev/ttyUSB0" per source; "limit:spo2" without one."""
    return f"limit:{parameter.value}@{source}" if source else f"limit:{parameter.value}"


def key_source(key: str) -> str:
    """The source part of a limit alarm's key ("" for other keys and for "limit:spo2")."""
    if not key.startswith("limit:"):
        return ""
    return key.partition("@")[2]


def evaluate(point: VitalPoint, limits: LimitSet) -> AlarmCondition | None:
    """The most urgent limit the value violates (strictly above an upper, below a lower), if any.

    Each source is its own alarm: the key and ``source`` name the point's device (or "manual").
    """
    limit = limits.get(point.parameter)
    if limit is None or not math.isfinite(point.value):
        return None
    value = point.value
    source = point_source(point)
    checks = (
        (Priority.HIGH, limit.high_upper, ">"),
        (Priority.HIGH, limit.high_lower, "<"),
        (Priority.MEDIUM, limit.medium_upper, ">"),
        (Priority.MEDIUM, limit.medium_lower, "<"),
    )
    for priority, bound, op in checks:
        if bound is None or not (value > bound if op == ">" else value < bound):
            continue
        return AlarmCondition(
            key=limit_key(point.parameter, source),
            priority=priority,
            message=f"{alarm_label(point.parameter)} {_fmt(value)} {op} {_fmt(bound)}",
            parameter=point.parameter,
            value=value,
            limit=bound,
            source=source,
        )
    return None


@dataclass(frozen=True, slots=True)
class TechnicalConfig:
    """Clinic settings for technical alarms: a LOW one lasting longer than this becomes MEDIUM."""

    escalate_after: timedelta = timedelta(seconds=60)


DEFAULT_TECHNICAL = TechnicalConfig()


#: Device status codes (devices.base.DeviceEvent.code) that are technical alarms, with their text.
SENSOR_PROBLEMS: dict[str, str] = {
    "sensor_off": "sensor off",
    "no_sensor": "no sensor",
    "no_finger": "no finger",
    "defective_sensor": "defective sensor",
}


def _technical(key: str, message: str, config: TechnicalConfig) -> AlarmCondition:
    return AlarmCondition(key, Priority.LOW, message, escalate_after=config.escalate_after)


def device_silent(
    device: str,
    last_value_at: datetime,
    expected_period: timedelta,
    now: datetime,
    config: TechnicalConfig = DEFAULT_TECHNICAL,
    label: str = "",
) -> AlarmCondition | None:
    """A technical alarm when nothing valid came from ``device`` for longer than its period.

    ``last_value_at`` is the last valid reading, or the connection time before the first one.
    """
    silent_for = now - last_value_at
    if silent_for <= expected_period:
        return None
    seconds = int(silent_for.total_seconds())
    return _technical(
        f"tech:silent:{device}", f"{label or device}: no data for {seconds} s", config
    )


def sensor_problem(
    device: str,
    code: str,
    config: TechnicalConfig = DEFAULT_TECHNICAL,
    label: str = "",
) -> AlarmCondition:
    """A technical alarm for an active device status code ("sensor_off", "no_sensor", ...)."""
    text = SENSOR_PROBLEMS.get(code, code.replace("_", " "))
    return _technical(f"tech:{code}:{device}", f"{label or device}: {text}", config)


def cable_unplugged(
    device: str,
    config: TechnicalConfig = DEFAULT_TECHNICAL,
    label: str = "",
) -> AlarmCondition:
    """A technical alarm for a port that failed or vanished (the reader is DISCONNECTED)."""
    return _technical(f"tech:unplugged:{device}", f"{label or device}: cable unplugged", config)


def vitals_overdue(status: CheckStatus) -> AlarmCondition | None:
    """A LOW alarm while the vitals check is overdue ("Vitals check overdue 12 min")."""
    if status.state is not CheckState.OVERDUE:
        return None
    minutes = int(status.wait.total_seconds() // 60)
    return AlarmCondition("check:overdue", Priority.LOW, f"Vitals check overdue {minutes} min")


def rating_key(scale_id: str) -> str:
    """A rating alarm's key: "obs:moaas"."""
    return f"obs:{scale_id}"


def rating_condition(definition: ScaleDefinition, value: int) -> AlarmCondition | None:
    """An alarm for a rating at or beyond its scale's own limits ("MOAA/S 1 ≤ 1"), else None.

    The priority is the definition's ``alarm_priority``; the key is "obs:<scale id>".
    """
    message = alarm_for(definition, value)
    if message is None or definition.alarm_priority is None:
        return None
    return AlarmCondition(
        rating_key(definition.id),
        Priority(definition.alarm_priority),
        message,
        value=value,
        limit=crossed_limit(definition, value),
    )


# --- the board --------------------------------------------------------------------------------


class EventKind(enum.StrEnum):
    """What happened to an alarm; the value is stored with the event."""

    RAISED = "raised"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class ActiveAlarm:
    """An alarm on the board: its latest condition, its priority and its acknowledgement."""

    alarm_id: int  # unique on this board; a condition that clears and returns gets a new one
    condition: AlarmCondition
    priority: Priority  # the highest reached while active (escalation latches until it clears)
    raised_at: datetime
    acknowledged_by: int | None = None
    acknowledged_at: datetime | None = None
    silenced_until: datetime | None = None

    @property
    def key(self) -> str:
        return self.condition.key

    @property
    def message(self) -> str:
        return self.condition.message

    @property
    def source(self) -> str:
        """The device (port) or "manual" a limit alarm's value came from; "" for other alarms."""
        return self.condition.source

    def is_silenced(self, now: datetime) -> bool:
        """True while an acknowledgement's silence lasts; the visual indication stays regardless."""
        return self.silenced_until is not None and now < self.silenced_until


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One line of the alarm log: what happened to which alarm, when, and who acknowledged it."""

    kind: EventKind
    alarm_id: int
    key: str
    priority: Priority
    message: str
    at: datetime
    staff_id: int | None = None  # the acknowledging staff member
    silenced_until: datetime | None = None  # for ACKNOWLEDGED

    @property
    def source(self) -> str:
        """The device (port) or "manual" of a limit alarm, read from its key; "" otherwise."""
        return key_source(self.key)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("alarm times must be aware (UTC) datetimes")


class AlarmBoard:
    """The active alarms and their log; call ``update`` with every condition present, each tick."""

    def __init__(self) -> None:
        self._active: dict[str, ActiveAlarm] = {}
        self._history: list[AlarmEvent] = []
        self._next_id = 1

    def update(
        self, conditions: Iterable[AlarmCondition], now: datetime, scope: str = ""
    ) -> list[AlarmEvent]:
        """Raise new conditions, refresh (and maybe escalate) lasting ones, clear absent ones.

        Only alarms whose key starts with ``scope`` can clear, so a source can report its own
        conditions alone (``scope="tech:"``); every condition given must then be in that scope.
        A changed value only updates the message. Escalation (to a higher condition priority, or
        by lasting past ``escalate_after``) re-sounds an acknowledged alarm; priority never drops
        while the alarm stays active.
        """
        _require_aware(now)
        present: dict[str, AlarmCondition] = {}
        for condition in conditions:
            if not condition.key.startswith(scope):
                raise ValueError(f"condition {condition.key!r} is outside scope {scope!r}")
            earlier = present.get(condition.key)
            if earlier is None or condition.priority > earlier.priority:
                present[condition.key] = condition
        events: list[AlarmEvent] = []
        for key, alarm in list(self._active.items()):
            if key.startswith(scope) and key not in present:
                del self._active[key]
                events.append(self._event(EventKind.CLEARED, alarm, now))
        for key, condition in present.items():
            standing = self._active.get(key)
            if standing is None:
                alarm = ActiveAlarm(self._next_id, condition, condition.priority, now)
                self._next_id += 1
                alarm = replace(alarm, priority=self._priority(alarm, condition, now))
                self._active[key] = alarm
                events.append(self._event(EventKind.RAISED, alarm, now))
                continue
            alarm = standing
            priority = self._priority(alarm, condition, now)
            if priority > alarm.priority:
                alarm = replace(
                    alarm,
                    condition=condition,
                    priority=priority,
                    acknowledged_by=None,
                    acknowledged_at=None,
                    silenced_until=None,
                )
                events.append(self._event(EventKind.ESCALATED, alarm, now))
            else:
                alarm = replace(alarm, condition=condition)
            self._active[key] = alarm
        self._history.extend(events)
        return events

    @staticmethod
    def _priority(alarm: ActiveAlarm, condition: AlarmCondition, now: datetime) -> Priority:
        priority = max(alarm.priority, condition.priority)
        after = condition.escalate_after
        if after is not None and now - alarm.raised_at > after:
            priority = max(priority, condition.escalate_to)
        return priority

    def acknowledge(
        self, key: str, by_staff_id: int, now: datetime, silence: timedelta = DEFAULT_SILENCE
    ) -> AlarmEvent | None:
        """Silence an active alarm's sound until ``now + silence``; it stays shown until it clears.

        Returns the logged event, or None when the alarm has already cleared (nothing to do).
        """
        _require_aware(now)
        alarm = self._active.get(key)
        if alarm is None:
            return None
        alarm = replace(
            alarm, acknowledged_by=by_staff_id, acknowledged_at=now, silenced_until=now + silence
        )
        self._active[key] = alarm
        event = self._event(EventKind.ACKNOWLEDGED, alarm, now)
        self._history.append(event)
        return event

    def active(self) -> list[ActiveAlarm]:
        """Every active alarm (silenced or not), most urgent first, then the longest-standing."""
        return sorted(
            self._active.values(), key=lambda a: (-a.priority.urgency, a.raised_at, a.alarm_id)
        )

    def get(self, key: str) -> ActiveAlarm | None:
        return self._active.get(key)

    def sounding(self, now: datetime) -> ActiveAlarm | None:
        """The alarm whose sound plays: the most urgent one not silenced at ``now``, if any."""
        _require_aware(now)
        return next((a for a in self.active() if not a.is_silenced(now)), None)

    @property
    def history(self) -> tuple[AlarmEvent, ...]:
        """Every event so far, oldest first, for the alarm log."""
        return tuple(self._history)

    @staticmethod
    def _event(kind: EventKind, alarm: ActiveAlarm, now: datetime) -> AlarmEvent:
        acknowledged = kind is EventKind.ACKNOWLEDGED
        return AlarmEvent(
            kind,
            alarm.alarm_id,
            alarm.key,
            alarm.priority,
            alarm.message,
            now,
            staff_id=alarm.acknowledged_by if acknowledged else None,
            silenced_until=alarm.silenced_until if acknowledged else None,
        )
