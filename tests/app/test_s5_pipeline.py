"""End to end for the GE S/5: simulator on a pty → reader (which asks) → vitals → SQLite → tiles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console.domain.vitals import Parameter
from console.services.devices import DeviceManager, DeviceSpec
from console.services.sessions import SessionService
from console.services.vitals import VitalsService
from console.settings import Settings
from devices.reader import ReaderState
from main import build_services
from widgets.vitals.panel import VitalsPanel


class OnePatient:
    """The room's device manager with every monitor connected to one patient's bed."""

    def __init__(self, devices: DeviceManager, session_id: int, who: int) -> None:
        self._devices, self._session_id, self._who = devices, session_id, who

    def connect_device(self, spec: DeviceSpec) -> None:
        self._devices.connect_device(spec, self._session_id, self._who)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._devices, name)


@pytest.fixture
def console(
    qtbot, sqlite_clinic, sqlite_store, tmp_path
) -> Iterator[tuple[SessionService, VitalsService, OnePatient, VitalsPanel]]:
    # the real clock: the reader stamps host times, the panel ages values against the same clock
    from console.clock import SystemClock

    clock = SystemClock()
    c = sqlite_clinic
    services = build_services(sqlite_store, clock, tmp_path / "spool.jsonl", Settings())
    services.room.load()
    bed = services.room.check_in(
        c.patient.id, c.room.id, 1, c.therapist.id, c.nurse.id, by_staff_id=c.therapist.id
    )
    panel = VitalsPanel(bed.vitals, bed.session, clock)
    qtbot.addWidget(panel)
    panel.show()
    try:
        yield (
            bed.session,
            bed.vitals,
            OnePatient(services.devices, bed.session_id, c.nurse.id),
            panel,
        )
    finally:
        services.stop()
        panel.stop()


def test_s5_values_and_pleth_are_stored_and_shown(qtbot, console, simulator, sqlite_clinic):
    sessions, vitals, devices, panel = console
    port = simulator("s5", "--speed", "4", "--t0-offset-min", "10")
    devices.connect_device(DeviceSpec("s5", port))  # the monitor is silent until the reader asks
    for param in (Parameter.NIBP_SYS, Parameter.HR, Parameter.SPO2, Parameter.ETCO2):
        qtbot.waitUntil(lambda p=param: panel.tiles.tile_text(p) != "—", timeout=15_000)
    qtbot.waitUntil(lambda: panel.pleth.received > 0, timeout=5_000)
    vitals.flush()
    stored = sqlite_clinic.vitals.history(sessions.active.id)
    assert {(p.source, p.device) for p in stored} == {("s5", port)}
    hr = [p for p in stored if p.parameter is Parameter.HR]
    assert panel.tiles.tile_text(Parameter.HR) in {f"{p.value:.0f}" for p in hr}
    assert all(p.device_time is not None for p in stored)  # the record time, kept beside ours
    etco2 = [p.value for p in stored if p.parameter is Parameter.ETCO2]
    assert etco2 and all(25 <= v <= 50 for v in etco2)  # mmHg, converted from the %
    sys_values = [p for p in stored if p.parameter is Parameter.NIBP_SYS]
    assert panel.tiles.tile_text(Parameter.NIBP_SYS).startswith(f"{sys_values[-1].value:.0f}/")
    # the monitor repeats the last cuff reading in every record: stored once per measurement
    assert len({p.measurement_key for p in sys_values}) == len(sys_values)


def test_s5_after_a_pulled_cable_the_reader_asks_again(qtbot, console, simulator):
    _sessions, vitals, devices, _panel = console
    port = simulator("s5", "--speed", "4", "--event", "cable_pull@8:4")
    seen: list[Parameter] = []
    vitals.pointsAdded.connect(lambda points: seen.extend(p.parameter for p in points))
    states: list[ReaderState] = []
    devices.statusChanged.connect(lambda status: states.append(status.state))
    devices.connect_device(DeviceSpec("s5", port))
    qtbot.waitUntil(lambda: ReaderState.DISCONNECTED in states, timeout=15_000)
    before = seen.count(Parameter.HR)
    assert before > 0
    # the simulated interface forgot the request with the cable: values again mean it was asked
    qtbot.waitUntil(lambda: seen.count(Parameter.HR) > before + 1, timeout=20_000)
    status = devices.status(port)
    assert status is not None and status.reconnects >= 1
    assert status.state is ReaderState.CONNECTED
