"""The session report's sections, one module each, in the order they print."""

from __future__ import annotations

from collections.abc import Callable

from console.reports.sections import (
    adverse_events,
    doses,
    header,
    overrides,
    ratings,
    signatures,
    timeline,
    vital_plots,
    vitals_table,
)
from console.reports.sections.context import ReportContext

SECTIONS: tuple[Callable[[ReportContext], None], ...] = (
    header.render,
    vital_plots.render,
    doses.render,
    vitals_table.render,
    ratings.render,
    adverse_events.render,
    overrides.render,
    timeline.render,
    signatures.render,
)
