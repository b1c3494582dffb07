"""The vitals entry form driven by qtbot over a real vitals service and a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter
from console.services.sessions import SessionService
from console.services.vitals import VitalsService
from console.store.spool import Spool
from console.store.vitals_repository import VitalsRepository
from console.store.writer import DurableWriter
from widgets.theme import apply_theme
from widgets.vitals_entry import CONFIRM_TEXT, SAVE_TEXT, VitalsEntry

HR, SYS, DIA, SPO2 = Parameter.HR, Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.SPO2
RR, TEMP, ETCO2 = Parameter.RR, Parameter.TEMP, Parameter.ETCO2


@dataclass
class Form:
    entry: VitalsEntry
    vitals: VitalsService
    record: SessionRecord
    author: int
    repo: VitalsRepository

    def stored(self) -> list[tuple[Parameter, float, str, int | None]]:
        self.vitals.flush()
        return [
            (p.parameter, p.value, p.source, p.entered_by_id)
            for p in self.repo.history(self.record.id)
        ]


@pytest.fixture
def form(qtbot, sqlite_clinic, clock, tmp_path) -> Iterator[Form]:
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    sessions = SessionService(clock, c.people, c.sessions, c.access(writer), writer)
    vitals = VitalsService(clock, c.vitals, writer, c.access(writer))
    record = sessions.check_in(c.patient.id, c.room.id, c.therapist.id, None)
    sessions.open(record.id)
    vitals.set_session(record)
    names = {c.nurse.id: c.nurse.name, c.therapist.id: c.therapist.name}
    qapp = QApplication.instance()
    apply_theme(qapp, "day")
    entry = VitalsEntry(vitals, lambda: c.nurse.id, author_name=names.__getitem__)
    qtbot.addWidget(entry)
    entry.show()
    qtbot.waitExposed(entry)
    yield Form(entry, vitals, record, c.nurse.id, c.vitals)
    qapp.setStyleSheet("")


def type_into(qtbot, form: Form, values: dict[Parameter, str]) -> None:
    for parameter, text in values.items():
        edit = form.entry.fields[parameter]
        edit.setFocus()
        qtbot.keyClicks(edit, text)


def press_enter(qtbot, form: Form, parameter: Parameter = HR) -> None:
    qtbot.keyClick(form.entry.fields[parameter], Qt.Key.Key_Return)


def shown_errors(form: Form) -> dict[str, str]:
    return {k: v.text() for k, v in form.entry.errors.items() if not v.isHidden()}


def test_an_impossible_value_is_refused_beside_its_field_and_nothing_is_stored(qtbot, form):
    type_into(qtbot, form, {HR: "500", SPO2: "97"})
    press_enter(qtbot, form, SPO2)
    errors = shown_errors(form)
    assert list(errors) == ["hr"]
    assert "HR 500 is not possible" in errors["hr"]
    assert form.entry.fields[HR].property("invalid") == "true"
    assert form.entry.fields[SPO2].property("invalid") == "false"
    assert form.entry.fields[HR].hasFocus()  # the cursor goes to the bad field
    assert form.entry.fields[SPO2].text() == "97"  # nothing typed is lost
    assert form.stored() == []


def test_an_empty_form_asks_for_a_value_under_the_form(qtbot, form):
    press_enter(qtbot, form)
    assert shown_errors(form) == {"form": "Enter at least one value."}
    assert form.stored() == []


def test_a_word_instead_of_a_number_is_named(qtbot, form):
    type_into(qtbot, form, {RR: "abc"})
    press_enter(qtbot, form, RR)
    assert shown_errors(form) == {"rr": "RR must be a number, not “abc”."}
    assert form.stored() == []


def test_systolic_without_diastolic_and_diastolic_not_below_systolic(qtbot, form):
    type_into(qtbot, form, {SYS: "120"})
    press_enter(qtbot, form, SYS)
    assert shown_errors(form) == {"nibp_dia": "Blood pressure needs both systolic and diastolic."}
    assert form.entry.fields[DIA].property("invalid") == "true"

    type_into(qtbot, form, {DIA: "130"})
    assert shown_errors(form) == {}  # editing the field clears its message
    press_enter(qtbot, form, DIA)
    assert shown_errors(form) == {"nibp_dia": "Diastolic must be lower than systolic."}
    assert form.stored() == []


def test_unusual_values_ask_for_confirmation_inline_and_enter_again_stores(qtbot, form):
    type_into(qtbot, form, {SYS: "230", DIA: "95"})
    press_enter(qtbot, form, DIA)
    entry = form.entry
    assert entry.confirming
    assert not entry.confirm_note.isHidden()
    assert "SYS 230 is above the usual 80–200 mmHg" in entry.confirm_note.text()
    assert entry.save_button.text() == CONFIRM_TEXT
    assert form.stored() == []

    press_enter(qtbot, form, DIA)
    assert not entry.confirming
    assert entry.confirm_note.isHidden()
    assert entry.save_button.text() == SAVE_TEXT
    assert sorted(form.stored()) == sorted(
        [(SYS, 230.0, "manual", form.author), (DIA, 95.0, "manual", form.author)]
    )


def test_editing_a_field_cancels_the_confirmation(qtbot, form):
    type_into(qtbot, form, {HR: "35"})
    press_enter(qtbot, form)
    assert form.entry.confirming
    qtbot.keyClick(form.entry.fields[HR], Qt.Key.Key_Backspace)
    qtbot.keyClicks(form.entry.fields[HR], "8")  # 38: still unusual, asked again
    assert not form.entry.confirming
    assert form.entry.save_button.text() == SAVE_TEXT
    press_enter(qtbot, form)
    assert form.entry.confirming
    assert "HR 38 is below the usual" in form.entry.confirm_note.text()
    assert form.stored() == []


def test_a_valid_set_is_stored_as_manual_by_the_author_and_the_form_resets(qtbot, form, clock):
    clock.advance(timedelta(minutes=2))
    type_into(
        qtbot,
        form,
        {HR: "72", SYS: "124", DIA: "78", SPO2: "98", RR: "14", TEMP: "36,8", ETCO2: "38"},
    )
    with qtbot.waitSignal(form.entry.saved) as saved:
        press_enter(qtbot, form, ETCO2)
    assert len(saved.args[0]) == 7
    stored = form.stored()
    assert sorted(stored) == sorted(
        [
            (HR, 72.0, "manual", form.author),
            (SYS, 124.0, "manual", form.author),
            (DIA, 78.0, "manual", form.author),
            (SPO2, 98.0, "manual", form.author),
            (RR, 14.0, "manual", form.author),
            (TEMP, 36.8, "manual", form.author),
            (ETCO2, 38.0, "manual", form.author),
        ]
    )
    entry = form.entry
    assert all(edit.text() == "" for edit in entry.fields.values())
    local = clock.now().astimezone().strftime("%H:%M")
    assert entry.saved_note.text() == f"Saved {local} by Jordan Lee"
    assert not entry.saved_note.isHidden()
    assert entry.fields[HR].hasFocus()
    assert shown_errors(form) == {}


def test_keyboard_only_tab_order_and_return(qtbot, form):
    entry = form.entry
    entry.focus_first()
    assert entry.fields[HR].hasFocus()
    for parameter, text in ((HR, "80"), (SYS, "118"), (DIA, "76"), (SPO2, "96"), (RR, "12")):
        focused = QApplication.focusWidget()
        assert focused is entry.fields[parameter], parameter
        qtbot.keyClicks(focused, text)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is entry.fields[TEMP]
    qtbot.keyClick(entry.fields[TEMP], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is entry.fields[ETCO2]
    qtbot.keyClick(entry.fields[ETCO2], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is entry.save_button
    qtbot.keyClick(entry.save_button, Qt.Key.Key_Return)  # Enter on the button saves too
    assert {p for p, *_ in form.stored()} == {HR, SYS, DIA, SPO2, RR}
    assert entry.fields[HR].hasFocus()


def test_no_author_chosen_is_said_and_nothing_stored(qtbot, sqlite_clinic, clock, tmp_path):
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    sessions = SessionService(clock, c.people, c.sessions, c.access(writer), writer)
    vitals = VitalsService(clock, c.vitals, writer, c.access(writer))
    record = sessions.check_in(c.patient.id, c.room.id, c.therapist.id, None)
    sessions.open(record.id)
    vitals.set_session(record)
    entry = VitalsEntry(vitals, lambda: None)
    qtbot.addWidget(entry)
    qtbot.keyClicks(entry.fields[HR], "70")
    assert entry.save() is None
    assert "Acting as" in entry.errors["form"].text()
    assert c.vitals.history(record.id) == []


def test_without_an_open_session_the_form_says_so(qtbot, sqlite_clinic, clock, tmp_path):
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    vitals = VitalsService(clock, c.vitals, writer, c.access(writer))
    entry = VitalsEntry(vitals, lambda: c.nurse.id)
    qtbot.addWidget(entry)
    qtbot.keyClicks(entry.fields[HR], "70")
    qtbot.keyClick(entry.fields[HR], Qt.Key.Key_Return)
    assert entry.errors["form"].text() == "Open a session before recording vitals."
    assert entry.fields[HR].text() == "70"
