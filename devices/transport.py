"""Opens serial ports (device paths or pyserial URLs) with a protocol's line settings; lists ports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import serial
import serial.tools.list_ports

from devices.base import SerialDefaults

DEFAULT_READ_TIMEOUT_S = 0.1
PortError = serial.SerialException  # raised (with OSError) when a port cannot be opened or read


class SerialPort(Protocol):
    """The part of ``serial.Serial`` the reader uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PortInfo:
    """A port the connection dialog can offer."""

    device: str  # what to pass to open_port, e.g. "/dev/ttyUSB0" or "COM3"
    description: str
    hwid: str


def is_url(port: str) -> bool:
    """True for pyserial URLs such as ``socket://host:port`` or ``loop://``."""
    return "://" in port


def open_port(
    port: str, defaults: SerialDefaults, *, timeout: float = DEFAULT_READ_TIMEOUT_S
) -> SerialPort:
    """Open ``port`` (a device path or a pyserial URL) with the protocol's line settings.

    Raises ``serial.SerialException`` (or ``OSError``/``ValueError``) when it cannot be opened.
    """
    opened: SerialPort = serial.serial_for_url(
        port,
        baudrate=defaults.baudrate,
        bytesize=defaults.bytesize,
        parity=defaults.parity,
        stopbits=defaults.stopbits,
        rtscts=defaults.rtscts,
        xonxoff=defaults.xonxoff,
        timeout=timeout,
        write_timeout=1.0,
        exclusive=None if is_url(port) else True,
    )
    return opened


def list_ports() -> list[PortInfo]:
    """The system's serial ports, sorted by device name."""
    found = [
        PortInfo(str(p.device), str(p.description or ""), str(p.hwid or ""))
        for p in serial.tools.list_ports.comports()
    ]
    return sorted(found, key=lambda p: p.device)
