"""The room: every open session of this console's room(s) as a live bed, and what they share."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from console.domain.alarms import ActiveAlarm
from console.domain.room import validate_chair
from console.domain.sessions import SessionRecord
from console.errors import FieldError, IllegalTransition, StoreUnavailable, ValidationFailed
from console.services.access import Access
from console.services.bed import Bed
from console.services.devices import BoundReadings, DeviceManager
from console.services.sessions import SessionService
from console.store.writer import DurableWriter
from devices.reader import ReaderStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoomAlarm:
    """One active alarm of one bed, as the alarm strip and the lock screen list it."""

    session_id: int
    bed_label: str
    alarm: ActiveAlarm


class Room(QObject):
    """Owns the beds; routes each monitor's readings to the bed it is bound to.

    Beds are created at check-in and, at start-up, for every open session of the watched rooms
    (``room_ids``; empty: every room). A bed closes when its session is discharged or aborted:
    its monitors are released and its alarms end.
    """

    # a bed opened or closed (no payload: read ``beds()``)
    bedsChanged = Signal()
    # every bed's active alarms (tuple[RoomAlarm, ...]), most urgent first
    alarmsChanged = Signal(object)
    # a bed closed (int: its session id); its view may stay up read-only until left
    bedClosed = Signal(int)
    # an expected problem to show in the banner (str)
    problem = Signal(str)

    def __init__(
        self,
        sessions: SessionService,
        make_bed: Callable[[SessionRecord], Bed],
        devices: DeviceManager,
        access: Access,
        room_ids: Collection[int] = (),
        parent: QObject | None = None,
        *,
        writer: DurableWriter | None = None,
    ) -> None:
        super().__init__(parent)
        # the writer an HL7 ACK waits on (None: the vitals are written synchronously on flush)
        self._writer = writer
        self._sessions = sessions
        self._make_bed = make_bed
        self._devices = devices
        self._access = access
        self._room_ids = tuple(room_ids)
        self._beds: dict[int, Bed] = {}
        self._alarms: tuple[RoomAlarm, ...] = ()
        self._running = False
        devices.boundReadings.connect(self._on_devices_bound_readings)
        devices.statusChanged.connect(self._on_devices_status_changed)
        devices.released.connect(self._on_devices_released)

    # ---- queries ---------------------------------------------------------------------------
    @property
    def room_ids(self) -> tuple[int, ...]:
        return self._room_ids

    def beds(self) -> list[Bed]:
        """Open beds by room, then chair, then check-in time."""
        return sorted(
            self._beds.values(),
            key=lambda b: (b.record.room_id, b.chair or 0, b.record.checked_in_at),
        )

    def bed(self, session_id: int) -> Bed | None:
        return self._beds.get(session_id)

    def active_alarms(self) -> tuple[RoomAlarm, ...]:
        return self._alarms

    # ---- life ------------------------------------------------------------------------------
    def load(self) -> list[str]:
        """At start-up: a bed for every open session of the watched rooms, monitors reconnected.

        Returns the problems met (a monitor that did not restart), for the banner.
        """
        for record in self._sessions.open_sessions_in(self._room_ids):
            if record.id not in self._beds:
                self._open_bed(record)
        problems = self._devices.restore(list(self._beds))
        self.bedsChanged.emit()
        return problems

    def start(self) -> None:
        self._running = True
        for bed in self._beds.values():
            bed.start()

    def stop(self) -> None:
        self._running = False
        for bed in self._beds.values():
            bed.stop()

    # ---- commands --------------------------------------------------------------------------
    def check_in(
        self,
        patient_id: int,
        room_id: int,
        chair: int | None,
        therapist_id: int,
        medical_staff_id: int | None,
        *,
        by_staff_id: int | None = None,
    ) -> Bed:
        """Check a patient into a chair; an occupied chair is refused naming who sits in it."""
        errors = validate_chair(chair)
        if errors:
            raise ValidationFailed(errors)
        assert chair is not None
        taken = self._sessions.occupant(room_id, chair)
        if taken is not None:
            who = self._sessions.patient(taken.patient_id).display_name
            raise ValidationFailed(
                [FieldError("chair", f"Chair {chair} is taken: {who} is checked in there.")]
            )
        record = self._sessions.check_in(
            patient_id,
            room_id,
            therapist_id,
            medical_staff_id,
            by_staff_id=by_staff_id,
            chair=chair,
        )
        bed = self._open_bed(record)
        self.bedsChanged.emit()
        return bed

    def open_bed(self, session_id: int) -> Bed:
        """A bed for a stored open session (of another room, say); an existing one is returned."""
        bed = self._beds.get(session_id)
        if bed is not None:
            return bed
        record = self._sessions.record(session_id)
        if record is None or not record.state.is_open:
            raise IllegalTransition(f"Session {session_id} is not open.")
        bed = self._open_bed(record)
        self.bedsChanged.emit()
        return bed

    def acknowledge(self, session_id: int, key: str, by_staff_id: int | None) -> None:
        """Acknowledge one bed's alarm from the strip; the audit entry names the bed."""
        bed = self._beds.get(session_id)
        if bed is not None:
            bed.alarms.acknowledge(key, by_staff_id, via="strip")  # type: ignore[arg-type]

    # ---- internals -------------------------------------------------------------------------
    def _open_bed(self, record: SessionRecord) -> Bed:
        bed = self._make_bed(record)
        bed.setParent(self)
        self._beds[record.id] = bed
        bed.alarms.alarmsChanged.connect(self._on_bed_alarms_changed)
        bed.closed.connect(self._on_bed_closed)
        if self._running:
            bed.start()
        self._on_bed_alarms_changed()
        return bed

    def _on_bed_closed(self, session_id: int) -> None:
        bed = self._beds.pop(session_id, None)
        if bed is None:
            return
        current = self._access.current
        try:
            self._devices.release_session(session_id, current.id if current is not None else None)
        except StoreUnavailable as error:
            self.problem.emit(f"The monitors of {bed.label} were not released: {error}")
        bed.stop()
        bed.alarms.alarmsChanged.disconnect(self._on_bed_alarms_changed)
        self._on_bed_alarms_changed()
        self.bedClosed.emit(session_id)
        self.bedsChanged.emit()

    def _on_bed_alarms_changed(self, *_: object) -> None:
        found = [
            RoomAlarm(bed.session_id, bed.label, alarm)
            for bed in self._beds.values()
            for alarm in bed.alarms.active()
        ]
        found.sort(key=lambda r: (-r.alarm.priority.urgency, r.alarm.raised_at, r.session_id))
        alarms = tuple(found)
        if alarms != self._alarms:
            self._alarms = alarms
            self.alarmsChanged.emit(alarms)

    def _on_devices_bound_readings(self, readings: BoundReadings) -> None:
        bed = self._beds.get(readings.session_id)
        batch = readings.batch
        if bed is None:
            # bound to a session this console does not watch: not ours to record, and holding
            # the ACK would only make the monitor resend it forever
            if batch.ack is not None:
                batch.ack()
            return
        bed.vitals.ingest(readings.protocol, batch.items, batch.t_host, readings.port)
        if batch.ack is not None:
            # the sender waits for this ACK before it sends on: store the readings now (not at
            # the next half-second batch), and answer once they are committed or spooled
            bed.vitals.flush()
            if self._writer is not None:
                self._writer.when_durable(batch.ack)
            else:
                batch.ack()

    def _on_devices_status_changed(self, status: ReaderStatus) -> None:
        session_id = self._devices.bound_session(status.source)
        bed = self._beds.get(session_id) if session_id is not None else None
        if bed is not None:
            bed.alarms.on_device_status(status)

    def _on_devices_released(self, session_id: int, status: ReaderStatus) -> None:
        bed = self._beds.get(session_id)
        if bed is not None:
            bed.alarms.on_device_status(status)
