"""What every section of the session report draws on: the document, the dossier, local times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from PySide6.QtGui import QPdfWriter

from console.domain.alarm_episodes import alarm_episodes
from console.domain.review import SessionDossier, TimelineEntry
from console.domain.scales import ScaleDefinition
from console.reports.pdf.plot import TimeAxis
from console.reports.pdf.text import Document


class ReportContext(Document):
    """The session report's document with its dossier and how it prints times."""

    def __init__(
        self,
        writer: QPdfWriter,
        dossier: SessionDossier,
        *,
        generated_at: datetime,
        clinic_name: str,
        timeline: Sequence[TimelineEntry],
        scales: Mapping[str, ScaleDefinition],
        zone: tzinfo | None,
    ) -> None:
        super().__init__(writer)
        self.d = dossier
        self.generated_at = generated_at
        self.clinic_name = clinic_name.strip()
        self.timeline = timeline
        self.scales = scales
        self.zone = zone
        self._axis: TimeAxis | None = None

    # ---- times ------------------------------------------------------------------------------
    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.zone)

    def clock(self, when: datetime | None) -> str:
        return "—" if when is None else self.local(when).strftime("%H:%M")

    def stamp(self, when: datetime | None) -> str:
        return "—" if when is None else self.local(when).strftime("%Y-%m-%d %H:%M")

    def offset(self, when: datetime) -> str:
        t0, closed = self.d.session.t0, self.d.session.closed_at
        if t0 is None or (closed is not None and when > closed):
            return ""  # no dose yet, or after the session (a review)
        seconds = int((when - t0).total_seconds())
        sign = "+" if seconds >= 0 else "−"
        minutes = abs(seconds) // 60
        return f"T{sign}{minutes // 60}:{minutes % 60:02d}"

    # ---- the plots' shared time axis ----------------------------------------------------------
    def axis(self) -> TimeAxis:
        """The span every plot shares (check-in to the last thing recorded), T0, doses, alarms."""
        if self._axis is None:
            d = self.d
            s = d.session
            start = s.checked_in_at.timestamp()
            ends = [s.closed_at.timestamp()] if s.closed_at is not None else []
            ends.extend(series.times[-1] for series in d.vitals.values() if series.times)
            ends.extend(a.at.timestamp() for a in d.alarms)
            ends.extend(dose.started_at.timestamp() for dose in d.doses)
            starts = [start, *(series.times[0] for series in d.vitals.values() if series.times)]
            first, last = min(starts), max([start + 600, *ends])
            self._axis = TimeAxis(
                first,
                max(last, first + 600),
                self.zone,
                s.t0,
                tuple(dose.started_at for dose in d.doses),
                tuple((e.first, e.priority) for e in alarm_episodes(d.alarms)),
            )
        return self._axis

    def footer(self) -> str:
        patient = self.d.patient
        return (
            f"{patient.display_name} · chart {patient.chart_id} · session {self.d.session.id}"
            f" · printed {self.stamp(self.generated_at)}"
        )
