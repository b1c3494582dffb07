"""The monitor dialogs: connect one (protocol, port, the patient it is on), or move it to another."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.errors import PermissionDenied
from console.services.devices import DeviceManager, DeviceSpec
from console.services.room import Room
from devices.base import SerialDefaults
from devices.transport import PortInfo, is_url, list_ports
from widgets.forms import CommandRunner, error_label, show_message
from widgets.theme import named, set_invalid

PORT_HINT = "/dev/ttyUSB0, COM3 or socket://host:port"
_PARITY = {"N": "N", "E": "E", "O": "O", "M": "M", "S": "S"}
UNASSIGNED = -1  # the patient combo's data for "on nobody": shown, never recorded
UNASSIGNED_TEXT = "Unassigned (show values, record nothing)"
CHOOSE_PATIENT = "Choose which patient the monitor is on (or Unassigned)."
NOT_RECORDED = "unassigned — not recorded"


def describe_serial(serial: SerialDefaults) -> str:
    """Line settings as a technician reads them, e.g. "9600 baud, 8N1, no flow control"."""
    if serial.rtscts:
        flow = "RTS/CTS flow control"
    elif serial.xonxoff:
        flow = "XON/XOFF flow control"
    else:
        flow = "no flow control"
    frame = f"{serial.bytesize}{_PARITY.get(serial.parity, serial.parity)}{serial.stopbits:g}"
    return f"{serial.baudrate} baud, {frame}, {flow}"


def fill_patient_combo(combo: QComboBox, room: Room, selected: int | None) -> None:
    """List the room's open beds by label, then Unassigned; select ``selected`` (a session id,
    UNASSIGNED, or None for no choice yet: the user must pick, nothing is assumed).
    """
    combo.blockSignals(True)
    combo.clear()
    for bed in room.beds():
        combo.addItem(bed.label, bed.session_id)
    combo.addItem(UNASSIGNED_TEXT, UNASSIGNED)
    combo.setCurrentIndex(combo.findData(selected) if selected is not None else -1)
    combo.blockSignals(False)


def chosen_patient(combo: QComboBox) -> int | None:
    """The chosen session id, UNASSIGNED, or None when nothing is chosen."""
    data = combo.currentData() if combo.currentIndex() >= 0 else None
    return int(data) if data is not None else None


def patient_text(room: Room, session_id: int | None) -> str:
    """Who a monitor is on: the bed's label, or that it is unassigned and records nothing."""
    if session_id is None:
        return NOT_RECORDED
    bed = room.bed(session_id)
    return bed.label if bed is not None else f"session {session_id} (not in this room)"


def _port_text(info: PortInfo) -> str:
    return f"{info.device} — {info.description}" if info.description else info.device


