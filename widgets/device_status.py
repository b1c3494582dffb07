"""The device status panel: one row per connected monitor with its state, counters and age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.services.devices import DeviceManager, DeviceSpec
from devices.reader import ReaderState, ReaderStatus
from widgets.connect_dialog import ConnectDialog
from widgets.theme import named

REFRESH_MS = 1000
HEADERS = (
    "Monitor",
    "Port",
    "State",
    "Frames good / bad",
    "Resyncs",
    "Reconnects",
    "Last reading",
    "Last error",
    "",
)
STATE_TEXT: dict[ReaderState, str] = {
    ReaderState.CONNECTING: "connecting…",
    ReaderState.CONNECTED: "connected",
    ReaderState.SILENT: "silent",
    ReaderState.DISCONNECTED: "disconnected — retrying",
    ReaderState.LISTENING: "listening",
    ReaderState.STOPPED: "stopped",
}
# Colours that read on both the day (white) and night (near-black) panels; the themes may
# override them with QLabel#deviceState[state="…"] rules of their own.
STATE_QSS = """
QWidget#deviceGrid { background: transparent; }
QLabel#deviceState { font-weight: 600; }
QLabel#deviceState[state="connected"] { color: #3c8d5a; }
QLabel#deviceState[state="silent"] { color: #c08a1e; }
QLabel#deviceState[state="disconnected"] { color: #c4454b; }
QLabel#deviceState[state="connecting"], QLabel#deviceState[state="listening"] { color: #4f86b0; }
QLabel#deviceState[state="stopped"] { color: #7a8896; }
QLabel#deviceHeader { font-size: 9pt; font-weight: 600; color: #7a8896; }
"""
ERROR_CHARS = 60  # longer errors are cut in the row; the full text is in the tooltip


def reading_age(last: datetime | None, now: datetime) -> str:
    """'last reading 3 s ago' (or minutes), or 'no reading yet'."""
    if last is None:
        return "no reading yet"
    seconds = max(0, int((now - last).total_seconds()))
    if seconds < 120:
        return f"last reading {seconds} s ago"
    if seconds < 7200:
        return f"last reading {seconds // 60} min ago"
    return f"last reading {seconds // 3600} h ago"


@dataclass(eq=False)
class DeviceRow:
    """The labels and button of one device's row."""

    spec: DeviceSpec
    protocol: QLabel
    port: QLabel
    state: QLabel
    frames: QLabel
    resyncs: QLabel
    reconnects: QLabel
    age: QLabel
    error: QLabel
    disconnect_button: QPushButton
    status: ReaderStatus | None = None

    def widgets(self) -> tuple[QWidget, ...]:
        return (
            self.protocol,
            self.port,
            self.state,
            self.frames,
            self.resyncs,
            self.reconnects,
            self.age,
            self.error,
            self.disconnect_button,
        )


