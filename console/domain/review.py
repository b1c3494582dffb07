"""Reviewing past sessions: browser filters and rows, the whole record of one session, reviews."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.domain.discharge.model import SignedDischarge
from console.domain.doses_record import DoseRecord
from console.domain.events import AdverseEvent, Override, RatingEntry
from console.domain.lifecycle import SessionState
from console.domain.people import Patient
from console.domain.sessions import Observation, SessionRecord, Transition
from console.domain.vitals import Parameter

REVIEWED_BY = "reviewed by"


class SessionFlag(enum.StrEnum):
    """Something in a session a supervisor wants to find (CLINICAL.md, "Records")."""

    HIGH_ALARM = "high-priority alarm"
    ADVERSE_EVENT = "adverse event"
    RESCUE_MEDICATION = "rescue medication"
    GATE_OVERRIDE = "gate override"
    DISCHARGE_OVERRIDE = "discharge override"
    UNSIGNED = "discharge not signed"
    UNREVIEWED = "not reviewed"


@dataclass(frozen=True, slots=True)
class BrowserFilter:
    """The session browser's filters; ``None``/empty means any. All given flags must be present."""

    since: datetime | None = None  # checked in at or after
    until: datetime | None = None  # checked in before
    patient: str = ""  # part of the display name or chart id
    therapist_id: int | None = None
    room_id: int | None = None
    flags: frozenset[SessionFlag] = frozenset()
    text: str = ""  # words in the observations
    states: frozenset[SessionState] = frozenset()  # e.g. only closed ones
    limit: int = 500


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One row of the session browser."""

    id: int
    patient_name: str
    chart_id: str
    room: str
    therapist: str
    checked_in_at: datetime
    closed_at: datetime | None
    state: SessionState
    t0: datetime | None
    flags: frozenset[SessionFlag]


@dataclass(frozen=True, slots=True)
class Review:
    """A supervisor's signed review; reviews are only ever added."""

    uid: str
    session_id: int
    reviewer_id: int
    printed_name: str
    meaning: str
    at: datetime
    comment: str


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """One stored alarm event (raised, escalated, acknowledged, cleared).

    ``key`` names the alarm ("limit:spo2@/dev/ttyUSB0", "tech:silent:...", "obs:moaas"): events
    with the same key are the same alarm coming and going (see ``alarm_episodes``).
    """

    at: datetime
    kind: str
    priority: str
    message: str
    staff_id: int | None
    key: str = ""


@dataclass(frozen=True, slots=True)
class VitalSeries:
    """One parameter over the session: times (seconds since the epoch, UTC) and values, in order."""

    parameter: Parameter
    times: tuple[float, ...]
    values: tuple[float, ...]
    manual: tuple[bool, ...]  # entered by hand (else from a device)
    # who typed each value in (None for a device value); empty when not known at all
    entered_by: tuple[int | None, ...] = ()

    def author(self, index: int) -> int | None:
        """The staff id who entered value ``index`` by hand, if known."""
        return self.entered_by[index] if index < len(self.entered_by) else None


@dataclass(frozen=True, slots=True)
class SignedDischargeRecord:
    """The discharge as signed: the checklist data, who signed, when, and the meaning."""

    data: dict[str, Any]
    signed_by_id: int
    printed_name: str
    meaning: str
    signed_at: datetime

    @property
    def signed(self) -> SignedDischarge:
        """The signed data, typed (a record stored in an older shape reads too)."""
        return SignedDischarge.from_json(self.data)


@dataclass(frozen=True, slots=True)
class SessionDossier:
    """Everything recorded in one session, for review and export (read-only)."""

    session: SessionRecord
    patient: Patient
    room: str
    staff_names: dict[int, str]  # every staff id mentioned in the record
    transitions: tuple[Transition, ...]
    doses: tuple[DoseRecord, ...]
    vitals: dict[Parameter, VitalSeries]
    observations: tuple[Observation, ...]  # amendments included; they point at the original
    ratings: tuple[RatingEntry, ...]
    adverse_events: tuple[AdverseEvent, ...]
    alarms: tuple[AlarmRecord, ...]
    overrides: tuple[Override, ...]
    predose: dict[str, Any] | None  # the stored pre-dose checks, as data
    discharge_draft: dict[str, Any] | None
    discharge: SignedDischargeRecord | None
    reviews: tuple[Review, ...]
    flags: frozenset[SessionFlag] = field(default_factory=frozenset)

    def name(self, staff_id: int | None) -> str:
        if staff_id is None:
            return ""
        return self.staff_names.get(staff_id, f"staff #{staff_id}")


class TimelineKind(enum.StrEnum):
    TRANSITION = "step"
    DOSE = "dose"
    VITALS = "vitals"
    ALARM = "alarm"
    OBSERVATION = "note"
    AMENDMENT = "amendment"
    RATING = "rating"
    ADVERSE_EVENT = "adverse event"
    OVERRIDE = "override"
    DISCHARGE = "discharge"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a session's timeline."""

    at: datetime
    kind: TimelineKind
    text: str
    by: str = ""
