"""The discharge panel driven by qtbot over real services, a real SQLite store and a fake clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QCheckBox, QWidget

from console.clock import FakeClock
from console.domain.discharge import Ambulation, ItemId, NauseaControl
from console.domain.events import OverrideKind, RatingEntry
from console.domain.lifecycle import SessionState
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter
from console.errors import IllegalTransition
from console.reports.escort_sheet import ClinicContact
from console.services.discharge import DischargeService
from console.services.people import PeopleService
from console.services.sessions import SessionService
from console.services.signatures import PinSigner
from console.services.vitals import VitalsService
from console.store.discharge_repository import DischargeRepository
from console.store.spool import Spool
from console.store.workflow_repository import WorkflowRepository
from console.store.writer import DurableWriter
from widgets.discharge_panel import NO_ACTOR, SIGN, DischargePanel
from widgets.theme import apply_theme

P = Parameter
BASELINE = {P.HR: "72", P.NIBP_SYS: "128", P.NIBP_DIA: "80", P.SPO2: "98", P.RR: "14"}
LATER = {P.HR: "80", P.NIBP_SYS: "141", P.NIBP_DIA: "85", P.SPO2: "97", P.RR: "16"}
CLINIC = ClinicContact("Harbor Light Clinic", "(555) 010-4400", "(555) 010-4499")


@dataclass
class Room:
    panel: DischargePanel
    service: DischargeService
    sessions: SessionService
    workflow: WorkflowRepository
    discharges: DischargeRepository
    clock: FakeClock
    nurse: int
    session_id: int
    actor: list[int | None] = field(default_factory=list)

    def click(self, qtbot, widget: QWidget) -> None:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def hhmm(self, delta: timedelta = timedelta(0)) -> str:
        return (self.clock.now() + delta).astimezone().strftime("%H:%M")

    def open_errors(self) -> dict[str, str]:
        return {k: v.text() for k, v in self.panel.errors.items() if v.isVisible() and v.text()}


@pytest.fixture
def room(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[Room]:
    """Checked in with a ride → baseline set → dosed → a set 40 min later → recovery, pain 2."""
    c = sqlite_clinic
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
    record = sessions.check_in(c.patient.id, c.room.id, c.therapist.id, c.nurse.id)
    sessions.open(record.id)
    workflow.save_predose(
        record.id,
        PreDoseChecks(
            False, False, False, False, True, True, "Sam Rivera", "555 010 2233", "partner"
        ),
        c.nurse.id,
        clock.now(),
    )
    sessions.open(record.id)
    sessions.transition(SessionState.BASELINE, c.nurse.id)
    vitals.record_manual(BASELINE, c.nurse.id, confirmed=True)
    clock.advance(timedelta(minutes=10))
    sessions.transition(SessionState.MONITORING, c.nurse.id, t0=clock.now())
    clock.advance(timedelta(minutes=40))
    vitals.record_manual(LATER, c.nurse.id, confirmed=True)
    sessions.transition(SessionState.RECOVERY, c.nurse.id)
    workflow.add_rating(
        RatingEntry(str(uuid.uuid4()), record.id, "pain", 2, "", clock.now(), c.nurse.id)
    )
    people = PeopleService(clock, c.people)
    actor: list[int | None] = [c.nurse.id]
    qapp = QApplication.instance()
    apply_theme(qapp, "day")
    panel = DischargePanel(
        service, people, lambda: actor[0], clinic=CLINIC, escort_dir=tmp_path / "sheets"
    )
    qtbot.addWidget(panel)
    panel.resize(1400, 1000)
    panel.show()
    qtbot.waitExposed(panel)
    service.refresh()
    yield Room(panel, service, sessions, workflow, discharges, clock, c.nurse.id, record.id, actor)
    panel.close()
    vitals.stop()  # saves what is pending and stops the history read's expiry timer
    qapp.setStyleSheet("")


def make_fit_by_hand(qtbot, room: Room) -> None:
    """Time passes; staff confirm the ride, tick every item, score PADSS and book integration."""
    panel = room.panel
    room.clock.advance(timedelta(minutes=85))
    room.service.refresh()
    room.click(qtbot, panel.confirm_ride_button)
    for box in panel.item_boxes.values():
        room.click(qtbot, box)
    room.click(qtbot, panel.vitals_confirm_button)
    panel.ambulation_combo.setCurrentIndex(panel.ambulation_combo.findData(int(Ambulation.STEADY)))
    panel.nausea_combo.setCurrentIndex(
        panel.nausea_combo.findData(int(NauseaControl.NONE_NEEDING_TREATMENT))
    )
    panel.integration_edit.setDateTime(
        QDateTime.fromSecsSinceEpoch(int((room.clock.now() + timedelta(hours=48)).timestamp()))
    )
    room.click(qtbot, panel.book_button)


def test_discharge_is_blocked_until_the_ride_and_the_minimum_time(qtbot, room):
    panel = room.panel
    text = panel.blockers_label.text()
    assert "Minimum monitoring not met: 40 of 120 min" in text
    assert "Safe ride home not confirmed" in text
    assert panel.driver_edit.text() == "Sam Rivera"  # prefilled from check-in, not confirmed
    assert "Not confirmed yet" in panel.ride_status.text()
    assert "SBP 128 → 141 (+10.2 %)" in panel.vitals_text.text()
    assert panel.pain_text.text().startswith("Rated 2/10")
    assert panel.override_edit.isVisible() and panel.override_button.isVisible()
    qtbot.keyClicks(panel.pin_edit, "1234")
    room.click(qtbot, panel.discharge_button)
    assert "Items are still open" in room.open_errors()[SIGN]
    assert room.discharges.record(room.session_id) is None
    assert room.sessions.active.state is SessionState.RECOVERY


def test_a_fit_patient_is_signed_out_and_the_panel_turns_read_only(qtbot, room):
    panel = room.panel
    make_fit_by_hand(qtbot, room)
    assert "Confirmed" in panel.ride_status.text()
    now = room.hhmm()
    assert panel.item_marks[ItemId.ORIENTED].text() == f"by Jordan Lee at {now}"
    assert panel.item_marks[ItemId.MONITORING_TIME].text().startswith("met at ")
    assert panel.padss_marks["vitals"].text() == f"confirmed by Jordan Lee at {now}"
    assert panel.padss_total.text() == "PADSS 10 / 10 — fit for discharge"
    assert panel.blockers_label.text() == "Nothing open: the patient may go."
    assert not panel.override_edit.isVisible()
    assert room.open_errors() == {}
    assert panel.signer_combo.currentText() == "Jordan Lee"
    qtbot.keyClicks(panel.pin_edit, "1234")
    assert panel.pin_edit.echoMode() == panel.pin_edit.EchoMode.Password
    with qtbot.waitSignal(room.service.discharged):
        room.click(qtbot, panel.discharge_button)
    assert panel.signed_label.isVisible()
    assert panel.signed_label.text() == f"Discharged by Jordan Lee at {now}"
    assert room.sessions.active.state is SessionState.DISCHARGED
    assert room.discharges.record(room.session_id) is not None
    for widget in (
        panel.discharge_button,
        panel.pin_edit,
        panel.driver_edit,
        panel.confirm_ride_button,
        panel.book_button,
        panel.ambulation_combo,
        *panel.item_boxes.values(),
    ):
        assert not widget.isEnabled()
    assert panel.print_button.isEnabled()
    with pytest.raises(IllegalTransition):
        room.service.answer(ItemId.ORIENTED, False, room.nurse)


def test_a_wrong_pin_shows_beside_the_pin_and_stores_nothing(qtbot, room):
    panel = room.panel
    make_fit_by_hand(qtbot, room)
    room.click(qtbot, panel.discharge_button)
    assert room.open_errors() == {"pin": "Enter your password to sign."}
    qtbot.keyClicks(panel.pin_edit, "9999")
    room.click(qtbot, panel.discharge_button)
    assert room.open_errors() == {"pin": "That PIN is not right."}
    assert panel.pin_edit.text() == ""
    assert panel.pin_edit.property("invalid") == "true"
    assert room.discharges.record(room.session_id) is None
    assert room.workflow.overrides(room.session_id) == []
    assert room.sessions.active.state is SessionState.RECOVERY
    assert not panel.signed_label.isVisible()


def test_an_override_needs_a_reason_then_is_stored_and_flagged(qtbot, room):
    panel = room.panel
    open_items = list(room.service.blockers())
    qtbot.keyClicks(panel.pin_edit, "1234")
    room.click(qtbot, panel.override_button)
    assert room.open_errors() == {
        "reason": "Give the reason for discharging with items still open."
    }
    assert room.workflow.overrides(room.session_id) == []
    qtbot.keyClicks(panel.override_edit, "Patient's partner here, insists on leaving")
    with qtbot.waitSignal(room.service.discharged):
        room.click(qtbot, panel.override_button)
    [override] = room.workflow.overrides(room.session_id)
    assert override.kind is OverrideKind.DISCHARGE
    assert override.reason == "Patient's partner here, insists on leaving"
    assert override.detail == {"open_items": open_items}
    assert panel.override_note.isVisible()
    assert "Flagged for supervisor review" in panel.override_note.text()
    assert panel.blockers_label.text().startswith("Overridden at discharge:")
    assert room.sessions.active.state is SessionState.DISCHARGED


def test_bad_ride_details_show_beside_each_field_and_nothing_is_confirmed(qtbot, room):
    panel = room.panel
    for edit in (panel.driver_edit, panel.phone_edit, panel.relationship_edit):
        edit.selectAll()
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(panel.phone_edit, "12")
    room.click(qtbot, panel.confirm_ride_button)
    errors = room.open_errors()
    assert errors["driver_name"] == "Enter the driver's name."
    assert errors["phone"].startswith("A phone number needs at least 7 digits")
    assert errors["relationship"].startswith("Enter how the driver knows the patient")
    assert panel.driver_edit.property("invalid") == "true"
    qtbot.keyClicks(panel.driver_edit, "Sam Rivera")
    assert "driver_name" not in room.open_errors()  # typing clears the message
    qtbot.keyClicks(panel.phone_edit, "5 010 2233")
    qtbot.keyClicks(panel.relationship_edit, "partner")
    qtbot.keyClicks(panel.confirmed_at_edit, "7pm")
    room.click(qtbot, panel.confirm_ride_button)
    assert room.open_errors() == {"confirmed_at": "Type the time as HH:MM, not “7pm”."}
    panel.confirmed_at_edit.clear()
    qtbot.keyClicks(panel.confirmed_at_edit, room.hhmm(timedelta(minutes=30)))
    room.click(qtbot, panel.confirm_ride_button)
    assert room.open_errors() == {"confirmed_at": "The confirmation time is in the future."}
    state = room.service.state()
    assert state is not None and not state.ride.confirmed
    panel.confirmed_at_edit.clear()
    qtbot.keyClicks(panel.confirmed_at_edit, room.hhmm(timedelta(minutes=-10)))
    room.click(qtbot, panel.confirm_ride_button)
    assert room.open_errors() == {}
    state = room.service.state()
    assert state is not None and state.ride.confirmed and state.ride.phone == "125 010 2233"
    assert panel.ride_status.text().startswith(f"Confirmed {room.hhmm(timedelta(minutes=-10))}")


def test_integration_outside_the_window_warns_beside_the_booking(qtbot, room):
    panel = room.panel
    assert not panel.integration_warning.isVisible()
    soon = room.clock.now() + timedelta(hours=6)
    panel.integration_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(soon.timestamp())))
    room.click(qtbot, panel.book_button)
    assert panel.integration_warning.isVisible()
    assert "earlier than the 24–72 h advised" in panel.integration_warning.text()
    good = room.clock.now() + timedelta(hours=30)
    panel.integration_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(good.timestamp())))
    room.click(qtbot, panel.book_button)
    assert not panel.integration_warning.isVisible()
    assert panel.integration_status.text().startswith("Booked ")


def test_nobody_acting_means_no_answer_is_stored(qtbot, room):
    panel = room.panel
    room.actor[0] = None
    box: QCheckBox = panel.item_boxes[ItemId.ORIENTED]
    room.click(qtbot, box)
    assert not box.isChecked()
    assert room.open_errors() == {"action": NO_ACTOR}
    state = room.service.state()
    assert state is not None
    assert not next(i for i in state.items if i.id == ItemId.ORIENTED).done


def test_esketamine_shows_the_rems_facts(qtbot, room):
    panel = room.panel
    assert not panel.rems_text.isVisible()
    room.click(qtbot, panel.esketamine_box)
    assert panel.rems_text.isVisible()
    assert "Total monitoring since the dose: 40 min" in panel.rems_text.text()
    assert ItemId.REMS_FACTS in panel.item_texts
    qtbot.keyClicks(panel.ready_edit, room.hhmm(timedelta(minutes=5)))
    room.click(qtbot, panel.ready_button)
    assert room.open_errors() == {"ready_at": "Ready to leave cannot be after discharge."}
    panel.ready_edit.clear()
    qtbot.keyClicks(panel.ready_edit, room.hhmm(timedelta(minutes=-5)))
    room.click(qtbot, panel.ready_button)
    assert room.open_errors() == {}
    assert "35 min" in panel.rems_text.text()


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_save_as_pdf_writes_where_chosen_and_cancelling_writes_nothing(
    qtbot, room, tmp_path, monkeypatch
):
    panel = room.panel
    offered: list[Path] = []
    chosen: list[Path | None] = [None]

    def choose(suggested: Path) -> Path | None:
        offered.append(suggested)
        return chosen[0]

    monkeypatch.setattr(panel, "choose_pdf_path", choose)
    stamp = room.clock.now().astimezone().strftime("%Y-%m-%d")
    room.click(qtbot, panel.save_pdf_button)  # cancelled
    assert offered == [tmp_path / "sheets" / f"escort-sheet-MRN-1-{stamp}.pdf"]
    assert list(tmp_path.rglob("*.pdf")) == []
    assert not (tmp_path / "sheets").exists()  # nothing is made without asking
    assert panel.print_note.text() == ""

    chosen[0] = tmp_path / "chosen" / "for-sam.pdf"
    chosen[0].parent.mkdir()
    room.click(qtbot, panel.save_pdf_button)
    assert list(tmp_path.rglob("*.pdf")) == [chosen[0]]
    text = pdf_text(chosen[0])
    assert "Going home safely today" in text
    assert "Escort: Sam Rivera" in text and "J. D." in text
    assert "(555) 010-4400" in text and "crisis line 988" in text
    assert panel.print_note.text() == f"Escort sheet saved: {chosen[0]}"
    assert room.open_errors() == {}

    chosen[0] = tmp_path / "missing" / "x.pdf"  # a folder that is not there
    room.click(qtbot, panel.save_pdf_button)
    assert "could not be written" in room.open_errors()["print"]
    assert not chosen[0].exists()


def test_printing_goes_through_the_chosen_printer_and_cancelling_prints_nothing(
    qtbot, room, tmp_path, monkeypatch
):
    panel = room.panel
    printers: list[QPrinter | None] = [None]
    asked: list[int] = []

    def choose() -> QPrinter | None:
        asked.append(1)
        return printers[0]

    monkeypatch.setattr(panel, "choose_printer", choose)
    room.click(qtbot, panel.print_button)  # the print dialog cancelled
    assert asked == [1]
    assert list(tmp_path.rglob("*.pdf")) == []
    assert panel.print_note.text() == "" and room.open_errors() == {}

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # "print to file", as accepted
    target = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(target))
    printers[0] = printer
    room.click(qtbot, panel.print_button)
    assert asked == [1, 1]
    assert list(tmp_path.rglob("*.pdf")) == [target]
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    text = pdf_text(target)
    assert "Escort: Sam Rivera" in text and "must not drive" in text
    assert reader.metadata is not None and reader.metadata.title == "Going home safely: J. D."
    assert panel.print_note.text() == f"Escort sheet saved: {target}"


def test_without_a_session_or_clinic_no_dialog_opens(qtbot, room, monkeypatch):
    panel = room.panel
    opened: list[str] = []
    monkeypatch.setattr(panel, "choose_printer", lambda: opened.append("print"))
    monkeypatch.setattr(panel, "choose_pdf_path", lambda _s: opened.append("save"))
    monkeypatch.setattr(panel, "_clinic", None)
    room.click(qtbot, panel.print_button)
    room.click(qtbot, panel.save_pdf_button)
    assert opened == []
    assert "not set up for printing" in room.open_errors()["print"]


def test_the_refresh_timer_runs_only_while_shown(qtbot, room):
    timer = room.panel._refresh_timer
    assert timer.isActive()
    room.panel.hide()
    assert not timer.isActive()
