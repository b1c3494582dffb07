"""The discharge service over real SQLite repositories and real session and vitals services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from console.clock import FakeClock
from console.domain.discharge import Ambulation, ItemId, NauseaControl
from console.domain.events import OverrideKind, RatingEntry
from console.domain.lifecycle import SessionState
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter
from console.errors import IllegalTransition, ValidationFailed
from console.services.discharge import DischargeService, DischargeState
from console.services.sessions import SessionService
from console.services.signatures import PinSigner
from console.services.vitals import VitalsService
from console.store.discharge_repository import DischargeRepository
from console.store.spool import Spool
from console.store.workflow_repository import WorkflowRepository
from console.store.writer import DurableWriter

HR, SYS, DIA, SPO2, RR = (
    Parameter.HR,
    Parameter.NIBP_SYS,
    Parameter.NIBP_DIA,
    Parameter.SPO2,
    Parameter.RR,
)
BASELINE = {HR: "72", SYS: "128", DIA: "80", SPO2: "98", RR: "14"}
LATER = {HR: "80", SYS: "141", DIA: "85", SPO2: "97", RR: "16"}


@dataclass
class Rig:
    service: DischargeService
    sessions: SessionService
    vitals: VitalsService
    workflow: WorkflowRepository
    discharges: DischargeRepository
    signer: PinSigner
    clock: FakeClock
    nurse: int
    therapist: int
    session_id: int = 0

    def state(self) -> DischargeState:
        state = self.service.state()
        assert state is not None
        return state

    def rate_pain(self, value: int, amends: str | None = None) -> RatingEntry:
        rating = RatingEntry(
            str(uuid.uuid4()),
            self.session_id,
            "pain",
            value,
            "",
            self.clock.now(),
            self.nurse,
            amends,
        )
        self.workflow.add_rating(rating)
        return rating

    def to_recovery(self) -> None:
        """Check in (ride arranged), baseline set, dose, a set 40 min later, recovery, pain 2."""
        c = self.sessions
        assert c.active is not None
        self.session_id = c.active.id
        self.workflow.save_predose(
            self.session_id,
            PreDoseChecks(
                False, False, False, False, True, True, "Sam Rivera", "555 010 2233", "partner"
            ),
            self.nurse,
            self.clock.now(),
        )
        c.open(self.session_id)  # as on resume: the fresh draft takes the ride from check-in
        c.transition(SessionState.BASELINE, self.nurse)
        self.vitals.record_manual(BASELINE, self.nurse, confirmed=True)
        self.clock.advance(timedelta(minutes=10))
        c.transition(SessionState.MONITORING, self.nurse, t0=self.clock.now())
        self.clock.advance(timedelta(minutes=40))
        self.vitals.record_manual(LATER, self.nurse, confirmed=True)
        c.transition(SessionState.RECOVERY, self.nurse)
        self.rate_pain(2)

    def make_fit(self) -> None:
        """Everything answered: time met, ride confirmed, items ticked, PADSS 10, integration."""
        self.clock.advance(timedelta(minutes=85))
        self.service.confirm_ride("Sam Rivera", "555 010 2233", "partner", self.nurse)
        for item in self.state().items:
            if not item.computed:
                self.service.answer(item.id, True, self.nurse)
        self.service.confirm_vitals(self.nurse)
        self.service.set_ambulation(Ambulation.STEADY, self.nurse)
        self.service.set_nausea(NauseaControl.NONE_NEEDING_TREATMENT, self.nurse)
        self.service.book_integration(self.clock.now() + timedelta(hours=48), self.nurse)


def build(qtbot, c, sqlite_store, clock, tmp_path) -> Iterator[Rig]:
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    sessions = SessionService(clock, c.people, c.sessions, c.access(writer), writer)
    vitals = VitalsService(clock, c.vitals, writer, c.access(writer))
    sessions.sessionChanged.connect(vitals.set_session)
    workflow = WorkflowRepository(sqlite_store)
    discharges = DischargeRepository(sqlite_store)
    signer = PinSigner(c.people)
    signer.set_pin(c.nurse.id, "1234")
    service = DischargeService(
        clock, sessions, vitals, workflow, discharges, signer, access=c.access(writer)
    )
    sessions.sessionChanged.connect(service.follow)  # after the vitals, as a bed does
    sessions.open(sessions.check_in(c.patient.id, c.room.id, c.therapist.id, c.nurse.id).id)
    rig = Rig(
        service, sessions, vitals, workflow, discharges, signer, clock, c.nurse.id, c.therapist.id
    )
    yield rig
    vitals.flush()
    for obj in (service, vitals, sessions):
        obj.deleteLater()


@pytest.fixture
def rig(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[Rig]:
    yield from build(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path)


def test_the_vitals_item_is_proposed_with_its_numbers_and_pain_comes_from_the_rating(rig):
    rig.to_recovery()
    padss = rig.state().padss
    assert padss.vitals is not None
    assert padss.vitals.score == 2
    assert "SBP 128 → 141 (+10.2 %)" in padss.vitals.summary
    assert "HR 72 → 80 (+11.1 %)" in padss.vitals.summary
    assert padss.vitals_confirmed is None
    assert padss.pain_rating == 2
    assert padss.score is None  # nothing confirmed yet
    assert {e.field for e in padss.missing} == {"vitals", "ambulation", "nausea"}
    assert "Confirm the vitals item." in [e.message for e in padss.missing]


def test_the_ride_is_prefilled_from_check_in_but_not_confirmed(rig):
    rig.to_recovery()
    ride = rig.state().ride
    assert (ride.driver_name, ride.phone, ride.relationship) == (
        "Sam Rivera",
        "555 010 2233",
        "partner",
    )
    assert not ride.confirmed and ride.confirmed_at is None


def test_discharge_is_blocked_by_the_ride_and_the_minimum_time(qtbot, rig):
    rig.to_recovery()
    blockers = rig.service.blockers()
    assert any(b.startswith("Minimum monitoring not met: 40 of 120 min") for b in blockers)
    assert any(b.startswith("Safe ride home not confirmed") for b in blockers)
    with pytest.raises(ValidationFailed) as failed:
        rig.service.discharge(rig.nurse, "1234")
    assert [e.message for e in failed.value.errors] == blockers
    assert {e.field for e in failed.value.errors} == {"blockers"}
    assert rig.discharges.record(rig.session_id) is None
    assert rig.sessions.active.state is SessionState.RECOVERY


def test_a_fit_patient_is_discharged_with_a_signature_and_the_record_is_read_only(qtbot, rig):
    rig.to_recovery()
    rig.make_fit()
    state = rig.state()
    assert state.blockers == ()
    assert state.padss.score is not None
    assert (state.padss.score.total, state.padss.score.fit) == (10, True)
    assert all(item.done for item in state.items)
    ride_item = next(i for i in state.items if i.id == ItemId.RIDE_HOME)
    assert ride_item.mark is not None and ride_item.mark.by_id == rig.nurse
    with (
        qtbot.waitSignal(rig.service.discharged) as done,
        qtbot.waitSignal(rig.service.changed) as changed,
    ):
        signature = rig.service.discharge(rig.nurse, "1234")
    assert done.args[0] == signature
    assert (signature.printed_name, signature.meaning, signature.at) == (
        "Jordan Lee",
        "discharged by",
        rig.clock.now(),
    )
    assert changed.args[0].signed and changed.args[0].signature == signature
    assert rig.sessions.active.state is SessionState.DISCHARGED
    record = rig.discharges.record(rig.session_id)
    assert record is not None
    assert (record.signed_by_id, record.signed_at) == (rig.nurse, rig.clock.now())
    assert record.data["padss_total"] == 10 and record.data["open_items"] == []
    assert rig.workflow.overrides(rig.session_id) == []
    with pytest.raises(IllegalTransition, match="discharged"):
        rig.service.answer(ItemId.ORIENTED, False, rig.nurse)
    with pytest.raises(IllegalTransition):
        rig.service.confirm_ride("Someone Else", "555 000 1111", "friend", rig.nurse)
    with pytest.raises(IllegalTransition):
        rig.service.discharge(rig.nurse, "1234")


def test_a_wrong_pin_stores_nothing(rig):
    rig.to_recovery()
    rig.make_fit()
    with pytest.raises(ValidationFailed) as failed:
        rig.service.discharge(rig.nurse, "9999")
    assert [e.field for e in failed.value.errors] == ["pin"]
    assert rig.discharges.record(rig.session_id) is None
    assert rig.sessions.active.state is SessionState.RECOVERY
    with pytest.raises(ValidationFailed, match="Choose who is signing"):
        rig.service.discharge(None, "1234")


def test_an_override_needs_a_reason_and_is_stored_with_the_open_items(qtbot, rig):
    rig.to_recovery()
    blockers = rig.service.blockers()
    with pytest.raises(ValidationFailed) as failed:
        rig.service.discharge(rig.nurse, "1234", override_reason="   ")
    assert {e.field for e in failed.value.errors} == {"blockers"}
    with pytest.raises(ValidationFailed) as failed:
        rig.service.discharge(rig.nurse, "4321", override_reason="Patient insists; spouse here")
    assert [e.field for e in failed.value.errors] == ["pin"]
    assert rig.workflow.overrides(rig.session_id) == []
    with pytest.raises(ValidationFailed, match="under 2000"):
        rig.service.discharge(rig.nurse, "1234", override_reason="x" * 2001)
    signature = rig.service.discharge(
        rig.nurse, "1234", override_reason="Patient insists; spouse here"
    )
    assert signature.meaning == "discharged by"
    [override] = rig.workflow.overrides(rig.session_id)
    assert override.kind is OverrideKind.DISCHARGE
    assert override.reason == "Patient insists; spouse here"
    assert override.signed_by_id == rig.nurse
    assert override.detail == {"open_items": blockers}
    state = rig.state()
    assert state.signed and state.override == override
    assert list(state.blockers) == blockers
    record = rig.discharges.record(rig.session_id)
    assert record is not None and record.data["override_uid"] == override.uid


def test_bad_ride_details_are_refused_field_by_field(rig):
    rig.to_recovery()
    now = rig.clock.now()
    with pytest.raises(ValidationFailed) as failed:
        rig.service.confirm_ride("  ", "12", "", rig.nurse)
    assert {e.field for e in failed.value.errors} == {"driver_name", "phone", "relationship"}
    with pytest.raises(ValidationFailed, match="future") as failed:
        rig.service.confirm_ride(
            "Sam Rivera", "555 010 2233", "partner", rig.nurse, now + timedelta(minutes=5)
        )
    assert [e.field for e in failed.value.errors] == ["confirmed_at"]
    assert not rig.state().ride.confirmed
    earlier = now - timedelta(minutes=20)
    rig.service.confirm_ride("Sam Rivera", "555 010 2233", "partner", rig.nurse, earlier)
    ride = rig.state().ride
    assert ride.confirmed and ride.confirmed_at == earlier
    assert ride.mark is not None and (ride.mark.by_id, ride.mark.at) == (rig.nurse, now)


def test_integration_outside_24_to_72_hours_warns_and_a_past_one_blocks(rig):
    rig.to_recovery()
    now = rig.clock.now()
    assert "earlier than" in (
        rig.service.book_integration(now + timedelta(hours=6), rig.nurse) or ""
    )
    assert "later than" in (rig.service.book_integration(now + timedelta(days=5), rig.nurse) or "")
    assert rig.service.book_integration(now + timedelta(hours=30), rig.nurse) is None
    assert rig.state().integration.at == now + timedelta(hours=30)
    rig.service.book_integration(now - timedelta(hours=1), rig.nurse)
    assert "in the past" in (rig.state().integration.warning or "")
    assert any("Integration session time is in the past" in b for b in rig.service.blockers())


def test_esketamine_adds_the_rems_facts(rig):
    rig.to_recovery()
    assert all(item.id != ItemId.REMS_FACTS for item in rig.state().items)
    assert rig.state().rems is None
    rig.service.set_esketamine(True)
    state = rig.state()
    assert state.rems is not None and state.rems.total_minutes == 40
    assert "REMS: record when the patient was ready to leave." in state.blockers
    t0 = state.t0
    assert t0 is not None
    with pytest.raises(ValidationFailed, match="after discharge"):
        rig.service.set_ready_at(rig.clock.now() + timedelta(minutes=1), rig.nurse)
    with pytest.raises(ValidationFailed, match="before the dose"):
        rig.service.set_ready_at(t0 - timedelta(minutes=1), rig.nurse)
    rig.service.set_ready_at(t0 + timedelta(minutes=35), rig.nurse)
    rig.make_fit()
    rems = rig.state().rems
    assert rems is not None and (rems.total_minutes, rems.ready_minutes) == (125, 35)
    assert rig.service.blockers() == []
    rig.service.discharge(rig.nurse, "1234")
    record = rig.discharges.record(rig.session_id)
    assert record is not None and record.data["rems"] == {"total_minutes": 125, "ready_minutes": 35}


def test_answers_keep_who_and_when_and_survive_a_restart(qtbot, rig, sqlite_clinic, clock):
    rig.to_recovery()
    rig.service.answer(ItemId.ORIENTED, True, rig.therapist)
    item = next(i for i in rig.state().items if i.id == ItemId.ORIENTED)
    assert item.done and item.mark is not None
    assert (item.mark.by_id, item.mark.at) == (rig.therapist, clock.now())
    with pytest.raises(ValueError, match="not a checklist item"):
        rig.service.answer(ItemId.PADSS, True, rig.nurse)
    again = DischargeService(
        clock,
        rig.sessions,
        rig.vitals,
        rig.workflow,
        rig.discharges,
        rig.signer,
        access=rig.sessions._access,
    )
    reloaded = again.state()
    assert reloaded is not None
    assert next(i for i in reloaded.items if i.id == ItemId.ORIENTED).done
    again.deleteLater()


def test_the_vitals_confirmation_goes_stale_when_new_numbers_arrive(rig):
    rig.to_recovery()
    rig.service.confirm_vitals(rig.nurse)
    assert rig.state().padss.vitals_confirmed is not None
    rig.clock.advance(timedelta(minutes=15))
    rig.vitals.record_manual({**LATER, SYS: "190"}, rig.nurse, confirmed=True)
    padss = rig.state().padss
    assert padss.vitals_confirmed is None
    assert "confirm them again" in padss.vitals_note
    assert padss.vitals is not None and padss.vitals.score == 0  # SBP +48.4 %
    assert "SBP 128 → 190" in padss.vitals.summary


def test_the_confirmed_vitals_stand_while_newer_numbers_score_the_same(rig):
    rig.to_recovery()
    confirmed = rig.service.confirm_vitals(rig.nurse)
    for minute in range(1, 6):  # a monitor's every second: new numbers, the same score
        rig.clock.advance(timedelta(minutes=1))
        rig.vitals.record_manual({**LATER, HR: str(70 + minute)}, rig.nurse, confirmed=True)
        padss = rig.state().padss
        assert padss.vitals_confirmed is not None, f"stale after {minute} min"
        assert padss.vitals is not None and padss.vitals.summary == confirmed.summary
        assert padss.vitals.score == confirmed.score


def test_pain_follows_the_latest_rating_and_its_amendment(rig):
    rig.to_recovery()
    rig.clock.advance(timedelta(minutes=5))
    latest = rig.rate_pain(5)
    assert rig.state().padss.pain_rating == 5
    rig.clock.advance(timedelta(minutes=5))
    rig.rate_pain(3, amends=latest.uid)
    assert rig.state().padss.pain_rating == 3


def test_discharge_needs_the_session_in_recovery(rig):
    rig.session_id = rig.sessions.active.id
    with pytest.raises(IllegalTransition, match="recovery"):
        rig.service.discharge(rig.nurse, "1234")
    assert any("No dose recorded" in b for b in rig.service.blockers())


def test_the_repository_freezes_a_signed_record(rig):
    repo, sid = rig.discharges, rig.sessions.active.id
    assert repo.draft(sid) is None and repo.record(sid) is None
    repo.save_draft(sid, {"a": 1})
    repo.save_draft(sid, {"a": 2})
    assert repo.draft(sid) == {"a": 2} and repo.record(sid) is None
    repo.sign(sid, {"a": 3}, rig.nurse, rig.clock.now())
    assert repo.record(sid) == ({"a": 3}, rig.nurse, rig.clock.now())
    with pytest.raises(IllegalTransition):
        repo.save_draft(sid, {"a": 4})
    with pytest.raises(IllegalTransition, match="already signed"):
        repo.sign(sid, {"a": 5}, rig.nurse, rig.clock.now())
    assert repo.draft(sid) == {"a": 3}