class ConnectDialog(QDialog):
    """Connects one monitor and binds it to the chosen patient; errors stay inline, success accepts.

    ``session_id`` preselects the bed on screen; without it the user must choose a patient (or
    Unassigned) so that no monitor is ever put on a patient by default.
    """

    def __init__(
        self,
        manager: DeviceManager,
        room: Room,
        actor: Callable[[], int | None],
        session_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect monitor")
        self.setMinimumWidth(560)
        self._manager = manager
        self._room = room
        self._actor = actor
        self._drivers = manager.drivers()
        self._ports: list[PortInfo] = []

        self.protocol_combo = QComboBox()
        for name, info in self._drivers.items():
            self.protocol_combo.addItem(info.title, name)
        self.protocol_combo.currentIndexChanged.connect(self._on_protocol_combo_changed)
        self.port_combo = QComboBox()
        self.port_combo.setEditable(True)
        self.port_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.port_combo.setMinimumContentsLength(28)
        line = self.port_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(PORT_HINT)
            line.textEdited.connect(self._on_port_combo_edited)
        self.port_combo.currentIndexChanged.connect(self._on_port_combo_edited)
        self.refresh_button = named(QPushButton("Refresh"), "secondary")
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.serial_label = QLabel("")
        self.serial_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.help_label = QLabel("")
        self.help_label.setWordWrap(True)
        self.help_label.setObjectName("connectHelp")
        self.error_label = error_label()
        self.patient_combo = QComboBox()
        self.patient_combo.setPlaceholderText("Choose the patient…")
        self.patient_combo.setAccessibleName("Patient")
        fill_patient_combo(self.patient_combo, room, session_id)
        self.patient_combo.currentIndexChanged.connect(self._on_patient_combo_changed)
        self.patient_error = error_label()
        room.bedsChanged.connect(self._on_room_beds_changed)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.cancel_button = named(QPushButton("Cancel"), "secondary")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)

        port_row = QHBoxLayout()
        port_row.addWidget(self.port_combo, 1)
        port_row.addWidget(self.refresh_button)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        patient_box = QVBoxLayout()
        patient_box.setSpacing(2)
        patient_box.addWidget(self.patient_combo)
        patient_box.addWidget(self.patient_error)
        form.addRow("Patient", patient_box)
        form.addRow("Protocol", self.protocol_combo)
        form.addRow("Port", port_row)
        form.addRow("Line settings", self.serial_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.connect_button)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Connect a monitor"), "panelTitle"))
        layout.addLayout(form)
        help_box = named(QFrame(), "panel")
        help_layout = QVBoxLayout(help_box)
        help_layout.addWidget(named(QLabel("How to connect"), "panelTitle"))
        help_layout.addWidget(self.help_label)
        layout.addWidget(help_box)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.refresh_ports()
        self._on_protocol_combo_changed()
        self.port_combo.setFocus()

    # ---- public ---------------------------------------------------------------------------
    def protocol(self) -> str:
        """The chosen protocol's short name ("masimo", "nonin", ...), or "" if none."""
        data = self.protocol_combo.currentData()
        return str(data) if data is not None else ""

    def port(self) -> str:
        """The chosen port: a listed port's device, or the typed path or URL."""
        text = self.port_combo.currentText().strip()
        index = self.port_combo.currentIndex()
        if 0 <= index < len(self._ports) and text == self.port_combo.itemText(index):
            return self._ports[index].device
        return text

    def patient(self) -> int | None:
        """The chosen bed's session id, UNASSIGNED, or None when nothing is chosen yet."""
        return chosen_patient(self.patient_combo)

    def choose_patient(self, session_id: int | None) -> None:
        """Select a bed by session id, or Unassigned with None."""
        index = self.patient_combo.findData(UNASSIGNED if session_id is None else session_id)
        self.patient_combo.setCurrentIndex(index)

    def choose(self, protocol: str, port: str) -> None:
        """Select ``protocol`` (short name; an unknown one is kept as typed) and type ``port``."""
        index = self.protocol_combo.findData(protocol)
        if index < 0:
            self.protocol_combo.addItem(protocol, protocol)
            index = self.protocol_combo.count() - 1
        self.protocol_combo.setCurrentIndex(index)
        self.port_combo.setEditText(port)
        self._show_error("")

    def refresh_ports(self) -> None:
        """Re-read the system's serial ports, keeping what the user typed or chose."""
        current = self.port()
        self._ports = list_ports()
        self.port_combo.blockSignals(True)
        self.port_combo.clear()
        for info in self._ports:
            self.port_combo.addItem(_port_text(info), info.device)
            self.port_combo.setItemData(
                self.port_combo.count() - 1, info.hwid, Qt.ItemDataRole.ToolTipRole
            )
        devices = [info.device for info in self._ports]
        if current in devices:
            self.port_combo.setCurrentIndex(devices.index(current))
        else:
            self.port_combo.setCurrentIndex(-1)
            self.port_combo.setEditText(current)
        self.port_combo.blockSignals(False)

    def connect_device(self) -> bool:
        """Ask the manager to connect the choice; on failure the message shows inline."""
        patient = self.patient()
        if patient is None:
            self._show_patient_error(CHOOSE_PATIENT)
            return False
        port = self.port()
        problem = self._port_problem(port)
        if problem:
            self._show_error(problem, port_field=True)
            return False
        session_id = None if patient == UNASSIGNED else patient

        def refused(text: str) -> None:  # a problem of the port (when none is typed) or line
            self._show_error(text, port_field=not port)

        connecting = CommandRunner(lambda found: refused(" ".join(found.values())), refused)
        connecting.on(PermissionDenied, lambda denied: self._show_patient_error(str(denied)))
        if not connecting.attempt(
            lambda: self._manager.connect_device(
                DeviceSpec(self.protocol(), port), session_id, self._actor()
            )
        ):
            return False
        self._show_error("")
        self._show_patient_error("")
        self.accept()
        return True

    # ---- internals ------------------------------------------------------------------------
    def _port_problem(self, port: str) -> str:
        if not port or is_url(port):
            return ""  # the manager explains an empty port; pyserial checks URLs when opening
        if port in (info.device for info in self._ports) or os.path.exists(port):
            return ""
        return (
            f"No port named {port} on this computer. Check the cable or USB adapter and press "
            "Refresh, or type a pyserial URL such as socket://host:port."
        )

    def _show_patient_error(self, text: str) -> None:
        show_message(self.patient_error, text)
        set_invalid(self.patient_combo, bool(text))

    def _show_error(self, text: str, *, port_field: bool = False) -> None:
        show_message(self.error_label, text)
        set_invalid(self.port_combo, bool(text) and port_field)

    # ---- slots ----------------------------------------------------------------------------
    def _on_protocol_combo_changed(self) -> None:
        info = self._drivers.get(self.protocol())
        self.serial_label.setText(describe_serial(info.serial) if info else "")
        self.help_label.setText(info.help_text if info else "")
        self._show_error("")

    def _on_patient_combo_changed(self) -> None:
        self._show_patient_error("")

    def _on_room_beds_changed(self) -> None:
        # a bed opened or closed while the dialog is up: keep the choice if its bed still is
        fill_patient_combo(self.patient_combo, self._room, self.patient())

    def _on_port_combo_edited(self) -> None:
        self._show_error("")

    def _on_refresh_button_clicked(self) -> None:
        self.refresh_ports()

    def _on_connect_button_clicked(self) -> None:
        self.connect_device()


