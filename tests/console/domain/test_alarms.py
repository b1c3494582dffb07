from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.domain.alarms import (
    DEFAULT_LIMITS,
    AlarmBoard,
    AlarmCondition,
    Bound,
    EventKind,
    Limit,
    LimitSet,
    Priority,
    TechnicalConfig,
    cable_unplugged,
    device_silent,
    effective_limits,
    evaluate,
    key_source,
    limit_key,
    point_source,
    rating_condition,
    sensor_problem,
    validate_limit,
    validate_limit_change,
    vitals_overdue,
)
from console.domain.scales import ScaleDefinition, load_definitions
from console.domain.schedule import CheckState, CheckStatus
from console.domain.vitals import Parameter, VitalPoint

T = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
P = Parameter


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def point(parameter: Parameter, value: float, at: datetime = T) -> VitalPoint:
    return VitalPoint(parameter, value, at, "test")


def check(parameter: Parameter, value: float, limits: LimitSet = DEFAULT_LIMITS):
    condition = evaluate(point(parameter, value), limits)
    return None if condition is None else (condition.priority, condition.message)


def test_priorities_order_by_urgency_and_carry_bedside_colours():
    assert Priority.HIGH > Priority.MEDIUM > Priority.LOW
    assert max(Priority) is Priority.HIGH
    assert sorted([Priority.MEDIUM, Priority.HIGH, Priority.LOW], reverse=True) == [
        Priority.HIGH,
        Priority.MEDIUM,
        Priority.LOW,
    ]
    assert [p.colour for p in Priority] == ["red", "yellow", "cyan"]
    assert Priority("medium") is Priority.MEDIUM


H, M, L = Priority.HIGH, Priority.MEDIUM, Priority.LOW


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        # systolic: > 200 or < 80 high, > 180 or < 90 medium
        (P.NIBP_SYS, 180, None),
        (P.NIBP_SYS, 181, (M, "SBP 181 > 180")),
        (P.NIBP_SYS, 186, (M, "SBP 186 > 180")),
        (P.NIBP_SYS, 200, (M, "SBP 200 > 180")),
        (P.NIBP_SYS, 201, (H, "SBP 201 > 200")),
        (P.NIBP_SYS, 90, None),
        (P.NIBP_SYS, 89, (M, "SBP 89 < 90")),
        (P.NIBP_SYS, 80, (M, "SBP 80 < 90")),
        (P.NIBP_SYS, 79, (H, "SBP 79 < 80")),
        # diastolic: > 120 high, > 110 medium, no lower limit
        (P.NIBP_DIA, 110, None),
        (P.NIBP_DIA, 111, (M, "DBP 111 > 110")),
        (P.NIBP_DIA, 120, (M, "DBP 120 > 110")),
        (P.NIBP_DIA, 121, (H, "DBP 121 > 120")),
        (P.NIBP_DIA, 30, None),
        # heart rate: > 150 or < 40 high, > 120 or < 50 medium
        (P.HR, 120, None),
        (P.HR, 121, (M, "HR 121 > 120")),
        (P.HR, 150, (M, "HR 150 > 120")),
        (P.HR, 151, (H, "HR 151 > 150")),
        (P.HR, 50, None),
        (P.HR, 49, (M, "HR 49 < 50")),
        (P.HR, 40, (M, "HR 40 < 50")),
        (P.HR, 39, (H, "HR 39 < 40")),
        (P.HR, 38, (H, "HR 38 < 40")),
        # pulse rate from the oximeter uses the heart-rate limits
        (P.PR, 120, None),
        (P.PR, 121, (M, "PR 121 > 120")),
        (P.PR, 151, (H, "PR 151 > 150")),
        (P.PR, 49, (M, "PR 49 < 50")),
        (P.PR, 39, (H, "PR 39 < 40")),
        # SpO2: < 88 high, < 92 medium, no upper limit
        (P.SPO2, 100, None),
        (P.SPO2, 92, None),
        (P.SPO2, 91, (M, "SpO2 91 < 92")),
        (P.SPO2, 88, (M, "SpO2 88 < 92")),
        (P.SPO2, 87, (H, "SpO2 87 < 88")),
        # respiratory rate: < 8 or > 35 high, < 10 or > 30 medium
        (P.RR, 10, None),
        (P.RR, 9, (M, "RR 9 < 10")),
        (P.RR, 8, (M, "RR 8 < 10")),
        (P.RR, 7, (H, "RR 7 < 8")),
        (P.RR, 30, None),
        (P.RR, 31, (M, "RR 31 > 30")),
        (P.RR, 35, (M, "RR 35 > 30")),
        (P.RR, 36, (H, "RR 36 > 35")),
    ],
)
def test_default_limit_boundaries(parameter, value, expected):
    assert check(parameter, value) == expected


