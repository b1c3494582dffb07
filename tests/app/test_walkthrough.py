"""One whole dosing session walked through the real main window, on a fake clock.

Check-in → baseline → BP gate held and overridden → dose (T0) → scheduled check with a
hypertensive reading → alarm acknowledged and cleared → note, ratings, adverse event with rescue
medication → recovery → discharge blocked by the unconfirmed ride → ride confirmed, PADSS 10 →
signed by the nurse → read-only. Every action goes through the window's own fields and buttons;
what was stored is read back through the repositories.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QTabBar, QTabWidget, QWidget

from console.clock import FakeClock
from console.domain.alarms import EventKind
from console.domain.discharge import Ambulation, ItemId, NauseaControl
from console.domain.doses import Drug, Route
from console.domain.events import OverrideKind, Severity
from console.domain.lifecycle import SessionState
from console.domain.predose import GateLevel
from console.domain.vitals import Parameter
from console.settings import Settings
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.workflow_repository import WorkflowRepository
from main import Services, build_services
from tests.widgets.conftest import PASSWORD, give_accounts
from widgets.main_window import MainWindow
from widgets.predose_panel import QUESTIONS
from widgets.theme import apply_theme

HR, SYS, DIA = Parameter.HR, Parameter.NIBP_SYS, Parameter.NIBP_DIA
SPO2, RR = Parameter.SPO2, Parameter.RR
LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


@dataclass
class Walk:
    window: MainWindow
    services: Services
    clock: FakeClock


@pytest.fixture
def walk(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[Walk]:
    """The real window over the services main.py builds (as tests/widgets/conftest.py does)."""
    give_accounts(sqlite_clinic)  # "therapist" and "nurse", each with PASSWORD
    services = build_services(sqlite_store, clock, tmp_path / "spool.jsonl", Settings())
    qapp = QApplication.instance()
    apply_theme(qapp, "day")
    window = MainWindow(services, 120, "day")
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show_start()
    window.show()
    qtbot.waitExposed(window)
    # the therapist signs in on the real sign-in screen
    assert window.screen_name() == "sign-in"
    login = window.login_screen
    type_into(qtbot, login.username_edit, "therapist")
    type_into(qtbot, login.password_edit, PASSWORD)
    qtbot.keyClick(login.password_edit, Qt.Key.Key_Return)
    assert window.screen_name() == "console"
    yield Walk(window, services, clock)
    services.stop()
    qapp.setStyleSheet("")


# ---- helpers: a person at the keyboard ----------------------------------------------------------
def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def choose(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{data!r} is not offered in the combo box"
    combo.setCurrentIndex(index)


def click(qtbot, widget: QWidget) -> None:
    assert widget.isEnabled(), f"{widget!r} ({getattr(widget, 'text', lambda: '')()}) is disabled"
    qtbot.mouseClick(widget, LEFT)


def click_tab(qtbot, tabs: QTabBar | QTabWidget, starts_with: str) -> None:
    bar = tabs.tabBar() if isinstance(tabs, QTabWidget) else tabs
    titles = [bar.tabText(i) for i in range(bar.count())]
    index = next(i for i, t in enumerate(titles) if t.startswith(starts_with))
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(index).center())
    assert bar.currentIndex() == index


def press(qtbot, window: MainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window, key, modifier)


def enter_vitals(qtbot, w: Walk, values: dict[Parameter, str]) -> None:
    """Ctrl+M, then type the values field by field and press Enter in the last one."""
    press(qtbot, w.window, Qt.Key.Key_M, CTRL)
    entry = w.window.bed_view.vitals_entry
    assert entry.fields[HR].hasFocus()
    for parameter, text in values.items():
        type_into(qtbot, entry.fields[parameter], text)
    qtbot.keyClick(entry.fields[parameter], Qt.Key.Key_Return)
    if entry.confirming:  # an unusual value: Enter again confirms it
        qtbot.keyClick(entry.fields[parameter], Qt.Key.Key_Return)
    shown = {k: v.text() for k, v in entry.errors.items() if not v.isHidden()}
    assert shown == {}, f"the vitals entry refused the set: {shown}"


def hhmm(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def test_a_whole_session_from_check_in_to_a_signed_read_only_discharge(
    qtbot, walk, sqlite_clinic, sqlite_store
):
    w, c = walk, sqlite_clinic
    window, clock = w.window, w.clock
    workflow_repo = WorkflowRepository(sqlite_store)
    discharges = DischargeRepository(sqlite_store)
    doses = DoseRepository(sqlite_store)
    nurse, therapist = c.nurse.id, c.therapist.id
    nurse_shown = f"{c.nurse.name} (nurse)"  # the acting picker's text, used in the notes

    # ---- 1. check in the existing patient through the start screen's form -------------------
    start = window.start_screen
    assert window.stack.currentWidget() is start
    choose(start.patient_pick, c.patient.id)
    assert not start.name_edit.isEnabled()  # an existing patient: no new-patient fields
    choose(start.room_pick, c.room.id)
    choose(start.therapist_pick, therapist)
    choose(start.medical_pick, nurse)
    click(qtbot, start.check_in_button)
    assert window.bed_view is not None, "check-in did not open the session view"
    bed = window.bed_view.bed
    record = bed.session.active
    assert record is not None
    session_id = record.id
    stored = c.sessions.get(session_id)
    assert (stored.patient_id, stored.room_id) == (c.patient.id, c.room.id)
    assert (stored.therapist_id, stored.medical_staff_id) == (therapist, nurse)
    assert stored.state is SessionState.CHECKED_IN and stored.chair == 1  # the first free chair
    assert window.bed_view.header.state_label.text() == "Checked in"
    assert window.bed_view.header.patient_label.text() == "J. D.  ·  MRN-1"
    assert window.bed_view.page_tabs.currentIndex() == 1  # the pre-dose page comes first
    assert window.acting_staff_id() == therapist  # who signed in checked the patient in

    # ---- 2. start the baseline (session steps), then the pre-dose checks and the ride --------
    click_tab(qtbot, window.bed_view.tools, "Session steps")
    actions = window.bed_view.actions_panel
    assert actions.next_button.text() == "Start baseline"
    click(qtbot, actions.next_button)
    assert c.sessions.get(session_id).state is SessionState.BASELINE
    assert window.bed_view.header.state_label.text() == "Baseline"

    # the nurse takes over for the medical part: Ctrl+Shift+L, then "Switch user" on the lock
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.screen_name() == "locked"
    lock = window.lock_screen
    type_into(qtbot, lock.switch_username_edit, "nurse")
    type_into(qtbot, lock.switch_password_edit, PASSWORD)
    qtbot.keyClick(lock.switch_password_edit, Qt.Key.Key_Return)
    assert window.screen_name() == "console"
    assert window.acting_staff_id() == nurse
    assert window.user_label.text() == f"Signed in: {c.nurse.name} (nurse)"

    press(qtbot, window, Qt.Key.Key_F6)
    assert window.bed_view.pages.currentIndex() == 1
    panel, form = window.bed_view.predose_panel, window.bed_view.dose_form
    for key, _ in QUESTIONS:  # no sedatives, stimulants or MAOI; fasted
        click(qtbot, panel.answers[key].button(1 if key.startswith("fasted") else 0))
    type_into(qtbot, panel.ride["ride_driver"], "Sam Rivera")
    type_into(qtbot, panel.ride["ride_phone"], "555 010 2233")
    type_into(qtbot, panel.ride["ride_relationship"], "partner")
    qtbot.keyClick(panel.ride["ride_relationship"], Qt.Key.Key_Return)
    assert panel.saved_note.text() == "Pre-dose checks saved."
    predose = workflow_repo.predose(session_id)
    assert predose is not None and predose.ride_arranged
    assert (predose.ride_driver, predose.ride_phone, predose.ride_relationship) == (
        "Sam Rivera",
        "555 010 2233",
        "partner",
    )
    assert predose.fasted_food and not predose.benzodiazepines
    assert "No full baseline set yet" in panel.gate.text()
    assert not form.record_button.isEnabled()

    # ---- 3. baseline vitals by hand: 164/96 is above 160/100's systolic → HOLD ---------------
    clock.advance(timedelta(minutes=3))
    enter_vitals(qtbot, w, {HR: "78", SYS: "164", DIA: "96", SPO2: "98", RR: "14"})
    assert bed.workflow.gate_status()[0] is GateLevel.HOLD
    assert panel.gate.property("level") == "hold"
    assert "164/96" in panel.gate.text() and "hold the dose" in panel.gate.text()
    assert panel.readiness.property("level") == "hold"
    assert "BP gate holds the dose" in panel.readiness.text()
    assert not form.record_button.isEnabled()
    assert "164/96" in form.blocked.text()
    # dosing is refused, even by pressing Enter in the amount field
    clock.advance(timedelta(minutes=4))
    type_into(qtbot, form.amount, "50")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert form.errors["form"].text().startswith("Dosing is blocked")
    assert doses.doses(session_id) == []
    assert c.sessions.get(session_id).t0 is None

    # the override, signed with a reason and the nurse's password in the pre-dose panel
    assert not panel.override_box.isHidden()
    assert panel.override_kind.currentData() == OverrideKind.BP_GATE
    type_into(qtbot, panel.override_reason, "Repeat 158/94 after rest; anxious at check-in")
    choose(panel.signer, nurse)
    type_into(qtbot, panel.pin, PASSWORD)
    qtbot.keyClick(panel.pin, Qt.Key.Key_Return)
    shown = {k: v.text() for k, v in panel.errors.items() if not v.isHidden()}
    assert shown == {}, f"the override was refused: {shown}"
    [override] = workflow_repo.overrides(session_id)
    assert (override.kind, override.signed_by_id) == (OverrideKind.BP_GATE, nurse)
    assert override.reason == "Repeat 158/94 after rest; anxious at check-in"
    assert (override.detail["baseline_sys"], override.detail["baseline_dia"]) == (164, 96)
    assert panel.override_box.isHidden()
    assert panel.gate.property("level") == "warn"  # an overridden hold reads as caution
    assert "Overridden with a signed reason" in panel.gate.text()

    # ---- 4. the dose: ketamine IM 50 mg → T0, monitoring ---------------------------------------
    assert form.record_button.isEnabled() and form.blocked.isHidden()
    assert form.drug.currentData() == Drug.KETAMINE and form.route.currentData() == Route.IM
    assert form.amount.text() == "50"  # kept from the refused attempt
    assert form.per_kg.text() == "0.69 mg/kg  (72.5 kg)"
    click(qtbot, form.record_button)
    t0 = clock.now()
    [dose] = doses.doses(session_id)
    assert (dose.drug, dose.route, dose.amount_mg, dose.given_by_id) == (
        Drug.KETAMINE,
        Route.IM,
        50,
        nurse,
    )
    assert dose.mg_per_kg == pytest.approx(0.69, abs=0.005)
    assert dose.started_at == t0
    stored = c.sessions.get(session_id)
    assert stored.state is SessionState.MONITORING and stored.t0 == t0
    assert "T0 set" in form.saved_note.text()
    assert window.bed_view.header.state_label.text() == "Dosed · monitoring"
    assert window.bed_view.header.dose_value.text() == "T+0:00:00"
    assert panel.readiness.text().startswith("Dose given")

    # ---- 5. the T+40 check: a hypertensive reading alarms, is acknowledged, then clears -------
    press(qtbot, window, Qt.Key.Key_F5)
    assert window.bed_view.pages.currentIndex() == 0
    banner = window.bed_view.alarm_banner
    assert banner.isHidden()
    clock.advance(timedelta(minutes=41))
    bed.clock.refresh()  # the clock service's 1 s tick
    assert window.bed_view.header.dose_value.text() == "T+0:41:00"
    assert window.bed_view.header.check_text.text() == "Vitals check due now (T+0:40)"
    assert window.bed_view.header.check_text.property("level") == "due"
    enter_vitals(qtbot, w, {SYS: "186", DIA: "104"})
    # shown in the same event-loop turn as the reading (no wait, no timer)
    assert banner.isVisible(), "the SBP 186 reading raised no alarm banner"
    assert banner.message.text() == "SBP 186 > 180"
    assert banner.property("priority") == "medium"
    assert banner.others.text() == ""  # DBP 104 is under its 110 limit
    assert window.bed_view.header.check_text.text().startswith("Next check T+0:55")
    raised_at = clock.now()

    clock.advance(timedelta(seconds=20))
    assert window.acting_staff_id() == nurse
    click(qtbot, banner.acknowledge_button)
    assert banner.isVisible() and banner.message.text() == "SBP 186 > 180"
    assert banner.acknowledged.text().startswith(f"Acknowledged by {nurse_shown} at ")
    history = workflow_repo.alarm_history(session_id)
    assert [(kind, message, staff) for _, kind, _, message, staff in history] == [
        (EventKind.RAISED, "SBP 186 > 180", None),
        (EventKind.ACKNOWLEDGED, "SBP 186 > 180", nurse),
    ]
    assert history[0][0] == raised_at and history[1][0] == clock.now()

    clock.advance(timedelta(minutes=2))
    enter_vitals(qtbot, w, {SYS: "130", DIA: "80"})
    assert banner.isHidden(), "a normal set did not clear the banner"
    history = workflow_repo.alarm_history(session_id)
    assert [kind for _, kind, *_ in history] == [
        EventKind.RAISED,
        EventKind.ACKNOWLEDGED,
        EventKind.CLEARED,
    ]
    assert history[-1][0] == clock.now()
    assert (
        window.bed_view.alarm_list.history.topLevelItem(0).text(4) != ""
    )  # cleared time in the list

    # ---- 6. an observation note (Ctrl+N, Enter) and two ratings -------------------------------
    clock.advance(timedelta(minutes=1))
    actions.next_button.setFocus()
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    note = window.bed_view.observations.note_edit
    assert note.hasFocus()
    qtbot.keyClicks(note, "Eyes closed, calm; BP settling")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    [observation] = c.sessions.observations(session_id)
    assert (observation.text, observation.author_id) == ("Eyes closed, calm; BP settling", nurse)
    assert observation.at == clock.now()

    press(qtbot, window, Qt.Key.Key_R, CTRL)
    rating = window.bed_view.rating_form
    assert window.bed_view.tools.currentWidget() is rating
    choose(rating.scale, "moaas")
    type_into(qtbot, rating.value, "4")
    qtbot.keyClick(rating.value, Qt.Key.Key_Return)
    assert rating.saved_note.text().startswith("MOAA/S 4 saved")
    choose(rating.scale, "pain")
    type_into(qtbot, rating.value, "2")
    qtbot.keyClick(rating.value, Qt.Key.Key_Return)
    ratings = workflow_repo.ratings(session_id)
    assert [(r.scale_id, r.value, r.author_id) for r in ratings] == [
        ("moaas", 4, nurse),
        ("pain", 2, nurse),
    ]
    assert rating.history.count() == 2
    assert banner.isHidden()  # MOAA/S 4 is no alarm

    # ---- 7. an adverse event with rescue medication -------------------------------------------
    clock.advance(timedelta(minutes=2))
    click_tab(qtbot, window.bed_view.tools, "Event")
    events = window.bed_view.event_form
    choose(events.kind, "nausea / vomiting")
    choose(events.severity, "moderate")
    type_into(qtbot, events.action, "Bowl offered, ondansetron given")
    events.rescue_drug.setFocus()
    qtbot.keyClicks(events.rescue_drug, "ondansetron")
    type_into(qtbot, events.rescue_dose, "4")
    choose(events.rescue_route, "sublingual")
    click(qtbot, events.save_button)
    shown = {k: v.text() for k, v in events.errors.items() if not v.isHidden()}
    assert shown == {}, f"the adverse event was refused: {shown}"
    [event] = workflow_repo.adverse_events(session_id)
    assert (event.kind, event.severity, event.action, event.author_id) == (
        "nausea / vomiting",
        Severity.MODERATE,
        "Bowl offered, ondansetron given",
        nurse,
    )
    assert (event.rescue_drug, event.rescue_dose_mg, event.rescue_route) == (
        "ondansetron",
        4.0,
        "sublingual",
    )
    assert event.at == clock.now() and event.rescue_at == clock.now()
    assert events.event_list.count() == 1

    # ---- 8. recovery, the final set, and the discharge ----------------------------------------
    click_tab(qtbot, window.bed_view.tools, "Session steps")
    assert actions.next_button.text() == "Move to recovery"
    click(qtbot, actions.next_button)
    assert c.sessions.get(session_id).state is SessionState.RECOVERY
    assert window.bed_view.header.state_label.text() == "Recovery"

    clock.set(t0 + timedelta(minutes=125))
    enter_vitals(qtbot, w, {HR: "76", SYS: "158", DIA: "92", SPO2: "98", RR: "14"})
    assert window.bed_view.header.minimum_value.text() == "minimum met"
    assert banner.isHidden()

    press(qtbot, window, Qt.Key.Key_F7)
    assert window.bed_view.pages.currentIndex() == 2
    discharge = window.bed_view.discharge_panel
    assert "Safe ride home not confirmed" in discharge.blockers_label.text()
    # the panel recomputes on its 15 s timer while shown: one tick of it, on the fake clock
    bed.discharge.refresh()
    blockers = discharge.blockers_label.text()
    assert blockers.startswith("Discharge is blocked by:")
    assert "Safe ride home not confirmed" in blockers
    assert "Minimum monitoring not met" not in blockers
    assert "Not confirmed yet" in discharge.ride_status.text()
    assert discharge.pain_text.text().startswith("Rated 2/10")
    assert "SBP 164 → 158" in discharge.vitals_text.text()
    assert discharge.points["vitals"].text() == "2"

    # trying to sign now is refused, and nothing is discharged
    choose(discharge.signer_combo, nurse)
    type_into(qtbot, discharge.pin_edit, PASSWORD)
    click(qtbot, discharge.discharge_button)
    assert "Items are still open" in discharge.errors["sign"].text()
    assert discharges.record(session_id) is None
    assert c.sessions.get(session_id).state is SessionState.RECOVERY
    assert not discharge.signed_label.isVisible()

    # confirm the ride arranged before the dose, answer the checklist, score PADSS, book integration
    ride_shown = (
        discharge.driver_edit.text(),
        discharge.phone_edit.text(),
        discharge.relationship_edit.text(),
    )
    # the ride arranged before the dose is offered for confirmation
    assert ride_shown == ("Sam Rivera", "555 010 2233", "partner")
    click(qtbot, discharge.confirm_ride_button)
    assert discharge.ride_status.text().startswith(f"Confirmed {hhmm(clock.now())}")
    assert "Safe ride home not confirmed" not in discharge.blockers_label.text()
    for box in list(discharge.item_boxes.values()):
        click(qtbot, box)
    assert all(box.isChecked() for box in discharge.item_boxes.values())
    click(qtbot, discharge.vitals_confirm_button)
    choose(discharge.ambulation_combo, int(Ambulation.STEADY))
    choose(discharge.nausea_combo, int(NauseaControl.NONE_NEEDING_TREATMENT))
    integration_at = clock.now() + timedelta(hours=48)
    discharge.integration_edit.setDateTime(
        QDateTime.fromSecsSinceEpoch(int(integration_at.timestamp()))
    )
    click(qtbot, discharge.book_button)
    assert discharge.integration_status.text().startswith("Booked ")
    assert not discharge.integration_warning.isVisible()
    assert discharge.padss_total.text() == "PADSS 10 / 10 — fit for discharge"
    assert discharge.blockers_label.text() == "Nothing open: the patient may go."
    open_errors = {k: v.text() for k, v in discharge.errors.items() if v.isVisible() and v.text()}
    open_errors.pop("sign", None)  # the earlier refusal stays until the next signing attempt
    assert open_errors == {}

    # sign with the nurse and her password
    choose(discharge.signer_combo, nurse)
    type_into(qtbot, discharge.pin_edit, PASSWORD)
    with qtbot.waitSignal(bed.discharge.discharged, timeout=1000):
        click(qtbot, discharge.discharge_button)
    signed_at = clock.now()
    assert c.sessions.get(session_id).state is SessionState.DISCHARGED
    signed = discharges.record(session_id)
    assert signed is not None
    assert (signed.signed_by_id, signed.signed_at) == (nurse, signed_at)
    assert signed.data["padss_total"] == 10 and signed.data["open_items"] == []
    assert signed.data["ride"]["driver_name"] == "Sam Rivera"
    assert signed.data["answers"][ItemId.ORIENTED]["by"] == nurse
    assert workflow_repo.overrides(session_id) == [override]  # no discharge override
    assert discharge.signed_label.text() == f"Discharged by {c.nurse.name} at {hhmm(signed_at)}"
    assert window.bed_view.header.state_label.text() == "Discharged"

    # ---- read-only ---------------------------------------------------------------------------
    assert actions.title.text() == "Session closed — read-only"
    assert not actions.next_button.isVisible() and not actions.abort_button.isVisible()
    # a note typed now is refused beside the field (never silently dropped); the bed is closed
    assert window.bed_view.closed_note.isVisible()
    assert w.services.room.bed(session_id) is None
    for name in ("vitals_entry", "rating_form", "event_form", "predose_panel"):
        assert not getattr(window.bed_view, name).isEnabled(), f"{name} stays enabled"
    for widget in (
        discharge.discharge_button,
        discharge.pin_edit,
        discharge.signer_combo,
        discharge.driver_edit,
        discharge.confirm_ride_button,
        discharge.book_button,
        discharge.ambulation_combo,
        discharge.nausea_combo,
        *discharge.item_boxes.values(),
    ):
        assert not widget.isEnabled(), f"{widget!r} stays enabled after discharge"
    assert not form.record_button.isEnabled()
    assert "discharged: no more doses" in form.blocked.text()
    assert not form.isEnabled(), (
        "PRODUCT BUG: the dose form (drug, route, amount, lot) stays editable after discharge; "
        "widgets/main_window.py:362 (_on_sessions_session_changed) disables vitals_entry, "
        "rating_form, event_form and predose_panel but not dose_form (only its record button "
        "is off, through WorkflowService.can_dose)."
    )
