"""Alarm episodes: one alarm's raises and clears close together, told as one line of the record.

An alarm that flaps (a value wavering around its limit) is raised and cleared again and again;
listed event by event it buries the rest of the record. Here the events of one alarm (the same
key) are folded into episodes: an episode starts with a raise, and every later event of that
alarm belongs to it as long as the alarm comes back within ``EPISODE_GAP`` (10 minutes) of its
previous clear. A raise more than 10 minutes after the clear starts a new episode.

An episode keeps its first raise and its last event, how many times it was raised, the highest
priority it reached, who acknowledged it, and its worst value: the lowest reading for an alarm
on a lower limit, the highest for an upper limit, taken from the alarm messages and, for a limit
alarm, from the recorded values of that parameter while the alarm was active.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from console.domain.review import AlarmRecord, VitalSeries
from console.domain.vitals import MANUAL_SOURCE, PARAMETERS, Parameter

EPISODE_GAP = timedelta(minutes=10)

_URGENCY = {"high": 3, "medium": 2, "low": 1}
# the value is the first number standing on its own ("SpO2 86 < 88": 86, not the 2 of SpO2)
_NUMBER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?![\w.])")
_LOW_WORDS = re.compile(r"<|≤|\bbelow\b|\bunder\b", re.IGNORECASE)
_HIGH_WORDS = re.compile(r">|≥|\babove\b|\bover\b", re.IGNORECASE)


@dataclass(slots=True)
class AlarmEpisode:
    """One alarm from its first raise to its last event (see the module's definition)."""

    key: str
    message: str  # the first raise's text
    priority: str  # the highest reached: "high", "medium" or "low"
    first: datetime
    last: datetime  # the last event of the episode (its final clear when it cleared)
    raised: int = 0  # how many times it was raised
    cleared: bool = False  # False: still active at the end of the record
    direction: str = ""  # "low" (a lower limit), "high" (an upper limit) or "" (unknown)
    worst: float | None = None
    parameter: Parameter | None = None
    acknowledged_by: list[int] = field(default_factory=list)
    active: list[tuple[datetime, datetime | None]] = field(default_factory=list)

    @property
    def flapping(self) -> bool:
        return self.raised > 1

    def worst_text(self) -> str:
        """The worst value with its unit ("84 %", "186 mmHg"); "" when none is known."""
        if self.worst is None:
            return ""
        value = f"{self.worst:.1f}".rstrip("0").rstrip(".")
        if self.parameter is None:
            return value
        unit = PARAMETERS[self.parameter].unit
        return f"{value} {unit}" if unit != "°C" else f"{value}{unit}"


def direction_of(message: str) -> str:
    """Whether an alarm's text speaks of a low ("<", "below") or a high (">", "above") value."""
    if _LOW_WORDS.search(message):
        return "low"
    if _HIGH_WORDS.search(message):
        return "high"
    return ""


def value_of(message: str) -> float | None:
    """The measured value an alarm's text starts with ("SpO2 86 % below 88 %" → 86)."""
    found = _NUMBER.search(message)
    return float(found.group(1)) if found else None


def parameter_of(key: str) -> Parameter | None:
    """The parameter of a limit alarm's key ("limit:spo2@/dev/ttyUSB0" → SpO2), else None."""
    if not key.startswith("limit:"):
        return None
    name = key[len("limit:") :].partition("@")[0]
    try:
        return Parameter(name)
    except ValueError:
        return None


def _source_of(key: str) -> str:
    return key.partition("@")[2] if key.startswith("limit:") else ""


def _worse(direction: str, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b) if direction == "low" else max(a, b)


def _worst_recorded(episode: AlarmEpisode, series: VitalSeries | None) -> float | None:
    """The worst value of the alarm's parameter (from its source) while the alarm was active;
    an alarm never cleared counts as active to the end of the record.
    """
    if series is None or not episode.direction or not series.times:
        return None
    manual_source = _source_of(episode.key) == MANUAL_SOURCE
    worst: float | None = None
    for start, stop in episode.active:
        lo = bisect_left(series.times, start.timestamp())
        hi = len(series.times) if stop is None else bisect_right(series.times, stop.timestamp())
        for index in range(lo, hi):
            if series.manual[index] == manual_source:
                worst = _worse(episode.direction, worst, series.values[index])
    return worst


def alarm_episodes(
    alarms: tuple[AlarmRecord, ...] | list[AlarmRecord],
    vitals: Mapping[Parameter, VitalSeries] | None = None,
    gap: timedelta = EPISODE_GAP,
) -> list[AlarmEpisode]:
    """The alarm events folded into episodes, in order of their first event."""
    done: list[AlarmEpisode] = []
    current: dict[str, AlarmEpisode] = {}
    for event in sorted(alarms, key=lambda a: a.at):
        key = event.key or event.message
        episode = current.get(key)
        is_raise = event.kind == "raised"
        if episode is not None and is_raise and episode.cleared and event.at - episode.last > gap:
            done.append(episode)
            episode = None
        if episode is None:
            episode = AlarmEpisode(
                key=key,
                message=event.message,
                priority=event.priority,
                first=event.at,
                last=event.at,
                direction=direction_of(event.message),
                parameter=parameter_of(event.key),
            )
            current[key] = episode
            if not is_raise:  # the record starts mid-alarm: it was active until this event
                episode.active.append((event.at, None))
        episode.last = event.at
        if _URGENCY.get(event.priority, 0) > _URGENCY.get(episode.priority, 0):
            episode.priority = event.priority
        if not episode.direction:
            episode.direction = direction_of(event.message)
        if episode.direction:
            episode.worst = _worse(episode.direction, episode.worst, value_of(event.message))
        if is_raise:
            if not episode.active or episode.active[-1][1] is not None:  # none open now
                episode.active.append((event.at, None))
            episode.raised += 1
            episode.cleared = False
        elif event.kind == "cleared":
            episode.cleared = True
            if episode.active and episode.active[-1][1] is None:
                episode.active[-1] = (episode.active[-1][0], event.at)
        elif (
            event.kind == "acknowledged"
            and event.staff_id is not None
            and event.staff_id not in episode.acknowledged_by
        ):
            episode.acknowledged_by.append(event.staff_id)
    done.extend(current.values())
    if vitals:
        for episode in done:
            if episode.parameter is not None:
                recorded = _worst_recorded(episode, vitals.get(episode.parameter))
                episode.worst = _worse(episode.direction, episode.worst, recorded)
    done.sort(key=lambda e: e.first)
    return done
