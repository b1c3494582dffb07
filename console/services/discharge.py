"""The discharge service: checklist, modified PADSS, ride home, integration and sign-off."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QMetaMethod, QObject, Signal

from console.clock import Clock
from console.domain.audit import AuditAction, discharge_digest
from console.domain.discharge import (
    MAX_OVERRIDE_REASON,
    MINIMUM_MONITORING,
    Ambulation,
    ChecklistItem,
    ItemId,
    ItemSource,
    NauseaControl,
    PadssScore,
    RideHome,
    VitalsComparison,
    baseline_set,
    check_integration,
    checklist,
    contradictions,
    discharge_blockers,
    full_set,
    validate_override,
    validate_padss,
    validate_rems_times,
    validate_ride_home,
    vitals_item,
)
from console.domain.events import Override, OverrideKind, RatingEntry
from console.domain.lifecycle import SessionState
from console.domain.permissions import Permission
from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter
from console.errors import FieldError, IllegalTransition, ValidationFailed
from console.services.access import Access
from console.services.alarms import AlarmService
from console.services.sessions import SessionService
from console.services.signatures import Signature, Signer
from console.services.vitals import VitalsService
from console.store.discharge_repository import DischargeRepository
from console.store.workflow_repository import WorkflowRepository

MEANING_DISCHARGE = "discharged by"
MEANING_OVERRIDE = "discharge override by"
MEANING_ITEM_OVERRIDE = "checklist override by"
PAIN_SCALE = "pain"
NO_DOSE = "No dose recorded yet: monitoring time counts from the dose (T0)."


@dataclass(frozen=True, slots=True)
class Mark:
    """Who answered or confirmed something, and when."""

    by_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class ItemState:
    """One checklist line: done or open (with the open item in plain words), and who/when."""

    id: str
    text: str
    required: bool
    computed: bool  # worked out from the record rather than ticked
    done: bool
    problem: str  # "" when done
    mark: Mark | None
    contradiction: str = ""  # what in the record says otherwise now ("" when nothing does)
    overridden: str = ""  # the signed reason it was ticked anyway ("" when not overridden)


@dataclass(frozen=True, slots=True)
class PadssState:
    """The modified PADSS items as far as they are known; ``score`` once all are there."""

    vitals: VitalsComparison | None  # proposed from the baseline and the latest full set
    vitals_note: str  # why there is no proposal, or that it changed since it was confirmed
    vitals_confirmed: Mark | None  # None again when the numbers change after confirming
    ambulation: Ambulation | None
    ambulation_mark: Mark | None
    nausea: NauseaControl | None
    nausea_mark: Mark | None
    pain_rating: int | None
    pain_at: datetime | None
    score: PadssScore | None
    missing: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True)
class RideState:
    """The ride home: the driver, and when staff confirmed it (None: not yet)."""

    driver_name: str
    phone: str
    relationship: str
    confirmed_at: datetime | None
    mark: Mark | None  # who confirmed, and when they recorded it
    errors: tuple[FieldError, ...]  # empty when confirmed and complete

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None and not self.errors


@dataclass(frozen=True, slots=True)
class IntegrationState:
    at: datetime | None
    warning: str | None  # outside the advised 24–72 h, or in the past
    mark: Mark | None


@dataclass(frozen=True, slots=True)
class RemsState:
    """Esketamine REMS facts in whole minutes after T0 (None while unknown)."""

    total_minutes: int | None  # T0 to now, or to discharge once signed
    ready_at: datetime | None
    ready_minutes: int | None
    mark: Mark | None


@dataclass(frozen=True, slots=True)
class DischargeState:
    """An immutable snapshot of the active session's discharge."""

    session_id: int
    patient_id: int
    session_state: SessionState
    now: datetime  # the moment computed for (the signing time once signed)
    t0: datetime | None
    esketamine: bool
    items: tuple[ItemState, ...]
    padss: PadssState
    blockers: tuple[str, ...]
    ride: RideState
    integration: IntegrationState
    rems: RemsState | None  # only for esketamine
    signature: Signature | None
    override: Override | None

    @property
    def signed(self) -> bool:
        return self.signature is not None

    @property
    def fit_text(self) -> str:
        """The PADSS verdict; never "fit" while anything blocks discharge."""
        score = self.padss.score
        if score is None:
            return "PADSS not yet scored"
        if not score.fit:
            return f"PADSS {score.total} / 10 — not fit for discharge (9 needed)"
        others = [b for b in self.blockers if not b.startswith("Modified PADSS")]
        if others and not self.signed:
            return (
                f"PADSS {score.total} / 10 — the score reaches 9, but discharge is blocked "
                f"({len(others)} item(s) open)"
            )
        return f"PADSS {score.total} / 10 — fit for discharge"


