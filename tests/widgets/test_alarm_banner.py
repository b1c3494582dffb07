"""The alarm banner and list over a real alarm service (and a real vitals service), offscreen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from console.domain.alarms import DEFAULT_LIMITS, AlarmEvent, EventKind, Priority
from console.domain.scales import load_definitions
from console.domain.vitals import Parameter as P
from console.domain.vitals import VitalPoint
from console.services.alarm_sound import SilentSound
from console.services.alarms import AlarmService
from console.services.vitals import DeviceCondition, VitalsService
from console.store.spool import Spool
from console.store.writer import DurableWriter
from devices.base import Reading
from widgets.alarm_banner import (
    CALM_TEXT,
    NOBODY_ACTING,
    AlarmBanner,
    AlarmList,
    AlarmSlot,
    local_time,
)
from widgets.theme import apply_theme

MOAAS = load_definitions([])["moaas"]

NAMES = {5: "Jordan Lee"}


@dataclass
class Rig:
    service: AlarmService
    sound: SilentSound
    banner: AlarmBanner
    window: QWidget
    events: list[AlarmEvent]
    acting: list[int | None] = field(default_factory=lambda: [None])


@pytest.fixture
def rig(qtbot, clock, sqlite_clinic, tmp_path):
    sound = SilentSound()
    events: list[AlarmEvent] = []
    sqlite_clinic.staff_up_to(5)  # the tests name staff 5
    access = sqlite_clinic.access(
        DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "spool.jsonl"))
    )
    service = AlarmService(clock, DEFAULT_LIMITS, events.append, sound, access=access)
    acting: list[int | None] = [None]
    window = QWidget()
    banner = AlarmBanner(service, lambda: acting[0], staff_name=lambda i: NAMES[i])
    QVBoxLayout(window).addWidget(AlarmSlot(banner))
    qtbot.addWidget(window)
    window.resize(900, 120)
    window.show()
    qtbot.waitExposed(window)
    yield Rig(service, sound, banner, window, events, acting)
    service.stop()
    QApplication.instance().setStyleSheet("")


def point(clock, parameter: P, value: float) -> VitalPoint:
    return VitalPoint(parameter, value, clock.now(), "masimo")


def banner_colour(banner: AlarmBanner) -> QColor:
    """The colour painted just inside the bar's right edge, below the button."""
    image = banner.grab().toImage()
    return image.pixelColor(image.width() - 3, image.height() - 3)


def settle() -> None:
    """Let a theme's restyling, the slot's measuring and the layouts that follow run."""
    for _ in range(3):
        QApplication.processEvents()


def slot_of(banner: AlarmBanner) -> AlarmSlot:
    slot = banner.parentWidget()
    assert isinstance(slot, AlarmSlot)
    return slot


def test_the_banner_is_hidden_while_nothing_alarms(rig):
    assert rig.banner.isHidden()
    assert rig.banner.current is None
    calm = slot_of(rig.banner).calm
    assert calm.isVisible() and calm.text() == CALM_TEXT


@pytest.mark.parametrize("theme", ["day", "night"])
def test_the_slot_keeps_the_banners_height_with_or_without_an_alarm(qtbot, rig, clock, theme):
    apply_theme(QApplication.instance(), theme)
    slot = slot_of(rig.banner)
    settle()
    calm_height, calm_top = slot.height(), slot.y()
    assert calm_height >= rig.banner.sizeHint().height() > 0
    rig.service.on_points([point(clock, P.SPO2, 86), point(clock, P.HR, 130)])
    rig.acting[0] = 5
    rig.banner.acknowledge_all()  # every line of the bar filled: message, "+1 more", who
    settle()
    assert rig.banner.isVisible() and slot.calm.isHidden()
    assert rig.banner.others.text() == "+1 more" and rig.banner.acknowledged.text()
    assert (slot.height(), slot.y()) == (calm_height, calm_top)
    assert rig.banner.geometry() == slot.rect()  # the bar fills the reserved space, no more
    rig.service.on_points([point(clock, P.SPO2, 97), point(clock, P.HR, 80)])
    settle()
    assert rig.banner.isHidden() and slot.calm.isVisible()
    assert (slot.height(), slot.y()) == (calm_height, calm_top)


def test_an_alarm_coming_and_going_moves_nothing_and_the_window_keeps_its_size(
    qtbot, app, sqlite_clinic
):
    window = app.window
    window.showNormal()
    window.resize(1280, 760)
    view = app.open(sqlite_clinic.check_in(app.clock.now()))
    QApplication.processEvents()
    size = window.size()

    def places() -> tuple[QPoint, QPoint, int]:
        QApplication.processEvents()  # the layouts settle
        origin = QPoint(0, 0)
        return (view.page_tabs.mapTo(window, origin), view.pages.mapTo(window, origin), size)

    for page_key in (Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F7):
        qtbot.keyClick(window, page_key)
        before = places()
        app.alarms.on_points([point(app.clock, P.SPO2, 85), point(app.clock, P.HR, 135)])
        assert view.alarm_banner.isVisible()
        assert places() == before
        assert window.size() == size
        app.alarms.on_points([point(app.clock, P.SPO2, 97), point(app.clock, P.HR, 80)])
        assert view.alarm_banner.isHidden() and view.alarm_slot.calm.isVisible()
        assert places() == before
        assert window.size() == size
    # a problem line above the console may squeeze the page; it never stretches the window
    window.show_problem("The database is not answering; entries are kept and retried.")
    QApplication.processEvents()
    assert window.size() == size


