"""The vital-sign vocabulary: parameters, their units and physically possible ranges.

Shared by the device parsers and the console (which re-exports it from
``console.domain.vitals``); it imports nothing of either, so neither reaches into the other.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class Parameter(enum.StrEnum):
    """A measured vital sign; the value is the stable identifier stored in the database."""

    HR = "hr"  # heart rate from ECG or the monitor's best source, /min
    PR = "pr"  # pulse rate from the oximeter, /min
    SPO2 = "spo2"  # %
    PI = "pi"  # perfusion index, %
    NIBP_SYS = "nibp_sys"  # mmHg
    NIBP_DIA = "nibp_dia"  # mmHg
    NIBP_MEAN = "nibp_mean"  # mmHg
    RR = "rr"  # respiratory rate, /min
    ETCO2 = "etco2"  # mmHg
    TEMP = "temp"  # degrees Celsius


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """Display label, unit and the physically possible range (values outside are impossible)."""

    label: str
    unit: str
    minimum: float
    maximum: float


PARAMETERS: dict[Parameter, ParameterInfo] = {
    Parameter.HR: ParameterInfo("HR", "/min", 0, 350),
    Parameter.PR: ParameterInfo("PR", "/min", 0, 350),
    Parameter.SPO2: ParameterInfo("SpO2", "%", 0, 100),
    Parameter.PI: ParameterInfo("PI", "%", 0, 100),
    Parameter.NIBP_SYS: ParameterInfo("SYS", "mmHg", 20, 320),
    Parameter.NIBP_DIA: ParameterInfo("DIA", "mmHg", 5, 250),
    Parameter.NIBP_MEAN: ParameterInfo("MAP", "mmHg", 10, 280),
    Parameter.RR: ParameterInfo("RR", "/min", 0, 150),
    Parameter.ETCO2: ParameterInfo("EtCO2", "mmHg", 0, 150),
    Parameter.TEMP: ParameterInfo("Temp", "°C", 25, 45),
}


def is_possible(parameter: Parameter, value: float) -> bool:
    """True when ``value`` is physically possible for ``parameter`` (finite and within bounds)."""
    info = PARAMETERS[parameter]
    return math.isfinite(value) and info.minimum <= value <= info.maximum