def _iso(when: datetime) -> str:
    return when.isoformat()


def _when(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


def _mark(entry: Any) -> Mark | None:
    if not isinstance(entry, dict) or entry.get("by") is None:
        return None
    at = _when(entry.get("at"))
    return Mark(int(entry["by"]), at) if at is not None else None


def _confirmed_comparison(entry: Any) -> VitalsComparison | None:
    """The vitals item as confirmed, rebuilt from the numbers kept with the confirmation."""
    if not isinstance(entry, dict):
        return None
    baseline, latest = entry.get("baseline"), entry.get("latest")
    if not isinstance(baseline, dict) or not isinstance(latest, dict):
        return None
    try:
        return vitals_item(
            {Parameter(k): float(v) for k, v in baseline.items()},
            {Parameter(k): float(v) for k, v in latest.items()},
        )
    except (ValueError, TypeError):
        return None


def _latest_pain(ratings: list[RatingEntry]) -> RatingEntry | None:
    """The newest pain rating, an amendment standing in for the rating it corrects."""
    effective: dict[str, RatingEntry] = {}
    order: dict[str, datetime] = {}
    for rating in ratings:
        if rating.scale_id != PAIN_SCALE:
            continue
        key = rating.amends_uid if rating.amends_uid in effective else rating.uid
        effective[key] = rating
        order.setdefault(key, rating.at)
    if not effective:
        return None
    return effective[max(order, key=lambda key: order[key])]


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
        self._signer = signer
        self._minimum = min_monitoring
        self._record: SessionRecord | None = None
        self._data: dict[str, Any] = {}
        self._signed_at: datetime | None = None
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
        return bool(self._data.get("ride", {}).get("confirmed_at"))

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
        if self._data.get("esketamine") == bool(esketamine):
            return  # nothing to store: a draft is saved only when something is answered
        self._data["esketamine"] = bool(esketamine)
        self._save()

    def contradiction(self, item_id: str) -> str:
        """What in the record says otherwise about this item now ("" when nothing does)."""
        stored = self._data.get("padss", {})
        found = contradictions(
            self._active_alarms(),
            stored.get("ambulation", {}).get("value"),
            stored.get("nausea", {}).get("value"),
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
        entry: dict[str, Any] = {"done": bool(done), "by": staff_id, "at": _iso(now)}
        against = self.contradiction(item_id) if done else ""
        if against:
            reason = override_reason.strip()
            errors: list[FieldError] = []
            if not reason:
                errors.append(
                    FieldError(
                        "item_reason",
                        f"This contradicts the record ({against}): give the reason to tick it anyway.",
                    )
                )
            elif len(reason) > MAX_OVERRIDE_REASON:
                errors.append(
                    FieldError(
                        "item_reason", f"Keep the reason under {MAX_OVERRIDE_REASON} characters."
                    )
                )
            if not secret:
                errors.append(FieldError("item_pin", "Enter your password to sign the override."))
            if errors:
                raise ValidationFailed(errors)
            try:
                signature = self._signer.sign(staff_id, secret, MEANING_ITEM_OVERRIDE, now)
            except ValidationFailed as failed:
                raise ValidationFailed(
                    [FieldError("item_pin", e.message) for e in failed.errors]
                ) from None
            override = Override(
                str(uuid.uuid4()),
                record.id,
                OverrideKind.CHECKLIST,
                reason,
                staff_id,
                now,
                {"item": item_id, "against": against, "printed_name": signature.printed_name},
            )
            self._workflow.add_override(override)
            self._access.audit.record(
                AuditAction.OVERRIDE,
                "override",
                override.uid,
                staff_id,
                {"session_id": record.id, "kind": "checklist", "item": item_id, "reason": reason},
                at=now,
            )
            entry["override"] = {"uid": override.uid, "reason": reason, "against": against}
        self._data["answers"][item_id] = entry
        self._save(staff_id, item_id)

    def confirm_vitals(self, staff_id: int) -> VitalsComparison:
        """Accept the proposed PADSS vitals item (the numbers shown); ValidationFailed if none."""
        record = self._editable(staff_id)
        sets, note = self._vital_sets(record, self._clock.now())
        if sets is None:
            raise ValidationFailed([FieldError("vitals", note)])
        comparison = vitals_item(*sets)
        baseline, latest = sets
        self._data["padss"]["vitals"] = {
            "summary": comparison.summary,
            "score": comparison.score,
            # the numbers confirmed: the item is judged on them, not on every newer second
            "baseline": {p.value: v for p, v in baseline.items()},
            "latest": {p.value: v for p, v in latest.items()},
            "by": staff_id,
            "at": _iso(self._clock.now()),
        }
        self._save(staff_id, "padss-vitals")
        return comparison

    def set_ambulation(self, value: Ambulation, staff_id: int) -> None:
        self._editable(staff_id)
        self._set_padss("ambulation", int(Ambulation(value)), staff_id)

    def set_nausea(self, value: NauseaControl, staff_id: int) -> None:
        self._editable(staff_id)
        self._set_padss("nausea", int(NauseaControl(value)), staff_id)

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
        self._data["ride"] = {
            "driver_name": ride.driver_name,
            "phone": ride.phone,
            "relationship": ride.relationship,
            "confirmed_at": _iso(ride.confirmed_at or now),
            "by": staff_id,
            "at": _iso(now),
        }
        self._save(staff_id, "ride-home")
        return ride

    def book_integration(self, at: datetime, staff_id: int) -> str | None:
        """Record the integration session's time; returns the 24–72 h warning, if any."""
        self._editable(staff_id)
        now = self._clock.now()
        warning = check_integration(at, now)
        self._data["integration"] = {"when": _iso(at), "by": staff_id, "at": _iso(now)}
        self._save(staff_id, "integration")
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
        self._data["ready"] = {"when": _iso(at), "by": staff_id, "at": _iso(now)}
        self._save(staff_id, "ready-at")

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
        state = self._compute(record)
        blockers = list(state.blockers)
        reason = override_reason.strip()
        if blockers and not reason:
            raise ValidationFailed([FieldError("blockers", text) for text in blockers])
        if blockers:
            errors = validate_override(override_reason)
            if errors:
                raise ValidationFailed(errors)
        now = self._clock.now()
        override_signature = (
            self._signer.sign(signer_id, pin, MEANING_OVERRIDE, now) if blockers else None
        )
        signature = self._signer.sign(signer_id, pin, MEANING_DISCHARGE, now)
        data = copy.deepcopy(self._data)
        if override_signature is not None:
            override = Override(
                str(uuid.uuid4()),
                record.id,
                OverrideKind.DISCHARGE,
                reason,
                signer_id,
                now,
                {"open_items": blockers},
            )
            self._workflow.add_override(override)
            self._access.audit.record(
                AuditAction.OVERRIDE,
                "override",
                override.uid,
                signer_id,
                {"session_id": record.id, "kind": "discharge", "reason": reason},
                at=now,
            )
            data["override_uid"] = override.uid
        data["open_items"] = blockers
        data["padss_total"] = state.padss.score.total if state.padss.score else None
        if state.rems is not None:
            data["rems"] = {
                "total_minutes": state.rems.total_minutes,
                "ready_minutes": state.rems.ready_minutes,
            }
        data["signature"] = {
            "name": signature.printed_name,
            "meaning": signature.meaning,
            "at": _iso(now),
        }
        self._discharges.sign(record.id, data, signer_id, now)
        self._access.audit.record(
            AuditAction.SIGN,
            "discharge",
            record.id,
            signer_id,
            {
                "meaning": signature.meaning,
                "printed_name": signature.printed_name,
                "digest": discharge_digest(data, signer_id, now),
            },
            at=now,
        )
        self._data, self._signed_at = data, now
        self._sessions.transition(SessionState.DISCHARGED, signer_id)  # reloads via the signal
        self.discharged.emit(signature)
        return signature

    # ---- internals -------------------------------------------------------------------------
    def _load(self, record: SessionRecord | None) -> None:
        self._record = record
        self._signed_at = None
        if record is None:
            self._data = {}
            return
        signed = self._discharges.record(record.id)
        if signed is not None:
            self._data, self._signed_at = signed.data, signed.signed_at
            return
        stored = self._discharges.draft(record.id)
        self._data = stored if stored is not None else self._fresh(record.id)
        for key in ("answers", "padss", "ride"):
            self._data.setdefault(key, {})
        self._follow_predose_ride(record.id)

    def _follow_predose_ride(self, session_id: int) -> None:
        """Until staff type or confirm a ride here, show the one arranged before the dose."""
        ride = self._data["ride"]
        if not ride.get("confirmed_at") and not ride.get("driver_name"):
            ride.update(self._fresh(session_id)["ride"])

    def _fresh(self, session_id: int) -> dict[str, Any]:
        """A new draft, the ride prefilled (unconfirmed) from the one arranged at check-in."""
        predose = self._workflow.predose(session_id)
        ride = {"driver_name": "", "phone": "", "relationship": "", "confirmed_at": None}
        if predose is not None:
            ride.update(
                driver_name=predose.ride_driver,
                phone=predose.ride_phone,
                relationship=predose.ride_relationship,
            )
        return {"version": 1, "esketamine": False, "answers": {}, "padss": {}, "ride": ride}

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

    def _save(self, staff_id: int | None = None, item: str = "") -> None:
        assert self._record is not None
        self._discharges.save_draft(self._record.id, self._data)
        if staff_id is not None:
            self._access.audit.record(
                AuditAction.CREATE,
                "discharge-item",
                self._record.id,
                staff_id,
                {"item": item},
            )
        self.refresh()

    def _set_padss(self, key: str, value: int, staff_id: int) -> None:
        self._data["padss"][key] = {"value": value, "by": staff_id, "at": _iso(self._clock.now())}
        self._save(staff_id, f"padss-{key}")

    def _checklist(self) -> tuple[ChecklistItem, ...]:
        return checklist(
            esketamine=bool(self._data.get("esketamine")), minimum_monitoring=self._minimum
        )

    def _comparison(
        self, record: SessionRecord, now: datetime
    ) -> tuple[VitalsComparison | None, str]:
        sets, note = self._vital_sets(record, now)
        return (vitals_item(*sets), "") if sets is not None else (None, note)

    def _vital_sets(
        self, record: SessionRecord, now: datetime
    ) -> tuple[tuple[dict[Parameter, float], dict[Parameter, float]] | None, str]:
        """The pre-dose baseline and the latest full set since the dose, or why there are none."""
        if record.t0 is None:
            return None, "No dose recorded yet: the vitals are compared with the pre-dose set."
        session = self._vitals.session
        points = self._vitals.history() if session is not None and session.id == record.id else []
        baseline = baseline_set(points, record.t0)
        if baseline is None:
            return None, "No full pre-dose set of vitals (HR, BP, SpO2, RR) to compare with."
        latest = full_set([p for p in points if record.t0 <= p.at <= now])
        if latest is None:
            return None, "No full set of vitals (HR, BP, SpO2, RR) since the dose yet."
        return (dict(baseline), dict(latest)), ""

    def _padss(self, record: SessionRecord, now: datetime) -> PadssState:
        stored = self._data["padss"]
        comparison, note = self._comparison(record, now)
        confirmed = _mark(stored.get("vitals"))
        held = _confirmed_comparison(stored.get("vitals"))
        if confirmed is not None and held is not None:
            # judged on the confirmed numbers, not on every newer second of data; only newer
            # numbers that score lower (the patient got worse) ask for a new confirmation
            if comparison is not None and comparison.score < held.score:
                confirmed = None
                note = (
                    f"Newer vitals score {comparison.score} (confirmed: {held.score}): "
                    "review them and confirm them again."
                )
            else:
                comparison = held
        elif confirmed is not None and (
            comparison is None or stored["vitals"].get("summary") != comparison.summary
        ):  # a draft confirmed before the numbers were kept: the summary must still match
            confirmed = None
            note = note or "The vitals changed since they were confirmed: confirm them again."
        ambulation = stored.get("ambulation", {}).get("value")
        nausea = stored.get("nausea", {}).get("value")
        pain = _latest_pain(self._workflow.ratings(record.id))
        pain_rating = pain.value if pain is not None else None
        accepted = comparison if confirmed is not None else None
        missing = validate_padss(accepted, ambulation, nausea, pain_rating)
        if comparison is not None and confirmed is None:
            missing = [
                FieldError("vitals", "Confirm the vitals item.") if e.field == "vitals" else e
                for e in missing
            ]
        score = None
        if not missing and accepted is not None:
            score = PadssScore(accepted, int(ambulation), int(nausea), int(pain_rating or 0))
        return PadssState(
            vitals=comparison,
            vitals_note=note,
            vitals_confirmed=confirmed,
            ambulation=Ambulation(ambulation) if ambulation is not None else None,
            ambulation_mark=_mark(stored.get("ambulation")),
            nausea=NauseaControl(nausea) if nausea is not None else None,
            nausea_mark=_mark(stored.get("nausea")),
            pain_rating=pain_rating,
            pain_at=pain.at if pain is not None else None,
            score=score,
            missing=tuple(missing),
        )

    def _ride(self, now: datetime) -> RideState:
        stored = self._data["ride"]
        ride = RideHome(
            str(stored.get("driver_name", "")),
            str(stored.get("phone", "")),
            str(stored.get("relationship", "")),
            _when(stored.get("confirmed_at")),
        )
        return RideState(
            ride.driver_name,
            ride.phone,
            ride.relationship,
            ride.confirmed_at,
            _mark(stored),
            tuple(validate_ride_home(ride, now)),
        )

    def _compute(self, record: SessionRecord) -> DischargeState:
        now = self._signed_at or self._clock.now()
        esketamine = bool(self._data.get("esketamine"))
        padss = self._padss(record, now)
        ride = self._ride(now)
        stored_integration = self._data.get("integration")
        integration_at = _when((stored_integration or {}).get("when"))
        integration = IntegrationState(
            integration_at,
            check_integration(integration_at, now) if integration_at is not None else None,
            _mark(stored_integration),
        )
        stored_ready = self._data.get("ready")
        ready_at = _when((stored_ready or {}).get("when"))
        rems = None
        if esketamine:
            total = ready = None
            if record.t0 is not None:
                total = max(0, int((now - record.t0).total_seconds() // 60))
                if ready_at is not None and record.t0 <= ready_at <= now:
                    ready = int((ready_at - record.t0).total_seconds() // 60)
            rems = RemsState(total, ready_at, ready, _mark(stored_ready))
        items = self._items(record, now, padss, ride, integration, ready_at, stored_ready)
        blockers = tuple(item.problem for item in items if item.required and item.problem)
        if self._signed_at is not None:
            blockers = tuple(self._data.get("open_items", ()))
        return DischargeState(
            session_id=record.id,
            patient_id=record.patient_id,
            session_state=record.state,
            now=now,
            t0=record.t0,
            esketamine=esketamine,
            items=items,
            padss=padss,
            blockers=blockers,
            ride=ride,
            integration=integration,
            rems=rems,
            signature=self._signature(),
            override=self._override(record) if self._signed_at is not None else None,
        )

    def _items(
        self,
        record: SessionRecord,
        now: datetime,
        padss: PadssState,
        ride: RideState,
        integration: IntegrationState,
        ready_at: datetime | None,
        stored_ready: Any,
    ) -> tuple[ItemState, ...]:
        answers = self._data["answers"]
        stored_padss = self._data.get("padss", {})
        against = (
            contradictions(
                self._active_alarms(),
                stored_padss.get("ambulation", {}).get("value"),
                stored_padss.get("nausea", {}).get("value"),
            )
            if self._signed_at is None
            else {}
        )
        items = self._checklist()
        every = [item.id.value for item in items]
        ride_home = (
            None
            if not (ride.driver_name or ride.phone or ride.relationship or ride.confirmed_at)
            else RideHome(ride.driver_name, ride.phone, ride.relationship, ride.confirmed_at)
        )
        marks: dict[ItemId, Mark | None] = {
            ItemId.PADSS: padss.vitals_confirmed if padss.score is not None else None,
            ItemId.RIDE_HOME: ride.mark,
            ItemId.INTEGRATION_BOOKED: integration.mark,
            ItemId.REMS_FACTS: _mark(stored_ready),
        }
        result: list[ItemState] = []
        for item in items:
            if item.source is ItemSource.ANSWER:
                entry = answers.get(item.id.value)
                ticked = isinstance(entry, dict) and entry.get("done") is True
                signed = entry.get("override") if isinstance(entry, dict) else None
                overridden = str(signed.get("reason", "")) if isinstance(signed, dict) else ""
                contradiction = against.get(item.id.value, "")
                done = ticked and (not contradiction or bool(overridden))
                problem = "" if done else item.open_text
                if ticked and not done:
                    problem = f"{item.open_text.rstrip('.')}: ticked, but {contradiction}."
                result.append(
                    ItemState(
                        item.id,
                        item.text,
                        item.required,
                        False,
                        done,
                        problem,
                        _mark(entry),
                        contradiction,
                        overridden if ticked else "",
                    )
                )
                continue
            if item.id is ItemId.MONITORING_TIME and record.t0 is None:
                problems = [NO_DOSE]
            else:
                problems = discharge_blockers(
                    {},
                    padss.score,
                    ride_home,
                    t0=record.t0 or now,
                    now=now,
                    integration_at=integration.at,
                    ready_at=ready_at,
                    esketamine=bool(self._data.get("esketamine")),
                    minimum_monitoring=self._minimum,
                    not_required=[other for other in every if other != item.id.value],
                )
            if item.id is ItemId.PADSS and padss.score is None and padss.missing:
                problems = [
                    "Modified PADSS not yet scored: " + " ".join(e.message for e in padss.missing)
                ]
            problem = problems[0] if problems else ""
            result.append(
                ItemState(
                    item.id,
                    item.text,
                    item.required,
                    True,
                    not problem,
                    problem,
                    marks.get(item.id),
                )
            )
        return tuple(result)

    def _signature(self) -> Signature | None:
        stored = self._data.get("signature")
        signed = self._discharges.record(self._record.id) if self._record else None
        if not isinstance(stored, dict) or self._signed_at is None or signed is None:
            return None
        return Signature(
            signed.signed_by_id, str(stored["name"]), str(stored["meaning"]), signed.signed_at
        )

    def _override(self, record: SessionRecord) -> Override | None:
        uid = self._data.get("override_uid")
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