class DeviceStatusPanel(QFrame):
    """Shows every device the manager reads; Disconnect per row; "Connect monitor…" below."""

    # the user pressed "Connect monitor…" (no payload); the panel also opens the dialog
    # itself unless it was built with open_dialog=False
    connectRequested = Signal()

    def __init__(
        self,
        manager: DeviceManager,
        clock: Clock,
        parent: QWidget | None = None,
        *,
        open_dialog: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setStyleSheet(STATE_QSS)
        self._manager = manager
        self._clock = clock
        self._open_dialog = open_dialog
        self.rows: dict[str, DeviceRow] = {}
        self.dialog: ConnectDialog | None = None

        self._grid_host = named(QWidget(), "deviceGrid")
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(14)
        self._grid.setVerticalSpacing(6)
        for column, text in enumerate(HEADERS):
            self._grid.addWidget(named(QLabel(text), "deviceHeader"), 0, column)
        self._grid.setColumnStretch(7, 1)
        self.empty_label = named(
            QLabel("No monitor connected. Vitals can still be entered by hand."), "placeholder"
        )
        self.connect_button = QPushButton("Connect monitor…")
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.connect_button)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Monitors"), "panelTitle"))
        layout.addWidget(self._grid_host)
        layout.addWidget(self.empty_label)
        layout.addStretch(1)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        manager.statusChanged.connect(self._on_manager_status_changed)
        manager.devicesChanged.connect(self._on_manager_devices_changed)
        self._on_manager_devices_changed()
        self._timer.start()

    # ---- public ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the once-a-second age refresh (before the panel goes away)."""
        self._timer.stop()

    def open_connect_dialog(self) -> ConnectDialog:
        """Open the connection dialog without blocking (``open()``, never ``exec()``)."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = ConnectDialog(self._manager, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()
        return dialog

    # ---- rows -----------------------------------------------------------------------------
    def _make_row(self, spec: DeviceSpec) -> DeviceRow:
        info = self._manager.drivers().get(spec.protocol)
        protocol = QLabel(info.title.split(" (")[0] if info else spec.protocol)
        protocol.setToolTip(info.title if info else spec.protocol)
        button = named(QPushButton("Disconnect"), "secondary")
        button.clicked.connect(
            lambda _=False, port=spec.port: self._on_disconnect_button_clicked(port)
        )
        error = named(QLabel(""), "fieldError")
        error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        error.setWordWrap(True)  # a long reason wraps instead of widening the whole panel
        error.setMinimumWidth(180)
        return DeviceRow(
            spec=spec,
            protocol=protocol,
            port=QLabel(spec.port),
            state=named(QLabel(""), "deviceState"),
            frames=QLabel("0 / 0"),
            resyncs=QLabel("0"),
            reconnects=QLabel("0"),
            age=QLabel(""),
            error=error,
            disconnect_button=button,
        )

    def _rebuild(self) -> None:
        for row in self.rows.values():
            for widget in row.widgets():
                self._grid.removeWidget(widget)
                widget.deleteLater()
        self.rows = {}
        for line, spec in enumerate(self._manager.devices(), start=1):
            row = self._make_row(spec)
            self.rows[spec.port] = row
            for column, widget in enumerate(row.widgets()):
                self._grid.addWidget(widget, line, column)
            status = self._manager.status(spec.port)
            self._show_status(row, status)
        self._grid_host.setVisible(bool(self.rows))
        self.empty_label.setVisible(not self.rows)

    def _show_status(self, row: DeviceRow, status: ReaderStatus | None) -> None:
        row.status = status
        state = status.state if status else ReaderState.CONNECTING
        row.state.setText(STATE_TEXT.get(state, state.value))
        row.state.setProperty("state", state.value)
        row.state.style().unpolish(row.state)
        row.state.style().polish(row.state)
        if status is not None:
            row.frames.setText(f"{status.good_frames} / {status.bad_frames}")
            row.resyncs.setText(str(status.resyncs))
            row.reconnects.setText(str(status.reconnects))
            text = status.last_error
            short = text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
            row.error.setText(short)
            row.error.setToolTip(text)
        self._show_age(row)

    def _show_age(self, row: DeviceRow) -> None:
        last = row.status.last_reading if row.status else None
        row.age.setText(reading_age(last, self._clock.now()))

    # ---- slots ----------------------------------------------------------------------------
    def _on_manager_devices_changed(self) -> None:
        self._rebuild()

    def _on_manager_status_changed(self, status: ReaderStatus) -> None:
        row = self.rows.get(status.source)
        if row is not None:  # a late "stopped" from a reader already removed is ignored
            self._show_status(row, status)

    def _on_timer_timeout(self) -> None:
        for row in self.rows.values():
            self._show_age(row)

    def _on_disconnect_button_clicked(self, port: str) -> None:
        self._manager.disconnect_device(port)

    def _on_connect_button_clicked(self) -> None:
        self.connectRequested.emit()
        if self._open_dialog:
            self.open_connect_dialog()

    def _on_dialog_finished(self) -> None:
        self.dialog = None
