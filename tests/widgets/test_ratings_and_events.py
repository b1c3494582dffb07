"""The rating form and the adverse-event form driven by qtbot over the real workflow services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from console.domain.events import Severity
from console.domain.timeline import build_timeline
from console.store.review_repository import ReviewRepository
from tests.console.services.test_workflow_service import Rig, make_rig
from widgets.adverse_event_form import AdverseEventForm
from widgets.rating_form import RatingForm
from widgets.theme import apply_theme


@dataclass
class Forms:
    rig: Rig
    rating: RatingForm
    events: AdverseEventForm


@pytest.fixture
def forms(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[Forms]:
    rig = make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "spool.jsonl")
    qapp = QApplication.instance()
    apply_theme(qapp, "day")
    names = {sqlite_clinic.therapist.id: sqlite_clinic.therapist.name}
    rating = RatingForm(rig.service, lambda: rig.therapist, staff_name=names.__getitem__)
    events = AdverseEventForm(rig.service, clock, lambda: rig.therapist)
    for widget in (rating, events):
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
    yield Forms(rig, rating, events)
    qapp.setStyleSheet("")


def shown(errors) -> dict[str, str]:
    return {k: v.text() for k, v in errors.items() if not v.isHidden()}


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_moaas_1_typed_and_entered_is_stored_and_says_it_alarms(qtbot, forms):
    form, rig = forms.rating, forms.rig
    choose(form.scale, "moaas")
    type_into(qtbot, form.value, "1")
    assert "painful stimulus" in form.anchor.text()
    assert form.value_buttons.checkedButton().text() == "1"
    with qtbot.waitSignal(rig.service.ratingAdded):
        qtbot.keyClick(form.value, Qt.Key.Key_Return)
    [entry] = rig.workflow.ratings(rig.record.id)
    assert (entry.scale_id, entry.value, entry.author_id) == ("moaas", 1, rig.therapist)
    assert "alarm: MOAA/S 1 ≤ 1" in form.saved_note.text()
    assert "Alex Morgan" in form.saved_note.text()
    assert form.value.text() == "" and form.history.count() == 1


def test_a_value_button_and_a_note_save_with_one_enter(qtbot, forms):
    form, rig = forms.rating, forms.rig
    choose(form.scale, "rass")
    button = next(b for b in form.value_buttons.buttons() if b.text() == "\u22122")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert form.value.text() == "\u22122" and "Lightly sedated" in form.anchor.text()
    type_into(qtbot, form.note, "eyes closed, answers slowly")
    qtbot.keyClick(form.note, Qt.Key.Key_Return)
    [entry] = rig.workflow.ratings(rig.record.id)
    assert (entry.value, entry.note) == (-2, "eyes closed, answers slowly")


@pytest.mark.parametrize(
    ("value", "note", "field", "words"),
    [
        ("", "", "value", "Choose a MOAA/S value"),
        ("7", "", "value", "outside 0 to 5"),
        ("abc", "", "value", "whole number"),
        ("2.5", "", "value", "whole number"),
        ("3", "n" * 2001, "note", "under 2000"),
    ],
)
def test_bad_ratings_show_beside_the_field_and_store_nothing(
    qtbot, forms, value, note, field, words
):
    form, rig = forms.rating, forms.rig
    choose(form.scale, "moaas")
    type_into(qtbot, form.value, value)
    form.note.setText(note)
    qtbot.keyClick(form.value, Qt.Key.Key_Return)
    errors = shown(form.errors)
    assert list(errors) == [field] and words in errors[field]
    assert rig.workflow.ratings(rig.record.id) == []


def test_an_adverse_event_with_rescue_medication_is_stored_with_its_author(qtbot, forms):
    form, rig = forms.events, forms.rig
    choose(form.kind, "nausea / vomiting")
    choose(form.severity, "moderate")
    type_into(qtbot, form.action, "ondansetron given, bowl offered")
    form.rescue_drug.setFocus()
    qtbot.keyClicks(form.rescue_drug, "ondansetron")
    type_into(qtbot, form.rescue_dose, "4")
    choose(form.rescue_route, "sublingual")
    rig.clock.advance(timedelta(minutes=3))
    given = (rig.clock.now() - timedelta(minutes=1)).astimezone()
    type_into(qtbot, form.rescue_at, given.strftime("%H:%M"))
    with qtbot.waitSignal(rig.service.adverseEventAdded):
        qtbot.keyClick(form.rescue_at, Qt.Key.Key_Return)
    assert shown(form.errors) == {}
    [event] = rig.workflow.adverse_events(rig.record.id)
    assert (event.kind, event.severity, event.author_id) == (
        "nausea / vomiting",
        Severity.MODERATE,
        rig.therapist,
    )
    assert (event.rescue_drug, event.rescue_dose_mg, event.rescue_route) == (
        "ondansetron",
        4.0,
        "sublingual",
    )
    assert event.at == rig.clock.now()
    assert event.rescue_at == given.replace(second=0, microsecond=0)
    assert form.event_list.count() == 1 and "ondansetron 4 mg" in form.event_list.item(0).text()
    assert form.kind.currentData() is None  # cleared for the next one


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({}, {"kind", "severity"}),
        ({"kind": "hypertension"}, {"severity"}),
        ({"drug": "clonidine"}, {"rescue_dose_mg", "rescue_route"}),
        ({"drug": "clonidine", "dose": "lots", "route": "oral"}, {"rescue_dose_mg"}),
        ({"drug": "clonidine", "dose": "5000", "route": "oral"}, {"rescue_dose_mg"}),
        ({"drug": "clonidine", "dose": "0.1", "route": "oral", "rescue_at": "9"}, {"rescue_at"}),
        ({"dose": "4"}, {"rescue_drug"}),
        ({"at": "24:00"}, {"at"}),
    ],
)
def test_bad_events_show_beside_the_field_and_store_nothing(qtbot, forms, setup, expected):
    form, rig = forms.events, forms.rig
    if "kind" not in expected:
        choose(form.kind, setup.get("kind", "hypertension"))
    if "severity" not in expected:
        choose(form.severity, "mild")
    if "drug" in setup:
        form.rescue_drug.setEditText(setup["drug"])
    type_into(qtbot, form.rescue_dose, setup.get("dose", ""))
    if "route" in setup:
        choose(form.rescue_route, setup["route"])
    type_into(qtbot, form.rescue_at, setup.get("rescue_at", ""))
    type_into(qtbot, form.at, setup.get("at", ""))
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert set(shown(form.errors)) == expected
    assert rig.workflow.adverse_events(rig.record.id) == []


def test_an_event_time_in_the_future_is_refused(qtbot, forms):
    form, rig = forms.events, forms.rig
    choose(form.kind, "emergence reaction / agitation")
    choose(form.severity, "severe")
    later = (rig.clock.now() + timedelta(minutes=20)).astimezone().strftime("%H:%M")
    type_into(qtbot, form.at, later)
    qtbot.keyClick(form.at, Qt.Key.Key_Return)
    assert shown(form.errors) == {"at": "The time is in the future."}
    assert rig.workflow.adverse_events(rig.record.id) == []


def test_apnoea_with_oxygen_and_an_airway_manoeuvre_is_recorded(qtbot, forms, sqlite_store):
    form, rig = forms.events, forms.rig
    kinds = [form.kind.itemData(i) for i in range(1, form.kind.count())]
    for wanted in ("hypotension", "bradycardia", "desaturation / apnoea", "anxiety / panic"):
        assert wanted in kinds
    choose(form.kind, "desaturation / apnoea")
    choose(form.severity, "moderate")
    type_into(qtbot, form.oxygen, "40")
    qtbot.keyClick(form.oxygen, Qt.Key.Key_Return)
    assert shown(form.errors) == {"oxygen_l_min": "Oxygen flow is above 0 and up to 15 L/min."}
    assert rig.workflow.adverse_events(rig.record.id) == []

    type_into(qtbot, form.oxygen, "4")
    choose(form.oxygen_device, "nasal cannula")
    qtbot.mouseClick(form.airway, Qt.MouseButton.LeftButton)
    type_into(qtbot, form.action, "stimulated, SpO2 back to 96 %")
    with qtbot.waitSignal(rig.service.adverseEventAdded):
        qtbot.keyClick(form.action, Qt.Key.Key_Return)
    [event] = rig.workflow.adverse_events(rig.record.id)
    assert (event.kind, event.oxygen_l_min, event.oxygen_device) == (
        "desaturation / apnoea",
        4,
        "nasal cannula",
    )
    assert event.airway_manoeuvre and not event.positioning
    assert "oxygen 4 L/min by nasal cannula, airway manoeuvre" in form.event_list.item(0).text()
    assert not form.airway.isChecked() and form.oxygen.text() == ""

    dossier = ReviewRepository(sqlite_store).dossier(rig.record.id)
    assert dossier is not None
    [line] = [e.text for e in build_timeline(dossier) if e.text.startswith("Adverse event")]
    assert line == (
        "Adverse event (moderate): desaturation / apnoea. Done: stimulated, SpO2 back to 96 %. "
        "Treatment: oxygen 4 L/min by nasal cannula, airway manoeuvre"
    )


def test_other_needs_words_for_what_happened(qtbot, forms):
    form, rig = forms.events, forms.rig
    choose(form.kind, "other")
    choose(form.severity, "mild")
    qtbot.keyClick(form.action, Qt.Key.Key_Return)
    assert shown(form.errors) == {"detail": "Say what happened."}
    type_into(qtbot, form.detail, "hiccups for 20 min")
    qtbot.mouseClick(form.positioning, Qt.MouseButton.LeftButton)
    qtbot.keyClick(form.detail, Qt.Key.Key_Return)
    [event] = rig.workflow.adverse_events(rig.record.id)
    assert event.kind_text == "other: hiccups for 20 min" and event.treatments == ["positioning"]