def test_values_are_shown_without_a_trailing_zero_and_fractions_are_kept():
    assert check(P.SPO2, 87.0) == (H, "SpO2 87 < 88")
    assert check(P.RR, 9.5) == (M, "RR 9.5 < 10")


def test_the_condition_carries_its_key_value_limit_and_source():
    condition = evaluate(point(P.NIBP_SYS, 186), DEFAULT_LIMITS)
    assert condition is not None
    assert condition.key == "limit:nibp_sys@test"
    assert condition.source == "test"
    assert (condition.parameter, condition.value, condition.limit) == (P.NIBP_SYS, 186, 180)
    assert condition.escalate_after is None


def test_each_source_has_its_own_limit_key_and_the_message_stays_the_same():
    port = VitalPoint(P.SPO2, 85, T, "masimo", device="/dev/pts/3")
    by_hand = VitalPoint(P.SPO2, 85, T, "manual", entered_by_id=4)
    assert (point_source(port), point_source(by_hand)) == ("/dev/pts/3", "manual")
    device = evaluate(port, DEFAULT_LIMITS)
    manual = evaluate(by_hand, DEFAULT_LIMITS)
    assert device is not None and manual is not None
    assert (device.key, device.source, device.message) == (
        "limit:spo2@/dev/pts/3",
        "/dev/pts/3",
        "SpO2 85 < 88",
    )
    assert (manual.key, manual.source, manual.message) == (
        "limit:spo2@manual",
        "manual",
        "SpO2 85 < 88",
    )
    assert limit_key(P.SPO2) == "limit:spo2"  # without a source: the old form
    assert limit_key(P.SPO2, "manual") == "limit:spo2@manual"
    assert key_source("limit:spo2@/dev/pts/3") == "/dev/pts/3"
    assert key_source("limit:spo2") == "" and key_source("tech:silent:/dev/pts/3") == ""


def test_an_alarm_and_its_events_name_their_source():
    port = evaluate(VitalPoint(P.SPO2, 85, T, "masimo", device="/dev/pts/3"), DEFAULT_LIMITS)
    assert port is not None
    board = AlarmBoard()
    (raised,) = board.update([port], T)
    assert raised.source == "/dev/pts/3"
    assert board.active()[0].source == "/dev/pts/3"
    assert board.active()[0].condition.source == "/dev/pts/3"


def test_parameters_without_limits_never_alarm():
    assert check(P.TEMP, 41.0) is None
    assert check(P.ETCO2, 90) is None
    assert check(P.HR, float("nan")) is None


def test_clinic_overrides_defaults_and_patient_overrides_clinic():
    clinic = {(P.NIBP_SYS, Bound.MEDIUM_UPPER): 170.0, (P.SPO2, Bound.MEDIUM_LOWER): 90.0}
    patient = {(P.NIBP_SYS, Bound.MEDIUM_UPPER): 190.0, (P.NIBP_SYS, Bound.HIGH_UPPER): 210.0}
    clinic_only = effective_limits(DEFAULT_LIMITS, clinic, {})
    assert check(P.NIBP_SYS, 175, clinic_only) == (M, "SBP 175 > 170")
    assert check(P.SPO2, 91, clinic_only) is None
    assert check(P.SPO2, 89, clinic_only) == (M, "SpO2 89 < 90")

    limits = effective_limits(DEFAULT_LIMITS, clinic, patient)
    assert limits.get(P.NIBP_SYS) == Limit(210, 190, 90, 80)
    assert check(P.NIBP_SYS, 186, limits) is None
    assert check(P.NIBP_SYS, 205, limits) == (M, "SBP 205 > 190")
    assert check(P.NIBP_SYS, 211, limits) == (H, "SBP 211 > 210")
    assert check(P.SPO2, 89, limits) == (M, "SpO2 89 < 90")  # the clinic's change still holds
    assert DEFAULT_LIMITS.get(P.NIBP_SYS) == Limit(200, 180, 90, 80)  # defaults untouched


