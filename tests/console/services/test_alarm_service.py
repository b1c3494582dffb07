"""The alarm service over real rules and a fake clock: immediate alarms, silence, escalation, log."""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from console.domain.alarms import DEFAULT_LIMITS, AlarmEvent, Bound, EventKind, Priority
from console.domain.people import StaffRole
from console.domain.scales import ScaleDefinition, load_definitions
from console.domain.schedule import CheckState, CheckStatus
from console.domain.vitals import Parameter as P
from console.domain.vitals import VitalPoint
from console.errors import StoreUnavailable, ValidationFailed
from console.services.alarm_sound import TONES, QtAlarmSound, SilentSound, tone_samples, write_tone
from console.services.alarms import REPEAT, AlarmService, LimitChange
from console.services.vitals import DeviceCondition
from console.store.spool import Spool
from console.store.writer import DurableWriter
from devices.reader import ReaderState, ReaderStatus

ADMIN = 9  # limit changes are an admin's (staff 1–8 are care staff)

H, M, L = Priority.HIGH, Priority.MEDIUM, Priority.LOW
PORT = "/dev/ttyUSB0"


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


@dataclass
class Rig:
    service: AlarmService
    sound: SilentSound
    events: list[AlarmEvent] = field(default_factory=list)  # what the sink stored
    changes: list[LimitChange] = field(default_factory=list)
    shown: list[tuple] = field(default_factory=list)  # every alarmsChanged payload


@pytest.fixture
def rig(qtbot, clock, sqlite_clinic, tmp_path):
    sound = SilentSound()
    events: list[AlarmEvent] = []
    changes: list[LimitChange] = []
    sqlite_clinic.staff_up_to(8)  # the tests name staff 3, 7 and 8
    admin = sqlite_clinic.people.add_staff("Casey Admin", StaffRole.ADMIN)
    assert admin.id == ADMIN
    access = sqlite_clinic.access(
        DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "spool.jsonl"))
    )
    service = AlarmService(
        clock, DEFAULT_LIMITS, events.append, sound, limit_sink=changes.append, access=access
    )
    rig = Rig(service, sound, events, changes)
    service.alarmsChanged.connect(rig.shown.append)
    yield rig
    service.stop()
    assert not service.running
    service.deleteLater()


def reading(clock, parameter: P, value: float) -> VitalPoint:
    return VitalPoint(parameter, value, clock.now(), "masimo", device=PORT)


def status(clock, state: ReaderState, last_ago: float | None = None) -> ReaderStatus:
    last = None if last_ago is None else clock.now() - s(last_ago)
    return ReaderStatus(PORT, "masimo", state, last_reading=last, changed=clock.now())


def log(rig: Rig) -> list[tuple[EventKind, str, Priority]]:
    return [(e.kind, e.key, e.priority) for e in rig.events]


def test_an_abnormal_reading_alarms_at_once_without_waiting_for_the_tick(rig, clock):
    assert not rig.service.running
    rig.service.on_points((reading(clock, P.NIBP_SYS, 186), reading(clock, P.HR, 80)))
    # no event loop has run: the alarm is on the board, signalled, sounding and logged already
    (alarm,) = rig.service.active()
    assert (alarm.message, alarm.priority) == ("SBP 186 > 180", M)
    assert rig.shown == [(alarm,)]
    assert rig.sound.played == [M] and rig.sound.playing is M
    assert log(rig) == [(EventKind.RAISED, f"limit:nibp_sys@{PORT}", M)]
    assert rig.events[0].at == clock.now()


def test_alarms_are_signalled_most_urgent_first(rig, clock):
    rig.service.on_points([reading(clock, P.HR, 125), reading(clock, P.SPO2, 86)])
    assert [(a.message, a.priority) for a in rig.shown[-1]] == [
        ("SpO2 86 < 88", H),
        ("HR 125 > 120", M),
    ]
    assert rig.sound.played == [H]
    assert rig.service.sounding().key == f"limit:spo2@{PORT}"


