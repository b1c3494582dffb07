"""The connection dialog: choose a monitor's protocol and port, see its line settings, connect."""

from __future__ import annotations

import os

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

from console.errors import VigilError
from console.services.devices import DeviceManager, DeviceSpec
from devices.base import SerialDefaults
from devices.transport import PortInfo, is_url, list_ports
from widgets.theme import named, set_invalid

PORT_HINT = "/dev/ttyUSB0, COM3 or socket://host:port"
_PARITY = {"N": "N", "E": "E", "O": "O", "M": "M", "S": "S"}


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


def _port_text(info: PortInfo) -> str:
    return f"{info.device} — {info.description}" if info.description else info.device


class ConnectDialog(QDialog):
    """Connects one monitor through the device manager; errors stay inline, success accepts."""

    def __init__(self, manager: DeviceManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect monitor")
        self.setMinimumWidth(560)
        self._manager = manager
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
        self.error_label = named(QLabel(""), "fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
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
        port = self.port()
        problem = self._port_problem(port)
        if problem:
            self._show_error(problem, port_field=True)
            return False
        try:
            self._manager.connect_device(DeviceSpec(self.protocol(), port))
        except VigilError as error:
            self._show_error(str(error), port_field=not port)
            return False
        self._show_error("")
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

    def _show_error(self, text: str, *, port_field: bool = False) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        set_invalid(self.port_combo, bool(text) and port_field)

    # ---- slots ----------------------------------------------------------------------------
    def _on_protocol_combo_changed(self) -> None:
        info = self._drivers.get(self.protocol())
        self.serial_label.setText(describe_serial(info.serial) if info else "")
        self.help_label.setText(info.help_text if info else "")
        self._show_error("")

    def _on_port_combo_edited(self) -> None:
        self._show_error("")

    def _on_refresh_button_clicked(self) -> None:
        self.refresh_ports()

    def _on_connect_button_clicked(self) -> None:
        self.connect_device()