def test_an_override_can_turn_a_limit_off():
    limits = effective_limits(DEFAULT_LIMITS, {}, {(P.SPO2, Bound.MEDIUM_LOWER): None})
    assert check(P.SPO2, 89, limits) is None
    assert check(P.SPO2, 87, limits) == (H, "SpO2 87 < 88")


def test_heart_rate_overrides_apply_to_pulse_rate_unless_pr_is_set_itself():
    limits = effective_limits(DEFAULT_LIMITS, {(P.HR, Bound.MEDIUM_UPPER): 110.0}, {})
    assert check(P.PR, 115, limits) == (M, "PR 115 > 110")
    explicit = {(P.HR, Bound.MEDIUM_UPPER): 110.0, (P.PR, Bound.MEDIUM_UPPER): 130.0}
    limits = effective_limits(DEFAULT_LIMITS, explicit, {})
    assert check(P.HR, 115, limits) == (M, "HR 115 > 110")
    assert check(P.PR, 125, limits) is None


def test_limit_sets_are_immutable_values():
    limits = LimitSet({P.HR: Limit(high_upper=150)})
    with pytest.raises(TypeError):
        limits.limits[P.HR] = Limit()  # type: ignore[index]
    assert limits == LimitSet({P.HR: Limit(high_upper=150)})
    assert limits.with_bound(P.HR, Bound.HIGH_UPPER, 140).get(P.HR) == Limit(high_upper=140)
    assert limits.get(P.HR) == Limit(high_upper=150)


def test_a_good_limit_change_has_no_errors():
    assert validate_limit_change(DEFAULT_LIMITS, P.NIBP_SYS, Bound.MEDIUM_UPPER, 170) == []
    assert validate_limit_change(DEFAULT_LIMITS, P.SPO2, Bound.MEDIUM_LOWER, None) == []
    assert validate_limit_change(DEFAULT_LIMITS, P.NIBP_DIA, Bound.MEDIUM_LOWER, 50) == []
    for parameter, limit in DEFAULT_LIMITS.limits.items():
        assert validate_limit(parameter, limit) == []


@pytest.mark.parametrize(
    ("parameter", "bound", "value", "message"),
    [
        (
            P.NIBP_SYS,
            Bound.MEDIUM_UPPER,
            210,
            "SBP medium upper limit 210 must be below the high upper limit 200.",
        ),
        (
            P.NIBP_SYS,
            Bound.MEDIUM_UPPER,
            200,
            "SBP medium upper limit 200 must be below the high upper limit 200.",
        ),
        (
            P.SPO2,
            Bound.HIGH_LOWER,
            93,
            "SpO2 high lower limit 93 must be below the medium lower limit 92.",
        ),
        (P.SPO2, Bound.MEDIUM_LOWER, 101, "SpO2 medium lower limit 101 is not possible (0–100 %)."),
        (
            P.NIBP_SYS,
            Bound.HIGH_UPPER,
            400,
            "SBP high upper limit 400 is not possible (20–320 mmHg).",
        ),
        (
            P.RR,
            Bound.HIGH_LOWER,
            float("nan"),
            "RR high lower limit nan is not possible (0–150 /min).",
        ),
        (
            P.HR,
            Bound.MEDIUM_LOWER,
            130,
            "HR medium lower limit 130 must be below the medium upper limit 120.",
        ),
    ],
)
def test_bad_limit_changes_give_field_errors(parameter, bound, value, message):
    errors = validate_limit_change(DEFAULT_LIMITS, parameter, bound, value)
    assert [e.field for e in errors] == [f"{parameter.value}.{bound.value}"] * len(errors)
    assert message in [e.message for e in errors]


