"""The vitals service: readings from devices and by hand, deduplicated, saved in one-second batches."""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.domain.sessions import SessionRecord
from console.domain.vitals import (
    MANUAL_SOURCE,
    Parameter,
    TrendRow,
    VitalPoint,
    validate_vitals,
)
from console.errors import IllegalTransition, StoreUnavailable, ValidationFailed
from console.services.access import Access
from console.services.store_status import StoreStatus
from console.services.unstored import UnstoredReadings
from console.store.vitals_repository import VitalsRepository, WaveformBlob
from console.store.writer import DurableWriter, EntryState, Outcome, SaveVitals
from devices.base import DEVICE_TIME_REJECTED, Decoded, DeviceEvent, Reading, WaveformChunk

log = logging.getLogger(__name__)

BATCH_MS = 500  # readings reach the database at most this long (plus one commit) after arrival
HISTORY_KEEP_MS = 1000
CONTINUOUS_SILENT = timedelta(seconds=60)  # a primary monitor this quiet hands its tile over
SPOT_SILENT = timedelta(minutes=20)  # a primary cuff this quiet (its measurements are spot values)


def _fallen_silent(shown: VitalPoint, newer: VitalPoint) -> bool:
    """True when the primary's latest value is too old beside a newer one from another source,
    or came from no known port (a record from before ports were kept) while the newer one did.
    """
    if not shown.device and shown.source != MANUAL_SOURCE and newer.device:
        return True
    quiet = SPOT_SILENT if shown.measurement_key is not None else CONTINUOUS_SILENT
    return newer.at - shown.at > quiet


