"""The alarm strip over real beds: every bed's alarms with its label, acknowledged per bed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from console.domain.audit import AuditAction
from tests.widgets import room_fixtures
from tests.widgets.room_fixtures import RoomRig
from widgets.alarm_strip import CALM_TEXT, NOBODY_ACTING, STRIP_HEIGHT, AlarmStrip

room_rig = room_fixtures.room_rig  # the two-bed room fixture, for pytest


@pytest.fixture
def screen(qtbot, room_rig: RoomRig) -> Iterator[tuple[QWidget, AlarmStrip, QLabel]]:
    """A screen with the strip on top and a label below it (to see whether it moves)."""
    host = QWidget()
    strip = AlarmStrip(room_rig.services.room, room_rig.actor)
    below = QLabel("the screen below")
    layout = QVBoxLayout(host)
    layout.addWidget(strip)
    layout.addWidget(below)
    layout.addStretch(1)
    qtbot.addWidget(host)
    host.resize(1200, 300)
    host.show()
    qtbot.waitExposed(host)
    yield host, strip, below


def entry_for(strip: AlarmStrip, session_id: int):
    return next(
        e for e in strip.entries if e.alarm is not None and e.alarm.session_id == session_id
    )


def test_calm_room_says_so_in_the_same_height(qtbot, screen, room_rig):
    _, strip, below = screen
    assert strip.calm_label.text() == CALM_TEXT and strip.calm_label.isVisible()
    assert strip.shown_alarms() == []
    assert strip.height() == STRIP_HEIGHT
    calm_y = below.y()
    room_rig.feed(room_rig.first, spo2=85, rr=32)
    room_rig.feed(room_rig.second, nibp_sys=190)
    QApplication.processEvents()
    assert len(strip.shown_alarms()) == 3
    assert not strip.calm_label.isVisible()
    assert strip.height() == STRIP_HEIGHT
    assert below.y() == calm_y  # alarms coming and going never move the screen below
    room_rig.feed(room_rig.first, spo2=97, rr=14)
    room_rig.feed(room_rig.second, nibp_sys=130)
    QApplication.processEvents()
    assert strip.calm_label.isVisible()
    assert (strip.height(), below.y()) == (STRIP_HEIGHT, calm_y)


def test_alarms_of_both_beds_are_listed_with_their_labels_most_urgent_first(screen, room_rig):
    _, strip, _ = screen
    room_rig.feed(room_rig.first, rr=32)  # medium
    room_rig.feed(room_rig.second, spo2=85)  # high
    shown = strip.shown_alarms()
    assert [a.session_id for a in shown] == [room_rig.second.session_id, room_rig.first.session_id]
    first_entry, second_entry = strip.entries[0], strip.entries[1]
    assert first_entry.link.full_text() == "!!! Chair 2 · A. B. — SpO2 85 < 88"
    assert first_entry.link.property("priority") == "high"
    assert second_entry.link.full_text() == "!! Chair 1 · J. D. — RR 32 > 30"
    assert second_entry.link.property("priority") == "medium"


def test_acknowledging_from_the_strip_acknowledges_that_bed_only_and_names_it(
    qtbot, screen, room_rig
):
    _, strip, _ = screen
    room_rig.feed(room_rig.first, spo2=85)
    room_rig.feed(room_rig.second, spo2=84)
    entry = entry_for(strip, room_rig.second.session_id)
    qtbot.mouseClick(entry.acknowledge_button, Qt.MouseButton.LeftButton)

    (second_alarm,) = room_rig.second.alarms.active()
    (first_alarm,) = room_rig.first.alarms.active()
    assert second_alarm.acknowledged_by == room_rig.nurse
    assert first_alarm.acknowledged_by is None
    # one entry for the acknowledgement, naming the bed and where it was acknowledged
    (entry_detail,) = room_rig.audit(AuditAction.ALARM_ACK.value)
    assert entry_detail["session_id"] == room_rig.second.session_id
    assert entry_detail["bed"] == "Chair 2 · A. B."
    assert entry_detail["via"] == "strip"
    assert entry_detail["message"] == "SpO2 84 < 88"
    assert entry_for(strip, room_rig.second.session_id).link.full_text().endswith("(acknowledged)")
    assert strip.notice.full_text() == ""


def test_a_refusal_shows_in_the_strip_and_nothing_is_acknowledged(qtbot, screen, room_rig):
    _, strip, _ = screen
    room_rig.act_as(room_rig.supervisor)  # a supervisor may not acknowledge alarms
    room_rig.feed(room_rig.first, spo2=85)
    entry = entry_for(strip, room_rig.first.session_id)
    qtbot.mouseClick(entry.acknowledge_button, Qt.MouseButton.LeftButton)
    assert "acknowledge alarms" in strip.notice.full_text()
    assert strip.notice.toolTip() == strip.notice.full_text()
    assert room_rig.first.alarms.active()[0].acknowledged_by is None


def test_nobody_acting_disables_acknowledge(qtbot, screen, room_rig):
    _, strip, _ = screen
    room_rig.act_as(None)
    room_rig.feed(room_rig.first, spo2=85)
    entry = entry_for(strip, room_rig.first.session_id)
    assert not entry.acknowledge_button.isEnabled()
    assert not strip.acknowledge(entry.alarm)
    assert strip.notice.full_text() == NOBODY_ACTING
    room_rig.act_as(room_rig.nurse)  # someone signs in: the window (or a hover) refreshes
    strip.refresh()
    assert entry.acknowledge_button.isEnabled()
    assert strip.notice.full_text() == ""


def test_more_alarms_than_fit_are_counted(qtbot, screen, room_rig):
    host, strip, _ = screen
    room_rig.feed(room_rig.first, spo2=85, rr=32, hr=130)
    room_rig.feed(room_rig.second, spo2=86, nibp_sys=190)
    assert len(strip.shown_alarms()) == 3
    assert strip.more_label.text() == "+2 more" and strip.more_label.isVisible()
    assert strip.hidden_count() == 2
    assert [a.alarm.priority.value for a in strip.shown_alarms()] == ["high", "high", "medium"]
    host.resize(600, 300)  # a narrow window lists fewer
    qtbot.waitUntil(lambda: len(strip.shown_alarms()) == 2, timeout=1000)
    assert strip.more_label.text() == "+3 more"


def test_clicking_an_alarm_asks_for_its_bed_unless_locked(qtbot, screen, room_rig):
    _, strip, _ = screen
    room_rig.feed(room_rig.second, spo2=85)
    entry = entry_for(strip, room_rig.second.session_id)
    with qtbot.waitSignal(strip.bedRequested, timeout=1000) as asked:
        qtbot.mouseClick(entry.link, Qt.MouseButton.LeftButton)
    assert asked.args == [room_rig.second.session_id]
    strip.set_interactive(False)  # the lock screen
    with qtbot.assertNotEmitted(strip.bedRequested):
        qtbot.mouseClick(entry.link, Qt.MouseButton.LeftButton)
    assert entry.acknowledge_button.isEnabled()  # the acting user may still acknowledge