def test_lower_must_stay_below_upper_across_priorities():
    errors = validate_limit(P.RR, Limit(high_upper=35, medium_upper=30, high_lower=32))
    assert [(e.field, e.message) for e in errors] == [
        ("rr.medium_upper", "RR medium upper limit 30 must be above the high lower limit 32.")
    ]


def test_a_change_reports_only_the_problems_it_causes():
    odd = LimitSet({P.RR: Limit(high_upper=35, medium_upper=30, high_lower=32)})
    assert validate_limit_change(odd, P.RR, Bound.HIGH_UPPER, 40) == []
    assert [e.field for e in validate_limit_change(odd, P.RR, Bound.HIGH_LOWER, 33)] == [
        "rr.high_lower"
    ]


def test_a_heart_rate_change_is_checked_against_pulse_rate_limits_too():
    pr_own = LimitSet({P.HR: Limit(150, 120, 50, 40), P.PR: Limit(150, 140, 50, 40)})
    errors = validate_limit_change(pr_own, P.HR, Bound.HIGH_UPPER, 130)
    assert [e.field for e in errors] == ["hr.high_upper"]
    assert "PR high upper limit 130 must be above the medium upper limit 140." in [
        e.message for e in errors
    ]


def test_technical_conditions_are_low_and_escalate_after_the_configured_time():
    oximeter = "/dev/ttyUSB0"
    assert device_silent(oximeter, T, s(10), T + s(10)) is None
    silent = device_silent(oximeter, T, s(10), T + s(11), label="Oximeter")
    assert silent is not None
    assert silent.key == "tech:silent:/dev/ttyUSB0"
    assert silent.message == "Oximeter: no data for 11 s"
    assert (silent.priority, silent.escalate_after) == (Priority.LOW, s(60))
    off = sensor_problem(oximeter, "sensor_off")
    assert (off.key, off.message, off.priority) == (
        "tech:sensor_off:/dev/ttyUSB0",
        "/dev/ttyUSB0: sensor off",
        Priority.LOW,
    )
    assert sensor_problem(oximeter, "no_finger").message == "/dev/ttyUSB0: no finger"
    unplugged = cable_unplugged("COM3", TechnicalConfig(escalate_after=s(30)), label="NIBP")
    assert (unplugged.key, unplugged.message) == ("tech:unplugged:COM3", "NIBP: cable unplugged")
    assert unplugged.escalate_after == s(30)


def test_overdue_vitals_check_is_low():
    overdue = CheckStatus(CheckState.OVERDUE, T, timedelta(minutes=40), timedelta(minutes=12))
    condition = vitals_overdue(overdue)
    assert condition is not None
    assert (condition.key, condition.priority) == ("check:overdue", Priority.LOW)
    assert condition.message == "Vitals check overdue 12 min"
    due = CheckStatus(CheckState.DUE, T, timedelta(minutes=40), timedelta(0))
    assert vitals_overdue(due) is None


MOAAS = load_definitions([])["moaas"]


def test_the_builtin_moaas_alarms_high_at_one_or_below():
    assert rating_condition(MOAAS, 2) is None
    deep = rating_condition(MOAAS, 1)
    assert deep is not None
    assert (deep.key, deep.priority, deep.message) == ("obs:moaas", Priority.HIGH, "MOAA/S 1 ≤ 1")
    assert (deep.value, deep.limit, deep.source) == (1, 1, "")
    none = rating_condition(MOAAS, 0)
    assert none is not None and none.message == "MOAA/S 0 ≤ 1"


def test_a_scale_alarms_with_its_own_limit_priority_and_sign():
    agitation = ScaleDefinition(
        "agitation", "RASS", "", -5, 4, alarm_at_or_above=3, alarm_priority="medium"
    )
    assert rating_condition(agitation, 2) is None
    high = rating_condition(agitation, 4)
    assert high is not None
    assert (high.key, high.priority, high.message) == ("obs:agitation", M, "RASS +4 ≥ +3")
    assert (high.value, high.limit) == (4, 3)
    both = ScaleDefinition(
        "both", "Both", "", 0, 10, alarm_at_or_below=1, alarm_at_or_above=9, alarm_priority="low"
    )
    low = rating_condition(both, 1)
    assert low is not None and (low.priority, low.message, low.limit) == (L, "Both 1 ≤ 1", 1)
    assert rating_condition(both, 5) is None
    assert rating_condition(ScaleDefinition("plain", "Pain", "", 0, 10), 10) is None


