"""The device status panel over a real device manager, fed by the simulator on a real pty."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.services.devices import DeviceSpec
from widgets.device_status import DeviceStatusPanel, reading_age

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def panel(qtbot, manager, clock) -> Iterator[DeviceStatusPanel]:
    widget = DeviceStatusPanel(manager, clock)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    try:
        yield widget
    finally:
        widget.stop()
        if widget.dialog is not None:
            widget.dialog.close()


def good_frames(panel: DeviceStatusPanel, port: str) -> int:
    row = panel.rows.get(port)
    return int(row.frames.text().split("/")[0]) if row else 0


def test_reading_age_in_words():
    now = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert reading_age(None, now) == "no reading yet"
    assert reading_age(now - timedelta(seconds=3), now) == "last reading 3 s ago"
    assert reading_age(now - timedelta(minutes=5), now) == "last reading 5 min ago"


def test_no_device_shows_the_empty_line(qtbot, panel):
    assert panel.rows == {}
    assert not panel.empty_label.isHidden()


def test_connect_through_the_dialog_then_watch_and_disconnect(qtbot, panel, manager, simulator):
    port = simulator("masimo", "--speed", "5")
    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.choose("masimo", port)
    with qtbot.waitSignal(manager.devicesChanged, timeout=2000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.dialog is None, timeout=2000)  # accepted and closed

    row = panel.rows[port]
    assert row.port.text() == port
    assert row.protocol.text() == "Masimo Rad-8 / Radical-7 / Rad-5"
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


def test_a_port_that_cannot_be_opened_shows_disconnected_and_the_error(qtbot, panel, manager):
    manager.connect_device(DeviceSpec("masimo", "socket://127.0.0.1:9"))  # nothing listens
    qtbot.waitUntil(
        lambda: "127.0.0.1:9" in panel.rows["socket://127.0.0.1:9"].error.text(), timeout=5000
    )
    row = panel.rows["socket://127.0.0.1:9"]
    assert row.state.text() == "disconnected — retrying"
    assert row.state.property("state") == "disconnected"
    assert row.age.text() == "no reading yet"


def test_a_failed_connect_keeps_the_dialog_open_with_the_message(qtbot, panel, manager):
    dialog = panel.open_connect_dialog()
    dialog.choose("masimo", "")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error_label.text() == "Choose the port the monitor is connected to."
    assert panel.rows == {}


def test_the_signal_only_mode_leaves_the_dialog_to_the_window(qtbot, manager, clock):
    widget = DeviceStatusPanel(manager, clock, open_dialog=False)
    qtbot.addWidget(widget)
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
