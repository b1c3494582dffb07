"""The device manager: one reader thread per connected monitor, feeding the vitals service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.errors import VigilError
from console.services.vitals import VitalsService
from devices.base import DriverInfo
from devices.mllp_listener import MllpListener
from devices.reader import DeviceReader, ReaderStatus, ReadingBatch
from devices.registry import available_drivers

log = logging.getLogger(__name__)

LISTEN_PREFIX = "mllp://"  # an HL7 "port" of mllp://127.0.0.1:2575 listens for TCP senders


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """What the connection dialog asks: the protocol and the port (a path or a pyserial URL)."""

    protocol: str
    port: str


class DeviceManager(QObject):
    """Starts and stops readers; their readings go to the vitals service on the GUI thread."""

    # a reader's status snapshot (ReaderStatus): connecting, connected, silent, disconnected...
    statusChanged = Signal(object)
    # the set of connected devices changed (no payload: read ``devices()``)
    devicesChanged = Signal()

    def __init__(self, clock: Clock, vitals: VitalsService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._vitals = vitals
        self._readers: dict[str, tuple[DeviceSpec, DeviceReader | MllpListener]] = {}
        self._status: dict[str, ReaderStatus] = {}
        self._known: dict[str, DeviceSpec] = {}  # every port connected this run, by port

    @staticmethod
    def drivers() -> dict[str, DriverInfo]:
        return available_drivers()

    def devices(self) -> list[DeviceSpec]:
        return [spec for spec, _ in self._readers.values()]

    def status(self, port: str) -> ReaderStatus | None:
        return self._status.get(port)

    def connect_device(self, spec: DeviceSpec) -> None:
        """Start reading ``spec.port`` with its protocol; raises VigilError for a bad choice."""
        drivers = self.drivers()
        if spec.protocol not in drivers:
            raise VigilError(f"Unknown protocol {spec.protocol!r}; known: {', '.join(drivers)}.")
        if not spec.port.strip():
            raise VigilError("Choose the port the monitor is connected to.")
        if spec.port in self._readers:
            raise VigilError(f"{spec.port} is already connected.")
        reader: DeviceReader | MllpListener
        if spec.port.startswith(LISTEN_PREFIX):
            if spec.protocol != "hl7":
                raise VigilError("Only HL7 monitors send over the network (mllp://host:port).")
            host, _, number = spec.port.removeprefix(LISTEN_PREFIX).rpartition(":")
            if host not in ("127.0.0.1", "::1", "0.0.0.0") or not number.isdigit():
                raise VigilError(f"Listen as mllp://127.0.0.1:PORT (got {spec.port}).")
            reader = MllpListener(host=host, port=int(number), clock=self._clock.now)
        else:
            reader = DeviceReader(spec.port, drivers[spec.protocol], clock=self._clock.now)
        reader.readings.connect(self._on_reader_readings)
        reader.statusChanged.connect(self._on_reader_status_changed)
        self._readers[spec.port] = (spec, reader)
        self._known[spec.port] = spec
        reader.start()
        log.info("device %s on %s connected", spec.protocol, spec.port)
        self.devicesChanged.emit()

    def disconnect_device(self, port: str) -> None:
        entry = self._readers.pop(port, None)
        if entry is None:
            return
        entry[1].stop()
        entry[1].deleteLater()
        self._status.pop(port, None)
        self.devicesChanged.emit()

    def stop_all(self) -> None:
        for port in list(self._readers):
            self.disconnect_device(port)

    def _on_reader_readings(self, batch: ReadingBatch) -> None:
        reader = self.sender()
        spec = next((s for s, r in self._readers.values() if r is reader), None)
        # a reader stopped a moment ago may still have readings on their way: they count too
        spec = spec or self._known.get(batch.source) or DeviceSpec("unknown", batch.source)
        self._vitals.ingest(spec.protocol, batch.items, batch.t_host, spec.port)

    def _on_reader_status_changed(self, status: ReaderStatus) -> None:
        self._status[status.source] = status
        self.statusChanged.emit(status)