# --- the board --------------------------------------------------------------------------------


def sbp(value: float) -> AlarmCondition:
    condition = evaluate(point(P.NIBP_SYS, value), DEFAULT_LIMITS)
    assert condition is not None
    return condition


def kinds(events):
    return [(e.kind, e.key, e.priority) for e in events]


def test_the_board_raises_updates_without_re_raising_and_clears():
    board = AlarmBoard()
    events = board.update([sbp(186)], T)
    assert kinds(events) == [(EventKind.RAISED, "limit:nibp_sys@test", M)]
    assert events[0].message == "SBP 186 > 180"
    assert board.update([sbp(190)], T + s(60)) == []
    (alarm,) = board.active()
    assert alarm.message == "SBP 190 > 180"
    assert alarm.raised_at == T and alarm.priority is M
    cleared = board.update([], T + s(120))
    assert kinds(cleared) == [(EventKind.CLEARED, "limit:nibp_sys@test", M)]
    assert cleared[0].message == "SBP 190 > 180"
    assert board.active() == [] and board.sounding(T + s(120)) is None


def test_a_condition_that_returns_after_clearing_is_a_new_alarm():
    board = AlarmBoard()
    first = board.update([sbp(186)], T)[0]
    board.update([], T + s(10))
    again = board.update([sbp(187)], T + s(20))
    assert kinds(again) == [(EventKind.RAISED, "limit:nibp_sys@test", M)]
    assert again[0].alarm_id != first.alarm_id
    assert board.active()[0].raised_at == T + s(20)


def test_a_worse_value_escalates_and_priority_holds_until_the_alarm_clears():
    board = AlarmBoard()
    board.update([sbp(186)], T)
    board.acknowledge("limit:nibp_sys@test", 7, T + s(5))
    assert board.sounding(T + s(10)) is None
    events = board.update([sbp(205)], T + s(10))
    assert kinds(events) == [(EventKind.ESCALATED, "limit:nibp_sys@test", H)]
    assert events[0].message == "SBP 205 > 200"
    alarm = board.sounding(T + s(10))  # an escalation sounds again despite the acknowledgement
    assert alarm is not None and alarm.acknowledged_by is None
    assert board.update([sbp(186)], T + s(20)) == []
    assert board.active()[0].priority is H
    assert board.active()[0].message == "SBP 186 > 180"


def test_acknowledging_silences_for_two_minutes_then_the_sound_returns_while_active():
    board = AlarmBoard()
    board.update([sbp(186)], T)
    sounding = board.sounding(T)
    assert sounding is not None and sounding.key == "limit:nibp_sys@test"
    event = board.acknowledge("limit:nibp_sys@test", 42, T + s(30))
    assert event is not None
    assert event.silenced_until == T + s(150)
    assert board.sounding(T + s(31)) is None
    assert board.sounding(T + s(149)) is None
    # the visual indication stays while silenced
    (shown,) = board.active()
    assert shown.is_silenced(T + s(100))
    assert (shown.acknowledged_by, shown.acknowledged_at) == (42, T + s(30))
    board.update([sbp(188)], T + s(140))
    back = board.sounding(T + s(150))
    assert back is not None and back.key == "limit:nibp_sys@test"
    # once cleared it is gone from sound and sight
    board.update([], T + s(160))
    assert board.active() == [] and board.sounding(T + s(160)) is None


def test_acknowledge_takes_a_custom_silence_and_ignores_a_cleared_alarm():
    board = AlarmBoard()
    board.update([sbp(186)], T)
    board.acknowledge("limit:nibp_sys@test", 1, T, silence=s(30))
    assert board.sounding(T + s(29)) is None
    assert board.sounding(T + s(30)) is not None
    board.update([], T + s(40))
    assert board.acknowledge("limit:nibp_sys@test", 1, T + s(41)) is None


