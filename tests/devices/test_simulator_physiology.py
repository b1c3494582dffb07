"""Tests of the simulated patient: the ketamine BP curve, determinism and scripted conditions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from devices.simulator import EventSpec, Scenario
from devices.simulator.physiology import (
    Baseline,
    Condition,
    dose_response,
    pleth_sample,
    vitals_at,
)


def _mean_sbp(minute: float) -> float:
    return sum(vitals_at(minute + s / 60.0, seed=3).sbp for s in range(60)) / 60.0


def _mean_dbp(minute: float) -> float:
    return sum(vitals_at(minute + s / 60.0, seed=3).dbp for s in range(60)) / 60.0


def test_dose_response_is_zero_before_t0_and_peaks_near_40_min() -> None:
    assert dose_response(-10) == 0.0
    assert dose_response(0) == 0.0
    peak = max(range(0, 180), key=dose_response)
    assert 38 <= peak <= 42
    assert dose_response(40) == 1.0
    assert dose_response(120) < 0.1


def test_bp_rises_about_16_over_11_at_the_peak_and_settles() -> None:
    base = Baseline()
    assert abs(_mean_sbp(-10) - base.sbp) < 1.5
    assert 13 <= _mean_sbp(40) - base.sbp <= 19
    assert 8 <= _mean_dbp(40) - base.dbp <= 14
    assert _mean_sbp(120) - base.sbp < 3


def test_same_instant_same_values_and_noise_is_small() -> None:
    assert vitals_at(12.5, seed=7) == vitals_at(12.5, seed=7)
    values = {vitals_at(-20 + s / 60, seed=7).hr for s in range(120)}
    assert len(values) > 1
    assert max(values) - min(values) <= 10


@given(st.floats(min_value=-60, max_value=300, allow_nan=False), st.integers(0, 1000))
def test_values_are_plausible_everywhere(minutes: float, seed: int) -> None:
    v = vitals_at(minutes, seed=seed)
    assert 40 <= v.hr <= 140
    assert v.spo2 is not None and 90 <= v.spo2 <= 100
    assert v.dbp < v.map < v.sbp
    assert 30 <= v.temp <= 40


def test_conditions_change_the_patient() -> None:
    normal = vitals_at(10, seed=1)
    high = vitals_at(10, seed=1, conditions=frozenset({Condition.HYPERTENSIVE}))
    assert high.sbp > 180 and high.dbp > 110
    low = vitals_at(10, seed=1, conditions=frozenset({Condition.DESATURATION}))
    assert low.spo2 is not None and low.spo2 < 88
    off = vitals_at(10, seed=1, conditions=frozenset({Condition.SENSOR_OFF}))
    assert off.sensor_off and off.spo2 is None and off.pr is None and off.pi is None
    assert normal.sensor_off is False


def test_scenario_windows_and_clock_skew() -> None:
    scenario = Scenario(
        (
            EventSpec.parse("hypertensive@10:5"),
            EventSpec.parse("clock_skew@20:-30"),
            EventSpec.parse("cable_pull@1"),
        )
    )
    assert scenario.state_at(9).conditions == frozenset()
    assert scenario.state_at(12).conditions == {Condition.HYPERTENSIVE}
    assert scenario.state_at(15.1).conditions == frozenset()
    assert scenario.state_at(19).skew_min == 0
    assert scenario.state_at(21).skew_min == -30


def test_pleth_is_a_byte_and_pulses() -> None:
    samples = [pleth_sample(i / 75, 60) for i in range(150)]
    assert all(0 <= s <= 255 for s in samples)
    assert max(samples) - min(samples) > 50
