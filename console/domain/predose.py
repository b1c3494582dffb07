"""Before the dose: the pre-dose checks, the ride home and the blood-pressure gate."""

from __future__ import annotations

import enum
from dataclasses import dataclass

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
    errors: list[FieldError] = []
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
