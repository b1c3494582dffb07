"""The device manager: one reader thread per monitor, each monitor bound to one patient's bed."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.domain.room import DeviceBinding
from console.errors import IllegalTransition, StoreUnavailable, VigilError
from console.services.access import Access
from console.store.binding_repository import BindingRepository
from devices.base import DEVICE_YEARS, Decoder, DriverInfo
from devices.mllp_listener import MllpListener
from devices.reader import DeviceReader, ReaderState, ReaderStatus, ReadingBatch
from devices.registry import available_drivers

log = logging.getLogger(__name__)


def _with_years(driver: DriverInfo, years: tuple[int, int]) -> DriverInfo:
    """The driver with the clinic's plausible device-clock years, for decoders that read a time."""
    factory: Callable[..., Decoder] = driver.decoder_factory
    if years == DEVICE_YEARS or "device_years" not in inspect.signature(factory).parameters:
        return driver
    return replace(driver, decoder_factory=partial(factory, device_years=years))


LISTEN_PREFIX = "mllp://"  # an HL7 "port" of mllp://127.0.0.1:2575 listens for TCP senders


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """What the connection dialog asks: the protocol and the port (a path or a pyserial URL)."""

    protocol: str
    port: str


@dataclass(frozen=True, slots=True)
class BoundReadings:
    """Decoded items from one monitor, for the session it is bound to at their arrival."""

    session_id: int
    protocol: str
    port: str
    batch: ReadingBatch