def test_acknowledge_silences_for_two_minutes_and_the_alarm_stays_until_a_normal_reading(
    rig, clock
):
    service = rig.service
    service.on_points([reading(clock, P.NIBP_SYS, 186)])
    clock.advance(s(5))
    acknowledged = service.acknowledge_all(7)
    assert [(e.kind, e.staff_id, e.at) for e in acknowledged] == [
        (EventKind.ACKNOWLEDGED, 7, clock.now())
    ]
    assert acknowledged[0].silenced_until == clock.now() + s(120)
    assert rig.sound.playing is None and rig.sound.stops == 1
    assert service.acknowledge_all(8) == []  # already silenced: nothing more to log

    for _ in range(11):  # ticks through 110 s: silent, but still shown
        clock.advance(s(10))
        service.tick()
    assert rig.sound.played == [M]
    (shown,) = service.active()
    assert (shown.message, shown.acknowledged_by) == ("SBP 186 > 180", 7)

    clock.advance(s(10))  # 120 s after the acknowledgement, the condition still holds
    service.tick()
    assert rig.sound.played == [M, M]

    clock.advance(s(3))
    service.on_points([reading(clock, P.NIBP_SYS, 150)])
    assert service.active() == () and rig.shown[-1] == ()
    assert rig.sound.playing is None
    assert [(e.kind, e.staff_id, e.at) for e in rig.events] == [
        (EventKind.RAISED, None, clock.now() - s(128)),
        (EventKind.ACKNOWLEDGED, 7, clock.now() - s(123)),
        (EventKind.CLEARED, None, clock.now()),
    ]
    assert service.history() == tuple(rig.events)


def test_acknowledging_one_alarm_lets_the_next_one_sound(rig, clock):
    rig.service.on_points([reading(clock, P.HR, 125), reading(clock, P.SPO2, 86)])
    event = rig.service.acknowledge(f"limit:spo2@{PORT}", 3)
    assert event is not None and event.staff_id == 3
    assert rig.sound.played == [H, M]
    assert rig.service.acknowledge(f"limit:rr@{PORT}", 3) is None


def test_the_tone_repeats_at_its_priority_interval(rig, clock):
    rig.service.on_points([reading(clock, P.HR, 125)])
    clock.advance(REPEAT[M] - s(1))
    rig.service.tick()
    assert rig.sound.played == [M]
    clock.advance(s(1))
    rig.service.tick()
    assert rig.sound.played == [M, M]


def test_a_worse_value_escalates_and_sounds_again(rig, clock):
    rig.service.on_points([reading(clock, P.NIBP_SYS, 186)])
    rig.service.acknowledge_all(7)
    rig.service.on_points([reading(clock, P.NIBP_SYS, 205)])
    assert log(rig)[-1] == (EventKind.ESCALATED, f"limit:nibp_sys@{PORT}", H)
    assert rig.sound.playing is H
    assert rig.service.active()[0].message == "SBP 205 > 200"


def test_a_silent_device_is_a_low_alarm_that_escalates_after_60_s(rig, clock):
    service = rig.service
    service.on_device_status(status(clock, ReaderState.SILENT, last_ago=12))
    (alarm,) = service.active()
    assert (alarm.key, alarm.priority) == (f"tech:silent:{PORT}", L)
    assert alarm.message == f"masimo ({PORT}): no data for 12 s"
    assert rig.sound.played == [L]

    clock.advance(s(60))
    service.tick()
    assert service.active()[0].priority is L  # exactly 60 s: not yet
    assert service.active()[0].message == f"masimo ({PORT}): no data for 72 s"
    clock.advance(s(1))
    service.tick()
    assert service.active()[0].priority is M
    assert log(rig) == [
        (EventKind.RAISED, f"tech:silent:{PORT}", L),
        (EventKind.ESCALATED, f"tech:silent:{PORT}", M),
    ]
    assert rig.sound.played == [L, L, M]  # the low tone repeated once, at 60 s

    service.on_device_status(status(clock, ReaderState.CONNECTED, last_ago=0))
    assert service.active() == ()
    assert log(rig)[-1] == (EventKind.CLEARED, f"tech:silent:{PORT}", M)


