"""The admin settings page of the outbound HL7 interface: address, names, on/off, and its status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.outbound.config import NAME_FIELDS, OutboundConfig, checked
from console.outbound.sender import OutboundStatus
from widgets.forms import CommandRunner, FieldErrors
from widgets.theme import named

STATUS_POLL_MS = 1000  # the status line reads the sender's snapshot (never the database)
LABELS = {
    "host": "Interface engine host",
    "port": "Port",
    "sending_application": "Sending application (MSH-3)",
    "sending_facility": "Sending facility (MSH-4)",
    "receiving_application": "Receiving application (MSH-5)",
    "receiving_facility": "Receiving facility (MSH-6)",
}


class OutboundControl(Protocol):
    """What the page asks of the sender (OutboundSender): all of it returns at once."""

    def status(self) -> OutboundStatus: ...

    def save_config(self, config: OutboundConfig, staff_id: int | None) -> None: ...

    def retry(self, message_id: int, staff_id: int | None) -> None: ...

    def skip(self, message_id: int, staff_id: int | None) -> None: ...


class InterfaceSettingsPage(QWidget):
    """A self-contained page for the admin settings dialog (``add_page("HL7 interface", page)``).

    Saving checks every field first (messages beside the fields, nothing stored on a problem);
    the sender stores and audits the change on its own thread. A message the receiver refused
    (AE/AR) is shown with its reason and can be retried or skipped (both audited).
    """

    # the settings were handed to the sender to store (OutboundConfig)
    saved = Signal(object)

    def __init__(
        self,
        control: OutboundControl,
        staff_id: Callable[[], int | None],
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._control = control
        self._staff_id = staff_id
        self._now = now
        self._loaded = False
        self.enabled_box = QCheckBox("Send vital signs and doses to the interface engine")
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors = FieldErrors()
        self.errors = self.field_errors.labels
        form = QFormLayout()
        form.addRow("", self.enabled_box)
        for name in ("host", "port", *NAME_FIELDS):
            edit = QLineEdit()
            self.edits[name] = edit
            form.addRow(LABELS[name], edit)
            form.addRow("", self.field_errors.add(name, edit))
        self.edits["port"].setPlaceholderText("2575")
        self.edits["host"].setPlaceholderText("mirth.clinic.local")
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.note_label = QLabel("")
        self._runner = CommandRunner(self._on_invalid, self.note_label.setText)
        self.status_label = named(QLabel("Starting…"), "clockCaption")
        self.status_label.setWordWrap(True)
        self.stopped_label = named(QLabel(""), "fieldError")
        self.stopped_label.setWordWrap(True)
        self.retry_button = QPushButton("Send it again")
        self.skip_button = named(QPushButton("Skip it"), "secondary")
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.skip_button.clicked.connect(self._on_skip_clicked)
        stopped_row = QHBoxLayout()
        stopped_row.addWidget(self.stopped_label, 1)
        stopped_row.addWidget(self.retry_button)
        stopped_row.addWidget(self.skip_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note_label, 1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("HL7 interface (ORU^R01 over MLLP)"), "panelTitle"))
        layout.addWidget(self.status_label)
        layout.addLayout(stopped_row)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(STATUS_POLL_MS)
        self._timer.timeout.connect(self.show_status)
        self._timer.start()
        self.show_status()

    # ---- status ------------------------------------------------------------------------
    def show_status(self) -> None:
        """Show the sender's latest status (and the settings, the first time they arrive)."""
        status = self._control.status()
        if not self._loaded and status.config is not None:
            self.load(status.config)
        if status.config is None:
            return  # the sender has not looked at the database yet
        self.status_label.setText(status.line(self._now()))
        stopped = status.stopped
        self.stopped_label.setText(
            ""
            if stopped is None
            else f"Message {stopped.control_id} ({stopped.kind}, {stopped.created_at.astimezone():%d %b %H:%M})"
            f" was refused: {stopped.error}. The messages behind it wait."
        )
        for widget in (self.stopped_label, self.retry_button, self.skip_button):
            widget.setVisible(stopped is not None)

    def load(self, config: OutboundConfig) -> None:
        """Fill the fields from ``config``."""
        self._loaded = True
        self.enabled_box.setChecked(config.enabled)
        self.edits["host"].setText(config.host)
        self.edits["port"].setText(str(config.port))
        for name in NAME_FIELDS:
            self.edits[name].setText(getattr(config, name))

    # ---- saving --------------------------------------------------------------------------
    def entered(self) -> OutboundConfig:
        """The settings as typed (the port as 0 when it is not a number)."""
        port_text = self.edits["port"].text().strip()
        return OutboundConfig(
            enabled=self.enabled_box.isChecked(),
            host=self.edits["host"].text(),
            port=int(port_text) if port_text.isdigit() else 0,
            **{name: self.edits[name].text() for name in NAME_FIELDS},
        )

    def _on_save_clicked(self) -> None:
        self.field_errors.clear()
        config = self._runner.run(lambda: checked(self.entered()))
        if config is None:
            return
        self._control.save_config(config, self._staff_id())
        self._loaded = True
        self.note_label.setText("Saved.")
        self.saved.emit(config)

    def _on_invalid(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)
        self.note_label.setText("Nothing was saved: see the messages beside the fields.")

    def _on_retry_clicked(self) -> None:
        stopped = self._control.status().stopped
        if stopped is not None:
            self._control.retry(stopped.id, self._staff_id())

    def _on_skip_clicked(self) -> None:
        stopped = self._control.status().stopped
        if stopped is not None:
            self._control.skip(stopped.id, self._staff_id())
