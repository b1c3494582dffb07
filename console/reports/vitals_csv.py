"""Every vital-sign sample of a session as CSV (UTF-8), one row per value, written as it streams.

Columns: ``time_utc`` (ISO 8601, "Z"), ``time_local`` (ISO 8601 with the offset), ``parameter``
(the stable id: hr, spo2, nibp_sys, …), ``label`` (HR, SpO2, SYS, …), ``value``, ``unit``,
``source`` ("manual" or the monitor's protocol: masimo, ivy, …), ``device`` (the port or
address read from; empty for a hand entry), ``entered_by`` (the staff member who typed a manual
value; empty for a monitor value). The file is plain UTF-8 without a byte-order mark, with the
csv module's standard quoting and CRLF line ends (RFC 4180).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, tzinfo
from typing import TextIO

from console.domain.vitals import PARAMETERS, VitalPoint

HEADER = (
    "time_utc",
    "time_local",
    "parameter",
    "label",
    "value",
    "unit",
    "source",
    "device",
    "entered_by",
)


def _iso_utc(when: datetime) -> str:
    utc = when.astimezone(UTC)
    spec = "seconds" if utc.microsecond == 0 else "milliseconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def _iso_local(when: datetime, zone: tzinfo | None) -> str:
    local = when.astimezone(zone)  # None: the machine's local zone
    spec = "seconds" if local.microsecond == 0 else "milliseconds"
    return local.isoformat(timespec=spec)


def _number(value: float) -> str:
    return format(value, ".10g")


def vitals_rows(
    points: Iterable[VitalPoint],
    staff_name: Callable[[int], str] | Mapping[int, str],
    *,
    zone: tzinfo | None = None,
) -> Iterator[tuple[str, ...]]:
    """The CSV rows (header first) for ``points``, in the order given, one at a time."""
    if isinstance(staff_name, Mapping):
        names = staff_name

        def lookup(staff_id: int) -> str:
            return names.get(staff_id, f"staff #{staff_id}")

        name_of: Callable[[int], str] = lookup
    else:
        name_of = staff_name
    yield HEADER
    for point in points:
        info = PARAMETERS[point.parameter]
        yield (
            _iso_utc(point.at),
            _iso_local(point.at, zone),
            point.parameter.value,
            info.label,
            _number(point.value),
            info.unit,
            point.source,
            point.device,
            name_of(point.entered_by_id) if point.entered_by_id is not None else "",
        )


def write_vitals_csv(
    stream: TextIO,
    points: Iterable[VitalPoint],
    staff_name: Callable[[int], str] | Mapping[int, str],
    *,
    zone: tzinfo | None = None,
) -> int:
    """Write the CSV to ``stream`` (opened with ``newline=""``, UTF-8); returns the sample count."""
    writer = csv.writer(stream)
    count = -1
    for row in vitals_rows(points, staff_name, zone=zone):
        writer.writerow(row)
        count += 1
    return count
