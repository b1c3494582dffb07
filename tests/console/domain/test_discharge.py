from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.domain.discharge import (
    BLEEDING_NOTE,
    Ambulation,
    ItemId,
    ItemSource,
    NauseaControl,
    PadssScore,
    RemsFacts,
    RideHome,
    VitalsComparison,
    baseline_set,
    check_integration,
    checklist,
    discharge_blockers,
    full_set,
    pain_points,
    rems_facts,
    validate_override,
    validate_padss,
    validate_ride_home,
    vitals_item,
)
from console.domain.vitals import Parameter as P
from console.domain.vitals import VitalPoint
from console.errors import ValidationFailed

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
BASELINE = {P.NIBP_SYS: 100.0, P.NIBP_DIA: 70.0, P.HR: 80.0, P.SPO2: 98.0, P.RR: 14.0}


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def vset(at: datetime, **values: float) -> list[VitalPoint]:
    return [VitalPoint(P(name), value, at, "manual") for name, value in values.items()]


FULL = {"hr": 80.0, "nibp_sys": 120.0, "nibp_dia": 80.0, "spo2": 98.0, "rr": 14.0}


# --- PADSS vitals item -------------------------------------------------------------------------
# Boundary choice: "within 20 %" includes 20.0 % (→ 2); "20–40 %" includes 40.0 % (→ 1).


@pytest.mark.parametrize(
    ("sbp", "score"),
    [(119, 2), (120, 2), (121, 1), (140, 1), (141, 0), (81, 2), (80, 2), (79, 1), (60, 1), (59, 0)],
)
def test_the_vitals_item_scores_the_sbp_change_with_inclusive_boundaries(sbp: float, score: int):
    latest = {**BASELINE, P.NIBP_SYS: float(sbp)}
    assert vitals_item(BASELINE, latest).score == score


def test_the_score_uses_the_percentage_as_shown_rounded_to_a_tenth():
    within = vitals_item(BASELINE, {**BASELINE, P.NIBP_SYS: 120.04})
    assert (within.changes[0].text, within.score) == ("SBP 100 → 120.04 (+20 %)", 2)
    beyond = vitals_item(BASELINE, {**BASELINE, P.NIBP_SYS: 120.06})
    assert (beyond.changes[0].percent, beyond.score) == (20.1, 1)


def test_the_largest_change_of_any_parameter_sets_the_score_and_the_numbers_are_kept():
    latest = {**BASELINE, P.NIBP_SYS: 110.0, P.HR: 113.0}  # +10 % and +41.3 %
    result = vitals_item(BASELINE, latest)
    assert result.score == 0
    assert result.largest is not None and result.largest.parameter is P.HR
    assert result.largest.percent == 41.3
    assert result.changes[0].text == "SBP 100 → 110 (+10 %)"
    assert result.changes[1].text == "HR 80 → 113 (+41.3 %)"
    assert [c.parameter for c in result.changes] == [P.NIBP_SYS, P.HR, P.SPO2, P.NIBP_DIA, P.RR]


def test_the_shown_example_with_a_fall_and_no_change():
    result = vitals_item({P.NIBP_SYS: 128, P.HR: 90}, {P.NIBP_SYS: 141, P.HR: 81})
    assert result.summary == "SBP 128 → 141 (+10.2 %); HR 90 → 81 (−10 %)"
    assert result.score == 2
    assert vitals_item({P.NIBP_SYS: 120, P.HR: 70}, {P.NIBP_SYS: 120, P.HR: 70}).changes[
        0
    ].text == ("SBP 120 → 120 (0 %)")


def test_the_vitals_item_can_be_limited_to_chosen_parameters():
    latest = {**BASELINE, P.RR: 20.0}  # RR +42.9 %
    assert vitals_item(BASELINE, latest).score == 0
    assert vitals_item(BASELINE, latest, parameters=[P.NIBP_SYS, P.HR]).score == 2


def test_the_vitals_item_scores_zero_without_sbp_or_hr():
    result = vitals_item({P.HR: 80}, {P.HR: 80, P.NIBP_SYS: 120})
    assert result.score == 0
    assert result.missing == (P.NIBP_SYS,)
    assert result.summary == "No baseline and latest value for SBP: scored 0."


# --- PADSS total -------------------------------------------------------------------------------


@pytest.mark.parametrize(("rating", "points"), [(0, 2), (3, 2), (4, 1), (6, 1), (7, 0), (10, 0)])
def test_pain_rating_maps_to_padss_points(rating: int, points: int):
    assert pain_points(rating) == points


def steady_vitals() -> VitalsComparison:
    return vitals_item(BASELINE, BASELINE)


def test_a_full_score_is_ten_and_fit():
    score = PadssScore(steady_vitals(), Ambulation.STEADY, NauseaControl.NONE_NEEDING_TREATMENT, 0)
    assert (score.vitals.score, score.ambulation, score.nausea, score.pain, score.bleeding) == (
        2,
        2,
        2,
        2,
        2,
    )
    assert score.total == 10 and score.fit
    assert score.items[-1].note == BLEEDING_NOTE == "n/a after ketamine"


