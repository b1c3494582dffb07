"""Vital-sign values, manual sets and usual ranges (the parameter vocabulary is in devices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.errors import FieldError
from devices.vocabulary import PARAMETERS, Parameter, ParameterInfo, is_possible

__all__ = [  # the shared vocabulary is re-exported: its old import path keeps working
    "MANUAL_FIELDS",
    "MANUAL_SOURCE",
    "PARAMETERS",
    "USUAL_RANGES",
    "ManualVitals",
    "Parameter",
    "ParameterInfo",
    "TrendRow",
    "VitalPoint",
    "is_possible",
    "validate_vitals",
]


MANUAL_SOURCE = "manual"  # the source of hand-entered values

#: What a trend draws of one value: parameter, value, POSIX seconds (UTC) and its source id
#: (the device's port, or the source's name): light enough to read 8 hours of a session at once.
TrendRow = tuple["Parameter", float, float, str]


@dataclass(frozen=True, slots=True)
class VitalPoint:
    """One stored vital-sign value: what, how much, when it arrived (UTC) and from where."""

    parameter: Parameter
    value: float
    at: datetime  # host UTC time the value arrived (or was taken, for a manual set)
    source: str  # "manual" or the driver name ("masimo", "ivy", ...)
    device_time: datetime | None = None
    measurement_key: str | None = None
    entered_by_id: int | None = None
    device: str = ""  # the port or address the device was read from ("" for a manual entry)
    # the device stamped a time outside the plausible years: it was dropped (device_time None)
    device_time_rejected: bool = False

    @property
    def source_id(self) -> str:
        """Which source this value came from: the device's port, or "manual" (the driver name
        when no port is known). Two monitors on one patient are two sources.
        """
        return self.device or self.source

    @property
    def trend_row(self) -> TrendRow:
        return (self.parameter, self.value, self.at.timestamp(), self.source_id)


# Values a clinician sees often in an adult KAP session; outside them (but still possible) a manual
# entry asks for confirmation, since a typo (72 → 27) is more likely than the value.
USUAL_RANGES: dict[Parameter, tuple[float, float]] = {
    Parameter.HR: (40, 150),
    Parameter.PR: (40, 150),
    Parameter.SPO2: (85, 100),
    Parameter.NIBP_SYS: (80, 200),
    Parameter.NIBP_DIA: (40, 120),
    Parameter.NIBP_MEAN: (50, 150),
    Parameter.RR: (8, 35),
    Parameter.ETCO2: (20, 60),
    Parameter.TEMP: (35.0, 38.5),
    Parameter.PI: (0.2, 20),
}

MANUAL_FIELDS: tuple[Parameter, ...] = (
    Parameter.HR,
    Parameter.NIBP_SYS,
    Parameter.NIBP_DIA,
    Parameter.SPO2,
    Parameter.RR,
    Parameter.TEMP,
    Parameter.ETCO2,
)


@dataclass(frozen=True, slots=True)
class ManualVitals:
    """A hand-entered set after validation: the values, and the ones that need a confirmation."""

    values: dict[Parameter, float]
    unusual: dict[Parameter, str]  # parameter → "SYS 230 is above the usual 80–200 mmHg"


def validate_vitals(raw: dict[Parameter, str]) -> tuple[ManualVitals, list[FieldError]]:
    """Check a typed set of vitals; errors name the field (the Parameter value) and say why."""
    errors: list[FieldError] = []
    values: dict[Parameter, float] = {}
    unusual: dict[Parameter, str] = {}
    for parameter in MANUAL_FIELDS:
        text = raw.get(parameter, "").strip().replace(",", ".")
        if not text:
            continue
        info = PARAMETERS[parameter]
        try:
            value = float(text)
        except ValueError:
            errors.append(
                FieldError(parameter.value, f"{info.label} must be a number, not “{text}”.")
            )
            continue
        if not is_possible(parameter, value):
            errors.append(
                FieldError(
                    parameter.value,
                    f"{info.label} {value:g} is not possible "
                    f"({info.minimum:g}–{info.maximum:g} {info.unit}).",
                )
            )
            continue
        values[parameter] = value
        low, high = USUAL_RANGES[parameter]
        if not low <= value <= high:
            side = "above" if value > high else "below"
            unusual[parameter] = (
                f"{info.label} {value:g} is {side} the usual {low:g}–{high:g} {info.unit}"
            )
    sys_, dia = Parameter.NIBP_SYS, Parameter.NIBP_DIA
    has_sys, has_dia = bool(raw.get(sys_, "").strip()), bool(raw.get(dia, "").strip())
    if has_sys != has_dia:
        missing = dia if has_sys else sys_
        errors.append(
            FieldError(missing.value, "Blood pressure needs both systolic and diastolic.")
        )
    elif sys_ in values and dia in values and values[sys_] <= values[dia]:
        errors.append(FieldError(dia.value, "Diastolic must be lower than systolic."))
    if not raw or not any(v.strip() for v in raw.values()):
        errors.append(FieldError("form", "Enter at least one value."))
    if errors:
        return ManualVitals({}, {}), errors
    return ManualVitals(values, unusual), []