@dataclass(frozen=True, slots=True)
class WaveformUpdate:
    """Waveform samples that just arrived from a device, for the sweep display."""

    source: str
    name: str
    rate_hz: float
    samples: tuple[int, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class DeviceCondition:
    """A status condition a device reported (sensor off, no sensor, ...)."""

    source: str
    code: str
    active: bool
    detail: str
    at: datetime


class NeedsConfirmation(Exception):
    """A manual set holds values outside the usual range: the user must confirm them."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class VitalsService(QObject):
    """Owns the active session's vitals: the history, the pending batch and manual entry."""

    # new values for the active session (tuple[VitalPoint, ...]), already deduplicated
    pointsAdded = Signal(object)
    # waveform samples for the sweep (WaveformUpdate)
    waveformAdded = Signal(object)
    # a device status condition started or ended (DeviceCondition)
    conditionChanged = Signal(object)
    # a vitals check was recorded (a manual set or a cuff measurement): the schedule moves on
    checkRecorded = Signal()
    # the source shown on a parameter's tile and trend changed (Parameter)
    primaryChanged = Signal(object)
    # the trend asked for with load_trend (session id, list[TrendRow] in time order)
    trendLoaded = Signal(int, object)
    # a background read finished (session id, rows or None, error text): internal, queued
    _trendRead = Signal(int, object, str)
    # the database could not take a batch: it waits in the spool (str: the message)
    storeProblem = Signal(str)
    # readings became "not stored yet" (the disk is full) or were stored after all
    storedChanged = Signal()

    def __init__(
        self,
        clock: Clock,
        vitals: VitalsRepository,
        writer: DurableWriter,
        access: Access,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._vitals = vitals
        self._writer = writer
        self._access = access
        self._session: SessionRecord | None = None
        # the latest value of each parameter from each source (device port, or "manual"); the
        # whole history stays in the database
        self._by_source: dict[Parameter, dict[str, VitalPoint]] = {}
        self._primary: dict[Parameter, str] = {}  # the source a parameter's tile and trend show
        self._last_keys: dict[tuple[str, Parameter], str] = {}
        self._pending: list[VitalPoint] = []
        self._pending_waves: list[WaveformBlob] = []
        self._wave_buffers: dict[tuple[str, str], tuple[float, datetime, list[int]]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self.flush)
        # the stored history read for one moment: a session of 1 Hz values is costly to read, and
        # on opening a session several observers ask for it at once; dropped after HISTORY_KEEP_MS
        self._stored: tuple[int, list[VitalPoint]] | None = None
        self._forget = QTimer(self)
        self._forget.setSingleShot(True)
        self._forget.setInterval(HISTORY_KEEP_MS)
        self._forget.timeout.connect(self._on_forget_timeout)
        self._reading: set[int] = set()  # sessions whose history is being read off this thread
        self._trendRead.connect(self._on_trend_read)
        self._unstored: UnstoredReadings | None = None  # set by follow_store

    def follow_store(self, status: StoreStatus) -> None:
        """Learn from the writer which batches are not stored yet, to mark them on screen."""
        if self._unstored is None:
            self._unstored = UnstoredReadings()
            status.entryChanged.connect(self._on_status_entry_changed)

    def _on_status_entry_changed(self, uid: str, state: EntryState) -> None:
        if self._unstored is not None and self._unstored.changed(uid, state):
            self.storedChanged.emit()

    # ---- queries ---------------------------------------------------------------------------
    @property
    def session(self) -> SessionRecord | None:
        return self._session

    def history(self) -> list[VitalPoint]:
        """The active session's values in time order: what is stored plus what waits in the batch."""
        if self._session is None:
            return []
        session_id = self._session.id
        if self._stored is None or self._stored[0] != session_id:
            try:
                self._stored = (session_id, self._vitals.history(session_id))
            except StoreUnavailable as error:
                self.storeProblem.emit(str(error))
                return list(self._pending)
            self._forget.start()  # readers of one moment (panel, workflow, discharge) share it
        return self._stored[1] + self._pending

    def load_trend(self) -> None:
        """Read the session's trend rows off the GUI thread; ``trendLoaded`` brings them back.

        A screen that opens uses this, so an 8-hour session's read never freezes the clock or
        the alarms.
        """
        session = self._session
        if session is None or session.id in self._reading:
            return
        self._reading.add(session.id)
        session_id, repository, relay = session.id, self._vitals, self._trendRead

        def read() -> None:  # on a pool thread: the repository only, then a queued signal
            try:
                relay.emit(session_id, repository.trend_rows(session_id), "")
            except StoreUnavailable as error:
                relay.emit(session_id, None, str(error))

        QThreadPool.globalInstance().start(read)

    def _on_trend_read(self, session_id: int, rows: list[TrendRow] | None, error: str) -> None:
        self._reading.discard(session_id)
        if self._session is None or self._session.id != session_id:
            return
        if rows is None:
            self.storeProblem.emit(error)
            rows = []
        self.trendLoaded.emit(session_id, rows + [p.trend_row for p in self._pending])

    def history_before(self, moment: datetime) -> list[VitalPoint]:
        """The values that arrived before ``moment`` (a dose's pre-dose part: a short read)."""
        if self._session is None:
            return []
        stored = self._stored
        if stored is not None and stored[0] == self._session.id:
            points = stored[1] + self._pending
        else:
            try:
                points = self._vitals.history(self._session.id, before=moment) + self._pending
            except StoreUnavailable as error:
                self.storeProblem.emit(str(error))
                points = list(self._pending)
        return [p for p in points if p.at < moment]

    def latest(self) -> dict[Parameter, VitalPoint]:
        """Each parameter's latest value from its primary source."""
        found: dict[Parameter, VitalPoint] = {}
        for parameter, sources in self._by_source.items():
            point = sources.get(self._primary.get(parameter, ""))
            if point is not None:
                found[parameter] = point
        return found

    def sources(self, parameter: Parameter) -> list[VitalPoint]:
        """The latest value of ``parameter`` from every source, the primary first."""
        sources = self._by_source.get(parameter, {})
        primary = self._primary.get(parameter)
        return sorted(sources.values(), key=lambda p: (p.source_id != primary, p.source_id))

    def others(self) -> dict[Parameter, list[VitalPoint]]:
        """The latest values of the other sources still sending, by parameter (a source that
        fell silent beside the newest value is left out: it is no longer on the patient).
        """
        found: dict[Parameter, list[VitalPoint]] = {}
        for parameter in self._by_source:
            primary, *rest = self.sources(parameter)
            newest = max([primary, *rest], key=lambda p: p.at)
            live = [p for p in rest if not _fallen_silent(p, newest)]
            if live:
                found[parameter] = live
        return found

    def not_stored(self, point: VitalPoint) -> EntryState | None:
        """HELD (in memory: the disk is full) or QUARANTINED (set aside) while ``point`` is not
        in the database; None once it is, or when the writer is not followed.
        """
        return self._unstored.state(point) if self._unstored is not None else None

    @property
    def unstored_count(self) -> int:
        """How many readings of this bed are not stored yet."""
        return self._unstored.count if self._unstored is not None else 0

    def primary(self, parameter: Parameter) -> str | None:
        return self._primary.get(parameter)

    def is_primary(self, point: VitalPoint) -> bool:
        """True when ``point`` comes from the source its parameter's tile and trend show.

        Manual values always count: a hand-entered set is a check, shown with the trend.
        """
        source = point.source_id
        return source == MANUAL_SOURCE or self._primary.get(point.parameter, source) == source

    def for_trend(self, rows: Iterable[TrendRow]) -> list[TrendRow]:
        """The values a trend draws: the primary source's, and from before it began sending,
        whichever source came before (a monitor moved to another port keeps its history).
        Manual values are always drawn (a hand-entered set is a check).
        """
        rows = list(rows)
        began: dict[Parameter, float] = {}
        for parameter, _, at, source in rows:
            if self._primary.get(parameter) == source:
                began.setdefault(parameter, at)

        def drawn(row: TrendRow) -> bool:
            parameter, _, at, source = row
            start = began.get(parameter)
            return (
                start is None
                or at < start
                or source in (MANUAL_SOURCE, self._primary.get(parameter))
            )

        return [row for row in rows if drawn(row)]

    def set_primary(self, parameter: Parameter, source: str) -> None:
        """Show ``source`` on the parameter's tile and trend (the user chose it)."""
        if source not in self._by_source.get(parameter, {}):
            raise IllegalTransition(f"No {parameter.value} values from {source} yet.")
        if self._primary.get(parameter) != source:
            self._primary[parameter] = source
            self.primaryChanged.emit(parameter)

    # ---- session ---------------------------------------------------------------------------
    def set_session(self, record: SessionRecord | None) -> None:
        """Follow the active session: save what is pending for the old one, load the new one."""
        if self._session is not None and (record is None or record.id != self._session.id):
            self.flush()
        if record is not None and (self._session is None or record.id != self._session.id):
            self._by_source, self._primary = {}, {}
            try:
                self._remember(self._vitals.latest(record.id).values())
                self._last_keys = self._vitals.last_measurement_keys(record.id)
            except StoreUnavailable as error:
                self._last_keys = {}
                self.storeProblem.emit(str(error))
        elif record is None:
            self._by_source, self._primary, self._last_keys = {}, {}, {}
        self._session = record

    # ---- input -----------------------------------------------------------------------------
    def ingest(self, source: str, items: Sequence[Decoded], at: datetime, device: str = "") -> None:
        """Take decoded items from one device (called on the GUI thread via a queued signal)."""
        points: list[VitalPoint] = []
        cuff = False
        for item in items:
            if isinstance(item, Reading):
                key = item.measurement_key
                if key is not None:
                    slot = (source, item.parameter)
                    if self._last_keys.get(slot) == key:
                        continue  # the device repeats its last cuff measurement: stored once
                    self._last_keys[slot] = key
                    cuff = cuff or item.parameter == Parameter.NIBP_SYS
                points.append(
                    VitalPoint(
                        item.parameter, item.value, at, source, item.t_device, key, None, device
                    )
                )
                if item.flags and DEVICE_TIME_REJECTED in item.flags:  # the device clock was absurd
                    points[-1] = replace(points[-1], device_time_rejected=True)
            elif isinstance(item, WaveformChunk):
                self._add_wave(source, item, at)
            elif isinstance(item, DeviceEvent):
                self.conditionChanged.emit(
                    DeviceCondition(source, item.code, item.active, item.detail, at)
                )
        if not points:
            return
        self._remember(points)
        if self._session is not None and self._session.state.is_open:
            self._pending.extend(points)
            if not self._timer.isActive():
                self._timer.start()
        self.pointsAdded.emit(tuple(points))
        if cuff:
            self.checkRecorded.emit()

    def record_manual(
        self, raw: dict[Parameter, str], by_staff_id: int, *, confirmed: bool
    ) -> list[VitalPoint]:
        """Validate and store a hand-entered set now; raises ValidationFailed, or NeedsConfirmation."""
        session = self._session
        if session is None or not session.state.is_open:
            raise IllegalTransition("Open a session before recording vitals.")
        self._access.require(
            Permission.RECORD_VITALS, by_staff_id, entity="session", entity_id=session.id
        )
        checked, errors = validate_vitals(raw)
        if errors:
            raise ValidationFailed(errors)
        if checked.unusual and not confirmed:
            raise NeedsConfirmation(list(checked.unusual.values()))
        at = self._clock.now()
        points = [
            VitalPoint(parameter, value, at, MANUAL_SOURCE, None, None, by_staff_id)
            for parameter, value in checked.values.items()
        ]
        self.flush()  # keep device readings before this set in order
        self._keep_in_history(points)
        self._write(SaveVitals(session.id, tuple(points)))
        self._access.audit.record(
            AuditAction.CREATE,
            "vitals",
            session.id,
            by_staff_id,
            {p.parameter.value: p.value for p in points},
            at=at,
        )
        self._remember(points)
        self.pointsAdded.emit(tuple(points))
        self.checkRecorded.emit()
        return points

    def _remember(self, points: Iterable[VitalPoint]) -> None:
        """Keep each source's latest value; a parameter's first device becomes its primary.

        Manual values are primary only while no device sends that parameter; a primary device
        that fell silent (unplugged, moved to another port) hands over to one that still sends.
        """
        for point in points:
            source = point.source_id
            sources = self._by_source.setdefault(point.parameter, {})
            earlier = sources.get(source)
            if earlier is None or point.at >= earlier.at:
                sources[source] = point
            primary = self._primary.get(point.parameter)
            shown = sources.get(primary) if primary is not None else None
            if (
                primary is None
                or (primary == MANUAL_SOURCE and source != MANUAL_SOURCE)
                or (shown is not None and source != MANUAL_SOURCE and _fallen_silent(shown, point))
            ):
                self._primary[point.parameter] = source
                if primary is not None and primary != source:
                    self.primaryChanged.emit(point.parameter)

    def _keep_in_history(self, points: list[VitalPoint]) -> None:
        """Values written now join the history read a moment ago (no second database read)."""
        stored, session = self._stored, self._session
        if stored is not None and session is not None and stored[0] == session.id:
            self._stored = (stored[0], stored[1] + points)

    def _on_forget_timeout(self) -> None:
        self._stored = None

    def stop(self) -> None:
        """Save what is pending and drop the history read (its expiry timer stops with it)."""
        self.flush()
        self._forget.stop()
        self._stored = None

    def flush(self) -> None:
        """Save the pending batch now (the timer calls this within BATCH_MS of a reading)."""
        self._timer.stop()
        if self._session is None or (not self._pending and not self._pending_waves):
            return
        self._keep_in_history(self._pending)
        command = SaveVitals(self._session.id, tuple(self._pending), tuple(self._pending_waves))
        self._pending, self._pending_waves = [], []
        self._write(command)

    def _write(self, command: SaveVitals) -> None:
        if self._unstored is not None:  # before writing: its state may be told at once
            self._unstored.sent(command.uid, command.points)
        if self._writer.write(command) is Outcome.QUEUED:
            self.storeProblem.emit(self._writer.last_error)

    # ---- waveforms -------------------------------------------------------------------------
    def _add_wave(self, source: str, chunk: WaveformChunk, at: datetime) -> None:
        self.waveformAdded.emit(
            WaveformUpdate(source, chunk.name, chunk.rate_hz, chunk.samples, at)
        )
        if self._session is None or not self._session.state.is_open:
            return
        slot = (source, chunk.name)
        rate, start, samples = self._wave_buffers.get(
            slot, (chunk.rate_hz, at - timedelta(seconds=len(chunk.samples) / chunk.rate_hz), [])
        )
        samples.extend(chunk.samples)
        per_blob = max(1, round(rate))
        while len(samples) >= per_blob:
            block, samples = samples[:per_blob], samples[per_blob:]
            packed = struct.pack(f"<{len(block)}h", *(max(-32768, min(32767, s)) for s in block))
            self._pending_waves.append(
                WaveformBlob(self._session.id, chunk.name, rate, start, packed)
            )
            start = start + timedelta(seconds=len(block) / rate)
        self._wave_buffers[slot] = (rate, start, samples)
        if self._pending_waves and not self._timer.isActive():
            self._timer.start()
