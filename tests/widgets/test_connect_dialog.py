"""The connection dialog over the real room and device manager, with the simulator on a real pty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.domain.audit import AuditAction
from console.domain.lifecycle import SessionState
from console.services.devices import DeviceManager, DeviceSpec
from devices.base import SerialDefaults
from devices.reader import ReaderState
from tests.widgets import room_fixtures
from tests.widgets.room_fixtures import RoomRig
from widgets.connect_dialog import (
    CHOOSE_PATIENT,
    UNASSIGNED,
    UNASSIGNED_TEXT,
    ConnectDialog,
    describe_serial,
)

room_rig = room_fixtures.room_rig  # the two-bed room fixture, for pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manager(room_rig: RoomRig) -> DeviceManager:
    return room_rig.services.devices


def make_dialog(qtbot, room_rig: RoomRig, session_id: int | None) -> ConnectDialog:
    widget = ConnectDialog(
        room_rig.services.devices, room_rig.services.room, room_rig.actor, session_id
    )
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def dialog(qtbot, room_rig: RoomRig) -> Iterator[ConnectDialog]:
    """The dialog opened from the first bed's screen: that bed is preselected."""
    yield make_dialog(qtbot, room_rig, room_rig.first.session_id)


def connected(manager: DeviceManager, port: str) -> bool:
    status = manager.status(port)
    return status is not None and status.state is ReaderState.CONNECTED


def test_serial_settings_read_like_a_technician_writes_them():
    assert describe_serial(SerialDefaults()) == "9600 baud, 8N1, no flow control"
    assert (
        describe_serial(SerialDefaults(19200, 8, "E", 1, rtscts=True))
        == "19200 baud, 8E1, RTS/CTS flow control"
    )


def test_the_patient_list_holds_every_open_bed_and_unassigned(qtbot, dialog, room_rig):
    combo = dialog.patient_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Chair 1 · J. D.",
        "Chair 2 · A. B.",
        UNASSIGNED_TEXT,
    ]
    assert dialog.patient() == room_rig.first.session_id  # the bed on screen
    dialog.choose_patient(None)
    assert dialog.patient() == UNASSIGNED
    room_rig.second.session.transition(SessionState.ABORTED, room_rig.nurse, reason="left")
    assert [combo.itemText(i) for i in range(combo.count())] == ["Chair 1 · J. D.", UNASSIGNED_TEXT]
    assert dialog.patient() == UNASSIGNED  # the choice survives the list changing


def test_without_a_bed_on_screen_the_patient_must_be_chosen(qtbot, room_rig, manager, simulator):
    port = simulator("masimo", "--speed", "5")
    dialog = make_dialog(qtbot, room_rig, None)
    assert dialog.patient() is None
    dialog.choose("masimo", port)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert dialog.patient_error.text() == CHOOSE_PATIENT
    assert dialog.patient_combo.property("invalid") == "true"
    assert dialog.isVisible()
    assert manager.devices() == []
    dialog.choose_patient(room_rig.second.session_id)  # choosing clears the message
    assert dialog.patient_error.isHidden()
    assert dialog.patient_combo.property("invalid") == "false"


def test_protocols_are_listed_by_title_with_their_settings_and_help(qtbot, dialog, manager):
    titles = [dialog.protocol_combo.itemText(i) for i in range(dialog.protocol_combo.count())]
    assert titles == [info.title for info in manager.drivers().values()]
    dialog.choose("masimo", "")
    assert dialog.serial_label.text() == "9600 baud, 8N1, no flow control"
    assert "ASCII 1" in dialog.help_label.text()
    dialog.choose("nonin", "")
    assert dialog.help_label.text() == manager.drivers()["nonin"].help_text


def test_an_empty_port_is_explained_inline_and_the_dialog_stays(qtbot, dialog, manager):
    dialog.choose("masimo", "")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert not dialog.error_label.isHidden()
    assert dialog.error_label.text() == "Choose the port the monitor is connected to."
    assert dialog.port_combo.property("invalid") == "true"
    assert dialog.isVisible()
    assert manager.devices() == []


