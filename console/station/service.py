"""The station's state on the GUI thread: beds by room, newest values, alarms, who is reporting."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from console.clock import Clock
from console.domain.schedule import ClockFace, ScheduleConfig, clock_face
from console.domain.station import (
    EVERY_ROOM,
    NOT_REPORTING_AFTER,
    ConsoleBeat,
    SampleBatch,
    StationAlarm,
    StationBed,
    StationSnapshot,
)
from console.domain.vitals import Parameter, VitalPoint
from console.services.alarm_sound import AlarmSound, SilentSound
from console.station.feed import StationFeed
from console.store.station_repository import is_check

CHECK_MS = 1000  # how often "not reporting" is re-checked


@dataclass(frozen=True, slots=True)
class StationOptions:
    """The station's settings (the clinic's choices)."""

    not_reporting_after: timedelta = NOT_REPORTING_AFTER
    sound: str = "day"  # "on", "off", or "day": sounds in the day theme, silent at night
    acknowledge: bool = False  # acknowledging from the station (off unless the clinic turns it on)
    night: bool = False  # the station runs in the night theme
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)

    @property
    def sounds(self) -> bool:
        return self.sound == "on" or (self.sound == "day" and not self.night)


@dataclass
class _Heard:
    last_seen: datetime  # the console's own report time (database clock)
    heard_at: datetime  # when the station learnt of it (station clock)
    started_at: datetime | None = None  # when that console started (its own clock)


class StationService(QObject):
    """Holds what the station shows; fed by StationFeed's queued signals, read by the widgets."""

    # rooms or beds came or went: rebuild the layout
    layoutChanged = Signal()
    # one bed's values, state or clock changed (int: session id)
    bedChanged = Signal(int)
    # the active alarms of every room changed (tuple[StationAlarm, ...], most urgent first)
    alarmsChanged = Signal(object)
    # a room started or stopped reporting (int: room id)
    reportingChanged = Signal(int)
    # doses or notes of a bed changed (int: session id): an open detail reads again
    detailChanged = Signal(int)
    # the connection's state and a sentence for the status line
    statusChanged = Signal(str, str)

    def __init__(
        self,
        clock: Clock,
        feed: StationFeed | None,
        options: StationOptions | None = None,
        sound: AlarmSound | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._feed = feed
        self.options = options or StationOptions()
        self._sound: AlarmSound = sound or SilentSound()
        self.rooms: dict[int, str] = {}
        self._beds: dict[int, StationBed] = {}
        self._latest: dict[int, dict[Parameter, VitalPoint]] = {}
        self._alarms: dict[int, list[StationAlarm]] = {}
        self._heard: dict[tuple[str, int], _Heard] = {}
        self._silent_rooms: dict[int, str | None] = {}
        self.state = "connecting"
        self.message = "Connecting to the clinic database…"
        self.received: dict[int, datetime] = {}  # session → when its newest samples arrived
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._check_reporting)
        if feed is not None:
            feed.snapshotRead.connect(self.apply_snapshot)
            feed.samplesRead.connect(self.apply_samples)
            feed.roomsRead.connect(self.apply_rooms)
            feed.bedsRead.connect(self.apply_beds)
            feed.alarmsRead.connect(self.apply_alarms)
            feed.beatsRead.connect(self.apply_beats)
            feed.detailChanged.connect(self.detailChanged)
            feed.connectionChanged.connect(self._on_feed_connection_changed)

    # ---- life --------------------------------------------------------------------------------
    def start(self) -> None:
        if self._feed is not None:
            self._feed.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._sound.stop()
        if self._feed is not None:
            self._feed.stop()

    # ---- queries -----------------------------------------------------------------------------
    def beds(self, room_id: int | None = None) -> list[StationBed]:
        """Open beds (of one room), by room, chair and check-in time."""
        beds = sorted(
            self._beds.values(), key=lambda b: (b.room_id, b.chair or 99, b.checked_in_at)
        )
        return [b for b in beds if room_id is None or b.room_id == room_id]

    def bed(self, session_id: int) -> StationBed | None:
        return self._beds.get(session_id)

    def room_name(self, room_id: int) -> str:
        return self.rooms.get(room_id, f"Room {room_id}")

    def latest(self, session_id: int) -> dict[Parameter, VitalPoint]:
        return self._latest.get(session_id, {})

    def alarms(self, session_id: int) -> list[StationAlarm]:
        """The bed's active alarms; those raised before its console last started are over (the
        console's board began empty, and raises again what still holds).
        """
        bed = self._beds.get(session_id)
        if bed is None:
            return []
        started = self._started(bed.room_id)
        found = self._alarms.get(session_id, [])
        return [a for a in found if started is None or a.raised_at >= started]

    def active_alarms(self) -> tuple[StationAlarm, ...]:
        """Every room's active alarms, most urgent first, then oldest first."""
        found = [a for sid in self._beds for a in self.alarms(sid)]
        return tuple(sorted(found, key=lambda a: (-a.priority.urgency, a.raised_at)))

    def face(self, session_id: int, now: datetime) -> ClockFace | None:
        bed = self._beds.get(session_id)
        if bed is None:
            return None
        return clock_face(
            bed.checked_in_at, bed.t0, bed.check_times, now, self.options.schedule, bed.closed_at
        )

    def not_reporting(self, room_id: int) -> str | None:
        """The words "not reporting since hh:mm" when no console of the room reported lately."""
        return self._silence(room_id, self._clock.now())

    # ---- applying what the feed read -------------------------------------------------------------
    def apply_snapshot(self, snapshot: StationSnapshot) -> None:
        now = self._clock.now()
        self.rooms = dict(snapshot.rooms)
        self._beds = {b.session_id: b for b in snapshot.beds}
        self._latest = {sid: dict(points) for sid, points in snapshot.latest.items()}
        self._alarms = {sid: list(alarms) for sid, alarms in snapshot.alarms.items()}
        self._heard = {}
        for beat in snapshot.beats:
            self._heard[(beat.console_id, beat.room_id)] = _Heard(
                beat.last_seen, now - beat.age, beat.started_at
            )
        self._silent_rooms = {}
        self._check_reporting()
        self.layoutChanged.emit()
        self._alarms_changed()

    def apply_samples(self, batch: SampleBatch) -> None:
        bed = self._beds.get(batch.session_id)
        if bed is None:
            return
        latest = self._latest.setdefault(batch.session_id, {})
        checks = [p.at for p in batch.points if is_check(p)]
        for point in batch.points:
            current = latest.get(point.parameter)
            if current is None or current.at <= point.at:
                latest[point.parameter] = point
        if checks:
            merged = tuple(sorted(set(bed.check_times) | set(checks)))
            self._beds[batch.session_id] = replace(bed, check_times=merged)
        self.received[batch.session_id] = self._clock.now()
        self.bedChanged.emit(batch.session_id)

    def apply_rooms(self, rooms: dict[int, str]) -> None:
        """A room was added or renamed: the layout follows (applied before the beds)."""
        if rooms != self.rooms:
            self.rooms = dict(rooms)
            self._check_reporting()
            self.layoutChanged.emit()

    def apply_beds(self, beds: list[StationBed]) -> None:
        layout = False
        for bed in beds:
            if bed.state.is_open:
                layout = layout or bed.session_id not in self._beds
                self._beds[bed.session_id] = bed
                self._latest.setdefault(bed.session_id, {})
                if bed.room_id not in self.rooms:
                    self.rooms[bed.room_id] = f"Room {bed.room_id}"
            elif bed.session_id in self._beds:  # discharged or aborted: the tile goes
                del self._beds[bed.session_id]
                self._latest.pop(bed.session_id, None)
                self._alarms.pop(bed.session_id, None)
                layout = True
        if layout:
            self.layoutChanged.emit()
            self._alarms_changed()
        else:
            for bed in beds:
                self.bedChanged.emit(bed.session_id)

    def apply_alarms(self, session_id: int, alarms: list[StationAlarm]) -> None:
        self._alarms[session_id] = list(alarms)
        self.bedChanged.emit(session_id)
        self._alarms_changed()

    def apply_beats(self, beats: list[ConsoleBeat]) -> None:
        now = self._clock.now()
        restarted = False
        for beat in beats:
            key = (beat.console_id, beat.room_id)
            known = self._heard.get(key)
            if known is None or beat.last_seen > known.last_seen:
                self._heard[key] = _Heard(beat.last_seen, now - beat.age, beat.started_at)
                restarted = restarted or (known is not None and known.started_at != beat.started_at)
        self._check_reporting()
        if restarted:  # alarms raised before a console's restart ended with its old board
            for session_id in self._beds:
                self.bedChanged.emit(session_id)
            self._alarms_changed()

    # ---- internals -------------------------------------------------------------------------
    def _started(self, room_id: int) -> datetime | None:
        """When the newest console watching the room started, if any said so."""
        starts = [
            h.started_at
            for (_, room), h in self._heard.items()
            if room in (room_id, EVERY_ROOM) and h.started_at is not None
        ]
        return max(starts, default=None)

    def _silence(self, room_id: int, now: datetime) -> str | None:
        heard = [h for (_, room), h in self._heard.items() if room in (room_id, EVERY_ROOM)]
        if not heard:
            return "no console is reporting"
        newest = max(heard, key=lambda h: h.heard_at)
        if now - newest.heard_at <= self.options.not_reporting_after:
            return None
        return f"not reporting since {newest.last_seen.astimezone().strftime('%H:%M')}"

    def _check_reporting(self) -> None:
        now = self._clock.now()
        rooms = set(self.rooms) | {b.room_id for b in self._beds.values()}
        for room_id in sorted(rooms):
            silence = self._silence(room_id, now)
            if room_id not in self._silent_rooms or self._silent_rooms[room_id] != silence:
                self._silent_rooms[room_id] = silence
                self.reportingChanged.emit(room_id)

    def _alarms_changed(self) -> None:
        active = self.active_alarms()
        self.alarmsChanged.emit(active)
        loud = [a.priority for a in active if a.acknowledged_by is None]
        if loud and self.options.sounds:
            self._sound.play(max(loud))
        else:
            self._sound.stop()

    def _on_feed_connection_changed(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.statusChanged.emit(state, message)
