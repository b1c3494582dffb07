"""The device status panel: a card per connected monitor with the patient it is on, its state,
its counters and Disconnect, narrow enough for the bed view's tools pane (no sideways scroll).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.domain.vitals import PARAMETERS, Parameter
from console.services.devices import DeviceManager, DeviceSpec
from console.services.room import Room
from devices.base import Reading
from devices.reader import ReaderState, ReaderStatus, ReadingBatch
from widgets.connect_dialog import ConnectDialog, MoveDialog, patient_text
from widgets.theme import named

REFRESH_MS = 1000
ELIDED_MIN_WIDTH = 60  # an elided label may shrink this far; its full text is in the tooltip

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
QWidget#deviceCards { background: transparent; }
QFrame#deviceCard { border: 1px solid rgba(122, 136, 150, 0.55); border-radius: 6px; }
QLabel#deviceTitle { font-weight: 600; }
QLabel#devicePort { font-size: 9pt; color: #7a8896; }
QLabel#deviceCount { font-weight: 600; }
QLabel#deviceState { font-weight: 600; }
QLabel#deviceState[state="connected"] { color: #3c8d5a; }
QLabel#deviceState[state="silent"] { color: #c08a1e; }
QLabel#deviceState[state="disconnected"] { color: #c4454b; }
QLabel#deviceState[state="connecting"], QLabel#deviceState[state="listening"] { color: #4f86b0; }
QLabel#deviceState[state="stopped"] { color: #7a8896; }
QLabel#deviceHeader { font-size: 9pt; font-weight: 600; color: #7a8896; }
QLabel#devicePatient { font-weight: 600; }
QLabel#devicePatient[bound="false"] { color: #c08a1e; }
QLabel#deviceValues { font-size: 9pt; color: #7a8896; }
"""


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


def values_text(values: dict[Parameter, float]) -> str:
    """An unassigned monitor's latest values: "SpO2 97 · PR 72 — not recorded"."""
    if not values:
        return ""
    shown = " · ".join(f"{PARAMETERS[p].label} {v:.0f}" for p, v in values.items())
    return f"{shown} — not recorded"


class ElidedLabel(QLabel):
    """One line that ends in "…" when narrower than its text (``text()`` stays whole); the
    whole text is its tooltip. It never makes its card wider than the pane.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def elided(self) -> str:
        """The text as drawn at the label's current width."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, max(0, self.contentsRect().width())
        )

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), ELIDED_MIN_WIDTH), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            self.elided(),
            self.foregroundRole(),
        )
        painter.end()


def _caption(text: str) -> QLabel:
    return named(QLabel(text), "deviceHeader")


@dataclass(eq=False)
class DeviceRow:
    """The card of one device and the labels and buttons on it."""

    spec: DeviceSpec
    card: QFrame
    protocol: QLabel
    port: ElidedLabel
    patient_cell: QWidget
    patient: QLabel
    values: QLabel
    state: QLabel
    frames: QLabel
    resyncs: QLabel
    reconnects: QLabel
    age: QLabel
    error: ElidedLabel
    move_button: QPushButton
    disconnect_button: QPushButton
    status: ReaderStatus | None = None