def test_a_port_that_does_not_exist_is_explained_inline(qtbot, dialog, manager, tmp_path):
    missing = str(tmp_path / "ttyNOPE")
    dialog.choose("masimo", missing)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert f"No port named {missing}" in dialog.error_label.text()
    assert dialog.isVisible()
    assert manager.devices() == []
    qtbot.keyClicks(dialog.port_combo.lineEdit(), "0")  # typing clears the message
    assert dialog.error_label.isHidden()
    assert dialog.port_combo.property("invalid") == "false"


def test_an_unknown_protocol_shows_the_managers_message(qtbot, dialog, manager):
    dialog.choose("telepathy", "loop://")
    assert not dialog.connect_device()
    assert "Unknown protocol 'telepathy'" in dialog.error_label.text()
    assert manager.devices() == []


def test_refresh_keeps_a_typed_path_or_url(qtbot, dialog):
    dialog.choose("masimo", "socket://10.0.0.5:4001")
    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    assert dialog.port() == "socket://10.0.0.5:4001"


def test_a_role_that_may_not_bind_is_refused_beside_the_patient(
    qtbot, dialog, room_rig, manager, simulator
):
    port = simulator("masimo", "--speed", "5")
    room_rig.act_as(room_rig.supervisor)
    dialog.choose("masimo", port)
    assert not dialog.connect_device()
    assert "connect a monitor to a patient" in dialog.patient_error.text()
    assert dialog.error_label.isHidden()
    assert manager.devices() == []


def test_the_monitor_is_bound_to_the_chosen_bed_and_records_there_only(
    qtbot, dialog, room_rig, manager, simulator
):
    port = simulator("masimo", "--speed", "5")
    first, second = room_rig.first, room_rig.second
    dialog.choose_patient(second.session_id)  # not the bed on screen: the one it is on
    dialog.choose("masimo", port)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert manager.devices() == [DeviceSpec("masimo", port)]
    assert manager.bound_session(port) == second.session_id
    (bind,) = room_rig.audit(AuditAction.DEVICE_BIND.value)
    assert bind["entity_id"] == str(second.session_id) and bind["port"] == port
    qtbot.waitUntil(lambda: connected(manager, port), timeout=5000)
    qtbot.waitUntil(lambda: bool(second.vitals.latest()), timeout=8000)
    second.vitals.flush()
    first.vitals.flush()
    vitals = room_rig.clinic.vitals
    assert {p.device for p in vitals.history(second.session_id)} == {port}
    assert vitals.history(first.session_id) == []
    assert first.vitals.latest() == {}


def test_an_unassigned_monitor_shows_values_but_records_nothing(
    qtbot, dialog, room_rig, manager, simulator
):
    port = simulator("masimo", "--speed", "5")
    dialog.choose_patient(None)
    dialog.choose("masimo", port)
    assert dialog.connect_device()
    assert manager.bound_session(port) is None
    assert room_rig.audit(AuditAction.DEVICE_BIND.value) == []
    seen = []
    manager.unassignedReadings.connect(seen.append)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=8000)
    for bed in (room_rig.first, room_rig.second):
        bed.vitals.flush()
        assert room_rig.clinic.vitals.history(bed.session_id) == []
        assert bed.vitals.latest() == {}
        assert bed.alarms.active() == ()


def test_a_port_already_connected_is_refused_inline(qtbot, room_rig, manager, simulator):
    port = simulator("masimo", "--speed", "5")
    first = make_dialog(qtbot, room_rig, room_rig.first.session_id)
    first.choose("masimo", port)
    assert first.connect_device()
    second = make_dialog(qtbot, room_rig, room_rig.second.session_id)
    second.choose("masimo", port)
    assert not second.connect_device()
    assert second.error_label.text() == f"{port} is already connected."
    assert manager.bound_session(port) == room_rig.first.session_id  # nothing moved
