"""Deterministic (seeded) model of a ketamine session's vital signs, minute by minute around T0."""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass


class Condition(enum.StrEnum):
    """A scripted event that changes what the model returns while it is active."""

    HYPERTENSIVE = "hypertensive"  # BP surges to about 185/115, HR up
    DESATURATION = "desaturation"  # SpO2 falls to the mid 80s, perfusion down
    SENSOR_OFF = "sensor_off"  # the finger sensor is off: no SpO2, pulse rate or PI


@dataclass(frozen=True, slots=True)
class Baseline:
    """The patient's pre-dose values."""

    hr: float = 72.0
    spo2: float = 98.0
    pi: float = 3.5
    sbp: float = 122.0
    dbp: float = 78.0
    rr: float = 14.0
    etco2: float = 37.0
    temp: float = 36.7


@dataclass(frozen=True, slots=True)
class Vitals:
    """One instant of the simulated patient; ``None`` means the device cannot measure it now."""

    minutes: float
    hr: int
    pr: int | None
    spo2: int | None
    pi: float | None
    sbp: int
    dbp: int
    map: int
    rr: int
    etco2: int
    temp: float
    sensor_off: bool = False


PEAK_MIN = 40.0
SBP_RISE = 16.0
DBP_RISE = 11.0
HR_RISE = 10.0
_SHAPE = 3.0  # gamma-like response: (t/peak)^k * e^(k(1 - t/peak)), 1 at the peak


def dose_response(minutes: float) -> float:
    """Fraction (0..1) of the peak ketamine effect on BP: 0 before T0, 1 at 40 min, ~0.07 at 2 h."""
    if minutes <= 0:
        return 0.0
    x = minutes / PEAK_MIN
    return float(x**_SHAPE * math.exp(_SHAPE * (1.0 - x)))


def _noise(seed: int, minutes: float) -> random.Random:
    # One generator per (seed, simulated second): the same instant always gives the same values.
    return random.Random(f"{seed}:{math.floor(minutes * 60.0)}")


def vitals_at(
    minutes: float,
    *,
    seed: int = 1,
    baseline: Baseline | None = None,
    conditions: frozenset[Condition] = frozenset(),
) -> Vitals:
    """Vital signs ``minutes`` after T0 (negative = before the dose) with small seeded noise."""
    base = baseline or Baseline()
    rng = _noise(seed, minutes)
    effect = dose_response(minutes)
    sbp = base.sbp + SBP_RISE * effect + rng.gauss(0.0, 1.5)
    dbp = base.dbp + DBP_RISE * effect + rng.gauss(0.0, 1.0)
    hr = base.hr + HR_RISE * effect + rng.gauss(0.0, 1.2)
    spo2 = base.spo2 + rng.choice((-1.0, 0.0, 0.0, 0.0, 1.0))
    pi = base.pi * (1.0 - 0.15 * effect) + rng.gauss(0.0, 0.1)
    rr = base.rr + 2.0 * effect + rng.gauss(0.0, 0.5)
    etco2 = base.etco2 - 2.0 * effect + rng.gauss(0.0, 0.6)
    temp = base.temp + 0.1 * effect + rng.gauss(0.0, 0.03)
    if Condition.HYPERTENSIVE in conditions:
        sbp += 63.0
        dbp += 37.0
        hr += 18.0
    if Condition.DESATURATION in conditions:
        spo2 = 85.0 + rng.choice((-1.0, 0.0, 1.0))
        pi *= 0.5
        rr = max(6.0, rr - 6.0)
        etco2 += 8.0
    spo2 = min(100.0, spo2)
    sensor_off = Condition.SENSOR_OFF in conditions
    hr_i = round(hr)
    return Vitals(
        minutes=minutes,
        hr=hr_i,
        pr=None if sensor_off else hr_i,
        spo2=None if sensor_off else round(spo2),
        pi=None if sensor_off else round(max(0.05, pi), 2),
        sbp=round(sbp),
        dbp=round(dbp),
        map=round(dbp + (sbp - dbp) / 3.0),
        rr=round(rr),
        etco2=round(etco2),
        temp=round(temp, 1),
        sensor_off=sensor_off,
    )


def pleth_sample(t_s: float, hr: float, amplitude: int = 100, offset: int = 128) -> int:
    """A plethysmogram sample (0..255) at ``t_s`` seconds for a pulse at ``hr`` beats a minute."""
    phase = (t_s * max(hr, 1.0) / 60.0) % 1.0
    # fast systolic upstroke, slower decay with a small dicrotic notch
    if phase < 0.15:
        y = math.sin(phase / 0.15 * math.pi / 2.0)
    else:
        decay = (phase - 0.15) / 0.85
        y = (1.0 - decay) ** 1.6 + 0.08 * math.exp(-(((decay - 0.3) / 0.06) ** 2))
    return max(0, min(255, round(offset - amplitude / 2 + amplitude * y)))


def ecg_sample(t_s: float, hr: float) -> int:
    """A crude ECG lead II sample (0..255, baseline 120) at ``t_s`` seconds."""
    phase = (t_s * max(hr, 1.0) / 60.0) % 1.0
    y = 0.0
    y += 0.12 * math.exp(-(((phase - 0.12) / 0.03) ** 2))  # P
    y -= 0.1 * math.exp(-(((phase - 0.22) / 0.008) ** 2))  # Q
    y += 1.0 * math.exp(-(((phase - 0.24) / 0.012) ** 2))  # R
    y -= 0.2 * math.exp(-(((phase - 0.26) / 0.01) ** 2))  # S
    y += 0.25 * math.exp(-(((phase - 0.45) / 0.05) ** 2))  # T
    return max(0, min(255, round(120 + 110 * y)))
