"""The HL7 interface settings page with a real sender thread, database and receiver process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from console.domain.vitals import Parameter, VitalPoint
from console.outbound.config import OutboundConfig
from console.outbound.queue import OutboundQueue
from console.outbound.sender import OutboundSender
from console.store.audit_repository import AuditRepository
from tests.console.outbound.helpers import Receiver, free_port
from widgets.interface_settings import InterfaceSettingsPage

T = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)


@pytest.fixture
def page(qtbot, sqlite_clinic, tmp_path):
    clinic = sqlite_clinic
    sender = OutboundSender(
        clinic.store.engine.url.render_as_string(hide_password=False),
        backoff_max_s=0.3,
        ack_timeout_s=3,
    )
    sender.start()
    widget = InterfaceSettingsPage(sender, lambda: clinic.nurse.id, lambda: T)
    qtbot.addWidget(widget)
    widget.show()
    receivers: list[Receiver] = []
    yield widget, sender, clinic, receivers
    sender.stop()
    for receiver in receivers:
        receiver.stop()


def _fill(widget: InterfaceSettingsPage, **values: str) -> None:
    for name, value in values.items():
        widget.edits[name].setText(value)


def test_bad_settings_are_shown_beside_their_fields_and_nothing_is_saved(qtbot, page):
    widget, _sender, clinic, _ = page
    qtbot.waitUntil(lambda: widget.status_label.text().startswith("Off"))
    assert widget.edits["sending_application"].text() == "VIGIL"  # loaded from the database
    widget.enabled_box.setChecked(True)
    _fill(widget, host="", port="99999", receiving_facility="A|B")
    qtbot.mouseClick(widget.save_button, Qt.MouseButton.LeftButton)
    assert widget.errors["host"].text().startswith("Enter the interface engine")
    assert widget.errors["port"].text() == "The port is a number from 1 to 65535."
    assert widget.errors["receiving_facility"].text().startswith("Up to 40")
    assert widget.errors["sending_application"].text() == ""
    qtbot.wait(300)
    assert OutboundQueue(clinic.store).config() == OutboundConfig()


def test_saved_settings_are_audited_and_the_status_line_and_an_ar_reach_the_admin(
    qtbot, page, tmp_path
):
    widget, sender, clinic, receivers = page
    port = free_port()
    receivers.append(Receiver(port, tmp_path / "ar.log", "reject").start())
    qtbot.waitUntil(lambda: widget.status_label.text().startswith("Off"))
    widget.enabled_box.setChecked(True)
    _fill(widget, host="127.0.0.1", port=str(port), sending_facility="CLINIC")
    qtbot.mouseClick(widget.save_button, Qt.MouseButton.LeftButton)
    assert widget.note_label.text() == "Saved."
    qtbot.waitUntil(lambda: OutboundQueue(clinic.store).config().enabled, timeout=5000)
    session = clinic.check_in(T)
    clinic.vitals.add_batch(session, [VitalPoint(Parameter.HR, 70, T, "ivy")])
    clinic.vitals.add_batch(
        session, [VitalPoint(Parameter.HR, 71, T + timedelta(minutes=1), "manual")]
    )
    sender.wake()
    qtbot.waitUntil(widget.retry_button.isVisible, timeout=10000)
    assert "unsupported message type" in widget.stopped_label.text()
    assert "2 queued" in widget.status_label.text()
    assert "Connected" in widget.status_label.text()
    qtbot.mouseClick(widget.skip_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: [m.state for m in OutboundQueue(clinic.store).messages()][:1] == ["skipped"],
        timeout=5000,
    )

    def audited() -> list:
        return [e for e in AuditRepository(clinic.store).entries() if e.action == "settings-change"]

    qtbot.waitUntil(lambda: len(audited()) == 2, timeout=5000)  # the skip is audited after it
    entries = audited()
    assert [e.entity for e in entries] == ["outbound_interface", "outbound_message"]
    assert '"host"' in entries[0].detail and '"skip"' in entries[1].detail
