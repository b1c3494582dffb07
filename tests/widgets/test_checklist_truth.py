"""Checklist truth: a tick the bed's alarms contradict needs a signed override; no false "fit"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.domain.discharge import Ambulation, ItemId, NauseaControl
from console.domain.events import OverrideKind
from console.services.bed import Bed
from console.services.people import PeopleService
from tests.widgets.conftest import PASSWORD, give_accounts
from tests.widgets.room_fixtures import RoomRig, room_rig  # noqa: F401 - the fixture
from tests.widgets.test_discharge_panel import make_fit_by_hand, room  # noqa: F401 - fixture
from widgets.discharge_panel import DischargePanel
from widgets.theme import apply_theme

STABLE = ItemId.VITALS_STABLE.value


@pytest.fixture
def bedside(qtbot, room_rig: RoomRig) -> Iterator[tuple[RoomRig, Bed, DischargePanel]]:  # noqa: F811
    """The first bed dosed, its discharge panel shown over the bed's own services."""
    give_accounts(room_rig.clinic)
    bed = room_rig.first
    room_rig.dose(bed)
    people = PeopleService(room_rig.clock, room_rig.clinic.people)
    qapp = QApplication.instance()
    apply_theme(qapp, "night")
    panel = DischargePanel(bed.discharge, people, room_rig.actor)
    qtbot.addWidget(panel)
    panel.resize(1400, 1000)
    panel.show()
    qtbot.waitExposed(panel)
    yield room_rig, bed, panel
    panel.close()
    qapp.setStyleSheet("")


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def item(bed: Bed, item_id: str):
    state = bed.discharge.state()
    assert state is not None
    return next(i for i in state.items if i.id == item_id)


def test_stable_vitals_cannot_be_ticked_under_an_active_alarm_without_an_override(
    qtbot,
    bedside,
):
    rig, bed, panel = bedside
    rig.feed(bed, hr=80, spo2=97, nibp_sys=205, nibp_dia=96)
    assert any("SBP 205" in a.condition.message for a in bed.alarms.active())
    box = panel.item_boxes[STABLE]
    click(qtbot, box)
    assert not box.isChecked() and not item(bed, STABLE).done
    assert panel.item_override_box.isVisible()
    assert "SBP 205" in panel.item_override_text.text()
    assert rig.services.workflow_repo.overrides(bed.session_id) == []

    click(qtbot, panel.item_sign_button)  # no reason, no password: nothing is ticked
    errors = {k: v.text() for k, v in panel.errors.items() if v.isVisible() and v.text()}
    assert set(errors) == {"item_reason", "item_pin"}
    assert "SBP 205" in errors["item_reason"]
    assert not item(bed, STABLE).done

    qtbot.keyClicks(panel.item_reason_edit, "cuff on a moving arm; manual 138/84")
    qtbot.keyClicks(panel.item_pin_edit, "wrong password")
    qtbot.keyClick(panel.item_pin_edit, Qt.Key.Key_Return)
    assert panel.errors["item_pin"].isVisible() and not item(bed, STABLE).done

    qtbot.keyClicks(panel.item_pin_edit, PASSWORD)
    qtbot.keyClick(panel.item_pin_edit, Qt.Key.Key_Return)
    stable = item(bed, STABLE)
    assert stable.done and stable.overridden == "cuff on a moving arm; manual 138/84"
    assert box.isChecked() and panel.item_override_box.isHidden()
    assert "override: cuff on a moving arm" in panel.item_marks[STABLE].text()
    [override] = rig.services.workflow_repo.overrides(bed.session_id)
    assert override.kind is OverrideKind.CHECKLIST and override.detail["item"] == STABLE
    assert "SBP 205" in override.detail["against"]


def test_a_tick_an_alarm_later_contradicts_reopens_the_item(qtbot, bedside):
    rig, bed, panel = bedside
    box = panel.item_boxes[STABLE]
    click(qtbot, box)  # no alarm: an ordinary tick
    assert box.isChecked() and item(bed, STABLE).done
    rig.feed(bed, hr=80, spo2=97, nibp_sys=205, nibp_dia=96)
    stable = item(bed, STABLE)
    assert not stable.done and "ticked, but active vital-sign alarm" in stable.problem
    assert not box.isChecked() and panel.item_marks[STABLE].text().startswith("⚠")
    assert "ticked, but active vital-sign alarm: SBP 205" in panel.blockers_label.text()

    # a PADSS answer contradicts "steady gait" the same way
    panel.ambulation_combo.setCurrentIndex(
        panel.ambulation_combo.findData(int(Ambulation.NEEDS_HELP))
    )
    click(qtbot, panel.item_boxes[ItemId.STEADY_GAIT.value])
    assert not item(bed, ItemId.STEADY_GAIT.value).done
    assert "walks with help" in panel.item_override_text.text()


def test_the_padss_summary_never_says_fit_while_discharge_is_blocked(
    qtbot,
    room,  # noqa: F811
):
    panel = room.panel
    room.click(qtbot, panel.vitals_confirm_button)
    panel.ambulation_combo.setCurrentIndex(panel.ambulation_combo.findData(int(Ambulation.STEADY)))
    panel.nausea_combo.setCurrentIndex(
        panel.nausea_combo.findData(int(NauseaControl.NONE_NEEDING_TREATMENT))
    )
    state = room.service.state()
    assert state is not None and state.padss.score is not None
    assert state.padss.score.total == 10 and state.blockers
    text = panel.padss_total.text()
    assert "fit for discharge" not in text
    assert text.startswith("PADSS 10 / 10 — the score reaches 9, but discharge is blocked")
    assert panel.padss_total.objectName() != "minimumMet"

    make_fit_by_hand(qtbot, room)
    assert panel.padss_total.text() == "PADSS 10 / 10 — fit for discharge"
    assert panel.padss_total.objectName() == "minimumMet"
