"""The session service: check-in, state changes and notes, saved durably, announced by signals."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from console.clock import Clock
from console.domain.audit import AuditAction, observation_digest
from console.domain.lifecycle import SessionState, check_transition
from console.domain.people import Patient, Staff
from console.domain.permissions import Permission
from console.domain.sessions import Observation, ObservationCategory, SessionRecord, validate_note
from console.errors import IllegalTransition, ValidationFailed
from console.services.access import Access
from console.services.store_status import StoreStatus
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.writer import (
    DurableWriter,
    EntryState,
    Outcome,
    SaveObservation,
    SaveTransition,
)

log = logging.getLogger(__name__)

RETRY_MS = 3000


class SessionService(QObject):
    """Check-in and the stored sessions; a bed's own instance holds its one session (``open``)."""

    # the held session's record after a change of state or T0 (SessionRecord), or None
    sessionChanged = Signal(object)
    # a note that was saved or queued (Observation)
    observationAdded = Signal(object)
    # a sentence for the user: the database could not take an entry; it is kept in the spool
    storeProblem = Signal(str)
    # the spool has emptied into the database again
    storeRecovered = Signal()
    # how many entries wait in the spool (int)
    pendingChanged = Signal(int)
    # a note of this session is not stored yet, or is now (uid, EntryState: HELD, QUARANTINED,
    # SPOOLED or STORED)
    noteStoreChanged = Signal(str, object)

    def __init__(
        self,
        clock: Clock,
        people: PeopleRepository,
        sessions: SessionRepository,
        access: Access,
        writer: DurableWriter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._people = people
        self._sessions = sessions
        self._access = access
        self._writer = writer
        self._active: SessionRecord | None = None
        self._observations: list[Observation] = []
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._on_retry_timeout)
        self._following = False  # follow_store was called: notes' states are known
        self._notes_told: dict[str, EntryState | None] = {}  # notes not known stored yet

    def follow_store(self, status: StoreStatus) -> None:
        """Learn from the writer which notes are not stored yet, to mark them on screen."""
        if not self._following:
            self._following = True
            status.entryChanged.connect(self._on_status_entry_changed)

    def _on_status_entry_changed(self, uid: str, state: EntryState) -> None:
        if uid not in self._notes_told or state is EntryState.WAITING:
            return
        if state in (EntryState.STORED, EntryState.SPOOLED):
            del self._notes_told[uid]
        else:
            self._notes_told[uid] = state
        self.noteStoreChanged.emit(uid, state)

    def note_state(self, uid: str) -> EntryState | None:
        """HELD (in memory: the disk is full) or QUARANTINED (set aside) while the note is not
        in the database or the spool; None once it is, or while nothing says otherwise.
        """
        return self._notes_told.get(uid)

    # ---- queries -------------------------------------------------------------------------
    @property
    def active(self) -> SessionRecord | None:
        return self._active

    @property
    def pending(self) -> int:
        return self._writer.pending

    def observations(self) -> list[Observation]:
        return list(self._observations)

    def record(self, session_id: int) -> SessionRecord | None:
        """A stored session, open or closed."""
        return self._sessions.get(session_id)

    def open_sessions(self) -> list[SessionRecord]:
        return self._sessions.open_sessions()

    def open_sessions_in(self, room_ids: Collection[int]) -> list[SessionRecord]:
        """The open sessions of these rooms (none given: of every room)."""
        return self._sessions.open_sessions(room_ids or None)

    def occupant(self, room_id: int, chair: int) -> SessionRecord | None:
        """The open session in that chair of that room, if any."""
        return self._sessions.occupant(room_id, chair)

    def patient(self, patient_id: int) -> Patient:
        return self._people.patient(patient_id)

    def staff(self) -> list[Staff]:
        return self._people.staff()

    # ---- commands ------------------------------------------------------------------------
    def catch_up(self) -> None:
        """Save whatever a previous run left in the spool (call once at start-up)."""
        if self._writer.running:
            self._writer.flush()  # its thread saves them and reports through StoreStatus
        elif self._writer.pending:
            self._flush()

    def check_in(
        self,
        patient_id: int,
        room_id: int,
        therapist_id: int,
        medical_staff_id: int | None,
        *,
        by_staff_id: int | None = None,
        chair: int | None = None,
    ) -> SessionRecord:
        """Start a new session now (``by_staff_id``: who checks in, the therapist unless said
        otherwise); the room opens a bed for it.
        """
        actor = therapist_id if by_staff_id is None else by_staff_id
        self._access.require(Permission.CHECK_IN, actor, entity="patient", entity_id=patient_id)
        now = self._clock.now()
        record = self._sessions.check_in(
            uid=str(uuid.uuid4()),
            patient_id=patient_id,
            room_id=room_id,
            therapist_id=therapist_id,
            medical_staff_id=medical_staff_id,
            at=now,
            chair=chair,
        )
        self._access.audit.record(
            AuditAction.CREATE,
            "session",
            record.id,
            actor,
            {
                "patient_id": patient_id,
                "room_id": room_id,
                "chair": chair,
                "therapist_id": therapist_id,
            },
            at=now,
        )
        return record

    def open(self, session_id: int) -> SessionRecord:
        """Make a stored session the active one (resume)."""
        record = self._sessions.get(session_id)
        if record is None:
            raise IllegalTransition(f"There is no session {session_id}.")
        self._active = record
        self._observations = self._sessions.observations(session_id)
        self.sessionChanged.emit(record)
        return record

    def close_view(self) -> None:
        """Leave the active session (it stays open in the record)."""
        self._active = None
        self._observations = []
        self.sessionChanged.emit(None)

    def transition(
        self,
        target: SessionState,
        by_staff_id: int,
        *,
        reason: str = "",
        t0: datetime | None = None,
    ) -> SessionRecord:
        """Move the active session to ``target``; raises IllegalTransition saying why not."""
        record = self._require_active()
        self._access.require(
            Permission.ADVANCE_SESSION, by_staff_id, entity="session", entity_id=record.id
        )
        now = self._clock.now()
        if target == SessionState.MONITORING and t0 is None:
            t0 = now
        if t0 is not None and t0 > now:
            raise IllegalTransition("The dose time is in the future.")
        check_transition(
            record.state, target, dosed=t0 is not None or record.t0 is not None, reason=reason
        )
        command = SaveTransition(
            uid=str(uuid.uuid4()),
            session_id=record.id,
            from_state=record.state,
            to_state=target,
            at=now,
            by_staff_id=by_staff_id,
            reason=reason.strip(),
            t0=t0 if target == SessionState.MONITORING else None,
        )
        self._save(command)
        detail = {"from": record.state.value, "to": target.value, "reason": command.reason}
        if command.t0 is not None:
            detail["t0"] = command.t0.isoformat()
        self._access.audit.record(
            AuditAction.TRANSITION, "session", record.id, by_staff_id, detail, at=now
        )
        self._active = SessionRecord(
            id=record.id,
            uid=record.uid,
            patient_id=record.patient_id,
            room_id=record.room_id,
            therapist_id=record.therapist_id,
            medical_staff_id=record.medical_staff_id,
            checked_in_at=record.checked_in_at,
            state=target,
            t0=command.t0 or record.t0,
            closed_at=None if target.is_open else now,
            chair=record.chair,
        )
        self.sessionChanged.emit(self._active)
        return self._active

    def add_note(
        self,
        category: ObservationCategory,
        text: str,
        author_id: int,
        *,
        amends_uid: str | None = None,
    ) -> Observation:
        """Record a note on the active session now; raises ValidationFailed for bad text.

        With ``amends_uid`` the note is an amendment: the original stays as it was, readable,
        and the correction points at it (notes are append-only).
        """
        record = self._require_active()
        self._access.require(
            Permission.RECORD_OBSERVATION, author_id, entity="session", entity_id=record.id
        )
        if amends_uid is not None and not any(o.uid == amends_uid for o in self._observations):
            raise IllegalTransition("The note to amend is not in this session.")
        if not record.state.is_open:
            raise IllegalTransition(
                "The session is closed: add an amendment in the review instead."
            )
        errors = validate_note(text)
        if errors:
            raise ValidationFailed(errors)
        now = self._clock.now()
        observation = Observation(
            uid=str(uuid.uuid4()),
            session_id=record.id,
            at=now,
            author_id=author_id,
            category=category,
            text=text.strip(),
            amends_uid=amends_uid,
        )
        if self._following:  # before writing: its state may be told at once
            self._notes_told[observation.uid] = None
        self._save(SaveObservation(observation, now))
        self._access.audit.record(
            AuditAction.AMEND if amends_uid else AuditAction.CREATE,
            "observation",
            observation.uid,
            author_id,
            {
                "session_id": record.id,
                "category": category.value,
                "amends": amends_uid,
                "digest": observation_digest(observation),
            },
            at=now,
        )
        self._observations.append(observation)
        self.observationAdded.emit(observation)
        return observation

    # ---- internals -----------------------------------------------------------------------
    def _require_active(self) -> SessionRecord:
        if self._active is None:
            raise IllegalTransition("No session is open.")
        return self._active

    def _save(self, command: SaveObservation | SaveTransition) -> None:
        if self._writer.write(command) is Outcome.QUEUED:
            self.storeProblem.emit(self._writer.last_error)
            self.pendingChanged.emit(self._writer.pending)
            self._retry.start()

    def _flush(self) -> None:
        remaining = self._writer.flush()
        self.pendingChanged.emit(remaining)
        if remaining == 0:
            self._retry.stop()
            self.storeRecovered.emit()
        else:
            self.storeProblem.emit(self._writer.last_error)
            self._retry.start()

    def _on_retry_timeout(self) -> None:
        self._flush()