def test_an_abnormal_reading_shows_text_and_colour_and_a_normal_one_hides_it(qtbot, rig, clock):
    apply_theme(QApplication.instance(), "day")
    rig.service.on_points([point(clock, P.NIBP_SYS, 186)])
    # shown in the same turn as the reading, without waiting for the service's timer
    assert rig.banner.isVisible()
    assert rig.banner.message.text() == "SBP 186 > 180"
    assert rig.banner.marker.text() == "!!"
    assert rig.banner.property("priority") == "medium"
    assert rig.banner.message.property("priority") == "medium"
    yellow = banner_colour(rig.banner)
    assert 40 <= yellow.hue() <= 55 and yellow.saturation() > 150  # the theme's yellow

    rig.service.on_rating(MOAAS, 1)
    assert rig.banner.message.text() == "MOAA/S 1 ≤ 1"
    assert rig.banner.property("priority") == "high"
    assert rig.banner.others.text() == "+1 more"
    red = banner_colour(rig.banner)
    assert (red.hue() < 10 or red.hue() > 350) and red.saturation() > 150

    rig.service.on_rating(MOAAS, 4)
    rig.service.on_points([point(clock, P.NIBP_SYS, 150)])
    assert rig.banner.isHidden()
    assert slot_of(rig.banner).calm.isVisible()  # the calm line holds the bar's place


def test_night_colours_are_dim_variants_of_the_same_hues(qtbot, rig, clock):
    apply_theme(QApplication.instance(), "night")
    rig.service.on_device_condition(DeviceCondition("masimo", "no_finger", True, "", clock.now()))
    assert rig.banner.message.text() == "masimo: no finger"
    assert rig.banner.property("priority") == "low"
    cyan = banner_colour(rig.banner)
    assert 175 <= cyan.hue() <= 200 and cyan.value() < 80  # cyan, and dark for the dim room
    rig.service.on_points([point(clock, P.SPO2, 86)])
    red = banner_colour(rig.banner)
    assert (red.hue() < 10 or red.hue() > 350) and red.value() < 80


def test_acknowledge_needs_someone_acting(qtbot, rig, clock):
    rig.service.on_points([point(clock, P.SPO2, 86)])
    qtbot.mouseClick(rig.banner.acknowledge_button, Qt.MouseButton.LeftButton)
    assert rig.banner.notice.text() == NOBODY_ACTING and rig.banner.notice.isVisible()
    assert [e.kind for e in rig.events] == [EventKind.RAISED]
    assert rig.sound.playing is Priority.HIGH

    rig.acting[0] = 5
    clock.advance(timedelta(seconds=4))
    qtbot.mouseClick(rig.banner.acknowledge_button, Qt.MouseButton.LeftButton)
    assert rig.banner.notice.isHidden()
    assert [(e.kind, e.staff_id, e.at) for e in rig.events][-1] == (
        EventKind.ACKNOWLEDGED,
        5,
        clock.now(),
    )
    assert rig.sound.playing is None
    # silenced, but the alarm stays on screen until its condition clears
    assert rig.banner.isVisible() and rig.banner.message.text() == "SpO2 86 < 88"
    assert (
        rig.banner.acknowledged.text() == f"Acknowledged by Jordan Lee at {local_time(clock.now())}"
    )


def test_the_keyboard_shortcut_acknowledges(qtbot, rig, clock):
    rig.acting[0] = 5
    rig.service.on_points([point(clock, P.HR, 130)])
    rig.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is rig.window, timeout=2000)
    qtbot.keyClick(
        rig.window,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert [e.kind for e in rig.events] == [EventKind.RAISED, EventKind.ACKNOWLEDGED]


def test_the_list_shows_active_alarms_and_the_history(qtbot, rig, clock):
    rig.service.on_points([point(clock, P.NIBP_SYS, 186)])  # before the list: read from history
    alarms = AlarmList(rig.service, staff_name=lambda i: NAMES[i])
    qtbot.addWidget(alarms)
    raised = clock.now()
    assert alarms.active.topLevelItemCount() == 1
    assert alarms.active.topLevelItem(0).text(1) == "SBP 186 > 180"
    rig.service.on_rating(MOAAS, 0)
    assert [alarms.active.topLevelItem(i).text(0) for i in range(2)] == ["!!! high", "!! medium"]

    clock.advance(timedelta(seconds=30))
    rig.service.acknowledge("limit:nibp_sys@masimo", 5)
    clock.advance(timedelta(seconds=30))
    rig.service.on_points([point(clock, P.NIBP_SYS, 140)])
    assert alarms.active.topLevelItemCount() == 1
    rows = [
        [alarms.history.topLevelItem(r).text(c) for c in range(5)]
        for r in range(alarms.history.topLevelItemCount())
    ]
    assert rows == [
        [local_time(raised), "!!! high", "MOAA/S 0 ≤ 1", "", ""],
        [
            local_time(raised),
            "!! medium",
            "SBP 186 > 180",
            f"Jordan Lee at {local_time(raised + timedelta(seconds=30))}",
            local_time(clock.now()),
        ],
    ]
    rig.service.on_rating(MOAAS, 5)
    assert alarms.active.isHidden() and not alarms.empty.isHidden()


def test_a_device_reading_reaches_the_banner_through_the_vitals_service(
    qtbot, rig, clock, sqlite_clinic, tmp_path
):
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "s.jsonl"))
    vitals = VitalsService(clock, c.vitals, writer, c.access(writer))
    vitals.pointsAdded.connect(rig.service.on_points)
    vitals.conditionChanged.connect(rig.service.on_device_condition)
    vitals.ingest("masimo", [Reading(P.SPO2, 86, "%"), Reading(P.PR, 90, "/min")], clock.now())
    assert rig.banner.isVisible() and rig.banner.message.text() == "SpO2 86 < 88"
    vitals.ingest("masimo", [Reading(P.SPO2, 97, "%")], clock.now() + timedelta(seconds=1))
    assert rig.banner.isHidden()
    vitals.deleteLater()
