"""The main window driven by qtbot: check-in, notes, lifecycle, clock, themes, shortcuts."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from console.domain.lifecycle import SessionState


def test_check_in_with_bad_input_shows_messages_beside_fields_and_stores_nothing(
    qtbot, app, sqlite_clinic
):
    start = app.window.start_screen
    assert app.window.stack.currentWidget() is app.window.start_screen
    start.weight_edit.clear()
    qtbot.keyClicks(start.dob_edit, "2030-01-01")
    qtbot.mouseClick(start.check_in_button, Qt.MouseButton.LeftButton)
    assert start.errors["display_name"].isVisible()
    assert "name or initials" in start.errors["display_name"].text()
    assert start.errors["chart_id"].text() == "Enter the chart id (MRN)."
    assert start.errors["date_of_birth"].text() == "The date of birth is in the future."
    assert "mg/kg" in start.errors["weight_kg"].text()
    assert start.name_edit.property("invalid") == "true"
    assert len(sqlite_clinic.people.patients()) == 1  # only the fixture's patient
    assert sqlite_clinic.sessions.open_sessions() == []
    assert app.window.stack.currentWidget() is app.window.start_screen


def test_check_in_a_new_patient_opens_the_session_view(qtbot, app, sqlite_clinic):
    start = app.window.start_screen
    qtbot.keyClicks(start.name_edit, "R. S.")
    qtbot.keyClicks(start.chart_edit, "MRN-77")
    qtbot.keyClicks(start.dob_edit, "1979-05-06")
    qtbot.keyClicks(start.weight_edit, "81.5")
    qtbot.keyClick(app.window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert app.window.bed_view is not None
    record = app.sessions.active
    assert record.state is SessionState.CHECKED_IN
    assert sqlite_clinic.people.patient(record.patient_id).chart_id == "MRN-77"
    assert app.view.header.patient_label.text() == "R. S.  ·  MRN-77"
    assert app.view.header.state_label.text() == "Checked in"
    assert app.view.header.check_text.text() == "Pre-dose vitals due"


def test_an_existing_chart_id_is_refused_beside_the_field(qtbot, app):
    start = app.window.start_screen
    qtbot.keyClicks(start.name_edit, "Dup")
    qtbot.keyClicks(start.chart_edit, "MRN-1")
    qtbot.keyClicks(start.dob_edit, "1979-05-06")
    qtbot.keyClicks(start.weight_edit, "70")
    start.check_in()
    assert "exists" in start.errors["chart_id"].text()


def test_notes_by_keyboard_alone_and_the_lifecycle_through_the_buttons(qtbot, app, sqlite_clinic):
    c = sqlite_clinic
    session_id = c.check_in(app.clock.now())
    start = app.window.start_screen
    start.reload()
    qtbot.keyClick(start.open_list, Qt.Key.Key_Return)
    assert app.window.bed_view is not None and app.sessions.active.id == session_id
    # Ctrl+N jumps to the note field from anywhere; Enter saves
    app.view.actions_panel.next_button.setFocus()
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert app.view.observations.note_edit.hasFocus()
    qtbot.keyClicks(app.view.observations.note_edit, "Calm, settling in")
    qtbot.keyClick(app.view.observations.note_edit, Qt.Key.Key_Return)
    assert [o.text for o in c.sessions.observations(session_id)] == ["Calm, settling in"]
    assert app.view.observations.log.topLevelItemCount() == 1
    # an empty note is refused beside the field
    qtbot.keyClick(app.view.observations.note_edit, Qt.Key.Key_Return)
    assert app.view.observations.error_label.text() == "Write the observation before saving it."
    assert len(c.sessions.observations(session_id)) == 1

    actions = app.view.actions_panel
    qtbot.mouseClick(actions.next_button, Qt.MouseButton.LeftButton)
    assert app.sessions.active.state is SessionState.BASELINE
    assert actions.next_button.text() == "Record the dose…"
    app.clock.advance(timedelta(minutes=10))
    with qtbot.waitSignal(actions.formRequested) as asked:  # the dose has its own form
        qtbot.mouseClick(actions.next_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["dose"]
    assert c.sessions.get(session_id).state is SessionState.BASELINE  # no dose, no T0
    app.sessions.transition(SessionState.MONITORING, c.nurse.id, t0=app.clock.now())
    assert c.sessions.get(session_id).state is SessionState.MONITORING
    app.clock.advance(timedelta(minutes=42, seconds=10))
    app.clock_service.refresh()
    assert app.view.header.dose_value.text().startswith("T+0:42:")
    assert app.view.header.minimum_value.text().startswith("1:17:")
    assert "OVERDUE" not in app.view.header.check_text.text()
    app.clock.advance(timedelta(minutes=10))
    app.clock_service.refresh()
    assert "OVERDUE" in app.view.header.check_text.text()
    assert app.view.header.check_text.property("level") == "overdue"

    qtbot.mouseClick(actions.abort_button, Qt.MouseButton.LeftButton)
    assert actions.message.text() == "Aborting a session needs a reason."
    qtbot.keyClicks(actions.abort_reason, "patient asked to stop")
    qtbot.mouseClick(actions.abort_button, Qt.MouseButton.LeftButton)
    assert c.sessions.get(session_id).state is SessionState.ABORTED
    assert actions.title.text() == "Session closed — read-only"
    # the bed is closed: its view stays until left, and a note typed now is refused, not dropped
    assert app.services.room.bed(session_id) is None
    view = app.view
    assert view.closed_note.isVisible() and "closed" in view.closed_note.text()
    notes = view.observations
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert notes.note_edit.hasFocus()
    qtbot.keyClicks(notes.note_edit, "one more thought")
    qtbot.keyClick(notes.note_edit, Qt.Key.Key_Return)
    assert "closed" in notes.error_label.text() and notes.error_label.isVisible()
    assert notes.note_edit.text() == "one more thought"
    assert len(c.sessions.observations(session_id)) == 1
    # leaving the closed bed drops its view: no live tiles or forms of a closed session remain
    app.window.show_overview()
    assert app.window.view_of(session_id) is None


def test_the_night_theme_is_a_switch(qtbot, app):
    themes = []
    app.window.themeRequested.connect(themes.append)
    app.window.action_night.trigger()
    app.window.action_night.trigger()
    assert themes == ["night", "day"]


def test_a_quick_phrase_is_added_to_the_note(qtbot, app, sqlite_clinic):
    session_id = sqlite_clinic.check_in(app.clock.now())
    app.window.open_session(session_id)
    panel = app.view.observations
    qtbot.keyClicks(panel.note_edit, "Settled")
    panel.phrases.menu().actions()[0].trigger()
    assert panel.note_edit.text() == "Settled; Eyes closed, resting calmly"
    qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return)
    assert [o.text for o in sqlite_clinic.sessions.observations(session_id)] == [
        "Settled; Eyes closed, resting calmly"
    ]


def test_an_empty_clinic_is_told_how_to_add_rooms_and_therapists(
    qtbot, sqlite_store, clock, tmp_path
):
    from console.services.access import Access, AuditTrail
    from console.services.devices import DeviceManager
    from console.services.people import PeopleService
    from console.services.room import Room
    from console.services.sessions import SessionService
    from console.store.binding_repository import BindingRepository
    from console.store.repositories import PeopleRepository, SessionRepository
    from console.store.spool import Spool
    from console.store.writer import DurableWriter, Targets
    from widgets.start_screen import StartScreen

    people_repo, session_repo = PeopleRepository(sqlite_store), SessionRepository(sqlite_store)
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "s.jsonl"))
    sessions = SessionService(
        clock, people_repo, session_repo, Access(people_repo, AuditTrail(clock, writer)), writer
    )
    access = Access(people_repo, AuditTrail(clock, writer))
    devices = DeviceManager(clock, BindingRepository(sqlite_store), access)
    room = Room(sessions, lambda r: None, devices, access)  # type: ignore[arg-type,return-value]
    screen = StartScreen(PeopleService(clock, people_repo), sessions, room=room)
    qtbot.addWidget(screen)
    screen.reload()
    assert "No rooms or therapists yet" in screen.errors["session"].text()
    assert "vigil staff add NAME --role therapist" in screen.errors["session"].text()


def test_a_note_is_corrected_by_an_amendment_that_keeps_the_original(qtbot, app, sqlite_clinic):
    session_id = sqlite_clinic.check_in(app.clock.now())
    app.window.open_session(session_id)
    panel = app.view.observations
    qtbot.keyClicks(panel.note_edit, "Patient reports nausea")
    qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return)
    panel.log.setCurrentItem(panel.log.topLevelItem(0))
    qtbot.keyClick(app.window, Qt.Key.Key_F3)
    assert panel.note_edit.text() == "Patient reports nausea"
    assert "original stays" in panel.amending_label.text()
    panel.note_edit.setText("Patient reports mild nausea, settled without medication")
    qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return)
    stored = sqlite_clinic.sessions.observations(session_id)
    assert [o.text for o in stored] == [
        "Patient reports nausea",
        "Patient reports mild nausea, settled without medication",
    ]
    assert stored[1].amends_uid == stored[0].uid
    original = panel.log.topLevelItem(0)
    assert original.text(2) == "Patient reports nausea"
    assert original.child(0).text(2) == "Patient reports mild nausea, settled without medication"
    assert panel.log.topLevelItemCount() == 1
    assert panel.save_button.text() == "Save note"


def test_the_next_check_is_marked_on_the_trend_and_turns_red_when_overdue(
    qtbot, app, sqlite_clinic
):
    c = sqlite_clinic
    session_id = c.check_in(app.clock.now())
    app.window.open_session(session_id)
    app.sessions.transition(SessionState.BASELINE, c.nurse.id)
    app.sessions.transition(SessionState.MONITORING, c.nurse.id, t0=app.clock.now())
    trends = app.view.vitals_area.trends
    app.clock_service.refresh()
    assert trends.check_line.isVisible()
    assert trends.check_line.value() == (app.clock.now() + timedelta(minutes=40)).timestamp()
    assert trends.check_line.label.textItem.toPlainText() == "check due"
    app.clock.advance(timedelta(minutes=50))
    app.clock_service.refresh()
    assert trends.check_line.label.textItem.toPlainText() == "check OVERDUE"
    assert app.view.alarm_banner.isVisible()
    assert "overdue" in app.view.alarm_banner.message.text().lower()
