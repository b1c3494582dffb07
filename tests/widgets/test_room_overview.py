"""The room overview over real beds: one tile per patient, that patient's numbers, alarm frames."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft
from console.services.devices import DeviceSpec
from devices.reader import ReaderState
from tests.widgets import room_fixtures
from tests.widgets.room_fixtures import RoomRig
from widgets.room_overview import (
    NO_VALUE,
    BedTile,
    RoomOverview,
    columns_for,
    hours_minutes,
    value_age,
)

room_rig = room_fixtures.room_rig  # the two-bed room fixture, for pytest


@pytest.fixture
def overview(qtbot, room_rig: RoomRig) -> Iterator[RoomOverview]:
    widget = RoomOverview(room_rig.services.room, room_rig.clock)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    try:
        yield widget
    finally:
        widget.stop()


def tile_of(overview: RoomOverview, bed) -> BedTile:
    tile = overview.tile(bed.session_id)
    assert tile is not None
    return tile


def test_words_and_columns():
    assert hours_minutes("T+0:42:10") == "T+0:42"
    assert columns_for(1, 1600) == 1
    assert columns_for(2, 1600) == 2
    assert columns_for(6, 1600) == 3
    assert columns_for(8, 1920) == 4
    assert columns_for(8, 900) == 2  # narrow screens keep at least two columns


def test_value_age_in_words(clock):
    now = clock.now()
    assert value_age(now - timedelta(seconds=20), now) == "just now"
    assert value_age(now - timedelta(minutes=3, seconds=10), now) == "3 min ago"
    assert value_age(now - timedelta(hours=3), now) == "3 h ago"


def test_one_tile_per_bed_in_chair_order(overview, room_rig):
    assert [t.session_id for t in overview.tiles()] == [
        room_rig.first.session_id,
        room_rig.second.session_id,
    ]
    first, second = overview.tiles()
    assert first.title.full_text() == "Chair 1 · J. D."
    assert second.title.full_text() == "Chair 2 · A. B."
    assert first.state.text() == "Checked in"
    assert first.elapsed.text() == "Not dosed · 0:00 since check-in"
    assert first.check.full_text() == "Pre-dose vitals due"
    assert first.ride.full_text() == "No ride home arranged"
    assert overview.columns() == 2
    assert first.property("large") == "true"  # two beds: half the screen each
    assert all(first.numeric(key) == NO_VALUE for key in ("hr", "spo2", "bp", "rr"))
    assert overview.empty_label.isHidden()


def test_readings_show_on_their_own_bed_only_and_on_the_next_refresh(overview, room_rig):
    first, second = tile_of(overview, room_rig.first), tile_of(overview, room_rig.second)
    room_rig.feed(room_rig.first, hr=72, spo2=97, rr=14, nibp_sys=121, nibp_dia=79)
    assert first.numeric("spo2") == NO_VALUE  # a sample never repaints: the tile is only dirty
    overview.refresh()
    assert (first.numeric("hr"), first.numeric("spo2"), first.numeric("rr")) == ("72", "97", "14")
    assert first.numeric("bp") == "121/79"
    assert first.bp_age.text() == "just now"
    assert [second.numeric(k) for k in ("hr", "spo2", "bp", "rr")] == [NO_VALUE] * 4

    room_rig.clock.advance(timedelta(minutes=3))
    overview.refresh()
    assert first.bp_age.text() == "3 min ago"
    assert first.numerics["spo2"].property("stale") == "true"  # no SpO2 for 3 min: dimmed
    assert first.ages["spo2"].text() == "3 min ago"  # and said in words
    room_rig.feed(room_rig.first, spo2=96)
    overview.refresh()
    assert first.numeric("spo2") == "96"
    assert first.numerics["spo2"].property("stale") == "false"
    assert first.ages["spo2"].text() == ""


def test_a_pulse_from_the_oximeter_stands_in_for_a_missing_heart_rate(overview, room_rig):
    room_rig.feed(room_rig.second, pr=64)
    overview.refresh()
    tile = tile_of(overview, room_rig.second)
    assert (tile.captions["hr"].text(), tile.numeric("hr")) == ("PR", "64")


def test_the_timer_refreshes_the_tiles_while_the_overview_is_shown(qtbot, overview, room_rig):
    assert overview.refreshing
    room_rig.feed(room_rig.second, spo2=95)
    qtbot.waitUntil(
        lambda: tile_of(overview, room_rig.second).numeric("spo2") == "95", timeout=3000
    )
    overview.hide()
    assert not overview.refreshing
    overview.show()
    assert overview.refreshing
    overview.close()
    assert not overview.refreshing


def test_the_frame_takes_the_colour_of_the_most_urgent_alarm(overview, room_rig):
    first, second = tile_of(overview, room_rig.first), tile_of(overview, room_rig.second)
    assert first.priority == "none" and first.alarm.full_text() == ""
    room_rig.feed(room_rig.first, rr=32)  # above 30: medium
    assert first.priority == "medium"  # alarms show at once, not on the next refresh
    assert first.alarm.full_text().startswith("!! RR 32")
    room_rig.feed(room_rig.first, spo2=85)  # below 88: high
    assert first.priority == "high"
    assert first.alarm.full_text().startswith("!!! SpO2 85")
    assert first.alarm.full_text().endswith("(+1 more)")
    assert first.alarm.property("priority") == "high"
    assert second.priority == "none"  # the other patient is calm
    room_rig.feed(room_rig.first, spo2=97)
    assert first.priority == "medium"
    room_rig.feed(room_rig.first, rr=14)
    assert first.priority == "none" and first.alarm.full_text() == ""


def test_dose_clock_checks_minimum_and_ride_follow_the_bed(overview, room_rig):
    bed = room_rig.first
    room_rig.dose(bed)
    room_rig.clock.advance(timedelta(minutes=46))  # first check due at T+0:40, grace 5 min
    bed.clock.refresh()  # the bed's own 1 s tick (the room is not started here)
    room_rig.second.clock.refresh()
    overview.refresh()
    tile = tile_of(overview, bed)
    assert tile.state.text() == "Dosed · monitoring"
    assert tile.elapsed.text() == "T+0:46"
    assert "OVERDUE" in tile.check.full_text()
    assert tile.check.property("level") == "overdue"
    assert tile.priority == "low"  # the overdue check is a low (cyan) alarm
    assert tile.minimum.full_text() == "Minimum in 1:14"
    assert tile.ride.full_text() == "Ride home arranged, not confirmed"
    assert tile.ride.property("ok") == "false"
    other = tile_of(overview, room_rig.second)
    assert other.elapsed.text() == "Not dosed · 0:51 since check-in"
    assert other.priority == "none"

    room_rig.clock.advance(timedelta(minutes=75))
    bed.clock.refresh()
    bed.discharge.confirm_ride("Sam Lee", "555 123 4567", "partner", room_rig.nurse)
    overview.refresh()
    assert tile.minimum.full_text() == "✓ Minimum monitoring met"
    assert tile.minimum.property("ok") == "true"
    assert tile.ride.full_text() == "✓ Ride home confirmed"
    assert other.ride.full_text() == "No ride home arranged"


def test_click_or_enter_asks_for_the_bed(qtbot, overview, room_rig):
    second = tile_of(overview, room_rig.second)
    with qtbot.waitSignal(overview.bedRequested, timeout=1000) as clicked:
        qtbot.mouseClick(second, Qt.MouseButton.LeftButton)
    assert clicked.args == [room_rig.second.session_id]
    first = tile_of(overview, room_rig.first)
    first.setFocus()
    assert first.focusPolicy() == Qt.FocusPolicy.StrongFocus
    with qtbot.waitSignal(overview.bedRequested, timeout=1000) as entered:
        qtbot.keyClick(first, Qt.Key.Key_Return)
    assert entered.args == [room_rig.first.session_id]


def test_tiles_follow_check_in_and_close(overview, room_rig):
    c = room_rig.clinic
    draft = PatientDraft("C. D.", "MRN-3", date(1990, 2, 2), 70.0)
    third = c.people.add_patient(draft, room_rig.clock.now())
    bed = room_rig.services.room.check_in(
        third.id, c.room.id, 3, c.therapist.id, None, by_staff_id=room_rig.nurse
    )
    assert [t.title.full_text() for t in overview.tiles()] == [
        "Chair 1 · J. D.",
        "Chair 2 · A. B.",
        "Chair 3 · C. D.",
    ]
    kept = tile_of(overview, room_rig.first)
    room_rig.second.session.transition(SessionState.ABORTED, room_rig.nurse, reason="felt unwell")
    assert overview.tile(room_rig.second.session_id) is None
    assert overview.tile(room_rig.first.session_id) is kept  # the others are not rebuilt
    assert [t.session_id for t in overview.tiles()] == [room_rig.first.session_id, bed.session_id]
    room_rig.feed(room_rig.second, spo2=80)  # a closed bed's late reading reaches no tile
    overview.refresh()
    assert all(t.numeric("spo2") == NO_VALUE for t in overview.tiles())


def test_a_single_bed_gets_one_large_tile(overview, room_rig):
    room_rig.second.session.transition(SessionState.ABORTED, room_rig.nurse, reason="left")
    assert overview.columns() == 1
    assert overview.tiles()[0].property("large") == "true"


def test_a_monitor_bound_to_one_bed_never_fills_the_other_tile(
    qtbot, overview, room_rig, simulator
):
    port = simulator("masimo", "--speed", "5")
    devices = room_rig.services.devices
    first, second = room_rig.first, room_rig.second
    devices.connect_device(DeviceSpec("masimo", port), first.session_id, room_rig.nurse)
    qtbot.waitUntil(
        lambda: (s := devices.status(port)) is not None and s.state is ReaderState.CONNECTED,
        timeout=5000,
    )
    qtbot.waitUntil(lambda: tile_of(overview, first).numeric("spo2") != NO_VALUE, timeout=8000)
    spo2 = int(tile_of(overview, first).numeric("spo2"))
    assert 50 <= spo2 <= 100
    assert [tile_of(overview, second).numeric(k) for k in ("hr", "spo2")] == [NO_VALUE] * 2
    first.vitals.flush()
    second.vitals.flush()
    vitals = room_rig.clinic.vitals
    assert {p.device for p in vitals.history(first.session_id)} == {port}
    assert vitals.history(second.session_id) == []
