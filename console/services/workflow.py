"""The dosing workflow: pre-dose checks, the BP gate and its overrides, doses (T0), ratings, events."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.discharge import baseline_set
from console.domain.doses import (
    DoseDraft,
    DoseLimits,
    Drug,
    dose_concerns,
    mg_per_kg,
    validate_dose,
)
from console.domain.doses_record import (
    ENTERED_IN_ERROR_MEANING,
    DoseCorrection,
    DoseRecord,
    DoseTotal,
    as_earlier,
    in_force,
    session_totals,
)
from console.domain.events import (
    AdverseEvent,
    Override,
    OverrideKind,
    RatingEntry,
    validate_adverse_event,
)
from console.domain.lifecycle import SessionState
from console.domain.permissions import Permission
from console.domain.predose import (
    BpGate,
    BpSet,
    GateLevel,
    PreDoseChecks,
    predose_sets,
    validate_ride,
)
from console.domain.scales import ScaleDefinition, parse_rating
from console.domain.sessions import SessionRecord
from console.domain.text import check_text
from console.domain.vitals import Parameter, VitalPoint
from console.errors import FieldError, IllegalTransition, ValidationFailed
from console.services.access import Access
from console.services.sessions import SessionService
from console.services.signatures import Signer
from console.services.vitals import VitalsService
from console.store.dose_repository import DoseRepository
from console.store.repositories import PeopleRepository
from console.store.workflow_repository import WorkflowRepository

NO_BASELINE = "No full baseline set yet (HR, BP, SpO2 and RR within 5 min): dosing needs one."
OVERRIDE_MEANING = "override by"
MAX_OVERRIDE_REASON = 2000
CONFIRM_FIELD = "confirm_reason"  # the field a queried dose's confirmation reason belongs to
_BP_PARAMETERS = frozenset({Parameter.NIBP_SYS, Parameter.NIBP_DIA})
_EVENT_LIMITS = (
    ("kind", 40),
    ("rescue_drug", 60),
    ("rescue_route", 20),
    ("detail", 400),
    ("oxygen_device", 40),
)
_RIDE_LIMITS = (("ride_driver", 80), ("ride_phone", 40), ("ride_relationship", 40))
_EPSILON = timedelta(seconds=1)  # "before T0" when there is no T0 yet: everything up to now


def _clock_text(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


class WorkflowService(QObject):
    """The active session's dosing workflow, saved through the repositories, told by signals.

    Whoever owns it (a bed) calls ``follow`` after a change of the session, once the vitals
    service follows it: the order is written there, not left to signal connections.
    """

    # anything the pre-dose step shows changed (checks, override, baseline, session): re-read
    changed = Signal()
    # a dose was stored (DoseRecord); the first one also set T0
    doseRecorded = Signal(object)
    # a dose was marked entered in error (DoseRecord, with its correction): totals changed
    doseCorrected = Signal(object)
    # a rating was stored (RatingEntry)
    ratingAdded = Signal(object)
    # an adverse event was stored (AdverseEvent); it is flagged for supervisor review
    adverseEventAdded = Signal(object)

    def __init__(
        self,
        clock: Clock,
        sessions: SessionService,
        vitals: VitalsService,
        workflow: WorkflowRepository,
        doses: DoseRepository,
        people: PeopleRepository,
        signer: Signer,
        scales: dict[str, ScaleDefinition],
        gate: BpGate = BpGate(),  # noqa: B008 - a frozen dataclass: one shared default is safe
        parent: QObject | None = None,
        *,
        access: Access,
        dose_limits: DoseLimits | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._limits = dose_limits or DoseLimits()
        self._access = access
        self._sessions = sessions
        self._vitals = vitals
        self._workflow = workflow
        self._dose_repo = doses
        self._people = people
        self._signer = signer
        self._scales = dict(scales)
        self._gate = gate
        self._session_id: int | None = None
        self._predose: PreDoseChecks | None = None
        self._overrides: list[Override] = []
        self._doses: list[DoseRecord] = []
        self._weight: float | None = None
        self._vitals_for: int | None = None  # the session whose baseline below is known
        self._sets: list[BpSet] = []  # the full pre-dose sets, oldest first
        self._points: list[VitalPoint] = []  # the pre-dose points, while there is no T0
        self._last_cuff: datetime | None = None  # the newest pre-dose cuff reading
        vitals.pointsAdded.connect(self._on_vitals_points_added)
        self._load(sessions.active)

    # ---- queries ---------------------------------------------------------------------------
    @property
    def session(self) -> SessionRecord | None:
        return self._sessions.active

    @property
    def scales(self) -> dict[str, ScaleDefinition]:
        return dict(self._scales)

    def predose(self) -> PreDoseChecks | None:
        return self._predose

    def overrides(self) -> list[Override]:
        return list(self._overrides)

    def doses(self) -> list[DoseRecord]:
        """Every dose of the session, those entered in error included (marked)."""
        return list(self._doses)

    @property
    def dose_limits(self) -> DoseLimits:
        return self._limits

    def totals(self, draft: DoseDraft | None = None) -> list[DoseTotal]:
        """Per drug, the session total of the doses in force (with ``draft`` added when given)."""
        doses = in_force(self._doses)
        if draft is not None and draft.amount_mg is not None and draft.amount_mg > 0:
            record = self._sessions.active
            doses.append(
                DoseRecord(
                    "",
                    record.id if record else 0,
                    draft.drug,
                    draft.route,
                    draft.amount_mg,
                    draft.started_at or self._clock.now(),
                    0,
                    self._clock.now(),
                )
            )
        return session_totals(doses, self._weight)

    def dose_concerns(self, draft: DoseDraft) -> list[str]:
        """Why this entry needs a confirmation with a reason (limit, jump, early booster)."""
        return dose_concerns(draft, as_earlier(self._doses), self._weight, self._limits)

    def ratings(self) -> list[RatingEntry]:
        record = self._sessions.active
        return self._workflow.ratings(record.id) if record is not None else []

    def adverse_events(self) -> list[AdverseEvent]:
        record = self._sessions.active
        return self._workflow.adverse_events(record.id) if record is not None else []

    def first_dose_pending(self) -> bool:
        """True until the first dose sets T0."""
        record = self._sessions.active
        return record is None or record.t0 is None

    def weight_kg(self) -> float | None:
        return self._weight

    def mg_per_kg(self, amount_mg: float) -> float | None:
        """The amount per kg of the patient's recorded weight, or None without a weight."""
        return mg_per_kg(amount_mg, self._weight) if self._weight else None

    def baseline(self) -> dict[Parameter, float] | None:
        """The first full vitals set before T0 (before now while not dosed), or None."""
        sets = self.predose_sets()
        return dict(sets[0].values) if sets else None

    def predose_sets(self) -> list[BpSet]:
        """Every full pre-dose set, one per cuff reading, oldest first (the record keeps all)."""
        record = self._sessions.active
        if record is None:
            return []
        self._ensure_vitals(record)
        return list(self._sets) if self._vitals_for == record.id else []

    def gate_set(self) -> BpSet | None:
        """The set the gate judges: the latest full pre-dose set (a rested repeat counts)."""
        sets = self.predose_sets()
        return sets[-1] if sets else None

    def gate_status(self) -> tuple[GateLevel, str]:
        """The BP gate's verdict on the latest pre-dose set, and the sentence that explains it."""
        judged = self.gate_set()
        if judged is None:
            return GateLevel.WARN, NO_BASELINE
        level, text = self._gate.check(judged.systolic, judged.diastolic)
        if len(self.predose_sets()) > 1:
            text = text.replace("Baseline BP", f"Latest pre-dose BP ({_clock_text(judged.at)})", 1)
        record = self._sessions.active
        if record is not None and record.t0 is None:
            age = self._clock.now() - judged.at
            if age > self._gate.window:
                minutes = int(age.total_seconds() // 60)
                window = int(self._gate.window.total_seconds() // 60)
                text += (
                    f" That set is {minutes} min old: take a fresh set "
                    f"(the gate looks at the last {window} min)."
                )
                if level is GateLevel.OK:
                    level = GateLevel.WARN
        if level is GateLevel.HOLD and self._overridden(OverrideKind.BP_GATE):
            return level, f"{text} Overridden with a signed reason."
        return level, text

    def overridable(self) -> list[OverrideKind]:
        """The pre-dose rules blocking the dose now that a signed override may lift."""
        if not self.first_dose_pending():
            return []
        found: list[OverrideKind] = []
        if not self._ride_arranged() and not self._overridden(OverrideKind.RIDE_HOME):
            found.append(OverrideKind.RIDE_HOME)
        if self.baseline() is not None and self._gate_holds():
            found.append(OverrideKind.BP_GATE)
        return found

    def can_dose(self) -> list[str]:
        """Why a dose cannot be recorded now, in plain words; empty when it can."""
        record = self._sessions.active
        if record is None:
            return ["No session is open."]
        if not record.state.is_open:
            return [f"The session is {record.state.label.lower()}: no more doses."]
        if record.t0 is not None:
            return []  # boosters: the pre-dose rules were met (or overridden) at T0
        reasons: list[str] = []
        if record.state is SessionState.CHECKED_IN:
            reasons.append("Start the baseline first: the session is still at check-in.")
        if self._predose is None:
            reasons.append("Pre-dose checks not saved yet.")
        if not self._ride_arranged() and not self._overridden(OverrideKind.RIDE_HOME):
            reasons.append("No ride home arranged (or a signed override).")
        if self.baseline() is None:
            reasons.append(NO_BASELINE)
        elif self._gate_holds():
            reasons.append(self.gate_status()[1])
        return reasons

    def check_dose(self, draft: DoseDraft) -> list[FieldError]:
        """Every problem with a dose draft for this session, one message per field."""
        now = self._clock.now()
        errors = validate_dose(draft, now)
        record = self._sessions.active
        start = draft.started_at
        if record is None or start is None or any(e.field == "started_at" for e in errors):
            return errors
        if start < record.checked_in_at:
            message = (
                f"The dose cannot start before check-in ({_clock_text(record.checked_in_at)})."
            )
            errors.append(FieldError("started_at", message))
        elif record.t0 is not None and start < record.t0:
            message = f"A booster cannot start before the first dose (T0 {_clock_text(record.t0)})."
            errors.append(FieldError("started_at", message))
        elif (
            record.t0 is None
            and self.baseline() is not None
            and baseline_set(self._vitals.history(), start) is None
        ):
            message = (
                "The baseline set was completed after this start time; "
                "the baseline must come before the dose."
            )
            errors.append(FieldError("started_at", message))
        return errors

    # ---- commands --------------------------------------------------------------------------
    def check_predose(self, checks: PreDoseChecks) -> list[FieldError]:
        """Problems with the ride home: if any part of it is given, all of it must be."""
        errors: list[FieldError] = []
        if any(
            p.strip() for p in (checks.ride_driver, checks.ride_phone, checks.ride_relationship)
        ):
            errors = validate_ride(checks.ride_driver, checks.ride_phone)
            if not checks.ride_relationship.strip():
                message = "Enter how the driver knows the patient (partner, friend…)."
                errors.append(FieldError("ride_relationship", message))
        for name, limit in _RIDE_LIMITS:
            if len(getattr(checks, name).strip()) > limit and all(e.field != name for e in errors):
                errors.append(FieldError(name, f"Keep this to {limit} characters."))
        return errors

    def save_predose(self, checks: PreDoseChecks, by_staff_id: int) -> None:
        """Store the pre-dose answers (replacing earlier ones until the dose); ValidationFailed."""
        record = self._require_open()
        self._access.require(
            Permission.PREDOSE_CHECKS, by_staff_id, entity="session", entity_id=record.id
        )
        if record.t0 is not None:
            raise IllegalTransition("The dose is given: the pre-dose checks can no longer change.")
        errors = self.check_predose(checks)
        if errors:
            raise ValidationFailed(errors)
        strip = {n: getattr(checks, n).strip() for n in ("ride_driver", "ride_phone")}
        cleaned = replace(checks, **strip, ride_relationship=checks.ride_relationship.strip())
        now = self._clock.now()
        self._workflow.save_predose(record.id, cleaned, by_staff_id, now)
        self._access.audit.record(AuditAction.CREATE, "predose", record.id, by_staff_id, at=now)
        self._predose = cleaned
        self.changed.emit()

    def override(
        self,
        kind: OverrideKind,
        reason: str,
        signer_id: int | None,
        pin: str,
        detail: dict[str, Any] | None = None,
    ) -> Override:
        """Lift the ride-home or BP-gate rule with a reason and a re-entered PIN; kept for review."""
        record = self._require_open()
        if signer_id is not None:  # who may override is checked before anything else
            self._access.require(
                Permission.OVERRIDE, signer_id, entity="session", entity_id=record.id
            )
        if kind is OverrideKind.DISCHARGE:
            raise IllegalTransition("A discharge override is signed on the discharge checklist.")
        if kind not in self.overridable():
            raise IllegalTransition("That rule is not blocking the dose: nothing to override.")
        check_signed_reason(
            reason, signer_id, pin, "Give the reason for going ahead.", "Enter the signer's PIN."
        )
        assert signer_id is not None
        now = self._clock.now()
        signature = self._signer.sign(signer_id, pin, OVERRIDE_MEANING, now)
        facts: dict[str, Any] = dict(detail or {})
        facts.update(printed_name=signature.printed_name, meaning=signature.meaning)
        if kind is OverrideKind.BP_GATE:
            judged = self.gate_set()
            assert judged is not None
            facts.update(
                baseline_sys=judged.systolic,
                baseline_dia=judged.diastolic,
                set_at=judged.at.isoformat(),
                gate=self.gate_status()[1],
            )
        else:
            facts.update(ride="no ride home arranged before the dose")
        override = Override(
            str(uuid.uuid4()), record.id, kind, reason.strip(), signer_id, now, facts
        )
        self._workflow.add_override(override)
        self._access.audit.record(
            AuditAction.OVERRIDE,
            "override",
            override.uid,
            signer_id,
            {"session_id": record.id, "kind": kind.value, "reason": override.reason},
            at=now,
        )
        self._overrides.append(override)
        self.changed.emit()
        return override

    def record_dose(
        self, draft: DoseDraft, by_staff_id: int, *, confirm_reason: str = ""
    ) -> DoseRecord:
        """Store a dose; the first moves the session to monitoring with T0 at its start.

        An entry the slip guard queries (``dose_concerns``) needs ``confirm_reason``: without
        it, ValidationFailed on the ``confirm_reason`` field lists what was queried.
        """
        if self._sessions.active is not None:
            self._access.require(
                Permission.RECORD_DOSE,
                by_staff_id,
                entity="session",
                entity_id=self._sessions.active.id,
            )
        reasons = self.can_dose()
        if reasons:
            raise IllegalTransition("Dosing is blocked: " + " ".join(reasons))
        errors = self.check_dose(draft)
        if errors:
            raise ValidationFailed(errors)
        concerns = self.dose_concerns(draft)
        reason = confirm_reason.strip() if concerns else ""
        if concerns and not reason:
            raise ValidationFailed(
                [FieldError(CONFIRM_FIELD, "Confirm with a reason: " + " ".join(concerns))]
            )
        if len(reason) > MAX_OVERRIDE_REASON:
            message = f"Keep the reason under {MAX_OVERRIDE_REASON} characters."
            raise ValidationFailed([FieldError(CONFIRM_FIELD, message)])
        if check_text(CONFIRM_FIELD, reason):
            raise ValidationFailed(check_text(CONFIRM_FIELD, reason))
        record = self._require_open()
        assert draft.amount_mg is not None and draft.started_at is not None
        esketamine = draft.drug is Drug.ESKETAMINE
        dose = DoseRecord(
            uid=str(uuid.uuid4()),
            session_id=record.id,
            drug=draft.drug,
            route=draft.route,
            amount_mg=draft.amount_mg,
            started_at=draft.started_at,
            given_by_id=by_staff_id,
            recorded_at=self._clock.now(),
            ended_at=draft.ended_at,
            rate_mg_per_h=draft.rate_mg_per_h,
            lot=draft.lot.strip(),
            device_count=draft.device_count if esketamine else None,
            mg_per_kg=self.mg_per_kg(draft.amount_mg),
            confirm_reason=reason,
        )
        self._dose_repo.add(dose)
        self._access.audit.record(
            AuditAction.CREATE,
            "dose",
            dose.uid,
            by_staff_id,
            {
                "session_id": record.id,
                "drug": dose.drug.value,
                "route": dose.route.value,
                "amount_mg": dose.amount_mg,
                **({"queried": concerns, "confirm_reason": reason} if concerns else {}),
            },
            at=dose.recorded_at,
        )
        self._doses = sorted([*self._doses, dose], key=lambda d: d.started_at)
        if record.t0 is None:
            self._sessions.transition(SessionState.MONITORING, by_staff_id, t0=draft.started_at)
        self.doseRecorded.emit(dose)
        self.changed.emit()
        return dose

    def mark_entered_in_error(
        self, dose_uid: str, reason: str, signer_id: int | None, secret: str
    ) -> DoseRecord:
        """Amend a dose as entered in error, signed; it stays on record but counts nowhere."""
        record = self._require_open()
        if signer_id is not None:
            self._access.require(
                Permission.RECORD_DOSE, signer_id, entity="session", entity_id=record.id
            )
        found = [d for d in self._doses if d.uid == dose_uid]
        if not found:
            raise IllegalTransition("That dose is not part of this session.")
        dose = found[0]
        if dose.correction is not None:
            raise IllegalTransition("That dose is already marked entered in error.")
        check_signed_reason(
            reason,
            signer_id,
            secret,
            "Say why the dose was entered in error.",
            "Enter the signer's password.",
        )
        assert signer_id is not None
        now = self._clock.now()
        signature = self._signer.sign(signer_id, secret, ENTERED_IN_ERROR_MEANING, now)
        correction = DoseCorrection(
            str(uuid.uuid4()), dose.uid, reason.strip(), signer_id, signature.printed_name, now
        )
        self._dose_repo.add_correction(record.id, correction)
        self._access.audit.record(
            AuditAction.AMEND,
            "dose",
            dose.uid,
            signer_id,
            {
                "session_id": record.id,
                "entered_in_error": True,
                "reason": correction.reason,
                "meaning": signature.meaning,
            },
            at=now,
        )
        corrected = replace(dose, correction=correction)
        self._doses = [corrected if d.uid == dose.uid else d for d in self._doses]
        self.doseCorrected.emit(corrected)
        self.changed.emit()
        return corrected

    def add_rating(self, scale_id: str, raw_value: str, note: str, author_id: int) -> RatingEntry:
        """Store a rating now (the bed judges it against its scale's alarm limits)."""
        record = self._require_open()
        self._access.require(
            Permission.RECORD_OBSERVATION, author_id, entity="session", entity_id=record.id
        )
        definition = self._scales.get(scale_id)
        if definition is None:
            raise ValidationFailed([FieldError("scale", "Choose a scale.")])
        rating = parse_rating(definition, raw_value, note)
        entry = RatingEntry(
            str(uuid.uuid4()),
            record.id,
            definition.id,
            rating.value,
            rating.note,
            self._clock.now(),
            author_id,
        )
        self._workflow.add_rating(entry)
        self._access.audit.record(
            AuditAction.CREATE,
            "rating",
            entry.uid,
            author_id,
            {"session_id": record.id, "scale": entry.scale_id, "value": entry.value},
            at=entry.at,
        )
        self.ratingAdded.emit(entry)
        return entry

    def add_adverse_event(self, event: AdverseEvent) -> AdverseEvent:
        """Store an adverse event of the active session (flagged for review in the record)."""
        record = self._require_open()
        if event.session_id != record.id:
            raise IllegalTransition("That event belongs to another session.")
        self._access.require(
            Permission.RECORD_OBSERVATION, event.author_id, entity="session", entity_id=record.id
        )
        errors = validate_adverse_event(event, self._clock.now())
        for name, limit in _EVENT_LIMITS:
            if len(getattr(event, name)) > limit and all(e.field != name for e in errors):
                errors.append(FieldError(name, f"Keep this to {limit} characters."))
        if errors:
            raise ValidationFailed(errors)
        self._workflow.add_adverse_event(event)
        self._access.audit.record(
            AuditAction.CREATE,
            "adverse-event",
            event.uid,
            event.author_id,
            {"session_id": record.id, "kind": event.kind, "severity": event.severity.value},
        )
        self.adverseEventAdded.emit(event)
        return event

    # ---- internals -------------------------------------------------------------------------
    def _require_open(self) -> SessionRecord:
        record = self._sessions.active
        if record is None:
            raise IllegalTransition("No session is open.")
        if not record.state.is_open:
            raise IllegalTransition(
                f"The session is {record.state.label.lower()} and closed: its record cannot change."
            )
        return record

    def _ride_arranged(self) -> bool:
        return self._predose is not None and self._predose.ride_arranged

    def _overridden(self, kind: OverrideKind) -> bool:
        return any(o.kind is kind for o in self._overrides)

    def _gate_holds(self) -> bool:
        judged = self.gate_set()
        if judged is None or self._overridden(OverrideKind.BP_GATE):
            return False
        level, _ = self._gate.check(judged.systolic, judged.diastolic)
        return level is GateLevel.HOLD

    def _load(self, record: SessionRecord | None) -> None:
        if record is None:
            self._session_id, self._predose, self._weight = None, None, None
            self._overrides, self._doses = [], []
        elif record.id != self._session_id:
            self._session_id = record.id
            self._predose = self._workflow.predose(record.id)
            self._overrides = self._workflow.overrides(record.id)
            self._doses = self._dose_repo.doses(record.id)
            self._weight = self._people.patient(record.patient_id).weight_kg
        self._vitals_for, self._sets, self._points, self._last_cuff = None, [], [], None
        if record is not None:
            self._ensure_vitals(record)

    def _ensure_vitals(self, record: SessionRecord) -> None:
        """Find the pre-dose sets once the vitals service follows this session."""
        shown = self._vitals.session
        if self._vitals_for == record.id or shown is None or shown.id != record.id:
            return
        self._vitals_for = record.id
        before = record.t0 or self._clock.now() + _EPSILON
        history = self._vitals.history_before(before)  # the pre-dose part only: a short read
        self._sets = predose_sets(history, before)
        self._points = history if record.t0 is None else []
        cuffs = [p.at for p in self._points if p.parameter in _BP_PARAMETERS]
        self._last_cuff = max(cuffs) if cuffs else None

    def _set_pending(self) -> bool:
        """True while the newest cuff reading has not completed a set and still may."""
        newest = self._last_cuff
        if newest is None:
            return False
        done = bool(self._sets) and self._sets[-1].at >= newest
        return not done and self._clock.now() - newest <= self._gate.window

    # ---- slots -----------------------------------------------------------------------------
    def follow(self, record: SessionRecord | None) -> None:
        """The session moved on (state, T0) or another opened: reload what it needs.

        Call it after the vitals service follows ``record`` (a bed calls its parts in order).
        """
        if record is None or record.id != self._session_id:
            self._load(record)
        elif record.t0 is not None and self._points and self._vitals_for == record.id:
            self._sets = predose_sets(self._points, record.t0)  # the dose closes the pre-dose part
            self._points = []
        elif record.t0 is not None or self._vitals_for != record.id:
            self._ensure_vitals(record)
        self.changed.emit()

    def _on_vitals_points_added(self, points: tuple[VitalPoint, ...]) -> None:
        record = self._sessions.active
        if record is None or record.t0 is not None:
            return
        if self._vitals_for != record.id:
            self._ensure_vitals(record)
            if self._sets:
                self.changed.emit()
            return
        self._points.extend(points)
        cuffs = [p.at for p in points if p.parameter in _BP_PARAMETERS]
        if cuffs:
            self._last_cuff = max([*cuffs, self._last_cuff] if self._last_cuff else cuffs)
        if not cuffs and not self._set_pending():
            return
        found = predose_sets(self._points, self._clock.now() + _EPSILON)
        if [s.at for s in found] != [s.at for s in self._sets]:
            self._sets = found
            self.changed.emit()


def check_signed_reason(
    reason: str, signer_id: int | None, secret: str, no_reason: str, no_secret: str
) -> None:
    """A signed act's reason (given, not too long, no control characters), its signer and
    their secret; every problem beside its field, or nothing.
    """
    errors: list[FieldError] = []
    if not reason.strip():
        errors.append(FieldError("reason", no_reason))
    elif len(reason) > MAX_OVERRIDE_REASON:
        errors.append(
            FieldError("reason", f"Keep the reason under {MAX_OVERRIDE_REASON} characters.")
        )
    else:
        errors.extend(check_text("reason", reason))
    if signer_id is None:
        errors.append(FieldError("signer", "Choose who is signing."))
    if not secret:
        errors.append(FieldError("pin", no_secret))
    if errors:
        raise ValidationFailed(errors)
