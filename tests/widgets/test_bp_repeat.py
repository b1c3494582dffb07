"""The BP gate judges the latest pre-dose set: a rested repeat lifts the hold; both sets show."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from console.domain.events import OverrideKind
from console.domain.predose import GateLevel
from console.domain.vitals import Parameter
from devices.base import Reading
from tests.console.services.test_workflow_service import RIDE
from tests.widgets.test_predose_and_dose import screen, type_into  # noqa: F401 - the fixture


def test_a_rested_repeat_reading_lifts_the_hold(qtbot, screen):  # noqa: F811
    rig, panel, form = screen.rig, screen.panel, screen.form
    rig.service.save_predose(RIDE, rig.nurse)
    rig.baseline(172, 106)
    assert rig.service.gate_status()[0] is GateLevel.HOLD
    assert panel.gate.property("level") == "hold" and "172/106" in panel.gate.text()
    assert not form.record_button.isEnabled()
    assert panel.override_kind.currentData() == OverrideKind.BP_GATE
    first = rig.clock.now().astimezone().strftime("%H:%M")

    rig.clock.advance(timedelta(minutes=10))  # rested, then the cuff again
    rig.baseline(128, 80)
    second = rig.clock.now().astimezone().strftime("%H:%M")
    level, text = rig.service.gate_status()
    assert level is GateLevel.OK and f"Latest pre-dose BP ({second}) 128/80" in text
    assert panel.gate.property("level") == "ok"
    assert form.record_button.isEnabled() and form.blocked.isHidden()
    assert panel.override_box.isHidden()  # nothing left to override
    sets = panel.sets.text().splitlines()
    assert sets[0] == "Pre-dose sets:"
    assert sets[1].startswith(f"{first}  BP 172/106") and sets[1].endswith("(first: the baseline)")
    assert sets[2].startswith(f"{second}  BP 128/80") and "judged by the gate" in sets[2]
    baseline = rig.service.baseline()  # the first set stays the baseline of the record
    assert baseline is not None and baseline[Parameter.NIBP_SYS] == 172

    type_into(qtbot, form.amount, "50")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert [d.amount_mg for d in rig.doses.doses(rig.record.id)] == [50]
    assert "BP 172/106" in panel.sets.text()  # the record keeps showing both after the dose


def test_a_high_repeat_still_holds_and_the_override_path_is_unchanged(qtbot, screen):  # noqa: F811
    rig, panel = screen.rig, screen.panel
    rig.service.save_predose(RIDE, rig.nurse)
    rig.baseline(150, 88)
    assert rig.service.gate_status()[0] is GateLevel.WARN
    rig.clock.advance(timedelta(minutes=5))
    rig.baseline(168, 104)
    assert rig.service.gate_status()[0] is GateLevel.HOLD
    override = rig.service.override(
        OverrideKind.BP_GATE, "anxious; repeat planned", rig.nurse, "1234"
    )
    assert (override.detail["baseline_sys"], override.detail["baseline_dia"]) == (168, 104)
    assert panel.override_box.isHidden() and screen.form.record_button.isEnabled()


def test_a_set_older_than_the_window_asks_for_a_fresh_one(qtbot, screen):  # noqa: F811
    rig, panel = screen.rig, screen.panel
    rig.service.save_predose(RIDE, rig.nurse)
    rig.baseline(128, 80)
    assert rig.service.gate_status()[0] is GateLevel.OK
    rig.clock.advance(timedelta(minutes=20))
    rig.service.changed.emit()
    level, text = rig.service.gate_status()
    assert level is GateLevel.WARN and "20 min old: take a fresh set" in text
    assert panel.gate.property("level") == "warn"
    assert screen.form.record_button.isEnabled()  # a caution, not a hold


def test_a_monitor_stream_and_a_cuff_repeat_move_the_gate(qtbot, screen):  # noqa: F811
    rig, form = screen.rig, screen.form
    rig.service.save_predose(RIDE, rig.nurse)

    def second(**cuff: float) -> None:
        items = [
            Reading(Parameter.HR, 76, "/min"),
            Reading(Parameter.SPO2, 98, "%"),
            Reading(Parameter.RR, 14, "/min"),
        ]
        items += [
            Reading(Parameter(k), v, "mmHg", measurement_key=f"cuff-{v}") for k, v in cuff.items()
        ]
        rig.vitals.ingest("masimo", items, rig.clock.now(), "/dev/ttySIM0")
        rig.clock.advance(timedelta(seconds=1))

    for _ in range(5):
        second()
    second(nibp_sys=172, nibp_dia=106)
    for _ in range(5):
        second()
    assert rig.service.gate_status()[0] is GateLevel.HOLD
    assert not form.record_button.isEnabled()
    rig.clock.advance(timedelta(minutes=8))  # the monitor was off: the cuff comes alone
    cuff = [
        Reading(Parameter.NIBP_SYS, 128, "mmHg", measurement_key="cuff-2"),
        Reading(Parameter.NIBP_DIA, 80, "mmHg", measurement_key="cuff-2"),
    ]
    rig.vitals.ingest("masimo", cuff, rig.clock.now(), "/dev/ttySIM0")
    assert rig.service.gate_status()[0] is GateLevel.HOLD  # no full set around it yet
    rig.clock.advance(timedelta(seconds=2))
    second()  # HR, SpO2 and RR again: the repeat completes its set
    assert rig.service.gate_status()[0] is GateLevel.OK
    assert form.record_button.isEnabled()
    assert len(rig.service.predose_sets()) == 2
