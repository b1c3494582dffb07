"""One tone for the room: the most urgent bed's request reaches the real sound (a recording fake)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.domain.alarms import DEFAULT_LIMITS, Priority
from console.domain.vitals import Parameter as P
from console.domain.vitals import VitalPoint
from console.services.alarm_sound import AlarmSound, SilentSound
from console.services.alarms import REPEAT, AlarmService
from console.services.room_sound import RoomSound
from console.store.spool import Spool
from console.store.writer import DurableWriter

H, M, L = Priority.HIGH, Priority.MEDIUM, Priority.LOW


@pytest.fixture
def output() -> SilentSound:
    return SilentSound()  # records every play() and stop() that reaches the real sound


@pytest.fixture
def room(output: SilentSound) -> RoomSound:
    return RoomSound(output)


def test_a_bed_stand_in_is_an_alarm_sound_and_stays_the_same_per_bed(room):
    one: AlarmSound = room.for_bed(1)
    assert room.for_bed(1) is one
    assert room.for_bed(2) is not one


def test_a_single_bed_plays_stops_and_repeats_through_the_room(room, output):
    bed = room.for_bed(1)
    bed.play(M)
    bed.play(M)  # the service's repeat
    assert output.played == [M, M] and room.playing is M
    bed.stop()
    assert output.stops == 1 and output.playing is None and room.playing is None
    bed.stop()  # nothing asked: nothing more to stop
    assert output.stops == 1


def test_a_less_urgent_bed_is_not_played_while_another_asks_for_more(room, output):
    one, two = room.for_bed(1), room.for_bed(2)
    one.play(H)
    two.play(M)
    two.play(M)  # its repeats are held back too
    assert output.played == [H]
    assert room.requests() == {1: H, 2: M}
    one.play(H)  # the loud bed's repeat plays
    assert output.played == [H, H]


def test_a_more_urgent_bed_takes_over_at_once(room, output):
    one, two = room.for_bed(1), room.for_bed(2)
    one.play(L)
    two.play(H)
    one.play(L)
    assert output.played == [L, H] and room.playing is H


def test_when_the_loudest_bed_stops_the_next_request_plays_at_once(room, output):
    one, two, three = room.for_bed(1), room.for_bed(2), room.for_bed(3)
    one.play(H)
    two.play(M)
    three.play(L)
    one.stop()  # acknowledged: bed 2's medium tone plays now, not at its next repeat
    assert output.played == [H, M] and output.stops == 0 and room.playing is M
    two.stop()
    assert output.played == [H, M, L]
    three.stop()
    assert output.stops == 1 and room.playing is None


def test_a_bed_dropping_to_a_lower_priority_hands_the_tone_to_the_more_urgent_one(room, output):
    one, two = room.for_bed(1), room.for_bed(2)
    one.play(H)
    two.play(M)
    one.play(L)  # its high alarm was acknowledged, a low one still sounds
    assert output.played == [H, M]
    assert room.requests() == {1: L, 2: M}


def test_a_bed_stopping_below_the_loudest_changes_nothing(room, output):
    one, two = room.for_bed(1), room.for_bed(2)
    one.play(H)
    two.play(M)
    two.stop()
    assert output.played == [H] and output.stops == 0 and room.playing is H


def test_two_beds_at_the_same_priority_each_play_and_one_stopping_keeps_the_tone(room, output):
    one, two = room.for_bed(1), room.for_bed(2)
    one.play(M)
    two.play(M)
    assert output.played == [M, M]
    one.stop()
    assert output.stops == 0 and room.playing is M
    two.stop()
    assert output.stops == 1


def test_a_released_bed_stops_asking(room, output):
    one, two = room.for_bed(1), room.for_bed(2)
    one.play(H)
    two.play(L)
    room.release(1)
    assert output.played == [H, L] and room.requests() == {2: L}
    one.play(H)  # a closed bed's late tick changes nothing
    one.stop()
    assert output.played == [H, L] and room.requests() == {2: L}
    assert room.for_bed(1) is not one  # a new bed with that id gets a new stand-in
    room.release(2)
    assert output.stops == 1 and room.playing is None
    room.release(7)  # unknown: nothing


def test_the_volume_is_the_rooms(room, output):
    room.for_bed(1).set_volume(0.2)
    assert output.volume == 0.2
    room.set_volume(0.8)
    assert output.volume == 0.8


def test_stopping_the_room_silences_every_bed(room, output):
    room.for_bed(1).play(H)
    room.for_bed(2).play(M)
    room.stop()
    assert output.stops == 1 and room.requests() == {} and room.playing is None


# --- with real alarm services -------------------------------------------------------------------


def test_two_beds_alarm_services_share_one_tone(
    qtbot, clock, sqlite_clinic, tmp_path, room, output
):
    access = sqlite_clinic.access(
        DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "spool.jsonl"))
    )
    sqlite_clinic.staff_up_to(3)
    one = AlarmService(clock, DEFAULT_LIMITS, sound=room.for_bed(1), access=access)
    two = AlarmService(clock, DEFAULT_LIMITS, sound=room.for_bed(2), access=access)

    def spo2(value: float, port: str) -> VitalPoint:
        return VitalPoint(P.SPO2, value, clock.now(), "masimo", device=port)

    two.on_points([VitalPoint(P.HR, 125, clock.now(), "ivy", device="/dev/ttyUSB1")])  # medium
    one.on_points([spo2(85, "/dev/ttyUSB0")])  # high
    assert output.played == [M, H]
    clock.advance(REPEAT[M])  # 20 s: bed 2 repeats its medium tone, bed 1 its high one
    two.tick()
    one.tick()
    assert output.played == [M, H, H]
    one.acknowledge_all(3)  # bed 1 silenced: bed 2's medium tone plays at once
    assert output.played == [M, H, H, M]
    clock.advance(timedelta(seconds=1))
    two.on_points([VitalPoint(P.HR, 80, clock.now(), "ivy", device="/dev/ttyUSB1")])
    assert output.stops == 1 and room.playing is None
    one.stop()
    two.stop()
    room.release(1)
    room.release(2)
    assert output.stops == 1
    one.deleteLater()
    two.deleteLater()