class MoveDialog(QDialog):
    """Puts a connected monitor on another patient (or on nobody), naming both patients.

    The move is explicit and audited by the device manager; the new patient must be chosen.
    """

    def __init__(
        self,
        manager: DeviceManager,
        room: Room,
        actor: Callable[[], int | None],
        port: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._manager = manager
        self._room = room
        self._actor = actor
        self.port = port
        self.current = manager.bound_session(port)
        self.setWindowTitle("Move monitor" if self.current is not None else "Assign monitor")
        self.setMinimumWidth(480)
        self.intro = QLabel("")
        self.intro.setWordWrap(True)
        self.patient_combo = QComboBox()
        self.patient_combo.setPlaceholderText("Choose the patient…")
        self.patient_combo.setAccessibleName("Patient")
        fill_patient_combo(self.patient_combo, room, None)
        self.patient_combo.currentIndexChanged.connect(self._on_patient_combo_changed)
        room.bedsChanged.connect(self._on_room_beds_changed)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.error_label = error_label()
        self._runner = CommandRunner(self._on_invalid, self._show_error)
        self.cancel_button = named(QPushButton("Cancel"), "secondary")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton("Move")
        self.confirm_button.setDefault(True)
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(QLabel("Put it on:"))
        layout.addWidget(self.patient_combo)
        layout.addWidget(self.summary)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._on_patient_combo_changed()

    def choose(self, session_id: int | None) -> None:
        """Select the new bed by session id, or Unassigned with None."""
        index = self.patient_combo.findData(UNASSIGNED if session_id is None else session_id)
        self.patient_combo.setCurrentIndex(index)

    def target(self) -> int | None:
        """The chosen session id, UNASSIGNED, or None when nothing is chosen yet."""
        return chosen_patient(self.patient_combo)

    def confirm(self) -> bool:
        """Bind (or unbind) as chosen; on a refusal the message shows and the dialog stays."""
        target = self.target()
        if target is None:
            self._show_error("Choose the patient the monitor is now on (or Unassigned).")
            return False
        if not self._runner.attempt(
            lambda: (
                self._manager.unbind(self.port, self._actor())
                if target == UNASSIGNED
                else self._manager.bind(self.port, target, self._actor())
            )
        ):
            return False
        self.accept()
        return True

    def _show_error(self, text: str) -> None:
        show_message(self.error_label, text)
        set_invalid(self.patient_combo, bool(text))

    def _on_invalid(self, messages: dict[str, str]) -> None:
        self._show_error(" ".join(messages.values()))

    def _on_patient_combo_changed(self) -> None:
        self._show_error("")
        self.current = self._manager.bound_session(self.port)  # it may have moved meanwhile
        self.intro.setText(
            f"Monitor on {self.port}\nNow on: {patient_text(self._room, self.current)}"
        )
        target = self.target()
        old = patient_text(self._room, self.current)
        same = target == (self.current if self.current is not None else UNASSIGNED)
        if target is None or same:
            self.summary.setText("" if target is None else "It is already there.")
            self.confirm_button.setText("Move")
            self.confirm_button.setEnabled(False)
            return
        self.confirm_button.setEnabled(True)
        if target == UNASSIGNED:
            self.summary.setText(f"From: {old}\nIts values will be shown but no longer recorded.")
            self.confirm_button.setText("Unassign")
            return
        new = patient_text(self._room, target)
        if self.current is None:
            self.summary.setText(
                f"To: {new}\nIts readings are recorded for this patient from now on."
            )
            self.confirm_button.setText(f"Assign to {new}")
        else:
            self.summary.setText(
                f"From: {old}\nTo: {new}\n"
                "From now on its readings are recorded for the new patient only."
            )
            self.confirm_button.setText(f"Move to {new}")

    def _on_room_beds_changed(self) -> None:
        fill_patient_combo(self.patient_combo, self._room, self.target())
        self._on_patient_combo_changed()

    def _on_confirm_button_clicked(self) -> None:
        self.confirm()
