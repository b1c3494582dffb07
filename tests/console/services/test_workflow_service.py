"""The dosing workflow service over a real SQLite clinic with a fake clock, observed by its signals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from console.clock import FakeClock
from console.domain.doses import DoseDraft, Drug, Route
from console.domain.events import AdverseEvent, OverrideKind, Severity
from console.domain.lifecycle import SessionState
from console.domain.predose import GateLevel, PreDoseChecks
from console.domain.scales import load_definitions
from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter
from console.errors import IllegalTransition, ValidationFailed
from console.services.sessions import SessionService
from console.services.signatures import PinSigner
from console.services.vitals import VitalsService
from console.services.workflow import NO_BASELINE, WorkflowService
from console.store.dose_repository import DoseRepository
from console.store.spool import Spool
from console.store.workflow_repository import WorkflowRepository
from console.store.writer import DurableWriter

PIN = "1234"
RIDE = PreDoseChecks(False, False, False, False, True, True, "Sam Lee", "555 123 4567", "partner")
NO_RIDE = PreDoseChecks(False, False, False, False, True, True)


@dataclass
class Rig:
    """The real services of one clinic, with a session checked in and in baseline."""

    service: WorkflowService
    sessions: SessionService
    vitals: VitalsService
    workflow: WorkflowRepository
    doses: DoseRepository
    clock: FakeClock
    record: SessionRecord
    nurse: int
    therapist: int

    def baseline(self, sys: int = 128, dia: int = 82) -> None:
        raw = {
            Parameter.HR: "72",
            Parameter.NIBP_SYS: str(sys),
            Parameter.NIBP_DIA: str(dia),
            Parameter.SPO2: "98",
            Parameter.RR: "14",
        }
        self.vitals.record_manual(raw, self.nurse, confirmed=True)

    def ready(self, sys: int = 128, dia: int = 82) -> None:
        """Checks with a ride saved and a baseline set recorded: dosing is allowed."""
        self.service.save_predose(RIDE, self.nurse)
        self.baseline(sys, dia)
        self.clock.advance(timedelta(minutes=5))

    def state(self) -> SessionState:
        active = self.sessions.active
        assert active is not None
        return active.state


def make_rig(clinic, store, clock: FakeClock, spool_path, *, baseline_state: bool = True) -> Rig:
    """Build the services the way main.py wires them (vitals follow the session first)."""
    writer = DurableWriter(clinic.targets, Spool(spool_path))
    sessions = SessionService(clock, clinic.people, clinic.sessions, clinic.access(writer), writer)
    vitals = VitalsService(clock, clinic.vitals, writer, clinic.access(writer))
    sessions.sessionChanged.connect(vitals.set_session)
    signer = PinSigner(clinic.people)
    signer.set_pin(clinic.nurse.id, PIN)
    workflow, doses = WorkflowRepository(store), DoseRepository(store)
    service = WorkflowService(
        clock,
        sessions,
        vitals,
        workflow,
        doses,
        clinic.people,
        signer,
        load_definitions(),
        access=clinic.access(writer),
    )
    sessions.sessionChanged.connect(service.follow)  # after the vitals, as a bed does
    record = sessions.check_in(clinic.patient.id, clinic.room.id, clinic.therapist.id, None)
    sessions.open(record.id)
    if baseline_state:
        record = sessions.transition(SessionState.BASELINE, clinic.nurse.id)
    return Rig(
        service,
        sessions,
        vitals,
        workflow,
        doses,
        clock,
        record,
        clinic.nurse.id,
        clinic.therapist.id,
    )


@pytest.fixture
def rig(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Rig:
    return make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "spool.jsonl")


def draft(rig: Rig, amount: float | None = 50, **changes) -> DoseDraft:
    fields = {
        "drug": Drug.KETAMINE,
        "route": Route.IM,
        "amount_mg": amount,
        "started_at": rig.clock.now() - timedelta(minutes=1),
        "lot": "K-2291",
    }
    fields.update(changes)
    return DoseDraft(**fields)


def test_dosing_is_blocked_without_checks_ride_and_baseline(rig):
    reasons = rig.service.can_dose()
    assert reasons == [
        "Pre-dose checks not saved yet.",
        "No ride home arranged (or a signed override).",
        NO_BASELINE,
    ]
    assert rig.service.gate_status() == (GateLevel.WARN, NO_BASELINE)
    with pytest.raises(IllegalTransition, match="Dosing is blocked"):
        rig.service.record_dose(draft(rig), rig.nurse)
    rig.service.save_predose(NO_RIDE, rig.nurse)
    rig.baseline()
    assert rig.service.can_dose() == ["No ride home arranged (or a signed override)."]
    with pytest.raises(IllegalTransition, match="ride home"):
        rig.service.record_dose(draft(rig), rig.nurse)
    assert rig.doses.doses(rig.record.id) == []
    assert rig.state() is SessionState.BASELINE and rig.sessions.active.t0 is None


def test_a_session_still_at_check_in_must_start_its_baseline(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    rig = make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "s.jsonl", baseline_state=False)
    rig.ready()
    assert rig.service.can_dose() == ["Start the baseline first: the session is still at check-in."]


def test_a_high_baseline_holds_until_a_signed_override(qtbot, rig, sqlite_clinic):
    rig.service.save_predose(RIDE, rig.nurse)
    with qtbot.waitSignal(rig.service.changed):
        rig.baseline(165, 102)
    level, text = rig.service.gate_status()
    assert level is GateLevel.HOLD and "165/102" in text
    assert rig.service.can_dose() == [text]
    assert rig.service.overridable() == [OverrideKind.BP_GATE]

    with pytest.raises(ValidationFailed) as empty:
        rig.service.override(OverrideKind.BP_GATE, "  ", None, "")
    assert [e.field for e in empty.value.errors] == ["reason", "signer", "pin"]
    with pytest.raises(ValidationFailed) as wrong:
        rig.service.override(OverrideKind.BP_GATE, "Repeat 150/94, anxious", rig.nurse, "9999")
    assert [e.field for e in wrong.value.errors] == ["pin"]
    with pytest.raises(IllegalTransition, match="nothing to override"):
        rig.service.override(OverrideKind.RIDE_HOME, "x", rig.nurse, PIN)
    assert rig.workflow.overrides(rig.record.id) == []

    with qtbot.waitSignal(rig.service.changed):
        override = rig.service.override(
            OverrideKind.BP_GATE, "Repeat 150/94, anxious", rig.nurse, PIN
        )
    assert rig.workflow.overrides(rig.record.id) == [override]
    assert override.signed_by_id == rig.nurse and override.signed_at == rig.clock.now()
    assert override.detail["baseline_sys"] == 165 and override.detail["baseline_dia"] == 102
    assert override.detail["meaning"] == "override by"
    assert override.detail["printed_name"] == sqlite_clinic.nurse.name
    assert rig.service.can_dose() == []
    assert "Overridden" in rig.service.gate_status()[1]
    rig.clock.advance(timedelta(minutes=2))
    rig.service.record_dose(draft(rig), rig.nurse)
    assert rig.state() is SessionState.MONITORING


def test_a_missing_ride_can_be_overridden_with_reason_and_pin(rig):
    rig.service.save_predose(NO_RIDE, rig.nurse)
    rig.baseline()
    assert rig.service.overridable() == [OverrideKind.RIDE_HOME]
    rig.service.override(OverrideKind.RIDE_HOME, "Partner on the way, confirmed", rig.nurse, PIN)
    assert rig.service.can_dose() == []
    assert [o.kind for o in rig.workflow.overrides(rig.record.id)] == [OverrideKind.RIDE_HOME]


def test_a_warning_level_baseline_does_not_block(rig):
    rig.ready(150, 95)
    level, text = rig.service.gate_status()
    assert level is GateLevel.WARN and "150/95" in text
    assert rig.service.can_dose() == []


def test_the_first_dose_sets_t0_and_a_booster_does_not_move_it(qtbot, rig):
    rig.ready()
    first_draft = draft(rig, 50)
    with qtbot.waitSignal(rig.service.doseRecorded) as recorded:
        first = rig.service.record_dose(first_draft, rig.nurse)
    assert recorded.args[0] == first
    assert first.mg_per_kg == pytest.approx(0.69)
    assert rig.state() is SessionState.MONITORING
    assert rig.sessions.active.t0 == first_draft.started_at
    assert rig.service.first_dose_pending() is False

    rig.clock.advance(timedelta(minutes=30))
    with pytest.raises(ValidationFailed, match="before the first dose"):
        rig.service.record_dose(
            draft(rig, 25, started_at=first_draft.started_at - timedelta(minutes=1)), rig.nurse
        )
    booster = rig.service.record_dose(draft(rig, 25), rig.nurse)
    assert rig.sessions.active.t0 == first_draft.started_at
    assert rig.doses.doses(rig.record.id) == [first, booster]
    assert rig.service.doses() == [first, booster]
    assert booster.given_by_id == rig.nurse and booster.lot == "K-2291"


def test_esketamine_devices_give_28_mg_each(rig):
    rig.ready()
    esk = {"drug": Drug.ESKETAMINE, "route": Route.INTRANASAL}
    with pytest.raises(ValidationFailed, match="give 56 mg, not 50 mg"):
        rig.service.record_dose(draft(rig, 50, device_count=2, **esk), rig.nurse)
    with pytest.raises(ValidationFailed, match="intranasally"):
        rig.service.record_dose(
            draft(rig, 56, drug=Drug.ESKETAMINE, route=Route.IM, device_count=2), rig.nurse
        )
    dose = rig.service.record_dose(draft(rig, 56, device_count=2, **esk), rig.nurse)
    assert (dose.amount_mg, dose.device_count, dose.mg_per_kg) == (56, 2, 0.77)


def test_bad_doses_are_refused_field_by_field_and_nothing_is_stored(rig):
    rig.ready()
    cases = {
        "amount_mg": draft(rig, None),
        "started_at": draft(rig, started_at=rig.clock.now() + timedelta(minutes=3)),
        "ended_at": draft(rig, route=Route.IV_INFUSION),
        "rate_mg_per_h": draft(rig, route=Route.IV_INFUSION, rate_mg_per_h=-5.0),
        "lot": draft(rig, lot="L" * 41),
    }
    for field, bad in cases.items():
        with pytest.raises(ValidationFailed) as failed:
            rig.service.record_dose(bad, rig.nurse)
        assert field in [e.field for e in failed.value.errors]
    assert rig.doses.doses(rig.record.id) == []
    assert rig.state() is SessionState.BASELINE


def test_the_first_dose_must_start_after_the_baseline_set(rig):
    rig.service.save_predose(RIDE, rig.nurse)
    before = rig.clock.now()
    rig.clock.advance(timedelta(minutes=10))
    rig.baseline()
    errors = rig.service.check_dose(draft(rig, started_at=before))
    assert [e.field for e in errors] == ["started_at"]
    assert "baseline must come before" in errors[0].message


def test_an_incomplete_ride_is_refused_beside_its_fields(rig):
    partial = PreDoseChecks(False, False, False, False, True, True, "Sam Lee", "555", "")
    with pytest.raises(ValidationFailed) as failed:
        rig.service.save_predose(partial, rig.nurse)
    assert [e.field for e in failed.value.errors] == ["ride_phone", "ride_relationship"]
    assert rig.workflow.predose(rig.record.id) is None
    rig.service.save_predose(RIDE, rig.nurse)
    assert rig.workflow.predose(rig.record.id) == RIDE


def test_a_rating_is_stored_and_announced(qtbot, rig):
    with qtbot.waitSignal(rig.service.ratingAdded) as added:
        entry = rig.service.add_rating("moaas", "1", "to trapezius squeeze", rig.therapist)
    assert added.args == [entry]
    assert (entry.value, entry.author_id, entry.note) == (1, rig.therapist, "to trapezius squeeze")
    rig.service.add_rating("moaas", "4", "", rig.therapist)
    for bad in ("", "x", "7"):
        with pytest.raises(ValidationFailed):
            rig.service.add_rating("moaas", bad, "", rig.therapist)
    with pytest.raises(ValidationFailed, match="scale"):
        rig.service.add_rating("nope", "1", "", rig.therapist)
    assert [(r.value, r.author_id) for r in rig.workflow.ratings(rig.record.id)] == [
        (1, rig.therapist),
        (4, rig.therapist),
    ]


def test_an_adverse_event_with_rescue_medication_is_stored_with_its_author(qtbot, rig):
    now = rig.clock.now()
    event = AdverseEvent(
        "ae-1", rig.record.id, now, "nausea / vomiting", Severity.MODERATE, "ondansetron",
        rig.nurse, "ondansetron", 4.0, "sublingual", now,
    )  # fmt: skip
    bad = AdverseEvent(
        "ae-2", rig.record.id, now, "nausea / vomiting", Severity.MILD, "", rig.nurse,
        "ondansetron", None, "oral", None,
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as failed:
        rig.service.add_adverse_event(bad)
    assert [e.field for e in failed.value.errors] == ["rescue_dose_mg", "rescue_at"]
    with qtbot.waitSignal(rig.service.adverseEventAdded) as added:
        rig.service.add_adverse_event(event)
    assert added.args[0] == event
    assert rig.workflow.adverse_events(rig.record.id) == [event]
    assert rig.service.adverse_events() == [event]


def test_dose_repository_stores_a_uid_once(rig):
    rig.ready()
    dose = rig.service.record_dose(draft(rig), rig.nurse)
    rig.doses.add(dose)
    assert rig.doses.doses(rig.record.id) == [dose]


def test_a_resumed_session_finds_its_entries_again(
    qtbot, rig, sqlite_clinic, sqlite_store, clock, tmp_path
):
    rig.ready(165, 102)
    rig.service.override(OverrideKind.BP_GATE, "Settled on repeat", rig.nurse, PIN)
    first = rig.service.record_dose(draft(rig), rig.nurse)
    rig.vitals.flush()
    again = make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "b.jsonl")
    again.sessions.open(rig.record.id)
    assert again.service.doses() == [first]
    assert again.service.gate_status()[0] is GateLevel.HOLD
    assert again.service.can_dose() == []
    assert again.service.predose() == RIDE
