"""The device status panel over the real room and device manager, fed by the simulator on a pty."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea

from console.domain.audit import AuditAction
from console.domain.vitals import Parameter
from console.services.devices import DeviceManager, DeviceSpec
from devices.reader import ReaderState
from tests.widgets import room_fixtures
from tests.widgets.room_fixtures import RoomRig
from widgets.connect_dialog import NOT_RECORDED, patient_text
from widgets.device_status import DeviceStatusPanel, reading_age, values_text
from widgets.theme import apply_theme

room_rig = room_fixtures.room_rig  # the two-bed room fixture, for pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manager(room_rig: RoomRig) -> DeviceManager:
    return room_rig.services.devices


def make_panel(qtbot, room_rig: RoomRig, **options) -> DeviceStatusPanel:
    services = room_rig.services
    widget = DeviceStatusPanel(
        services.devices,
        room_rig.clock,
        services.room,
        room_rig.actor,
        room_rig.first.session_id,  # the panel of the first bed's screen
        **options,
    )
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def panel(qtbot, room_rig: RoomRig) -> Iterator[DeviceStatusPanel]:
    widget = make_panel(qtbot, room_rig)
    widget.show()
    qtbot.waitExposed(widget)
    try:
        yield widget
    finally:
        widget.stop()
        for dialog in (widget.dialog, widget.move_dialog):
            if dialog is not None:
                dialog.close()


def good_frames(panel: DeviceStatusPanel, port: str) -> int:
    row = panel.rows.get(port)
    return int(row.frames.text().split("/")[0]) if row else 0


def running(manager: DeviceManager, port: str) -> bool:
    status = manager.status(port)
    return status is not None and status.state is ReaderState.CONNECTED


def test_reading_age_in_words():
    now = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert reading_age(None, now) == "no reading yet"
    assert reading_age(now - timedelta(seconds=3), now) == "last reading 3 s ago"
    assert reading_age(now - timedelta(minutes=5), now) == "last reading 5 min ago"


def test_who_a_monitor_is_on_in_words(room_rig):
    room = room_rig.services.room
    assert patient_text(room, room_rig.second.session_id) == "Chair 2 · A. B."
    assert patient_text(room, None) == NOT_RECORDED
    assert values_text({}) == ""
    assert values_text({Parameter.SPO2: 97, Parameter.PR: 72}) == "SpO2 97 · PR 72 — not recorded"


def test_no_device_shows_the_empty_line(qtbot, panel):
    assert panel.rows == {}
    assert not panel.empty_label.isHidden()


def test_connect_through_the_dialog_then_watch_and_disconnect(
    qtbot, panel, manager, room_rig, simulator
):
    port = simulator("masimo", "--speed", "5")
    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.patient() == room_rig.first.session_id  # the bed of this screen
    dialog.choose("masimo", port)
    with qtbot.waitSignal(manager.devicesChanged, timeout=2000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.dialog is None, timeout=2000)  # accepted and closed

    row = panel.rows[port]
    assert row.port.text() == port
    assert row.protocol.text() == "Masimo Rad-8 / Radical-7 / Rad-5"
    assert row.patient.text() == "Chair 1 · J. D."
    assert row.move_button.text() == "Move…"
    assert row.values.isHidden()  # a bound monitor's values are on its bed
    assert panel.empty_label.isHidden()
    qtbot.waitUntil(lambda: panel.rows[port].state.text() == "connected", timeout=5000)
    assert panel.rows[port].state.property("state") == "connected"
    qtbot.waitUntil(lambda: good_frames(panel, port) >= 2, timeout=8000)
    first = good_frames(panel, port)
    qtbot.waitUntil(lambda: good_frames(panel, port) > first, timeout=8000)  # still counting
    assert panel.rows[port].reconnects.text() == "0"

    with qtbot.waitSignal(manager.devicesChanged, timeout=2000):
        qtbot.mouseClick(panel.rows[port].disconnect_button, Qt.MouseButton.LeftButton)
    assert manager.devices() == []
    assert panel.rows == {}
    assert not panel.empty_label.isHidden()


def test_an_unassigned_monitor_shows_its_values_marked_not_recorded(
    qtbot, panel, manager, room_rig, simulator
):
    port = simulator("masimo", "--speed", "5")
    manager.connect_device(DeviceSpec("masimo", port))  # on nobody
    row = panel.rows[port]
    assert row.patient.text() == NOT_RECORDED
    assert row.patient.property("bound") == "false"
    assert row.move_button.text() == "Assign…"
    qtbot.waitUntil(lambda: "SpO2" in panel.rows[port].values.text(), timeout=8000)
    assert panel.rows[port].values.text().endswith("— not recorded")
    for bed in (room_rig.first, room_rig.second):
        bed.vitals.flush()
        assert room_rig.clinic.vitals.history(bed.session_id) == []


def test_moving_a_monitor_names_both_patients_and_records_for_the_new_one(
    qtbot, panel, manager, room_rig, simulator
):
    port = simulator("masimo", "--speed", "5")
    first, second = room_rig.first, room_rig.second
    manager.connect_device(DeviceSpec("masimo", port), first.session_id, room_rig.nurse)
    qtbot.waitUntil(lambda: running(manager, port), timeout=5000)
    qtbot.mouseClick(panel.rows[port].move_button, Qt.MouseButton.LeftButton)
    dialog = panel.move_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.intro.text() == f"Monitor on {port}\nNow on: Chair 1 · J. D."
    assert not dialog.confirm_button.isEnabled()  # nothing chosen yet: no default patient
    dialog.choose(first.session_id)
    assert not dialog.confirm_button.isEnabled()  # already there
    dialog.choose(second.session_id)
    assert dialog.summary.text().startswith("From: Chair 1 · J. D.\nTo: Chair 2 · A. B.\n")
    assert dialog.confirm_button.text() == "Move to Chair 2 · A. B."
    with qtbot.waitSignal(manager.devicesChanged, timeout=2000):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.move_dialog is None, timeout=2000)
    assert manager.bound_session(port) == second.session_id
    assert panel.rows[port].patient.text() == "Chair 2 · A. B."
    (release,) = room_rig.audit(AuditAction.DEVICE_RELEASE.value)
    assert release["entity_id"] == str(first.session_id)
    assert release["to_session"] == second.session_id
    bind = room_rig.audit(AuditAction.DEVICE_BIND.value)[0]  # newest first
    assert bind["entity_id"] == str(second.session_id)
    assert bind["from_session"] == first.session_id

    first.vitals.flush()
    before = len(room_rig.clinic.vitals.history(first.session_id))
    qtbot.waitUntil(lambda: bool(second.vitals.latest()), timeout=8000)
    second.vitals.flush()
    first.vitals.flush()
    assert len(room_rig.clinic.vitals.history(second.session_id)) > 0
    assert len(room_rig.clinic.vitals.history(first.session_id)) == before


def test_unassigning_from_the_move_dialog_stops_recording(
    qtbot, panel, manager, room_rig, simulator
):
    port = simulator("masimo", "--speed", "5")
    manager.connect_device(DeviceSpec("masimo", port), room_rig.first.session_id, room_rig.nurse)
    dialog = panel.open_move_dialog(port)
    dialog.choose(None)
    assert dialog.summary.text().startswith("From: Chair 1 · J. D.\n")
    assert "no longer recorded" in dialog.summary.text()
    assert dialog.confirm()
    assert manager.bound_session(port) is None
    assert panel.rows[port].patient.text() == NOT_RECORDED
    assert panel.rows[port].move_button.text() == "Assign…"


def test_a_refused_move_stays_in_the_dialog_with_the_reason(
    qtbot, panel, manager, room_rig, simulator
):
    port = simulator("masimo", "--speed", "5")
    manager.connect_device(DeviceSpec("masimo", port))
    room_rig.act_as(room_rig.supervisor)
    dialog = panel.open_move_dialog(port)
    dialog.choose(room_rig.second.session_id)
    assert dialog.confirm_button.text() == "Assign to Chair 2 · A. B."
    assert not dialog.confirm()
    assert "connect a monitor to a patient" in dialog.error_label.text()
    assert dialog.isVisible()
    assert manager.bound_session(port) is None


def test_a_port_that_cannot_be_opened_shows_disconnected_and_the_error(qtbot, panel, manager):
    manager.connect_device(DeviceSpec("masimo", "socket://127.0.0.1:9"))  # nothing listens
    qtbot.waitUntil(
        lambda: "127.0.0.1:9" in panel.rows["socket://127.0.0.1:9"].error.text(), timeout=5000
    )
    row = panel.rows["socket://127.0.0.1:9"]
    assert row.state.text() == "disconnected — retrying"
    assert row.state.property("state") == "disconnected"
    assert row.age.text() == "no reading yet"


def test_a_failed_connect_keeps_the_dialog_open_with_the_message(qtbot, panel):
    dialog = panel.open_connect_dialog()
    dialog.choose("masimo", "")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error_label.text() == "Choose the port the monitor is connected to."
    assert panel.rows == {}


def test_the_signal_only_mode_leaves_the_dialog_to_the_window(qtbot, room_rig):
    widget = make_panel(qtbot, room_rig, open_dialog=False)
    with qtbot.waitSignal(widget.connectRequested, timeout=1000):
        qtbot.mouseClick(widget.connect_button, Qt.MouseButton.LeftButton)
    assert widget.dialog is None
    widget.stop()


@pytest.mark.slow
def test_a_cable_pull_shows_disconnected_the_age_and_then_a_reconnect(
    qtbot, panel, manager, simulator, clock
):
    # at 5x speed: the cable is pulled 4 s after start and plugged back 4 s later
    port = simulator("masimo", "--speed", "5", "--event", "cable_pull@20:20")
    manager.connect_device(DeviceSpec("masimo", port))
    qtbot.waitUntil(lambda: panel.rows[port].state.text() == "connected", timeout=5000)
    qtbot.waitUntil(
        lambda: panel.rows[port].state.property("state") == "disconnected", timeout=10000
    )
    row = panel.rows[port]
    assert row.error.text()  # the reason is shown
    last = row.status.last_reading if row.status else None
    assert last is not None
    clock.set(last + timedelta(seconds=3))  # no reading arrives while the cable is out
    qtbot.waitUntil(lambda: panel.rows[port].age.text() == "last reading 3 s ago", timeout=2500)
    qtbot.waitUntil(lambda: panel.rows[port].reconnects.text() == "1", timeout=15000)
    qtbot.waitUntil(lambda: panel.rows[port].state.text() == "connected", timeout=5000)


PANE_WIDTH = 560  # the bed view's tools pane in a 1920 px window


def test_two_cards_fit_the_tools_pane_with_disconnect_in_view(qtbot, room_rig, manager):
    # in a scroll area as on the bed view, themed; long errors and an unassigned monitor's values
    qapp = QApplication.instance()
    apply_theme(qapp, "night")
    widget = make_panel(qtbot, room_rig)
    pane = QScrollArea()
    pane.setWidgetResizable(True)
    pane.setWidget(widget)
    qtbot.addWidget(pane)
    pane.resize(PANE_WIDTH, 900)
    pane.show()
    qtbot.waitExposed(pane)
    ports = ["socket://127.0.0.1:9", "socket://127.0.0.1:19"]  # nothing listens on either
    manager.connect_device(
        DeviceSpec("masimo", ports[0]), room_rig.first.session_id, room_rig.nurse
    )
    manager.connect_device(DeviceSpec("masimo", ports[1]))
    for port in ports:
        qtbot.waitUntil(lambda p=port: "127.0.0.1" in widget.rows[p].error.text(), timeout=5000)
    widget._unassigned[ports[1]] = {p: 97.0 for p in (Parameter.SPO2, Parameter.PR, Parameter.HR)}
    widget._values_dirty.add(ports[1])
    widget.refresh()
    qtbot.wait(50)  # the layouts settle

    assert widget.minimumSizeHint().width() <= PANE_WIDTH
    assert pane.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways
    visible = pane.viewport().rect()
    assert widget.width() <= visible.width()
    assert len(widget.rows) == 2
    for port, row in widget.rows.items():
        assert row.card.isVisible()
        for item in (row.state, row.patient, row.move_button, row.frames, row.reconnects, row.age):
            assert item.isVisible()
            assert item.text()
        button = row.disconnect_button
        assert button.isVisible()
        box = button.rect().translated(button.mapTo(pane.viewport(), button.rect().topLeft()))
        assert visible.contains(box), (port, box, visible)
        assert row.error.toolTip() == row.error.text()
        assert row.error.elided().endswith("…") or row.error.elided() == row.error.text()
        assert row.error.geometry().right() < button.geometry().left()
    assert widget.rows[ports[1]].values.text().startswith("SpO2 97")
    assert widget.rows[ports[1]].move_button.text() == "Assign…"
    widget.stop()
    qapp.setStyleSheet("")


# ---- silence is visible --------------------------------------------------------------------------
def test_no_audio_device_is_shown_in_the_status_bar_and_on_the_monitors_tab(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    from console.services.alarm_sound import NO_DEVICE, SilentSound
    from console.services.room_sound import RoomSound
    from tests.widgets.conftest import give_accounts, open_console

    give_accounts(sqlite_clinic)
    sqlite_clinic.check_in(clock.now() - timedelta(minutes=20))

    def no_loudspeaker(services) -> None:
        services.sound = RoomSound(SilentSound(problem=NO_DEVICE))  # a machine without audio

    with open_console(
        qtbot, sqlite_store, clock, tmp_path, "nurse", before_window=no_loudspeaker
    ) as app:
        window = app.window
        assert window.sound_status.isVisible()
        assert window.sound_status.text() == "Alarm tones off — no audio device"
        monitors = app.view.device_status
        window.show_page(0)  # monitoring, then its Monitors tab
        app.view.tools.setCurrentIndex(app.view.tools.count() - 2)
        assert app.view.tools.tabText(app.view.tools.currentIndex()) == "Monitors"
        qtbot.waitUntil(monitors.sound_notice.isVisible, timeout=2000)
        assert "Alarm tones off — no audio device" in monitors.sound_notice.text()
        window.lock()  # it stays in view whoever is at the console
        assert window.sound_status.isVisible()


def test_with_working_tones_nothing_is_said(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    from tests.widgets.conftest import give_accounts, open_console

    give_accounts(sqlite_clinic)
    sqlite_clinic.check_in(clock.now() - timedelta(minutes=20))
    with open_console(qtbot, sqlite_store, clock, tmp_path, "nurse") as app:
        assert app.services.sound.problem == ""
        assert not app.window.sound_status.isVisible()
        assert app.view.device_status.sound_notice.isHidden()
        app.window.show_sound_problem("the audio device failed")  # e.g. unplugged later
        assert app.window.sound_status.text() == "Alarm tones off — the audio device failed"
        assert "the audio device failed" in app.view.device_status.sound_notice.text()