def test_an_unplugged_cable_stays_through_retries_and_clears_when_stopped(rig, clock):
    service = rig.service
    service.on_device_status(status(clock, ReaderState.DISCONNECTED))
    assert [a.message for a in service.active()] == [f"masimo ({PORT}): cable unplugged"]
    service.on_device_status(status(clock, ReaderState.CONNECTING))
    service.on_device_status(status(clock, ReaderState.DISCONNECTED))
    assert [e.kind for e in rig.events] == [EventKind.RAISED]  # one alarm, not one per retry
    service.on_device_status(status(clock, ReaderState.STOPPED))
    assert service.active() == ()


def test_a_sensor_off_report_alarms_until_the_device_ends_it(rig, clock):
    on = DeviceCondition("masimo", "sensor_off", True, "", clock.now())
    rig.service.on_device_condition(on)
    (alarm,) = rig.service.active()
    assert (alarm.key, alarm.message, alarm.priority) == (
        "tech:sensor_off:masimo",
        "masimo: sensor off",
        L,
    )
    rig.service.on_device_condition(DeviceCondition("masimo", "sensor_off", False, "", clock.now()))
    assert rig.service.active() == ()


def test_an_overdue_check_is_a_low_alarm_until_the_check_is_done(rig, clock):
    late = CheckStatus(CheckState.OVERDUE, clock.now(), s(900), s(12 * 60))
    rig.service.on_check_status(late)
    (alarm,) = rig.service.active()
    assert (alarm.message, alarm.priority) == ("Vitals check overdue 12 min", L)
    rig.service.on_check_status(CheckStatus(CheckState.UPCOMING, clock.now(), s(1800), s(600)))
    assert rig.service.active() == ()
    rig.service.on_check_status(late)
    rig.service.on_clock_face(None)  # the session closed
    assert rig.service.active() == ()


MOAAS = load_definitions([])["moaas"]
AGITATION = ScaleDefinition(
    "agitation", "Agitation", "", 0, 10, alarm_at_or_above=8, alarm_priority="medium"
)


def test_the_builtin_moaas_of_one_is_a_high_alarm_and_a_higher_rating_clears_it(rig, clock):
    rig.service.on_rating(MOAAS, 2)
    assert rig.service.active() == ()
    rig.service.on_rating(MOAAS, 1)
    (alarm,) = rig.service.active()
    assert (alarm.key, alarm.message, alarm.priority) == ("obs:moaas", "MOAA/S 1 ≤ 1", H)
    assert rig.sound.played == [H]
    rig.service.on_rating(MOAAS, 0)  # still deep: the same alarm, its message updated
    assert rig.service.active()[0].message == "MOAA/S 0 ≤ 1"
    rig.service.on_rating(MOAAS, 3)
    assert rig.service.active() == ()
    assert log(rig) == [(EventKind.RAISED, "obs:moaas", H), (EventKind.CLEARED, "obs:moaas", H)]


def test_a_scale_with_an_upper_limit_raises_at_its_priority_and_clears_within_limits(rig, clock):
    rig.service.on_rating(AGITATION, 7)
    assert rig.service.active() == ()
    rig.service.on_rating(AGITATION, 8)
    (alarm,) = rig.service.active()
    assert (alarm.key, alarm.message, alarm.priority) == ("obs:agitation", "Agitation 8 ≥ 8", M)
    assert rig.sound.played == [M]
    rig.service.on_rating(MOAAS, 4)  # another scale's rating leaves it standing
    assert [a.key for a in rig.service.active()] == ["obs:agitation"]
    clock.advance(s(300))
    rig.service.on_rating(AGITATION, 5)
    assert rig.service.active() == ()
    assert log(rig) == [
        (EventKind.RAISED, "obs:agitation", M),
        (EventKind.CLEARED, "obs:agitation", M),
    ]


