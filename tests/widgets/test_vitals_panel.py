"""The vitals panel on real services over SQLite: tiles, ages, staleness, trends, markers, pleth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest

from console.clock import FakeClock
from console.domain.lifecycle import SessionState
from console.domain.sessions import ObservationCategory
from console.domain.vitals import Parameter, VitalPoint
from console.services.sessions import SessionService
from console.services.vitals import VitalsService
from console.store.spool import Spool
from console.store.writer import DurableWriter
from devices.base import Reading, WaveformChunk
from widgets.vitals import VitalsPanel
from widgets.vitals.ring import RingBuffer


@dataclass
class Room:
    panel: VitalsPanel
    vitals: VitalsService
    sessions: SessionService
    clock: FakeClock
    therapist_id: int
    check_in_ids: tuple[int, int, int, int | None]  # patient, room, therapist, medical staff

    def check_in(self) -> None:
        self.sessions.open(self.sessions.check_in(*self.check_in_ids).id)


@pytest.fixture
def room(qtbot, sqlite_clinic, clock, tmp_path) -> Iterator[Room]:
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "s.jsonl"))
    sessions = SessionService(clock, c.people, c.sessions, c.access(writer), writer)
    vitals_writer = DurableWriter(c.targets, Spool(tmp_path / "v.jsonl"))
    vitals = VitalsService(clock, c.vitals, vitals_writer, c.access(vitals_writer))
    sessions.sessionChanged.connect(vitals.set_session)
    panel = VitalsPanel(vitals, sessions, clock)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    yield Room(
        panel,
        vitals,
        sessions,
        clock,
        c.therapist.id,
        (c.patient.id, c.room.id, c.therapist.id, c.nurse.id),
    )
    panel.stop()
    vitals.flush()


def checked_in(qtbot, room: Room) -> None:
    room.check_in()
    qtbot.waitUntil(lambda: room.panel.trends.t0() is None and room.panel._session_id is not None)


def feed(room: Room, *readings: Reading) -> None:
    room.vitals.ingest("masimo", list(readings), room.clock.now())


def test_a_tile_shows_the_value_its_age_and_greys_when_stale(qtbot, room: Room):
    checked_in(qtbot, room)
    tiles = room.panel.tiles
    assert tiles.tile_text(Parameter.HR) == "—"
    assert tiles.age_text(Parameter.HR) == ""

    feed(room, Reading(Parameter.HR, 72, "/min"), Reading(Parameter.SPO2, 97, "%"))
    assert tiles.tile_text(Parameter.HR) == "72"
    assert tiles.tile_text(Parameter.SPO2) == "97"
    assert tiles.age_text(Parameter.HR) == "0 s ago"

    room.clock.advance(timedelta(seconds=4))  # the 1 s timer reads the clock again
    qtbot.waitUntil(lambda: tiles.age_text(Parameter.HR) == "4 s ago", timeout=2500)
    assert not tiles.is_stale(Parameter.HR)
    assert tiles.tile(Parameter.HR).property("state") == "live"

    room.clock.advance(timedelta(seconds=7))
    qtbot.waitUntil(lambda: tiles.is_stale(Parameter.HR), timeout=2500)
    assert tiles.age_text(Parameter.HR) == "11 s ago"
    assert tiles.tile(Parameter.HR).property("stale") is True
    assert tiles.tile_text(Parameter.HR) == "72"  # still shown, greyed

    feed(room, Reading(Parameter.HR, 75, "/min"))
    assert tiles.tile_text(Parameter.HR) == "75"
    assert not tiles.is_stale(Parameter.HR)


def test_the_pulse_rate_stands_in_when_there_is_no_heart_rate(qtbot, room: Room):
    checked_in(qtbot, room)
    feed(room, Reading(Parameter.PR, 64, "/min"))
    assert room.panel.tiles.tile_text(Parameter.HR) == "64"
    assert room.panel.tiles.tile(Parameter.PR).title.text() == "PR"


def test_nibp_shows_sys_dia_map_and_ages_in_minutes(qtbot, room: Room):
    checked_in(qtbot, room)
    tiles = room.panel.tiles
    feed(
        room,
        Reading(Parameter.NIBP_SYS, 121, "mmHg", measurement_key="c1"),
        Reading(Parameter.NIBP_DIA, 75, "mmHg", measurement_key="c1"),
        Reading(Parameter.NIBP_MEAN, 92, "mmHg", measurement_key="c1"),
    )
    assert tiles.tile_text(Parameter.NIBP_SYS) == "121/75 (92)"
    room.clock.advance(timedelta(minutes=4, seconds=10))
    room.panel.refresh()
    assert tiles.age_text(Parameter.NIBP_MEAN) == "4 min ago"
    assert not tiles.is_stale(Parameter.NIBP_SYS)  # a cuff value lasts 20 min
    room.clock.advance(timedelta(minutes=16))
    room.panel.refresh()
    assert tiles.age_text(Parameter.NIBP_SYS) == "20 min ago"
    assert tiles.is_stale(Parameter.NIBP_SYS)


def test_the_trend_curve_holds_the_points_after_the_timer_fires(qtbot, room: Room):
    checked_in(qtbot, room)
    start = room.clock.now().timestamp()
    for value in (70, 71, 73):
        feed(room, Reading(Parameter.HR, value, "/min"))
        room.clock.advance(timedelta(seconds=1))
    trends = room.panel.trends
    qtbot.waitUntil(lambda: len(trends.series(Parameter.HR)[0]) == 3, timeout=1000)
    times, values = trends.series(Parameter.HR)
    assert values.tolist() == [70.0, 71.0, 73.0]
    assert times.tolist() == [start, start + 1, start + 2]


def test_nibp_trend_is_one_bar_per_cuff_with_the_mean(qtbot, room: Room):
    checked_in(qtbot, room)
    for key, (s, d, m) in {"a": (120, 80, 93), "b": (130, 85, 100)}.items():
        feed(
            room,
            Reading(Parameter.NIBP_SYS, s, "mmHg", measurement_key=key),
            Reading(Parameter.NIBP_DIA, d, "mmHg", measurement_key=key),
            Reading(Parameter.NIBP_MEAN, m, "mmHg", measurement_key=key),
        )
        room.clock.advance(timedelta(minutes=5))
    trends = room.panel.trends
    qtbot.waitUntil(lambda: len(trends.nibp_means.data) == 2, timeout=1000)
    t, sys_, dia, mean = trends.nibp_cuffs()
    assert (sys_.tolist(), dia.tolist(), mean.tolist()) == ([120, 130], [80, 85], [93, 100])
    assert t[1] - t[0] == 300
    x, y = trends.nibp_bars.getData()
    # per cuff: the DIA→SYS bar, then the SYS and DIA caps, as separate segments
    assert y.tolist() == [80, 120, 120, 120, 80, 80, 85, 130, 130, 130, 85, 85]
    assert x[0] == x[1] == t[0]
    assert trends.nibp_means.getData()[1].tolist() == [93, 100]


def test_the_t0_marker_sits_at_the_dose_time_and_the_axis_counts_from_it(qtbot, room: Room):
    checked_in(qtbot, room)
    room.sessions.transition(SessionState.BASELINE, room.therapist_id)
    room.clock.advance(timedelta(minutes=10))
    t0 = room.clock.now() - timedelta(minutes=2)
    room.sessions.transition(SessionState.MONITORING, room.therapist_id, t0=t0)
    trends = room.panel.trends
    assert trends.t0() == t0.timestamp()
    assert all(line.value() == t0.timestamp() and line.isVisible() for line in trends.t0_lines)
    axis = trends.axes[-1]
    label = axis.tickStrings([t0.timestamp() + 40 * 60], 1, 600)[0]
    assert label.endswith("\nT+40")
    assert axis.tickValues(t0.timestamp() - 100, t0.timestamp() + 3600, 1000)[0][1][0] == (
        t0.timestamp()
    )


def test_an_observation_marker_appears_after_a_note(qtbot, room: Room):
    checked_in(qtbot, room)
    room.clock.advance(timedelta(minutes=3))
    note = room.sessions.add_note(
        ObservationCategory.DISSOCIATION, "eyes closed", room.therapist_id
    )
    assert room.panel.trends.observation_marks == [(note.at.timestamp(), "Dissociation")]


def test_history_and_notes_are_loaded_when_the_session_is_opened_again(qtbot, room: Room):
    checked_in(qtbot, room)
    record = room.sessions.active
    assert record is not None
    feed(room, Reading(Parameter.SPO2, 96, "%"))
    room.clock.advance(timedelta(seconds=1))
    feed(room, Reading(Parameter.SPO2, 95, "%"))
    room.sessions.add_note(ObservationCategory.NAUSEA, "queasy", room.therapist_id)
    room.vitals.flush()
    room.sessions.close_view()
    trends = room.panel.trends
    qtbot.waitUntil(lambda: room.panel.tiles.tile_text(Parameter.SPO2) == "—", timeout=1000)
    assert len(trends.series(Parameter.SPO2)[0]) == 0
    assert trends.observation_marks == []

    room.sessions.open(record.id)
    qtbot.waitUntil(lambda: len(trends.series(Parameter.SPO2)[0]) == 2, timeout=1000)
    assert trends.series(Parameter.SPO2)[1].tolist() == [96.0, 95.0]
    assert [label for _, label in trends.observation_marks] == ["Nausea"]
    assert room.panel.tiles.tile_text(Parameter.SPO2) == "95"


def test_the_pleth_strip_sweeps_the_samples_and_says_when_they_stop(qtbot, room: Room):
    pleth = room.panel.pleth
    assert pleth.is_silent
    chunk = tuple(range(100, 125))
    room.vitals.ingest("masimo", [WaveformChunk("pleth", 75.0, chunk)], room.clock.now())
    assert pleth.received == 25
    assert pleth.cursor == 25
    assert not pleth.is_silent
    qtbot.waitUntil(lambda: pleth.curve.getData()[1] is not None, timeout=1000)
    qtbot.waitUntil(lambda: np.isfinite(pleth.curve.getData()[1]).sum() == 25, timeout=1000)
    drawn = pleth.samples()
    assert drawn.shape == (375,)  # 5 s at 75 Hz
    assert drawn[:25].tolist() == [float(v) for v in chunk]
    assert np.isnan(drawn[25:44]).all()  # the gap ahead of the cursor

    room.clock.advance(timedelta(seconds=4))
    room.panel.refresh()
    assert pleth.is_silent


def test_the_ring_overwrites_its_oldest_pair_and_stays_in_time_order():
    ring = RingBuffer(4, grow=False)
    for i in range(6):
        ring.append(float(i), float(i * 10))
    t, v = ring.arrays()
    assert t.tolist() == [2.0, 3.0, 4.0, 5.0]
    assert v.tolist() == [20.0, 30.0, 40.0, 50.0]
    growing = RingBuffer(2)
    growing.extend([0.0, 1.0, 2.0], [5.0, 6.0, 7.0])
    growing.append(3.0, 8.0)
    assert growing.arrays()[1].tolist() == [5.0, 6.0, 7.0, 8.0]
    assert growing.capacity >= 4


def test_the_pleth_strip_appears_only_for_a_monitor_that_sends_a_waveform(qtbot, room: Room):
    room.panel.refresh()
    assert room.panel.pleth.isHidden()
    room.vitals.ingest("nonin", [WaveformChunk("pleth", 75.0, tuple(range(25)))], room.clock.now())
    assert not room.panel.pleth.isHidden()


def test_the_history_is_read_off_the_gui_thread_and_nothing_arriving_meanwhile_is_lost(
    qtbot, room: Room, sqlite_clinic
):
    import threading

    record = room.sessions.check_in(*room.check_in_ids)
    base = room.clock.now()
    sqlite_clinic.vitals.add_batch(
        record.id,
        [
            VitalPoint(Parameter.SPO2, 90 + i % 5, base - timedelta(seconds=60 - i), "masimo")
            for i in range(60)
        ],
    )
    readers: list[str] = []
    original = sqlite_clinic.vitals.trend_rows

    def trend_rows(session_id: int):  # records which thread reads the database
        readers.append(threading.current_thread().name)
        return original(session_id)

    room.vitals._vitals.trend_rows = trend_rows  # type: ignore[method-assign]
    with qtbot.waitSignal(room.vitals.trendLoaded, timeout=5000):
        room.sessions.open(record.id)
        feed(room, Reading(Parameter.SPO2, 99, "%"))  # arrives while the history is read
    qtbot.waitUntil(lambda: not room.panel._loading, timeout=5000)
    assert readers and threading.main_thread().name not in readers
    room.panel.trends.refresh()
    _, values = room.panel.trends.series(Parameter.SPO2)
    assert len(values) == 61 and values[-1] == 99
