"""The station service on its own: the sound follows the setting, rooms report or fall silent."""

from __future__ import annotations

from datetime import timedelta

from console.clock import FakeClock
from console.domain.alarms import Priority
from console.domain.lifecycle import SessionState
from console.domain.station import ConsoleBeat, StationAlarm, StationBed, StationSnapshot
from console.station.service import StationOptions, StationService


class RecordingSound:
    """A fake alarm output (the one fake the rules allow besides the clock)."""

    def __init__(self) -> None:
        self.playing: Priority | None = None

    def play(self, priority: Priority) -> None:
        self.playing = priority

    def stop(self) -> None:
        self.playing = None

    def set_volume(self, volume: float) -> None:
        pass


def _service(clock: FakeClock, options: StationOptions) -> tuple[StationService, RecordingSound]:
    sound = RecordingSound()
    service = StationService(clock, None, options, sound)
    bed = StationBed(7, 1, 2, "Chair 2 · J. D.", SessionState.MONITORING, clock.now(), None, None)
    beat = ConsoleBeat("console-1", 1, clock.now(), timedelta(0))
    service.apply_snapshot(StationSnapshot({1: "Cedar"}, [bed], beats=[beat]))
    return service, sound


def _alarm(clock: FakeClock, by: int | None = None) -> StationAlarm:
    return StationAlarm(7, "limit:spo2:/a", Priority.HIGH, "SpO2 84 < 85", clock.now(), by)


def test_the_station_sounds_by_day_and_is_silent_at_night_by_default(clock: FakeClock, qtbot):
    day, day_sound = _service(clock, StationOptions(night=False))
    night, night_sound = _service(clock, StationOptions(night=True))
    for service in (day, night):
        service.apply_alarms(7, [_alarm(clock)])
    assert day_sound.playing is Priority.HIGH
    assert night_sound.playing is None
    day.apply_alarms(7, [_alarm(clock, by=3)])  # acknowledged at the room: quiet
    assert day_sound.playing is None


def test_a_room_falls_silent_after_the_limit_and_says_since_when(clock: FakeClock, qtbot):
    service, _ = _service(clock, StationOptions(not_reporting_after=timedelta(seconds=30)))
    assert service.not_reporting(1) is None
    clock.advance(timedelta(seconds=29))
    assert service.not_reporting(1) is None
    clock.advance(timedelta(seconds=2))
    local = (clock.now() - timedelta(seconds=31)).astimezone().strftime("%H:%M")
    assert service.not_reporting(1) == f"not reporting since {local}"
    assert service.not_reporting(2) == "no console is reporting"