def test_no_rating_standing_clears_the_scale_alarm(rig, clock):
    rig.service.on_rating(MOAAS, 1)
    rig.service.on_rating(MOAAS, None)
    assert rig.service.active() == ()


# --- several sources of one parameter -----------------------------------------------------------

OTHER = "/dev/pts/3"


def test_two_sources_of_spo2_one_low_one_normal_never_flap(rig, clock):
    for second in range(60):
        if second % 2:
            rig.service.on_points([VitalPoint(P.SPO2, 85, clock.now(), "ivy", device=OTHER)])
        else:
            rig.service.on_points([reading(clock, P.SPO2, 97)])
        rig.service.tick()
        clock.advance(s(1))
    assert log(rig) == [(EventKind.RAISED, f"limit:spo2@{OTHER}", H)]
    (alarm,) = rig.service.active()
    assert (alarm.message, alarm.source, alarm.condition.source) == ("SpO2 85 < 88", OTHER, OTHER)


def test_each_source_has_its_own_alarm(rig, clock):
    rig.service.on_points(
        [reading(clock, P.SPO2, 86), VitalPoint(P.SPO2, 90, clock.now(), "ivy", device=OTHER)]
    )
    assert [(a.key, a.priority) for a in rig.service.active()] == [
        (f"limit:spo2@{PORT}", H),
        (f"limit:spo2@{OTHER}", M),
    ]
    rig.service.on_points([reading(clock, P.SPO2, 97)])
    assert [a.key for a in rig.service.active()] == [f"limit:spo2@{OTHER}"]


def test_manual_values_do_not_clear_a_device_alarm_and_only_replace_manual_values(rig, clock):
    rig.service.on_points([reading(clock, P.NIBP_SYS, 186)])
    clock.advance(s(30))
    by_hand = [
        VitalPoint(P.NIBP_SYS, 120, clock.now(), "manual", entered_by_id=3),
        VitalPoint(P.HR, 130, clock.now(), "manual", entered_by_id=3),
    ]
    rig.service.on_points(by_hand)
    assert [a.key for a in rig.service.active()] == [
        f"limit:nibp_sys@{PORT}",
        "limit:hr@manual",
    ]
    clock.advance(s(30))
    rig.service.on_points([VitalPoint(P.HR, 80, clock.now(), "manual", entered_by_id=3)])
    assert [a.key for a in rig.service.active()] == [f"limit:nibp_sys@{PORT}"]
    assert [e.kind for e in rig.events] == [
        EventKind.RAISED,
        EventKind.RAISED,
        EventKind.CLEARED,
    ]
    assert rig.events[-1].key == "limit:hr@manual"


def test_an_older_value_from_the_same_source_does_not_replace_a_newer_one(rig, clock):
    later = reading(clock, P.HR, 80)
    earlier = VitalPoint(P.HR, 130, clock.now() - s(5), "masimo", device=PORT)
    rig.service.on_points([later, earlier])
    assert rig.service.active() == ()


def test_a_stopped_or_released_port_forgets_its_values(rig, clock):
    rig.service.on_points(
        [reading(clock, P.SPO2, 86), VitalPoint(P.SPO2, 86, clock.now(), "ivy", device=OTHER)]
    )
    assert len(rig.service.active()) == 2
    rig.service.on_device_status(status(clock, ReaderState.STOPPED))
    assert [a.key for a in rig.service.active()] == [f"limit:spo2@{OTHER}"]
    rig.service.forget_source(OTHER)
    assert rig.service.active() == ()