class DeviceManager(QObject):
    """Starts and stops readers and keeps which patient each monitor is on.

    A reading goes to the session its port is bound to at the moment it arrives (never the one
    on screen); a monitor bound to nobody is shown as unassigned and records nothing.
    """

    # a reader's status snapshot (ReaderStatus): connecting, connected, silent, disconnected...
    statusChanged = Signal(object)
    # the set of connected devices or their bindings changed (no payload: read ``devices()``)
    devicesChanged = Signal()
    # readings of a bound monitor (BoundReadings), for that session's bed
    boundReadings = Signal(object)
    # readings of a monitor bound to nobody (ReadingBatch): shown, never recorded
    unassignedReadings = Signal(object)
    # a monitor left a session (session id, ReaderStatus with state STOPPED): its alarms end
    released = Signal(int, object)

    def __init__(
        self,
        clock: Clock,
        bindings: BindingRepository,
        access: Access,
        parent: QObject | None = None,
        *,
        device_years: tuple[int, int] = DEVICE_YEARS,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._bindings = bindings
        self._access = access
        self._device_years = device_years
        self._readers: dict[str, tuple[DeviceSpec, DeviceReader | MllpListener]] = {}
        self._status: dict[str, ReaderStatus] = {}
        self._known: dict[str, DeviceSpec] = {}  # every port connected this run, by port
        self._bound: dict[str, DeviceBinding] = {}  # port → its open binding

    @staticmethod
    def drivers() -> dict[str, DriverInfo]:
        return available_drivers()

    # ---- queries ---------------------------------------------------------------------------
    def devices(self) -> list[DeviceSpec]:
        return [spec for spec, _ in self._readers.values()]

    def status(self, port: str) -> ReaderStatus | None:
        return self._status.get(port)

    def bound_session(self, port: str) -> int | None:
        """The session the monitor on ``port`` is bound to, or None (unassigned)."""
        binding = self._bound.get(port)
        return binding.session_id if binding is not None else None

    def ports_of(self, session_id: int) -> list[str]:
        return [port for port, b in self._bound.items() if b.session_id == session_id]

    # ---- commands --------------------------------------------------------------------------
    def connect_device(
        self, spec: DeviceSpec, session_id: int | None = None, by_staff_id: int | None = None
    ) -> None:
        """Start reading ``spec.port`` and bind it to ``session_id`` (None: unassigned).

        Raises VigilError for a bad choice, PermissionDenied for a role that may not bind.
        """
        if session_id is not None:
            self._access.require(
                Permission.BIND_DEVICE, by_staff_id, entity="session", entity_id=session_id
            )
        self._start_reader(spec)
        if session_id is not None:
            try:
                self.bind(spec.port, session_id, by_staff_id)
            except VigilError:
                self.disconnect_device(spec.port)
                raise

    def bind(self, port: str, session_id: int, by_staff_id: int | None) -> DeviceBinding:
        """Put the monitor on ``port`` on a patient; moving it from another is audited as such."""
        self._access.require(
            Permission.BIND_DEVICE, by_staff_id, entity="session", entity_id=session_id
        )
        spec = self._known.get(port)
        if spec is None or port not in self._readers:
            raise IllegalTransition(f"{port} is not connected.")
        current = self._bound.get(port)
        if current is not None and current.session_id == session_id:
            return current
        now = self._clock.now()
        if current is not None:
            self._release(port, now, by_staff_id, moved_to=session_id)
        binding = self._bindings.bind(session_id, spec.protocol, port, now, by_staff_id)
        self._bound[port] = binding
        detail: dict[str, object] = {"protocol": spec.protocol, "port": port}
        if current is not None:
            detail["from_session"] = current.session_id
        self._access.audit.record(
            AuditAction.DEVICE_BIND, "session", session_id, by_staff_id, detail, at=now
        )
        log.info("device %s on %s bound to session %s", spec.protocol, port, session_id)
        self.devicesChanged.emit()
        return binding

    def unbind(self, port: str, by_staff_id: int | None) -> None:
        """Take the monitor off its patient: it stays connected, shown as unassigned."""
        current = self._bound.get(port)
        if current is None:
            return
        self._access.require(
            Permission.BIND_DEVICE, by_staff_id, entity="session", entity_id=current.session_id
        )
        self._release(port, self._clock.now(), by_staff_id)
        self.devicesChanged.emit()

    def release_session(self, session_id: int, by_staff_id: int | None) -> None:
        """The session closed (discharge or abort): its monitors are released and stopped."""
        now = self._clock.now()
        for port in self.ports_of(session_id):
            self._release(port, now, by_staff_id)
            self._stop_reader(port)
        self.devicesChanged.emit()

    def restore(self, session_ids: list[int]) -> list[str]:
        """At start-up: reconnect the monitors still bound to these open sessions.

        Returns a message per monitor that could not be restarted (the binding stays).
        """
        problems: list[str] = []
        try:
            bindings = self._bindings.open_bindings(session_ids)
        except StoreUnavailable as error:
            return [f"Monitor bindings not read: {error}"]
        for binding in bindings:
            try:
                self._start_reader(DeviceSpec(binding.protocol, binding.port))
            except VigilError as error:
                problems.append(f"{binding.protocol} on {binding.port}: {error}")
                continue
            self._bound[binding.port] = binding
        self.devicesChanged.emit()
        return problems

    def disconnect_device(self, port: str) -> None:
        """Stop reading a port (its binding, if any, stays until released)."""
        if self._stop_reader(port):
            self.devicesChanged.emit()

    def stop_all(self) -> None:
        """Stop every reader (the console is closing); bindings stay for the next start."""
        for port in list(self._readers):
            self._stop_reader(port)

    # ---- internals -------------------------------------------------------------------------
    def _start_reader(self, spec: DeviceSpec) -> None:
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
            # an HL7 sender's ACK waits until its readings are stored (Room calls batch.ack)
            reader = MllpListener(
                host=host,
                port=int(number),
                clock=self._clock.now,
                hold_acks=True,
                device_years=self._device_years,
            )
        else:
            driver = _with_years(drivers[spec.protocol], self._device_years)
            reader = DeviceReader(spec.port, driver, clock=self._clock.now)
        reader.readings.connect(self._on_reader_readings)
        reader.statusChanged.connect(self._on_reader_status_changed)
        self._readers[spec.port] = (spec, reader)
        self._known[spec.port] = spec
        reader.start()
        log.info("device %s on %s connected", spec.protocol, spec.port)
        self.devicesChanged.emit()

    def _stop_reader(self, port: str) -> bool:
        entry = self._readers.pop(port, None)
        if entry is None:
            return False
        entry[1].stop()
        entry[1].deleteLater()
        self._status.pop(port, None)
        return True

    def _release(
        self, port: str, at: datetime, by_staff_id: int | None, moved_to: int | None = None
    ) -> None:
        binding = self._bound.pop(port)
        self._bindings.release(binding.id, at, by_staff_id)
        detail: dict[str, object] = {"protocol": binding.protocol, "port": port}
        if moved_to is not None:
            detail["to_session"] = moved_to
        self._access.audit.record(
            AuditAction.DEVICE_RELEASE, "session", binding.session_id, by_staff_id, detail, at=at
        )
        status = self._status.get(port)
        driver = status.driver if status is not None else binding.protocol
        self.released.emit(binding.session_id, ReaderStatus(port, driver, ReaderState.STOPPED))

    def _on_reader_readings(self, batch: ReadingBatch) -> None:
        reader = self.sender()
        spec = next((s for s, r in self._readers.values() if r is reader), None)
        # a reader stopped a moment ago may still have readings on their way: they count too
        spec = spec or self._known.get(batch.source) or DeviceSpec("unknown", batch.source)
        binding = self._bound.get(spec.port)
        if binding is None:
            self.unassignedReadings.emit(batch)
            if batch.ack is not None:
                batch.ack()  # shown, recorded nowhere: nothing to wait for (see Room)
            return
        self.boundReadings.emit(BoundReadings(binding.session_id, spec.protocol, spec.port, batch))

    def _on_reader_status_changed(self, status: ReaderStatus) -> None:
        self._status[status.source] = status
        self.statusChanged.emit(status)