def test_nine_is_fit_and_eight_is_not():
    assert PadssScore(steady_vitals(), 2, 2, 4).total == 9
    assert PadssScore(steady_vitals(), 2, 2, 4).fit
    eight = PadssScore(steady_vitals(), 1, 2, 5)
    assert eight.total == 8 and not eight.fit


def test_each_padss_item_is_validated():
    errors = {e.field: e.message for e in validate_padss(None, 3, None, 11)}
    assert errors == {
        "vitals": "Record a baseline and a latest full set of vitals.",
        "ambulation": "Ambulation is 0–2, not 3.",
        "nausea": "Choose how nausea and vomiting stand.",
        "pain": "A pain rating is 0–10, not 11.",
    }
    with pytest.raises(ValidationFailed):
        PadssScore(steady_vitals(), 2, 2, -1)
    with pytest.raises(ValidationFailed):
        PadssScore(steady_vitals(), 2, 2, 0, bleeding=1)


# --- full sets ---------------------------------------------------------------------------------


def test_the_latest_full_set_is_found_and_values_within_five_minutes_make_a_set():
    points = [
        *vset(minutes(-20), **FULL),
        *vset(minutes(30), hr=90, spo2=97, rr=16),
        *vset(minutes(34), nibp_sys=150, nibp_dia=95, temp=36.8),  # 4 min after: one set
        *vset(minutes(60), hr=70),  # a lone reading later on
    ]
    assert full_set(points) == {
        P.HR: 90,
        P.SPO2: 97,
        P.RR: 16,
        P.NIBP_SYS: 150,
        P.NIBP_DIA: 95,
        P.TEMP: 36.8,
    }


def test_values_more_than_five_minutes_apart_are_not_a_set():
    points = [
        *vset(minutes(30), hr=90, spo2=97, rr=16),
        *vset(minutes(36), nibp_sys=150, nibp_dia=95),
    ]
    assert full_set(points) is None
    exactly = [
        *vset(minutes(30), hr=90, spo2=97, rr=16),
        *vset(minutes(35), nibp_sys=150, nibp_dia=95),
    ]
    assert full_set(exactly) is not None  # exactly 5 min apart still counts


def test_the_newest_value_of_a_parameter_within_the_set_wins():
    points = [*vset(minutes(10), **FULL), *vset(minutes(12), hr=95)]
    found = full_set(points)
    assert found is not None and found[P.HR] == 95


def test_the_baseline_is_the_first_full_set_before_t0():
    points = [
        *vset(minutes(-40), hr=88),  # incomplete
        *vset(minutes(-30), **FULL),
        *vset(minutes(-10), **{**FULL, "nibp_sys": 135.0}),
        *vset(minutes(15), **{**FULL, "nibp_sys": 150.0}),
    ]
    baseline = baseline_set(points, T0)
    assert baseline is not None and baseline[P.NIBP_SYS] == 120
    assert baseline_set(vset(minutes(5), **FULL), T0) is None
    latest = full_set(points)
    assert latest is not None and latest[P.NIBP_SYS] == 150
    before = full_set(points, before=T0)
    assert before is not None and before[P.NIBP_SYS] == 135


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        baseline_set([], datetime(2026, 1, 1))


# --- ride home ---------------------------------------------------------------------------------

NOW = minutes(130)
GOOD_RIDE = RideHome("Sam Lee", "+1 (555) 010-2345", "partner", minutes(-60))


def ride_errors(ride: RideHome) -> dict[str, str]:
    return {e.field: e.message for e in validate_ride_home(ride, NOW)}


def test_a_complete_ride_home_is_valid():
    assert ride_errors(GOOD_RIDE) == {}


def test_ride_home_messages_name_each_problem():
    assert ride_errors(RideHome(" ", "", "", None)) == {
        "driver_name": "Enter the driver's name.",
        "phone": "Enter the driver's phone number.",
        "relationship": "Enter how the driver knows the patient (partner, friend…).",
        "confirmed_at": "Enter when the ride was confirmed.",
    }
    short = RideHome("Sam", "555-01", "friend", NOW)
    assert ride_errors(short) == {
        "phone": "A phone number needs at least 7 digits; “555-01” has 5."
    }
    future = RideHome("Sam", "5550123", "friend", NOW + timedelta(minutes=1))
    assert ride_errors(future) == {"confirmed_at": "The confirmation time is in the future."}


# --- integration, REMS, override ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "warning"),
    [
        (23, "The integration session is 23 h from now, earlier than the 24–72 h advised."),
        (24, None),
        (72, None),
        (73, "The integration session is 73 h from now, later than the 24–72 h advised."),
    ],
)
def test_integration_warns_outside_24_to_72_hours(hours: int, warning: str | None):
    assert check_integration(NOW + timedelta(hours=hours), NOW) == warning


def test_integration_in_the_past_or_far_ahead_is_said_plainly():
    assert check_integration(NOW - timedelta(hours=1), NOW) == (
        "The integration session time is in the past; check the booking."
    )
    assert "10 days from now" in (check_integration(NOW + timedelta(days=10), NOW) or "")
    assert "23 h 30 min" in (check_integration(NOW + timedelta(hours=23.5), NOW) or "")


