"""What the clinic station shows, as plain data: beds of every room, their alarms, console reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from console.domain.alarms import EventKind, Priority
from console.domain.lifecycle import SessionState
from console.domain.vitals import Parameter, VitalPoint

#: A room whose consoles have not reported for this long shows "not reporting since hh:mm".
NOT_REPORTING_AFTER = timedelta(seconds=30)
#: ``room_id`` of a heartbeat from a console that watches every room.
EVERY_ROOM = 0


@dataclass(frozen=True, slots=True)
class StationBed:
    """One open session as the station knows it (read from the shared database)."""

    session_id: int
    room_id: int
    chair: int | None
    label: str  # "Chair 2 · J. Doe", as the room console names the bed
    state: SessionState
    checked_in_at: datetime
    t0: datetime | None
    closed_at: datetime | None
    check_times: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class StationAlarm:
    """An active alarm of one bed, folded from the stored alarm events."""

    session_id: int
    key: str
    priority: Priority
    message: str
    raised_at: datetime
    acknowledged_by: int | None = None


@dataclass(frozen=True, slots=True)
class AlarmLine:
    """One stored alarm event: what happened to which alarm of which session."""

    session_id: int
    key: str
    kind: str
    priority: str
    message: str
    at: datetime
    staff_id: int | None


@dataclass(frozen=True, slots=True)
class ConsoleBeat:
    """A room console's last report for one room (``room_id`` EVERY_ROOM: all rooms)."""

    console_id: str
    room_id: int
    last_seen: datetime
    age: timedelta  # how old the report was when read (by the database's own clock)
    started_at: datetime | None = None  # when the console started (its own clock)


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """New samples of one session, with the highest row id read (to skip rows seen twice)."""

    session_id: int
    points: tuple[VitalPoint, ...]
    last_id: int


@dataclass
class StationSnapshot:
    """The whole state at one moment: what the station shows after connecting or catching up."""

    rooms: dict[int, str]
    beds: list[StationBed]
    latest: dict[int, dict[Parameter, VitalPoint]] = field(default_factory=dict)
    last_ids: dict[int, int] = field(default_factory=dict)
    alarms: dict[int, list[StationAlarm]] = field(default_factory=dict)
    beats: list[ConsoleBeat] = field(default_factory=list)


def bed_label(display_name: str, chair: int | None) -> str:
    """The bed's name as every console shows it: "Chair 2 · J. Doe" (or the name alone)."""
    return f"Chair {chair} · {display_name}" if chair is not None else display_name


def fold_alarms(lines: Iterable[AlarmLine]) -> list[StationAlarm]:
    """The alarms still active after a session's events (oldest first), most urgent first.

    Alarms are followed by key: raised starts one, escalated raises its priority, acknowledged
    names who, cleared ends it.
    """
    active: dict[str, StationAlarm] = {}
    for line in lines:
        kind = EventKind(line.kind)
        current = active.get(line.key)
        if kind is EventKind.CLEARED:
            active.pop(line.key, None)
        elif kind is EventKind.RAISED or (current is None and kind is EventKind.ESCALATED):
            active[line.key] = StationAlarm(
                line.session_id, line.key, Priority(line.priority), line.message, line.at
            )
        elif kind is EventKind.ESCALATED and current is not None:
            active[line.key] = replace(
                current,
                priority=max(current.priority, Priority(line.priority)),
                message=line.message,
            )
        elif current is not None:  # acknowledged
            active[line.key] = replace(current, acknowledged_by=line.staff_id)
    return sorted(active.values(), key=lambda a: (-a.priority.urgency, a.raised_at))