class DeviceStatusPanel(QFrame):
    """Shows a card for every device the manager reads: the monitor and its port, its state,
    the patient it is on (Move…/Assign…), its counters, its last error and Disconnect;
    "Connect monitor…" below (preselecting ``session_id``, the bed on screen, if any).

    An unassigned monitor's latest values are shown on its card, marked as not recorded.
    """

    # the user pressed "Connect monitor…" (no payload); the panel also opens the dialog
    # itself unless it was built with open_dialog=False
    connectRequested = Signal()

    def __init__(
        self,
        manager: DeviceManager,
        clock: Clock,
        room: Room,
        actor: Callable[[], int | None],
        session_id: int | None = None,
        parent: QWidget | None = None,
        *,
        open_dialog: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setStyleSheet(STATE_QSS)
        self._manager = manager
        self._clock = clock
        self._room = room
        self._actor = actor
        self._session_id = session_id
        self._open_dialog = open_dialog
        self.rows: dict[str, DeviceRow] = {}
        self.dialog: ConnectDialog | None = None
        self.move_dialog: MoveDialog | None = None
        # an unassigned monitor's latest value of each parameter, by port (shown, never stored)
        self._unassigned: dict[str, dict[Parameter, float]] = {}
        self._values_dirty: set[str] = set()

        self._cards_host = named(QWidget(), "deviceCards")
        self._cards = QVBoxLayout(self._cards_host)
        self._cards.setContentsMargins(0, 0, 0, 0)
        self._cards.setSpacing(8)
        self.empty_label = named(
            QLabel("No monitor connected. Vitals can still be entered by hand."), "placeholder"
        )
        self.connect_button = QPushButton("Connect monitor…")
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.connect_button)
        # the room's alarm tones being off is said here too, where monitors are looked after
        self.sound_notice = named(QLabel(""), "alarmNotice")
        self.sound_notice.setWordWrap(True)
        self.sound_notice.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Monitors"), "panelTitle"))
        layout.addWidget(self.sound_notice)
        layout.addWidget(self._cards_host)
        layout.addWidget(self.empty_label)
        layout.addStretch(1)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        manager.statusChanged.connect(self._on_manager_status_changed)
        manager.devicesChanged.connect(self._on_manager_devices_changed)
        manager.unassignedReadings.connect(self._on_manager_unassigned_readings)
        room.bedsChanged.connect(self._on_room_beds_changed)
        self._on_manager_devices_changed()
        self._timer.start()

    # ---- public ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the once-a-second age refresh (before the panel goes away)."""
        self._timer.stop()

    def set_sound_notice(self, text: str) -> None:
        """Say that the alarm tones are off ("" when they work): it stays until they do."""
        self.sound_notice.setText(f"⚠  {text}" if text else "")
        self.sound_notice.setVisible(bool(text))

    def refresh(self) -> None:
        """Update the ages and the unassigned monitors' values now (the timer does it each second)."""
        for port, row in self.rows.items():
            self._show_age(row)
            if port in self._values_dirty:
                self._show_values(row)
        self._values_dirty.clear()

    def open_connect_dialog(self) -> ConnectDialog:
        """Open the connection dialog without blocking (``open()``, never ``exec()``)."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = ConnectDialog(self._manager, self._room, self._actor, self._session_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_move_dialog(self, port: str) -> MoveDialog:
        """Ask which patient the monitor on ``port`` is now on (without blocking)."""
        if self.move_dialog is not None:
            self.move_dialog.close()
        dialog = MoveDialog(self._manager, self._room, self._actor, port, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_move_dialog_finished)
        self.move_dialog = dialog
        dialog.open()
        return dialog

    # ---- cards --------------------------------------------------------------------------
    def _make_row(self, spec: DeviceSpec) -> DeviceRow:
        info = self._manager.drivers().get(spec.protocol)
        protocol = named(
            QLabel(info.title.split(" (")[0] if info else spec.protocol), "deviceTitle"
        )
        protocol.setToolTip(info.title if info else spec.protocol)
        protocol.setWordWrap(True)
        port = named(ElidedLabel(spec.port), "devicePort")
        state = named(QLabel(""), "deviceState")
        state.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

        bound = self._manager.bound_session(spec.port)
        patient = named(QLabel(patient_text(self._room, bound)), "devicePatient")
        patient.setProperty("bound", "true" if bound is not None else "false")
        patient.setWordWrap(True)
        values = named(QLabel(""), "deviceValues")
        values.setWordWrap(True)
        values.setVisible(bound is None)
        cell = QWidget()
        cell_layout = QVBoxLayout(cell)
        cell_layout.setContentsMargins(0, 0, 0, 0)
        cell_layout.setSpacing(0)
        cell_layout.addWidget(patient)
        cell_layout.addWidget(values)
        move = named(QPushButton("Move…" if bound is not None else "Assign…"), "secondary")
        move.setToolTip("Put this monitor on another patient (or on nobody).")
        move.clicked.connect(lambda _=False, port=spec.port: self._on_move_button_clicked(port))

        frames = named(QLabel("0 / 0"), "deviceCount")
        resyncs = named(QLabel("0"), "deviceCount")
        reconnects = named(QLabel("0"), "deviceCount")
        age = QLabel("")
        error = named(ElidedLabel(""), "fieldError")
        disconnect = named(QPushButton("Disconnect"), "secondary")
        disconnect.setToolTip("Stop reading this monitor.")
        disconnect.clicked.connect(
            lambda _=False, port=spec.port: self._on_disconnect_button_clicked(port)
        )

        card = named(QFrame(), "deviceCard")
        box = QVBoxLayout(card)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(6)
        heading = QGridLayout()
        heading.setHorizontalSpacing(10)
        heading.setVerticalSpacing(0)
        heading.addWidget(protocol, 0, 0)
        heading.addWidget(port, 1, 0)
        heading.addWidget(state, 0, 1, 2, 1)
        heading.setColumnStretch(0, 1)
        box.addLayout(heading)
        on = QHBoxLayout()
        on.setSpacing(10)
        on.addWidget(_caption("Patient"), 0, Qt.AlignmentFlag.AlignVCenter)
        on.addWidget(cell, 1)
        on.addWidget(move, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(on)
        counters = QGridLayout()
        counters.setHorizontalSpacing(16)
        counters.setVerticalSpacing(0)
        for column, (title, value) in enumerate(
            (("Frames good / bad", frames), ("Resyncs", resyncs), ("Reconnects", reconnects))
        ):
            counters.addWidget(_caption(title), 0, column)
            counters.addWidget(value, 1, column)
        counters.addWidget(age, 0, 3, 2, 1, Qt.AlignmentFlag.AlignRight)
        counters.setColumnStretch(3, 1)
        box.addLayout(counters)
        last = QHBoxLayout()
        last.setSpacing(10)
        last.addWidget(error, 1)
        last.addWidget(disconnect)
        box.addLayout(last)
        return DeviceRow(
            spec=spec,
            card=card,
            protocol=protocol,
            port=port,
            patient_cell=cell,
            patient=patient,
            values=values,
            state=state,
            frames=frames,
            resyncs=resyncs,
            reconnects=reconnects,
            age=age,
            error=error,
            move_button=move,
            disconnect_button=disconnect,
        )

    def _rebuild(self) -> None:
        for row in self.rows.values():
            self._cards.removeWidget(row.card)
            row.card.hide()
            row.card.deleteLater()
        self.rows = {}
        for spec in self._manager.devices():
            row = self._make_row(spec)
            self.rows[spec.port] = row
            self._cards.addWidget(row.card)
            status = self._manager.status(spec.port)
            self._show_status(row, status)
            self._show_values(row)
        self._cards_host.setVisible(bool(self.rows))
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
            row.error.setText(status.last_error)  # elided to the card; whole in the tooltip
        self._show_age(row)

    def _show_values(self, row: DeviceRow) -> None:
        if self._manager.bound_session(row.spec.port) is not None:
            return
        text = values_text(self._unassigned.get(row.spec.port, {}))
        if row.values.text() != text:
            row.values.setText(text)

    def _show_age(self, row: DeviceRow) -> None:
        last = row.status.last_reading if row.status else None
        row.age.setText(reading_age(last, self._clock.now()))

    # ---- slots ----------------------------------------------------------------------------
    def _on_manager_devices_changed(self) -> None:
        # a monitor bound (or disconnected) since: its unassigned values no longer apply
        self._unassigned = {
            port: values
            for port, values in self._unassigned.items()
            if port in {spec.port for spec in self._manager.devices()}
            and self._manager.bound_session(port) is None
        }
        self._rebuild()

    def _on_room_beds_changed(self) -> None:
        self._rebuild()  # a bed closed or opened: the patient labels follow

    def _on_manager_unassigned_readings(self, batch: ReadingBatch) -> None:
        values = self._unassigned.setdefault(batch.source, {})
        for item in batch.items:
            if isinstance(item, Reading):
                values[item.parameter] = item.value
        self._values_dirty.add(batch.source)  # shown on the next refresh, never per batch

    def _on_manager_status_changed(self, status: ReaderStatus) -> None:
        row = self.rows.get(status.source)
        if row is not None:  # a late "stopped" from a reader already removed is ignored
            self._show_status(row, status)

    def _on_timer_timeout(self) -> None:
        self.refresh()

    def _on_disconnect_button_clicked(self, port: str) -> None:
        self._manager.disconnect_device(port)

    def _on_connect_button_clicked(self) -> None:
        self.connectRequested.emit()
        if self._open_dialog:
            self.open_connect_dialog()

    def _on_move_button_clicked(self, port: str) -> None:
        self.open_move_dialog(port)

    def _on_dialog_finished(self) -> None:
        self.dialog = None

    def _on_move_dialog_finished(self) -> None:
        self.move_dialog = None