def test_rems_facts_in_whole_minutes():
    facts = rems_facts(T0, minutes(135.9), minutes(95))
    assert facts == RemsFacts(total_monitoring_minutes=135, ready_after_minutes=95)
    with pytest.raises(ValidationFailed) as caught:
        rems_facts(T0, minutes(130), minutes(140))
    assert caught.value.errors[0].field == "ready_at"


def test_an_override_needs_a_reason():
    assert [e.field for e in validate_override("   ")] == ["reason"]
    assert validate_override("Driver waiting at the door; vitals reviewed by Dr K.") == []


# --- checklist and blockers --------------------------------------------------------------------

ANSWERED = {
    item.id: True for item in checklist(esketamine=True) if item.source is ItemSource.ANSWER
}


def fit_padss() -> PadssScore:
    return PadssScore(steady_vitals(), 2, 2, 1)


def blockers(**overrides: Any) -> list[str]:
    arguments: dict[str, Any] = {
        "answers": ANSWERED,
        "padss": fit_padss(),
        "ride_home": GOOD_RIDE,
        "t0": T0,
        "now": NOW,
        "integration_at": NOW + timedelta(hours=48),
    }
    arguments.update(overrides)
    return discharge_blockers(**arguments)


def test_the_checklist_holds_every_item_and_rems_only_for_esketamine():
    ids = [item.id for item in checklist(esketamine=False)]
    assert ids == [
        "monitoring_time",
        "vitals_stable",
        "oriented",
        "steady_gait",
        "nausea_controlled",
        "padss",
        "ride_home",
        "instructions",
        "crisis_line",
        "integration_booked",
    ]
    esk = checklist(esketamine=True, minimum_monitoring=timedelta(minutes=150))
    assert esk[-1].id is ItemId.REMS_FACTS
    assert esk[0].text == "Monitored for at least 150 min since the dose (T0)"
    assert all(item.required and item.text for item in esk)
    assert any("988" in item.text for item in esk)


def test_nothing_blocks_a_complete_discharge():
    assert blockers() == []
    assert blockers(esketamine=True, ready_at=minutes(90)) == []


def test_blockers_list_the_ride_home_when_not_confirmed():
    assert blockers(ride_home=None) == ["Safe ride home not confirmed: no driver recorded."]
    unconfirmed = RideHome("Sam Lee", "555 0102", "friend", None)
    assert blockers(ride_home=unconfirmed) == [
        "Safe ride home not confirmed: Enter when the ride was confirmed."
    ]


def test_blockers_list_every_open_item_in_order():
    result = blockers(
        answers={},
        padss=PadssScore(steady_vitals(), 1, 1, 5),
        ride_home=None,
        now=minutes(95),
        integration_at=None,
        esketamine=True,
    )
    assert result == [
        "Minimum monitoring not met: 95 of 120 min since the dose (25 min to go).",
        "Vital signs not yet confirmed stable and close to baseline.",
        "Not yet confirmed alert and oriented ×3.",
        "Steady gait not yet confirmed.",
        "Nausea not yet confirmed under control.",
        "Modified PADSS is 7/10 (ambulation 1, nausea/vomiting 1, pain 1); 9 is needed.",
        "Safe ride home not confirmed: no driver recorded.",
        "Aftercare instructions not yet confirmed given (no driving, no big decisions, written sheet).",
        "Crisis line and after-hours number not yet confirmed given.",
        "Integration session not yet booked.",
        "REMS: record when the patient was ready to leave.",
    ]


def test_monitoring_is_met_at_exactly_the_minimum_and_is_configurable():
    assert blockers(now=minutes(120)) == []
    assert blockers(now=minutes(120), minimum_monitoring=timedelta(minutes=180)) == [
        "Minimum monitoring not met: 120 of 180 min since the dose (60 min to go)."
    ]


def test_an_unscored_padss_and_an_optional_item():
    assert blockers(padss=None) == ["Modified PADSS not yet scored."]
    assert blockers(answers={}, not_required=list(ANSWERED)) == []
    assert blockers(integration_at=NOW - timedelta(hours=1)) == [
        "Integration session time is in the past; check the booking."
    ]


def test_alarms_and_padss_answers_contradict_the_items_they_speak_to():
    from console.domain.discharge import contradictions

    alarms = [
        ("limit:nibp_sys@manual", "SBP 205 > 200"),
        ("obs:pain", "Pain 9 ≥ 8"),
        ("tech:silent:/dev/ttyUSB0", "monitor silent"),
    ]
    found = contradictions(alarms, Ambulation.NEEDS_HELP, NauseaControl.NONE_NEEDING_TREATMENT)
    assert found == {
        "vitals_stable": "active vital-sign alarm: SBP 205 > 200",
        "steady_gait": "the PADSS ambulation answer is “walks with help”",
    }
    sedated = contradictions([("obs:moaas", "MOAA/S 1 ≤ 1")], None, NauseaControl.NOT_CONTROLLED)
    assert set(sedated) == {"oriented", "nausea_controlled"}
    assert contradictions([], Ambulation.STEADY, None) == {}
