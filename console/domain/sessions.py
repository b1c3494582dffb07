"""A dosing session's record as the services see it, and its observation entries."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from console.domain.lifecycle import SessionState
from console.domain.text import check_text
from console.errors import FieldError


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One patient's session in a room; several may be open in one room (group sessions)."""

    id: int
    uid: str
    patient_id: int
    room_id: int
    therapist_id: int
    medical_staff_id: int | None
    checked_in_at: datetime
    state: SessionState
    t0: datetime | None
    closed_at: datetime | None
    chair: int | None = None  # the chair in the room (1 to 16); None if not recorded


@dataclass(frozen=True, slots=True)
class Transition:
    """A stored state change: who moved the session, when, and why (for an abort)."""

    session_id: int
    from_state: SessionState
    to_state: SessionState
    at: datetime
    by_staff_id: int
    reason: str


class ObservationCategory(enum.StrEnum):
    """What a therapist's note is about."""

    AFFECT = "affect"
    DISSOCIATION = "dissociation"
    ANXIETY = "anxiety"
    NAUSEA = "nausea"
    STATEMENT = "statement"
    INTERVENTION = "intervention"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "affect": "Affect / mood",
            "dissociation": "Dissociation",
            "anxiety": "Anxiety / agitation",
            "nausea": "Nausea / vomiting",
            "statement": "Patient statement",
            "intervention": "Intervention",
            "other": "Other",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Observation:
    """A timestamped note; append-only, corrected by an amendment pointing at the original."""

    uid: str
    session_id: int
    at: datetime
    author_id: int
    category: ObservationCategory
    text: str
    amends_uid: str | None = None


MAX_NOTE_LENGTH = 4000


def validate_note(text: str) -> list[FieldError]:
    """Problems with a note's text; empty when it can be stored."""
    if not text.strip():
        return [FieldError("text", "Write the observation before saving it.")]
    if len(text) > MAX_NOTE_LENGTH:
        return [FieldError("text", f"Keep a note under {MAX_NOTE_LENGTH} characters.")]
    return check_text("text", text)
