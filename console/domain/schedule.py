"""The session clock's arithmetic: elapsed times, the monitoring minimum and the vitals-check schedule.

Everything is computed from stored times and ``now``; nothing counts timer ticks, so the figures are
right after a restart, after the machine sleeps and across a daylight-saving change.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """Clinic settings for the clock: monitoring minimum and when vitals checks fall due."""

    min_monitoring: timedelta = timedelta(minutes=120)
    first_check: timedelta = timedelta(minutes=40)  # after T0: the expected blood-pressure peak
    interval: timedelta = timedelta(minutes=15)  # then every this long until discharge
    early_window: timedelta = timedelta(minutes=5)  # a check this early still counts
    grace: timedelta = timedelta(minutes=5)  # late by more than this is overdue


class CheckState(enum.StrEnum):
    """Where the next vitals check stands."""

    PRE_DOSE_DUE = "pre_dose_due"
    PRE_DOSE_DONE = "pre_dose_done"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class CheckStatus:
    """The vitals check the header shows, with its due time (None for the pre-dose check)."""

    state: CheckState
    due_at: datetime | None
    offset: timedelta | None  # due time after T0
    wait: timedelta  # until due (UPCOMING) or how late (OVERDUE); zero otherwise


@dataclass(frozen=True, slots=True)
class ClockFace:
    """What the session header shows, already formatted."""

    since_check_in: str
    since_dose: str | None  # "T+0:42:10", None before the dose
    minimum_left: str | None  # countdown to the monitoring minimum, None before the dose
    minimum_met: bool
    check: CheckStatus
    check_text: str


def format_duration(delta: timedelta) -> str:
    """H:MM:SS for a non-negative duration; a negative one (clock skew) shows as 0:00:00."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_offset(delta: timedelta) -> str:
    """T+H:MM for a due time after T0."""
    minutes = int(delta.total_seconds()) // 60
    return f"T+{minutes // 60}:{minutes % 60:02d}"


def due_offset(index: int, config: ScheduleConfig) -> timedelta:
    """The i-th post-dose check's offset from T0 (0 is the first check)."""
    return config.first_check + index * config.interval


def check_status(
    t0: datetime | None,
    checked_in: datetime,
    check_times: Sequence[datetime],
    now: datetime,
    config: ScheduleConfig,
) -> CheckStatus:
    """Where the vitals schedule stands at ``now`` given the times of the checks recorded so far.

    Before the dose one pre-dose check is needed. After it, checks fall due at T0 + first_check and
    then every interval; a check counts for every due time it is not more than ``early_window``
    early for, so one late check clears an overdue state and the schedule carries on from there.
    """
    if t0 is None:
        done = any(t >= checked_in for t in check_times)
        state = CheckState.PRE_DOSE_DONE if done else CheckState.PRE_DOSE_DUE
        return CheckStatus(state, None, None, timedelta(0))
    last = max((t for t in check_times if t >= t0), default=None)
    # the first due time the last check does not cover
    index = 0
    if last is not None:
        covered = last + config.early_window - t0 - config.first_check
        if covered >= timedelta(0):
            index = int(covered / config.interval) + 1
    offset = due_offset(index, config)
    due_at = t0 + offset
    if now < due_at - config.early_window:
        return CheckStatus(CheckState.UPCOMING, due_at, offset, due_at - now)
    if now <= due_at + config.grace:
        return CheckStatus(CheckState.DUE, due_at, offset, timedelta(0))
    return CheckStatus(CheckState.OVERDUE, due_at, offset, now - due_at)


def describe_check(status: CheckStatus) -> str:
    """Header text for a check status."""
    if status.state == CheckState.PRE_DOSE_DUE:
        return "Pre-dose vitals due"
    if status.state == CheckState.PRE_DOSE_DONE:
        return "Pre-dose vitals recorded"
    assert status.offset is not None
    at = format_offset(status.offset)
    minutes = int(status.wait.total_seconds() // 60)
    if status.state == CheckState.UPCOMING:
        seconds = int(status.wait.total_seconds())
        return f"Next check {at} in {seconds // 60}:{seconds % 60:02d}"
    if status.state == CheckState.DUE:
        return f"Vitals check due now ({at})"
    return f"Vitals check OVERDUE {minutes} min ({at})"


def clock_face(
    checked_in: datetime,
    t0: datetime | None,
    check_times: Sequence[datetime],
    now: datetime,
    config: ScheduleConfig,
    closed_at: datetime | None = None,
) -> ClockFace:
    """Compute the session header from stored times; a closed session's clock stops at closing."""
    at = min(now, closed_at) if closed_at is not None else now
    status = check_status(t0, checked_in, check_times, at, config)
    if t0 is None:
        return ClockFace(
            format_duration(at - checked_in), None, None, False, status, describe_check(status)
        )
    left = t0 + config.min_monitoring - at
    met = left <= timedelta(0)
    return ClockFace(
        since_check_in=format_duration(at - checked_in),
        since_dose="T+" + format_duration(at - t0),
        minimum_left=None if met else format_duration(left),
        minimum_met=met,
        check=status,
        check_text=describe_check(status),
    )
