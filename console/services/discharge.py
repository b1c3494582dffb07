"""The discharge service: loads and saves the draft, checks access, audits, signs and signals.

The rules (what is done, what blocks, the PADSS) are the domain's ``evaluate``; the draft and
the signed record are the domain's typed ``DischargeDraft`` and ``SignedDischarge``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from PySide6.QtCore import QMetaMethod, QObject, Signal

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.discharge import (
    MINIMUM_MONITORING,
    NO_DOSE,
    Ambulation,
    Answer,
    Booking,
    ChecklistItem,
    Choice,
    ConfirmedVitals,
    DischargeDraft,
    ItemSource,
    Mark,
    NauseaControl,
    RideEntry,
    RideHome,
    SignedDischarge,
    VitalsComparison,
    check_integration,
    checklist,
    contradictions,
    evaluate,
    validate_rems_times,
    validate_ride_home,
    vital_sets,
    vitals_item,
)
from console.domain.events import Override
from console.domain.lifecycle import SessionState
from console.domain.permissions import Permission
from console.domain.sessions import SessionRecord
from console.domain.vitals import VitalPoint
from console.errors import FieldError, IllegalTransition, ValidationFailed
from console.services.access import Access
from console.services.alarms import AlarmService
from console.services.discharge_signoff import (
    MEANING_DISCHARGE,
    MEANING_ITEM_OVERRIDE,
    MEANING_OVERRIDE,
    SignOff,
)
from console.services.discharge_state import DischargeState
from console.services.sessions import SessionService
from console.services.signatures import Signature, Signer
from console.services.vitals import VitalsService
from console.store.discharge_repository import DischargeRepository
from console.store.workflow_repository import WorkflowRepository

__all__ = [
    "MEANING_DISCHARGE",
    "MEANING_ITEM_OVERRIDE",
    "MEANING_OVERRIDE",
    "DischargeService",
    "DischargeState",
    "Mark",
]


class DischargeService(QObject):
    """Follows the active session; holds its discharge draft and signs it off.

    Whoever owns it (a bed) calls ``follow`` after a change of the session, once the vitals
    service and the workflow follow it.
    """

    # the discharge after any change (DischargeState), or None when no session is open
    changed = Signal(object)
    # the session was discharged: the "discharged by" signature (Signature)
    discharged = Signal(object)

    def __init__(
        self,
        clock: Clock,
        sessions: SessionService,
        vitals: VitalsService,
        workflow: WorkflowRepository,
        discharges: DischargeRepository,
        signer: Signer,
        min_monitoring: timedelta = MINIMUM_MONITORING,
        parent: QObject | None = None,
        *,
        access: Access,
        alarms: AlarmService | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._alarms = alarms  # the bed's alarm board: an active alarm can contradict a tick
        if alarms is not None:
            alarms.alarmsChanged.connect(self._on_alarms_changed)
        self._access = access
        self._sessions = sessions
        self._vitals = vitals
        self._workflow = workflow
        self._discharges = discharges
        self._signoff = SignOff(signer, workflow, discharges, access)
        self._minimum = min_monitoring
        self._record: SessionRecord | None = None
        self._draft = DischargeDraft()
        self._signed: SignedDischarge | None = None
        self._signed_at: datetime | None = None
        self._signed_by: int | None = None
        if sessions.active is not None:
            self._load(sessions.active)

    # ---- queries ---------------------------------------------------------------------------
    @property
    def minimum_monitoring(self) -> timedelta:
        return self._minimum

    def state(self) -> DischargeState | None:
        """The discharge as of now, or None when no session is open."""
        if self._record is None:
            return None
        if self._signed_at is None:
            self._follow_predose_ride(self._record.id)
        return self._compute(self._record)

    def ride_confirmed(self) -> bool:
        """True once someone confirmed the ride home here (cheap: reads the draft, no vitals)."""
        return self._draft.ride.confirmed_at is not None

    def blockers(self) -> list[str]:
        """Every open required item in plain words; empty when the patient may go."""
        state = self.state()
        return list(state.blockers) if state is not None else ["No session is open."]

    # ---- commands --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute (time passed, a rating or vitals arrived) and announce the result."""
        self.changed.emit(self.state())

    def set_esketamine(self, esketamine: bool) -> None:
        """Say whether the session's drug is esketamine (adds the REMS facts item)."""
        self._editable()
        if self._draft.esketamine == bool(esketamine):
            return  # nothing to store: a draft is saved only when something is answered
        self._save(replace(self._draft, esketamine=bool(esketamine)))

    def contradiction(self, item_id: str) -> str:
        """What in the record says otherwise about this item now ("" when nothing does)."""
        draft = self._draft
        found = contradictions(
            self._active_alarms(),
            draft.ambulation.value if draft.ambulation is not None else None,
            draft.nausea.value if draft.nausea is not None else None,
        )
        return found.get(item_id, "")

    def answer(
        self,
        item_id: str,
        done: bool,
        staff_id: int,
        *,
        override_reason: str = "",
        secret: str = "",
    ) -> None:
        """Tick (or untick) a checklist item the clinician answers.

        Ticking an item that an active alarm or a PADSS answer contradicts needs an override:
        a reason and the staff member's password (signed "checklist override by", kept with
        the tick and flagged for supervisor review). Without them, ValidationFailed.
        """
        record = self._editable(staff_id)
        ids = {item.id.value for item in self._checklist() if item.source is ItemSource.ANSWER}
        if item_id not in ids:
            raise ValueError(f"{item_id!r} is not a checklist item a clinician answers")
        now = self._clock.now()
        entry = Answer(bool(done), Mark(staff_id, now))
        against = self.contradiction(item_id) if done else ""
        if against:
            signed = self._signoff.item_override(
                record, item_id, against, staff_id, override_reason, secret, now
            )
            entry = replace(entry, override=signed)
        self._save(self._draft.with_answer(item_id, entry), staff_id, item_id)

    def confirm_vitals(self, staff_id: int) -> VitalsComparison:
        """Accept the proposed PADSS vitals item (the numbers shown); ValidationFailed if none."""
        record = self._editable(staff_id)
        sets, note = vital_sets(record, self._points(record), self._clock.now())
        if sets is None:
            raise ValidationFailed([FieldError("vitals", note)])
        comparison = vitals_item(*sets)
        baseline, latest = sets
        # the numbers confirmed: the item is judged on them, not on every newer second
        confirmed = ConfirmedVitals(
            comparison.summary,
            comparison.score,
            baseline,
            latest,
            Mark(staff_id, self._clock.now()),
        )
        self._save(replace(self._draft, vitals=confirmed), staff_id, "padss-vitals")
        return comparison

    def set_ambulation(self, value: Ambulation, staff_id: int) -> None:
        self._editable(staff_id)
        choice = Choice(int(Ambulation(value)), Mark(staff_id, self._clock.now()))
        self._save(replace(self._draft, ambulation=choice), staff_id, "padss-ambulation")

    def set_nausea(self, value: NauseaControl, staff_id: int) -> None:
        self._editable(staff_id)
        choice = Choice(int(NauseaControl(value)), Mark(staff_id, self._clock.now()))
        self._save(replace(self._draft, nausea=choice), staff_id, "padss-nausea")

    def confirm_ride(
        self,
        driver_name: str,
        phone: str,
        relationship: str,
        staff_id: int,
        confirmed_at: datetime | None = None,
    ) -> RideHome:
        """Record the ride home as confirmed (now, or at ``confirmed_at``); nothing on errors."""
        self._editable(staff_id)
        now = self._clock.now()
        ride = RideHome(
            driver_name.strip(), phone.strip(), relationship.strip(), confirmed_at or now
        )
        errors = validate_ride_home(ride, now)
        if errors:
            raise ValidationFailed(errors)
        entry = RideEntry(
            ride.driver_name,
            ride.phone,
            ride.relationship,
            ride.confirmed_at or now,
            Mark(staff_id, now),
        )
        self._save(replace(self._draft, ride=entry), staff_id, "ride-home")
        return ride

    def book_integration(self, at: datetime, staff_id: int) -> str | None:
        """Record the integration session's time; returns the 24–72 h warning, if any."""
        self._editable(staff_id)
        now = self._clock.now()
        warning = check_integration(at, now)
        booking = Booking(at, Mark(staff_id, now))
        self._save(replace(self._draft, integration=booking), staff_id, "integration")
        return warning

    def set_ready_at(self, at: datetime, staff_id: int) -> None:
        """For the REMS facts: when the patient was clinically ready to leave, 2-h rule aside."""
        record = self._editable(staff_id)
        now = self._clock.now()
        if record.t0 is None:
            raise ValidationFailed([FieldError("ready_at", NO_DOSE)])
        errors = [e for e in validate_rems_times(record.t0, now, at) if e.field == "ready_at"]
        if errors:
            raise ValidationFailed(errors)
        self._save(
            replace(self._draft, ready=Booking(at, Mark(staff_id, now))), staff_id, "ready-at"
        )

    def discharge(self, signer_id: int | None, pin: str, *, override_reason: str = "") -> Signature:
        """Sign the discharge and close the session; ValidationFailed says what stops it.

        With open items, ``override_reason`` is required: the override is signed ("discharge
        override by") and stored for supervisor review with the open items. Both signatures
        are verified before anything is stored, so a wrong PIN leaves no trace.
        """
        record = self._editable()
        if signer_id is not None:  # who may sign is checked before anything else
            self._access.require(
                Permission.SIGN_DISCHARGE, signer_id, entity="session", entity_id=record.id
            )
        if record.state is not SessionState.RECOVERY:
            raise IllegalTransition(
                f"The session is in {record.state.label.lower()}: "
                "move it to recovery before discharge."
            )
        if signer_id is None:
            raise ValidationFailed([FieldError("signer", "Choose who is signing.")])
        now = self._clock.now()
        signed, signature = self._signoff.discharge(
            record, self._compute(record), self._draft, signer_id, pin, override_reason, now
        )
        self._signed, self._signed_at, self._signed_by = signed, now, signer_id
        self._sessions.transition(SessionState.DISCHARGED, signer_id)  # reloads via the signal
        self.discharged.emit(signature)
        return signature

    # ---- internals -------------------------------------------------------------------------
    def _load(self, record: SessionRecord | None) -> None:
        self._record = record
        self._signed = None
        self._signed_at = None
        self._signed_by = None
        if record is None:
            self._draft = DischargeDraft()
            return
        signed = self._discharges.record(record.id)
        if signed is not None:
            self._signed = signed.discharge
            self._draft = self._signed.draft
            self._signed_at, self._signed_by = signed.signed_at, signed.signed_by_id
            return
        stored = self._discharges.load_draft(record.id)
        self._draft = stored if stored is not None else self._fresh(record.id)
        self._follow_predose_ride(record.id)

    def _follow_predose_ride(self, session_id: int) -> None:
        """Until staff type or confirm a ride here, show the one arranged before the dose."""
        ride = self._draft.ride
        if not ride.confirmed_at and not ride.driver_name:
            self._draft = replace(self._draft, ride=self._predose_ride(session_id, ride))

    def _predose_ride(self, session_id: int, ride: RideEntry | None = None) -> RideEntry:
        """The ride arranged at check-in (unconfirmed), over ``ride``."""
        predose = self._workflow.predose(session_id)
        ride = ride if ride is not None else RideEntry()
        if predose is None:
            return replace(ride, driver_name="", phone="", relationship="", confirmed_at=None)
        return replace(
            ride,
            driver_name=predose.ride_driver,
            phone=predose.ride_phone,
            relationship=predose.ride_relationship,
            confirmed_at=None,
        )

    def _fresh(self, session_id: int) -> DischargeDraft:
        """A new draft, the ride prefilled (unconfirmed) from the one arranged at check-in."""
        return DischargeDraft(ride=self._predose_ride(session_id))

    def _editable(self, staff_id: int | None = None) -> SessionRecord:
        """The open session whose checklist may change (by ``staff_id``, when given)."""
        record = self._record
        if record is None:
            raise IllegalTransition("No session is open.")
        if staff_id is not None:
            self._access.require(
                Permission.DISCHARGE_CHECKLIST, staff_id, entity="session", entity_id=record.id
            )
        if self._signed_at is not None or not record.state.is_open:
            raise IllegalTransition(
                f"The session is {record.state.label.lower()}: "
                "its discharge record can no longer change."
            )
        return record

    def _save(self, draft: DischargeDraft, staff_id: int | None = None, item: str = "") -> None:
        assert self._record is not None
        self._discharges.store_draft(self._record.id, draft)
        self._draft = draft
        if staff_id is not None:
            self._access.audit.record(
                AuditAction.CREATE,
                "discharge-item",
                self._record.id,
                staff_id,
                {"item": item},
            )
        self.refresh()

    def _checklist(self) -> tuple[ChecklistItem, ...]:
        return checklist(esketamine=self._draft.esketamine, minimum_monitoring=self._minimum)

    def _points(self, record: SessionRecord) -> list[VitalPoint]:
        session = self._vitals.session
        return self._vitals.history() if session is not None and session.id == record.id else []

    def _compute(self, record: SessionRecord) -> DischargeState:
        now = self._signed_at or self._clock.now()
        result = evaluate(
            self._draft,
            record,
            self._points(record),
            self._workflow.ratings(record.id),
            now,
            minimum_monitoring=self._minimum,
            active_alarms=self._active_alarms() if self._signed is None else (),
            signed_open_items=self._signed.open_items if self._signed is not None else None,
        )
        return DischargeState(
            session_id=record.id,
            patient_id=record.patient_id,
            session_state=record.state,
            now=now,
            t0=record.t0,
            esketamine=self._draft.esketamine,
            items=result.items,
            padss=result.padss,
            blockers=result.blockers,
            ride=result.ride,
            integration=result.integration,
            rems=result.rems,
            signature=self._signature(),
            override=self._override(record) if self._signed is not None else None,
        )

    def _signature(self) -> Signature | None:
        signed = self._signed
        if signed is None or self._signed_at is None or self._signed_by is None:
            return None
        return Signature(
            self._signed_by, signed.signature_name, signed.signature_meaning, self._signed_at
        )

    def _override(self, record: SessionRecord) -> Override | None:
        uid = self._signed.override_uid if self._signed is not None else None
        if not uid:
            return None
        found = [o for o in self._workflow.overrides(record.id) if o.uid == uid]
        return found[-1] if found else None

    def _active_alarms(self) -> list[tuple[str, str]]:
        if self._alarms is None:
            return []
        return [(a.key, a.condition.message) for a in self._alarms.active()]

    # ---- slots -----------------------------------------------------------------------------
    def _on_alarms_changed(self, *_: object) -> None:
        if self._record is None or self._signed_at is not None:
            return
        if self.isSignalConnected(QMetaMethod.fromSignal(self.changed)):
            self.changed.emit(self.state())

    def follow(self, record: SessionRecord | None) -> None:
        """The session moved on or another opened (called after the vitals and the workflow)."""
        self._load(record)
        # the figures cost a history read: computed now only when a panel listens
        if self.isSignalConnected(QMetaMethod.fromSignal(self.changed)):
            self.changed.emit(self.state())