def test_a_bad_limit_change_raises_and_stores_nothing(rig, clock):
    with pytest.raises(ValidationFailed) as caught:
        rig.service.set_limits(P.NIBP_SYS, Bound.MEDIUM_UPPER, 210, by_staff_id=ADMIN)
    assert [e.field for e in caught.value.errors] == ["nibp_sys.medium_upper"]
    assert rig.changes == [] and rig.events == []
    assert rig.service.limits == DEFAULT_LIMITS


def test_a_good_limit_change_is_logged_and_rechecks_the_standing_reading(rig, clock):
    rig.service.on_points([reading(clock, P.NIBP_SYS, 186)])
    clock.advance(s(30))
    change = rig.service.set_limits(P.NIBP_SYS, Bound.MEDIUM_UPPER, 190, by_staff_id=ADMIN)
    assert rig.changes == [
        LimitChange(P.NIBP_SYS, Bound.MEDIUM_UPPER, 180, 190, ADMIN, clock.now())
    ]
    assert change == rig.changes[0]
    assert rig.service.active() == ()  # 186 is within the new limit
    assert log(rig)[-1] == (EventKind.CLEARED, f"limit:nibp_sys@{PORT}", M)


def test_a_heart_rate_limit_change_moves_the_pulse_rate_limit_too(rig, clock):
    rig.service.set_limits(P.HR, Bound.MEDIUM_UPPER, 110, by_staff_id=ADMIN)
    rig.service.on_points([reading(clock, P.PR, 115)])
    assert [a.message for a in rig.service.active()] == ["PR 115 > 110"]


def test_a_store_failure_is_reported_and_the_alarm_still_shows(
    qtbot, clock, sqlite_clinic, tmp_path
):
    def broken(event: AlarmEvent) -> None:
        raise StoreUnavailable("database is locked")

    access = sqlite_clinic.access(
        DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "spool.jsonl"))
    )
    service = AlarmService(clock, DEFAULT_LIMITS, broken, SilentSound(), access=access)
    problems: list[str] = []
    service.storeProblem.connect(problems.append)
    service.on_points([reading(clock, P.SPO2, 86)])
    assert problems == ["database is locked"]
    assert [a.message for a in service.active()] == ["SpO2 86 < 88"]
    service.deleteLater()


def test_the_timer_ticks_escalation_by_itself(qtbot, rig, clock):
    rig.service.on_device_status(status(clock, ReaderState.SILENT, last_ago=12))
    rig.service.start()
    assert rig.service.running
    clock.advance(s(61))
    with qtbot.waitSignal(rig.service.alarmEvent, timeout=3000) as blocker:
        pass
    assert blocker.args[0].kind is EventKind.ESCALATED
    rig.service.stop()
    assert not rig.service.running and rig.sound.playing is None


# --- sound --------------------------------------------------------------------------------------


def test_tones_are_soft_patterns_of_three_two_and_one_pulses(tmp_path):
    assert [TONES[p].pulses for p in (H, M, L)] == [3, 2, 1]
    for priority, tone in TONES.items():
        samples = tone_samples(tone)
        assert max(abs(v) for v in samples) <= 32767 * 0.4  # never near full scale
        assert abs(samples[0]) < 200  # faded in: no click
        path = write_tone(tmp_path / f"{priority.value}.wav", tone)
        with wave.open(str(path), "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
            assert wav.getnframes() / wav.getframerate() < 1.0


@pytest.mark.qt_log_ignore(".*")  # an audio backend may complain on a machine without sound
def test_qt_sound_never_crashes_without_audio_and_falls_back_to_silence(qtbot, tmp_path):
    sound = QtAlarmSound(tmp_path / "sounds")
    sound.set_volume(0.3)
    sound.play(H)
    sound.stop()
    sound.set_volume(7)  # clamped
    if not sound.available:  # this machine has no audio: what would have played is recorded
        assert sound.problem
        assert sound.fallback is not None and sound.fallback.played == [H]
        assert sound.fallback.volume == 1.0
    sound.deleteLater()
