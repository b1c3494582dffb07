"""Before the dose: the pre-dose checks, the ride home and the blood-pressure gate."""

from __future__ import annotations

import enum
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain.discharge import FULL_SET_PARAMETERS, FULL_SET_WINDOW
from console.domain.text import check_text
from console.domain.vitals import Parameter, VitalPoint
from console.errors import FieldError


@dataclass(frozen=True, slots=True)
class PreDoseChecks:
    """Answers given at check-in; True for a drug means it was taken recently."""

    benzodiazepines: bool
    other_sedatives: bool
    stimulants: bool
    maoi: bool
    fasted_food: bool  # nothing to eat for 2 h
    fasted_liquids: bool  # nothing to drink for 30 min
    ride_driver: str = ""
    ride_phone: str = ""
    ride_relationship: str = ""
    opioids: bool | None = None  # an opioid taken recently or currently; None: not asked (older)

    @property
    def ride_arranged(self) -> bool:
        return bool(self.ride_driver.strip() and self.ride_phone.strip())

    def concerns(self) -> list[str]:
        """What the medical staff should weigh before dosing, in plain words."""
        found = [
            text
            for taken, text in (
                (self.benzodiazepines, "took a benzodiazepine recently"),
                (self.other_sedatives, "took another sedative recently"),
                (self.stimulants, "took a stimulant recently"),
                (self.maoi, "takes an MAOI"),
                (bool(self.opioids), "takes or recently took an opioid"),
            )
            if taken
        ]
        if not self.fasted_food:
            found.append("ate within the last 2 hours")
        if not self.fasted_liquids:
            found.append("drank within the last 30 minutes")
        if not self.ride_arranged:
            found.append("no ride home arranged")
        return found


def validate_ride(driver: str, phone: str) -> list[FieldError]:
    """A ride home needs the driver's name and a phone number with at least 7 digits."""
    errors: list[FieldError] = [
        *check_text("ride_driver", driver),
        *check_text("ride_phone", phone),
    ]
    if errors:
        return errors
    if not driver.strip():
        errors.append(
            FieldError("ride_driver", "Enter the name of the adult driving the patient home.")
        )
    digits = sum(ch.isdigit() for ch in phone)
    if digits < 7:
        errors.append(
            FieldError("ride_phone", "Enter the driver's phone number (at least 7 digits).")
        )
    return errors


class GateLevel(enum.StrEnum):
    """The pre-dose blood-pressure gate's verdict."""

    OK = "ok"
    WARN = "warn"  # above the warning line: weigh a delay
    HOLD = "hold"  # above the hold line: going ahead needs a reason and a signature


@dataclass(frozen=True, slots=True)
class BpGate:
    """Clinic settings for the gate; defaults warn above 140/90 and hold above 160/100."""

    warn_sys: float = 140
    warn_dia: float = 90
    hold_sys: float = 160
    hold_dia: float = 100
    # the gate judges the latest full pre-dose set; one older than this asks for a fresh set
    window: timedelta = timedelta(minutes=15)

    def check(self, systolic: float, diastolic: float) -> tuple[GateLevel, str]:
        """The verdict for a baseline reading and the sentence that explains it."""
        reading = f"{systolic:g}/{diastolic:g}"
        if systolic > self.hold_sys or diastolic > self.hold_dia:
            return GateLevel.HOLD, (
                f"Baseline BP {reading} is above {self.hold_sys:g}/{self.hold_dia:g}: hold the "
                "dose, or go ahead with a reason and a signature."
            )
        if systolic > self.warn_sys or diastolic > self.warn_dia:
            return GateLevel.WARN, (
                f"Baseline BP {reading} is above {self.warn_sys:g}/{self.warn_dia:g}: "
                "consider a delay and a repeat reading."
            )
        return GateLevel.OK, f"Baseline BP {reading} is within the gate."


# --- the pre-dose sets the gate judges -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BpSet:
    """A full pre-dose set around one cuff reading: HR, BP, SpO2 and RR within 5 minutes."""

    at: datetime  # when the set was complete
    values: dict[Parameter, float]

    @property
    def systolic(self) -> float:
        return self.values[Parameter.NIBP_SYS]

    @property
    def diastolic(self) -> float:
        return self.values[Parameter.NIBP_DIA]

    @property
    def bp_text(self) -> str:
        return f"{self.systolic:g}/{self.diastolic:g}"


def predose_sets(
    points: Sequence[VitalPoint], before: datetime, window: timedelta = FULL_SET_WINDOW
) -> list[BpSet]:
    """Every full set before ``before``, one per cuff reading, oldest first.

    A cuff reading makes a set at the first moment (from the reading on, before the next reading
    and within ``window``) at which HR, SBP, DBP, SpO2 and RR all have a value in the ``window``
    up to it. A reading that never completes a set is left out.
    """
    series: dict[Parameter, tuple[list[datetime], list[float]]] = {}
    for point in sorted(
        (p for p in points if p.at < before and math.isfinite(p.value)), key=lambda p: p.at
    ):
        times, numbers = series.setdefault(point.parameter, ([], []))
        times.append(point.at)
        numbers.append(point.value)
    readings = series.get(Parameter.NIBP_SYS, ([], []))[0]
    found: list[BpSet] = []
    for index, reading in enumerate(readings):
        until = reading + window
        if index + 1 < len(readings):
            until = min(until, readings[index + 1] - timedelta(microseconds=1))
        candidates = {reading}
        for parameter in FULL_SET_PARAMETERS:
            times = series.get(parameter, ([], []))[0]
            start = bisect_right(times, reading)
            candidates.update(t for t in times[start : bisect_right(times, until)])
        for anchor in sorted(candidates):
            values: dict[Parameter, float] = {}
            for parameter, (times, numbers) in series.items():
                at = bisect_right(times, anchor) - 1
                if at >= 0 and times[at] >= anchor - window:
                    values[parameter] = numbers[at]
            if all(parameter in values for parameter in FULL_SET_PARAMETERS):
                found.append(BpSet(anchor, values))
                break
    return found
