from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from console.domain.schedule import (
    CheckState,
    ScheduleConfig,
    check_status,
    clock_face,
    format_duration,
)

CFG = ScheduleConfig()
T_IN = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
T0 = T_IN + timedelta(minutes=20)


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def test_format_duration_and_negative_skew():
    assert format_duration(timedelta(hours=2, minutes=3, seconds=4)) == "2:03:04"
    assert format_duration(timedelta(seconds=-30)) == "0:00:00"


def test_before_the_dose_only_check_in_time_runs_and_pre_dose_vitals_are_due():
    face = clock_face(T_IN, None, [], T_IN + m(7), CFG)
    assert face.since_check_in == "0:07:00"
    assert face.since_dose is None and face.minimum_left is None
    assert face.check.state is CheckState.PRE_DOSE_DUE
    assert face.check_text == "Pre-dose vitals due"
    done = clock_face(T_IN, None, [T_IN + m(5)], T_IN + m(7), CFG)
    assert done.check.state is CheckState.PRE_DOSE_DONE


def test_after_the_dose_the_clock_counts_from_t0_and_down_to_the_minimum():
    face = clock_face(T_IN, T0, [T_IN + m(5)], T0 + timedelta(minutes=42, seconds=10), CFG)
    assert face.since_dose == "T+0:42:10"
    assert face.since_check_in == "1:02:10"
    assert face.minimum_left == "1:17:50"
    assert not face.minimum_met


def test_minimum_met_at_exactly_two_hours_and_configurable():
    assert clock_face(T_IN, T0, [], T0 + m(120), CFG).minimum_met
    assert not clock_face(T_IN, T0, [], T0 + m(119.9), CFG).minimum_met
    short = ScheduleConfig(min_monitoring=m(90))
    assert clock_face(T_IN, T0, [], T0 + m(90), short).minimum_met


@pytest.mark.parametrize(
    ("now_min", "state", "due_min", "text"),
    [
        (10, CheckState.UPCOMING, 40, "Next check T+0:40 in 30:00"),
        (36, CheckState.DUE, 40, "Vitals check due now (T+0:40)"),
        (45, CheckState.DUE, 40, "Vitals check due now (T+0:40)"),
        (52, CheckState.OVERDUE, 40, "Vitals check OVERDUE 12 min (T+0:40)"),
        (80, CheckState.OVERDUE, 40, "Vitals check OVERDUE 40 min (T+0:40)"),
    ],
)
def test_the_first_check_falls_due_at_t0_plus_40_and_turns_overdue(now_min, state, due_min, text):
    status = check_status(T0, T_IN, [T_IN + m(5)], T0 + m(now_min), CFG)
    assert status.state is state
    assert status.due_at == T0 + m(due_min)
    assert clock_face(T_IN, T0, [T_IN + m(5)], T0 + m(now_min), CFG).check_text == text


def test_checks_then_fall_every_15_minutes_and_a_late_check_clears_overdue():
    on_time = [T0 + m(39)]
    assert check_status(T0, T_IN, on_time, T0 + m(41), CFG).due_at == T0 + m(55)
    assert check_status(T0, T_IN, on_time, T0 + m(41), CFG).state is CheckState.UPCOMING
    assert check_status(T0, T_IN, on_time, T0 + m(61), CFG).state is CheckState.OVERDUE
    late = [*on_time, T0 + m(63)]
    status = check_status(T0, T_IN, late, T0 + m(64), CFG)
    assert status.state is CheckState.UPCOMING and status.due_at == T0 + m(70)


def test_a_check_too_early_does_not_count():
    status = check_status(T0, T_IN, [T0 + m(30)], T0 + m(50), CFG)
    assert status.state is CheckState.OVERDUE and status.due_at == T0 + m(40)


def test_interval_is_configurable():
    cfg = ScheduleConfig(first_check=m(15), interval=m(10))
    assert check_status(T0, T_IN, [T0 + m(15)], T0 + m(16), cfg).due_at == T0 + m(25)


def test_elapsed_time_is_real_time_across_a_daylight_saving_change():
    new_york = ZoneInfo("America/New_York")
    # clocks jump from 02:00 to 03:00 local on 2026-03-08
    checked_in = datetime(2026, 3, 8, 1, 40, tzinfo=new_york)
    t0 = datetime(2026, 3, 8, 1, 50, tzinfo=new_york)
    now = datetime(2026, 3, 8, 3, 10, tzinfo=new_york)  # 20 minutes of real time after T0
    face = clock_face(checked_in.astimezone(UTC), t0.astimezone(UTC), [], now.astimezone(UTC), CFG)
    assert face.since_dose == "T+0:20:00"
    assert face.since_check_in == "0:30:00"


def test_a_closed_session_stops_its_clock_at_closing():
    closed = T0 + m(130)
    face = clock_face(T_IN, T0, [], closed + m(600), CFG, closed_at=closed)
    assert face.since_dose == "T+2:10:00"
    assert face.minimum_met