def test_sounding_is_the_most_urgent_unsilenced_alarm_and_active_sorts_by_priority_then_time():
    board = AlarmBoard()
    board.update([sbp(186)], T)
    spo2 = evaluate(point(P.SPO2, 87), DEFAULT_LIMITS)
    silent = device_silent("/dev/ttyUSB0", T, s(10), T + s(20))
    hr = evaluate(point(P.HR, 125), DEFAULT_LIMITS)
    assert spo2 is not None and silent is not None and hr is not None
    board.update([sbp(186), silent, spo2, hr], T + s(20))
    assert [a.key for a in board.active()] == [
        "limit:spo2@test",
        "limit:nibp_sys@test",
        "limit:hr@test",
        "tech:silent:/dev/ttyUSB0",
    ]
    assert [a.priority.colour for a in board.active()] == ["red", "yellow", "yellow", "cyan"]
    now = T + s(21)
    first = board.sounding(now)
    assert first is not None and first.key == "limit:spo2@test"
    board.acknowledge("limit:spo2@test", 3, now)
    second = board.sounding(now)
    assert second is not None and second.key == "limit:nibp_sys@test"
    assert len(board.active()) == 4


def test_a_lasting_technical_alarm_escalates_to_medium():
    board = AlarmBoard()
    off = sensor_problem("/dev/ttyUSB0", "sensor_off")
    assert kinds(board.update([off], T)) == [(EventKind.RAISED, off.key, Priority.LOW)]
    board.acknowledge(off.key, 5, T + s(1))
    assert board.update([off], T + s(60)) == []
    events = board.update([off], T + s(61))
    assert kinds(events) == [(EventKind.ESCALATED, off.key, Priority.MEDIUM)]
    alarm = board.sounding(T + s(61))
    assert alarm is not None and alarm.key == off.key and alarm.priority is Priority.MEDIUM
    assert board.update([off], T + s(200)) == []  # escalates once
    assert kinds(board.update([], T + s(201))) == [(EventKind.CLEARED, off.key, Priority.MEDIUM)]


def test_history_records_every_event_with_the_acknowledging_staff_and_time():
    board = AlarmBoard()
    board.update([sbp(186)], T)
    board.acknowledge("limit:nibp_sys@test", 42, T + s(30))
    board.update([], T + s(90))
    history = board.history
    assert [e.kind for e in history] == [
        EventKind.RAISED,
        EventKind.ACKNOWLEDGED,
        EventKind.CLEARED,
    ]
    ack = history[1]
    assert (ack.staff_id, ack.at, ack.silenced_until) == (42, T + s(30), T + s(150))
    assert (ack.key, ack.message, ack.priority) == ("limit:nibp_sys@test", "SBP 186 > 180", M)
    assert history[0].staff_id is None and history[2].at == T + s(90)
    assert len({e.alarm_id for e in history}) == 1


def test_a_scoped_update_only_clears_its_own_conditions():
    board = AlarmBoard()
    silent = device_silent("/dev/ttyUSB0", T, s(10), T + s(20))
    assert silent is not None
    board.update([sbp(186), silent], T)
    events = board.update([], T + s(1), scope="tech:")
    assert kinds(events) == [(EventKind.CLEARED, silent.key, Priority.LOW)]
    assert [a.key for a in board.active()] == ["limit:nibp_sys@test"]
    with pytest.raises(ValueError, match="outside scope"):
        board.update([sbp(186)], T + s(2), scope="tech:")


def test_the_same_key_twice_in_one_update_keeps_the_most_urgent():
    board = AlarmBoard()
    events = board.update([sbp(186), sbp(205)], T)
    assert kinds(events) == [(EventKind.RAISED, "limit:nibp_sys@test", H)]
    assert board.active()[0].message == "SBP 205 > 200"


def test_naive_times_are_refused():
    board = AlarmBoard()
    with pytest.raises(ValueError, match="aware"):
        board.update([], datetime(2026, 11, 21, 10, 0))
