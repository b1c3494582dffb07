"""The connection dialog over a real device manager, with the simulator on a real pty."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.services.devices import DeviceSpec
from devices.base import SerialDefaults
from devices.reader import ReaderState
from widgets.connect_dialog import ConnectDialog, describe_serial

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dialog(qtbot, manager) -> ConnectDialog:
    widget = ConnectDialog(manager)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_serial_settings_read_like_a_technician_writes_them():
    assert describe_serial(SerialDefaults()) == "9600 baud, 8N1, no flow control"
    assert (
        describe_serial(SerialDefaults(19200, 8, "E", 1, rtscts=True))
        == "19200 baud, 8E1, RTS/CTS flow control"
    )


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


def test_an_unknown_protocol_shows_the_managers_message(qtbot, dialog, manager, tmp_path):
    dialog.choose("telepathy", "loop://")
    assert not dialog.connect_device()
    assert "Unknown protocol 'telepathy'" in dialog.error_label.text()
    assert manager.devices() == []


def test_refresh_keeps_a_typed_path_or_url(qtbot, dialog):
    dialog.choose("masimo", "socket://10.0.0.5:4001")
    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    assert dialog.port() == "socket://10.0.0.5:4001"


def test_connecting_the_simulator_accepts_and_the_reader_runs(qtbot, dialog, manager, simulator):
    port = simulator("masimo", "--speed", "5")
    dialog.choose("masimo", port)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert manager.devices() == [DeviceSpec("masimo", port)]
    qtbot.waitUntil(
        lambda: (s := manager.status(port)) is not None and s.state is ReaderState.CONNECTED,
        timeout=5000,
    )
    manager.disconnect_device(port)
    assert manager.devices() == []


def test_a_port_already_connected_is_refused_inline(qtbot, manager, simulator):
    port = simulator("masimo", "--speed", "5")
    first = ConnectDialog(manager)
    qtbot.addWidget(first)
    first.choose("masimo", port)
    assert first.connect_device()
    second = ConnectDialog(manager)
    qtbot.addWidget(second)
    second.choose("masimo", port)
    assert not second.connect_device()
    assert second.error_label.text() == f"{port} is already connected."
