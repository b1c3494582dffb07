"""Full vital-sign sets: HR, SBP, DBP, SpO2 and RR recorded within 5 minutes of one another."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta

from console.domain.vitals import Parameter, VitalPoint

# --- full sets -----------------------------------------------------------------------------------

FULL_SET_PARAMETERS: tuple[Parameter, ...] = (
    Parameter.HR,
    Parameter.NIBP_SYS,
    Parameter.NIBP_DIA,
    Parameter.SPO2,
    Parameter.RR,
)
FULL_SET_WINDOW = timedelta(minutes=5)


def _require_aware(*times: datetime | None) -> None:
    for when in times:
        if when is not None and when.utcoffset() is None:
            raise ValueError(f"discharge times must be timezone-aware (UTC), got {when!r}")


_Series = dict[Parameter, tuple[list[datetime], list[float]]]


def _series(points: Sequence[VitalPoint], before: datetime | None) -> _Series:
    ordered = sorted(
        (p for p in points if math.isfinite(p.value) and (before is None or p.at < before)),
        key=lambda p: p.at,
    )
    series: _Series = {}
    for point in ordered:
        times, values = series.setdefault(point.parameter, ([], []))
        times.append(point.at)
        values.append(point.value)
    return series


def _set_ending_at(
    series: _Series, anchor: datetime, window: timedelta
) -> dict[Parameter, float] | None:
    """The latest value of each parameter in [anchor − window, anchor], if it is a full set."""
    values: dict[Parameter, float] = {}
    for parameter, (times, numbers) in series.items():
        index = bisect_right(times, anchor) - 1
        if index >= 0 and times[index] >= anchor - window:
            values[parameter] = numbers[index]
    if all(parameter in values for parameter in FULL_SET_PARAMETERS):
        return values
    return None


def _anchors(series: _Series) -> list[datetime]:
    return sorted(
        {at for parameter in FULL_SET_PARAMETERS for at in series.get(parameter, ([], []))[0]}
    )


def full_set(
    points: Sequence[VitalPoint],
    *,
    before: datetime | None = None,
    window: timedelta = FULL_SET_WINDOW,
) -> dict[Parameter, float] | None:
    """The latest full set (HR, SBP, DBP, SpO2, RR within ``window``), or None if there is none.

    Each parameter's value is its latest one in the set's window; other parameters recorded in
    the same window (EtCO2, temperature, …) come along. ``before`` ignores points at or after it.
    """
    _require_aware(before)
    series = _series(points, before)
    for anchor in reversed(_anchors(series)):
        found = _set_ending_at(series, anchor, window)
        if found is not None:
            return found
    return None


def baseline_set(
    points: Sequence[VitalPoint], t0: datetime, *, window: timedelta = FULL_SET_WINDOW
) -> dict[Parameter, float] | None:
    """The pre-dose baseline: the first full set completed before T0, or None if there is none."""
    _require_aware(t0)
    series = _series(points, t0)
    for anchor in _anchors(series):
        found = _set_ending_at(series, anchor, window)
        if found is not None:
            return found
    return None
