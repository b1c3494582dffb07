"""End to end: the simulator on a real pty → reader thread → vitals service → SQLite → the tiles
(every protocol; the GE S/5 answers only once the reader asks)."""

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


def test_simulated_monitor_values_are_stored_and_shown(qtbot, console, simulator, sqlite_clinic):
    sessions, vitals, devices, panel = console
    port = simulator("ivy", "--speed", "4", "--t0-offset-min", "10")
    devices.connect_device(DeviceSpec("ivy", port))
    qtbot.waitUntil(lambda: panel.tiles.tile_text(Parameter.NIBP_SYS) != "—", timeout=10_000)
    qtbot.waitUntil(lambda: panel.tiles.tile_text(Parameter.HR) != "—", timeout=5_000)
    vitals.flush()
    stored = sqlite_clinic.vitals.history(sessions.active.id)
    latest_hr = [p for p in stored if p.parameter is Parameter.HR][-1]
    assert panel.tiles.tile_text(Parameter.HR) in {
        f"{p.value:.0f}" for p in stored if p.parameter is Parameter.HR
    }
    assert 40 <= latest_hr.value <= 150 and latest_hr.source == "ivy"
    sys_values = [p for p in stored if p.parameter is Parameter.NIBP_SYS]
    assert panel.tiles.tile_text(Parameter.NIBP_SYS).startswith(f"{sys_values[-1].value:.0f}/")
    # the simulator repeats each cuff measurement in every message: stored once per measurement
    assert len({p.measurement_key for p in sys_values}) == len(sys_values)


@pytest.mark.slow
def test_a_pulled_cable_is_shown_reconnects_by_itself_and_loses_no_reading(
    qtbot, console, simulator, sqlite_clinic
):
    sessions, vitals, devices, _panel = console
    port = simulator("masimo", "--speed", "5", "--event", "cable_pull@3:2")
    seen: list[tuple[Parameter, float]] = []
    vitals.pointsAdded.connect(lambda points: seen.extend((p.parameter, p.value) for p in points))
    states: list[ReaderState] = []
    devices.statusChanged.connect(lambda status: states.append(status.state))
    devices.connect_device(DeviceSpec("masimo", port))
    qtbot.waitUntil(lambda: ReaderState.DISCONNECTED in states, timeout=15_000)
    before = len(seen)
    assert before > 0
    qtbot.waitUntil(
        lambda: states[-1] is ReaderState.CONNECTED and len(seen) > before + 3, timeout=20_000
    )
    status = devices.status(port)
    assert status is not None and status.reconnects >= 1
    vitals.flush()
    stored = [(p.parameter, p.value) for p in sqlite_clinic.vitals.history(sessions.active.id)]
    assert stored == seen  # every reading shown before and after the pull is in the record


def test_an_hl7_gateway_sends_over_tcp_to_the_listener(qtbot, console, simulator, sqlite_clinic):
    import socket

    sessions, vitals, devices, panel = console
    with socket.socket() as probe:  # a free loopback port for this test
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    address = f"mllp://127.0.0.1:{free}"
    devices.connect_device(DeviceSpec("hl7", address))
    qtbot.waitUntil(
        lambda: (s := devices.status(address)) is not None and s.state is ReaderState.LISTENING,
        timeout=5_000,
    )
    simulator("hl7", "--speed", "4", "--connect", f"127.0.0.1:{free}")
    qtbot.waitUntil(lambda: panel.tiles.tile_text(Parameter.SPO2) != "—", timeout=15_000)
    vitals.flush()
    stored = sqlite_clinic.vitals.history(sessions.active.id)
    assert {p.source for p in stored} == {"hl7"}
    assert any(p.parameter is Parameter.SPO2 and 85 <= p.value <= 100 for p in stored)


def test_only_hl7_listens_and_only_on_this_machine(console):
    from console.errors import VigilError

    _, _, devices, _ = console
    with pytest.raises(VigilError, match="Only HL7"):
        devices.connect_device(DeviceSpec("masimo", "mllp://127.0.0.1:2575"))
    with pytest.raises(VigilError, match=r"mllp://127\.0\.0\.1:PORT"):
        devices.connect_device(DeviceSpec("hl7", "mllp://10.0.0.5:2575"))


def test_each_value_names_the_port_it_came_from(qtbot, console, simulator, sqlite_clinic):
    sessions, vitals, devices, _ = console
    port = simulator("masimo", "--speed", "5")
    devices.connect_device(DeviceSpec("masimo", port))
    qtbot.waitUntil(lambda: bool(vitals.latest()), timeout=10_000)
    vitals.flush()
    stored = sqlite_clinic.vitals.history(sessions.active.id)
    assert stored and {(p.source, p.device) for p in stored} == {("masimo", port)}


# ---- the GE S/5: silent until the reader asks --------------------------------------------------
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
