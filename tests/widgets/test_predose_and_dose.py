"""The pre-dose panel and the dose form driven by qtbot over the real workflow services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from console.domain.doses import Drug, Route
from console.domain.events import OverrideKind
from console.domain.lifecycle import SessionState
from console.domain.predose import GateLevel
from console.services.people import PeopleService
from tests.console.services.test_workflow_service import PIN, RIDE, Rig, make_rig
from widgets.dose_form import BOOSTER_TEXT, FIRST_TEXT, DoseForm
from widgets.predose_panel import QUESTIONS, PreDosePanel
from widgets.theme import apply_theme


@dataclass
class Screen:
    rig: Rig
    panel: PreDosePanel
    form: DoseForm

    def stored_doses(self) -> list[tuple[float, Drug]]:
        return [(d.amount_mg, d.drug) for d in self.rig.doses.doses(self.rig.record.id)]


@pytest.fixture
def screen(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[Screen]:
    rig = make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "spool.jsonl")
    people = PeopleService(clock, sqlite_clinic.people)
    qapp = QApplication.instance()
    apply_theme(qapp, "night")
    names = {sqlite_clinic.nurse.id: sqlite_clinic.nurse.name}
    panel = PreDosePanel(rig.service, people, lambda: rig.nurse)
    form = DoseForm(rig.service, clock, lambda: rig.nurse, staff_name=names.__getitem__)
    for widget in (panel, form):
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
    yield Screen(rig, panel, form)
    rig.vitals.stop()
    qapp.setStyleSheet("")


def shown(errors: dict[str, object]) -> dict[str, str]:
    return {k: v.text() for k, v in errors.items() if not v.isHidden()}  # type: ignore[attr-defined]


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def answer_all(panel: PreDosePanel, yes: bool = False) -> None:
    for key, _ in QUESTIONS:
        fasted = key.startswith("fasted")
        panel.answers[key].button(1 if yes or fasted else 0).click()


def fill_ride(qtbot, panel: PreDosePanel) -> None:
    for key in ("ride_driver", "ride_phone", "ride_relationship"):
        type_into(qtbot, panel.ride[key], getattr(RIDE, key))


def test_dosing_is_blocked_until_checks_ride_and_baseline(qtbot, screen):
    panel, form = screen.panel, screen.form
    assert not form.record_button.isEnabled()
    assert "Pre-dose checks not saved yet." in form.blocked.text()
    assert "No full baseline set yet" in panel.gate.text()
    assert panel.readiness.property("level") == "hold"

    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert set(shown(panel.errors)) == {key for key, _ in QUESTIONS}
    assert screen.rig.workflow.predose(screen.rig.record.id) is None

    answer_all(panel)
    type_into(qtbot, panel.ride["ride_driver"], "Sam Lee")
    type_into(qtbot, panel.ride["ride_phone"], "55x")
    qtbot.keyClick(panel.ride["ride_phone"], Qt.Key.Key_Return)
    assert set(shown(panel.errors)) == {"ride_phone", "ride_relationship"}
    assert panel.ride["ride_phone"].property("invalid") == "true"
    assert screen.rig.workflow.predose(screen.rig.record.id) is None

    fill_ride(qtbot, panel)
    qtbot.keyClick(panel.ride["ride_relationship"], Qt.Key.Key_Return)
    assert shown(panel.errors) == {}
    assert screen.rig.workflow.predose(screen.rig.record.id) == replace(RIDE, opioids=False)
    assert "Pre-dose checks not saved yet." not in form.blocked.text()
    assert not form.record_button.isEnabled()  # still no baseline
    screen.rig.baseline()
    assert form.record_button.isEnabled() and form.blocked.isHidden()
    assert panel.readiness.property("level") == "ok"
    assert panel.override_box.isHidden()


def test_a_high_bp_holds_until_an_override_is_signed(qtbot, screen):
    panel, rig = screen.panel, screen.rig
    rig.service.save_predose(RIDE, rig.nurse)
    rig.baseline(165, 102)
    assert rig.service.gate_status()[0] is GateLevel.HOLD
    assert panel.gate.property("level") == "hold" and "165/102" in panel.gate.text()
    assert not screen.form.record_button.isEnabled()
    assert not panel.override_box.isHidden()
    assert panel.override_kind.currentData() == OverrideKind.BP_GATE

    qtbot.keyClick(panel.pin, Qt.Key.Key_Return)
    assert set(shown(panel.errors)) == {"reason", "signer", "pin"}
    type_into(qtbot, panel.override_reason, "Repeat 150/94; anxious at check-in")
    panel.signer.setCurrentIndex(panel.signer.findData(rig.nurse))
    type_into(qtbot, panel.pin, "9999")
    qtbot.keyClick(panel.pin, Qt.Key.Key_Return)
    assert shown(panel.errors) == {"pin": "That PIN is not right."}
    assert panel.pin.text() == ""
    assert rig.workflow.overrides(rig.record.id) == []

    type_into(qtbot, panel.pin, PIN)
    qtbot.keyClick(panel.pin, Qt.Key.Key_Return)
    assert shown(panel.errors) == {}
    [override] = rig.workflow.overrides(rig.record.id)
    assert (override.kind, override.signed_by_id) == (OverrideKind.BP_GATE, rig.nurse)
    assert override.reason == "Repeat 150/94; anxious at check-in"
    assert panel.override_box.isHidden()
    assert screen.form.record_button.isEnabled()


def test_the_first_dose_sets_t0_and_a_booster_keeps_it(qtbot, screen):
    rig, form = screen.rig, screen.form
    rig.ready()
    assert form.record_button.text() == FIRST_TEXT
    type_into(qtbot, form.amount, "50")
    assert form.per_kg.text().startswith("0.69 mg/kg")
    assert not form.started_hint.isHidden()  # "given now"
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert shown(form.errors) == {}
    assert screen.stored_doses() == [(50, Drug.KETAMINE)]
    assert rig.state() is SessionState.MONITORING
    t0 = rig.clock.now()
    assert rig.sessions.active.t0 == t0
    assert form.record_button.text() == BOOSTER_TEXT
    assert "T0 set" in form.saved_note.text()
    assert form.dose_list.count() == 1 and "0.69 mg/kg" in form.dose_list.item(0).text()
    assert screen.panel.readiness.text().startswith("Dose given")

    rig.clock.advance(timedelta(minutes=40))
    type_into(qtbot, form.amount, "25")
    when = (rig.clock.now() - timedelta(minutes=2)).astimezone().strftime("%H:%M")
    type_into(qtbot, form.started, when)
    assert form.started_hint.isHidden()
    qtbot.mouseClick(form.record_button, Qt.MouseButton.LeftButton)
    assert screen.stored_doses() == [(50, Drug.KETAMINE), (25, Drug.KETAMINE)]
    assert rig.sessions.active.t0 == t0
    assert form.dose_list.count() == 2 and "booster" in form.dose_list.item(1).text()


def test_esketamine_amount_comes_from_the_device_count(qtbot, screen):
    rig, form = screen.rig, screen.form
    rig.ready()
    form.drug.setCurrentIndex(form.drug.findData(Drug.ESKETAMINE))
    assert form.route.currentData() == Route.INTRANASAL and form.amount.isReadOnly()
    qtbot.mouseClick(form.record_button, Qt.MouseButton.LeftButton)
    assert "device_count" in shown(form.errors)
    assert screen.stored_doses() == []
    form.devices.setFocus()
    qtbot.keyClick(form.devices, Qt.Key.Key_Up)
    qtbot.keyClick(form.devices, Qt.Key.Key_Up)
    assert form.amount.text() == "56"
    assert form.per_kg.text().startswith("0.77 mg/kg")
    qtbot.keyClick(form.lot, Qt.Key.Key_Return)
    assert shown(form.errors) == {
        "lot": "Enter the lot number: the esketamine REMS form asks for it."
    }
    assert screen.stored_doses() == []
    type_into(qtbot, form.lot, "ESK-2291")
    qtbot.keyClick(form.lot, Qt.Key.Key_Return)
    assert screen.stored_doses() == [(56, Drug.ESKETAMINE)]
    assert rig.doses.doses(rig.record.id)[0].device_count == 2


@pytest.mark.parametrize(
    ("route", "field", "text", "expected"),
    [
        (Route.IM, "amount", "", ("amount_mg", "Enter the amount")),
        (Route.IM, "amount", "abc", ("amount_mg", "must be a number")),
        (Route.IM, "amount", "5000", ("amount_mg", "not a possible dose")),
        (Route.IM, "amount", "-3", ("amount_mg", "not a possible dose")),
        (Route.IM, "started", "7", ("started_at", "HH:MM")),
        (Route.IM, "started", "25:10", ("started_at", "HH:MM")),
        (Route.IM, "started", "+10", ("started_at", "HH:MM")),
        (Route.IV_INFUSION, "rate", "", ("ended_at", "end time or the rate")),
        (Route.IV_INFUSION, "rate", "fast", ("rate_mg_per_h", "must be a number")),
        (Route.IV_INFUSION, "rate", "0", ("rate_mg_per_h", "above 0")),
        (Route.IV_INFUSION, "ended", "noon", ("ended_at", "HH:MM")),
        (Route.IM, "lot", "L" * 41, ("lot", "40 characters")),
    ],
)
def test_bad_input_shows_beside_its_field_and_stores_nothing(
    qtbot, screen, route, field, text, expected
):
    rig, form = screen.rig, screen.form
    rig.ready()
    form.route.setCurrentIndex(form.route.findData(route))
    if field != "amount":
        type_into(qtbot, form.amount, "50")
    edit: QLineEdit = getattr(form, field)
    type_into(qtbot, edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    errors = shown(form.errors)
    key, words = expected
    assert key in errors and words in errors[key], errors
    assert screen.stored_doses() == []
    assert rig.state() is SessionState.BASELINE


def test_a_start_time_in_the_future_or_before_check_in_is_refused(qtbot, screen):
    rig, form = screen.rig, screen.form
    rig.ready()
    type_into(qtbot, form.amount, "50")
    ahead = (rig.clock.now() + timedelta(minutes=30)).astimezone().strftime("%H:%M")
    type_into(qtbot, form.started, ahead)
    qtbot.keyClick(form.started, Qt.Key.Key_Return)
    assert "in the future" in shown(form.errors)["started_at"]
    assert form.started.property("invalid") == "true"
    before = (rig.record.checked_in_at - timedelta(hours=1)).astimezone().strftime("%H:%M")
    type_into(qtbot, form.started, before)
    qtbot.keyClick(form.started, Qt.Key.Key_Return)
    assert "before check-in" in shown(form.errors)["started_at"]
    assert screen.stored_doses() == []


def test_nobody_acting_stores_nothing(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    rig = make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "s.jsonl")
    rig.ready()
    form = DoseForm(rig.service, clock, lambda: None)
    qtbot.addWidget(form)
    form.amount.setText("50")
    assert form.record() is None
    assert "Acting as" in form.errors["form"].text()
    assert rig.doses.doses(rig.record.id) == []


def test_the_opioid_question_is_asked_stored_and_shown_again(
    qtbot, screen, sqlite_clinic, sqlite_store
):
    panel, rig = screen.panel, screen.rig
    assert ("opioids", "Opioid taken recently or currently?") in QUESTIONS
    for key, _ in QUESTIONS:
        if key != "opioids":
            panel.answers[key].button(1 if key.startswith("fasted") else 0).click()
    fill_ride(qtbot, panel)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert shown(panel.errors) == {"opioids": "Answer yes or no."}
    assert rig.workflow.predose(rig.record.id) is None

    panel.answers["opioids"].button(1).click()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    stored = rig.workflow.predose(rig.record.id)
    assert stored is not None and stored.opioids is True
    assert "takes or recently took an opioid" in stored.concerns()
    again = PreDosePanel(rig.service, PeopleService(rig.clock, sqlite_clinic.people), lambda: None)
    qtbot.addWidget(again)
    assert again.answers["opioids"].checkedId() == 1  # read back from the store

    # a record saved before the question existed opens with the question unanswered
    rig.workflow.save_predose(
        rig.record.id, replace(RIDE, opioids=None), rig.nurse, rig.clock.now()
    )
    rig.service.follow(None)
    rig.service.follow(rig.sessions.active)
    assert rig.service.predose() == RIDE and RIDE.opioids is None
    assert panel.answers["opioids"].checkedId() == -1
    assert panel.answers["maoi"].checkedId() == 0
