"""Three patients in one room through the real window, each with their own simulated monitor.

Check-in of three patients into chairs 1–3 → a real simulator on a real pty bound to each through
the connect dialog → every stored reading belongs to the patient whose monitor sent it → an
alarm on bed 2 while bed 1 is shown is acknowledged from the strip → bed 1 is discharged while
beds 2 and 3 go on → a second monitor sending SpO2 on bed 3 raises no flapping alarm.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from console.clock import SystemClock
from console.domain.alarms import EventKind
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft
from console.store.vitals_repository import VitalsRepository
from tests.widgets.conftest import PASSWORD, App, give_accounts, open_console

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def room(qtbot, sqlite_clinic, sqlite_store, tmp_path) -> Iterator[App]:
    """The real window on the real clock (readers stamp host times); the nurse signed in."""
    c = sqlite_clinic
    give_accounts(c)
    for n, name in ((2, "K. L."), (3, "M. N.")):
        c.people.add_patient(
            PatientDraft(name, f"MRN-{n}", c.patient.date_of_birth, 70.0), c.clock.now()
        )
    with open_console(
        qtbot, sqlite_store, SystemClock(), tmp_path, "nurse", theme="night", size=(1600, 1000)
    ) as running:
        yield running


def check_in(qtbot, app: App, patient_id: int, chair: int) -> int:
    window = app.window
    window.show_start()
    start = window.start_screen
    start.patient_pick.setCurrentIndex(start.patient_pick.findData(patient_id))
    assert start.chair_pick.currentData() == chair  # the first free chair is offered
    qtbot.mouseClick(start.check_in_button, LEFT)
    assert window.bed_view is not None
    return window.bed_view.bed.session_id


def connect(qtbot, app: App, session_id: int, protocol: str, port: str) -> None:
    """Through the bed's Monitors tab: Ctrl+Shift+M on the bed shown, the patient preselected."""
    app.window.show_bed(session_id)
    app.window.activateWindow()  # the previous dialog had the focus
    qtbot.waitUntil(app.window.isActiveWindow, timeout=2000)
    qtbot.keyClick(
        app.window,
        Qt.Key.Key_M,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = app.view.device_status.dialog
    assert dialog is not None and dialog.patient() == session_id
    dialog.choose(protocol, port)
    qtbot.mouseClick(dialog.connect_button, LEFT)
    qtbot.waitUntil(lambda: app.services.devices.bound_session(port) == session_id, timeout=5000)


def dose(app: App, session_id: int) -> None:
    bed = app.services.room.bed(session_id)
    assert bed is not None
    nurse = app.window.acting_staff_id()
    bed.session.transition(SessionState.BASELINE, nurse)
    bed.session.transition(SessionState.MONITORING, nurse)


@pytest.mark.slow
def test_three_patients_in_one_room_each_with_their_own_monitor(
    qtbot, room, simulator, sqlite_clinic, sqlite_store
):
    app, c = room, sqlite_clinic
    patients = [p.id for p in c.people.patients()]
    beds = [check_in(qtbot, app, patient, chair) for chair, patient in enumerate(patients, 1)]
    assert [b.session_id for b in app.services.room.beds()] == beds
    for session_id in beds:
        dose(app, session_id)
    ports = {
        beds[0]: simulator("ivy", "--t0-offset-min", "20"),
        beds[1]: simulator("masimo", "--event", "desaturation@4:60"),
        beds[2]: simulator("nonin"),
    }
    for session_id, protocol in zip(beds, ("ivy", "masimo", "nonin"), strict=True):
        connect(qtbot, app, session_id, protocol, ports[session_id])

    # the overview: one tile per bed, each with its own patient's numbers
    app.window.show_overview()
    overview = app.window.overview
    assert [t.session_id for t in overview.tiles()] == beds
    qtbot.waitUntil(
        lambda: all(overview.tile(s).numeric("spo2") not in ("", "—") for s in beds),
        timeout=15_000,
    )

    # an alarm on bed 2 while bed 1 is shown: in the strip with bed 2's label, acknowledged there
    app.window.show_bed(beds[0])
    strip = app.window.alarm_strip
    bed_two = app.services.room.bed(beds[1])
    assert bed_two is not None
    qtbot.waitUntil(
        lambda: any(a.session_id == beds[1] for a in strip.shown_alarms()), timeout=20_000
    )
    entry = next(e for e in strip.entries if e.alarm is not None and e.alarm.session_id == beds[1])
    assert bed_two.label in entry.link.full_text()
    assert app.view.bed.session_id == beds[0]  # the view did not move
    qtbot.mouseClick(entry.acknowledge_button, LEFT)
    acked = [a for a in bed_two.alarms.active() if a.acknowledged_by is not None]
    assert acked and all(
        a.key.endswith(ports[beds[1]]) for a in acked if a.key.startswith("limit:")
    )
    entries = c.audit.entries()
    ack = [e for e in entries if e.action == "alarm-ack"][-1]
    assert f'"session_id":{beds[1]}' in ack.detail and '"via":"strip"' in ack.detail
    bed_one = app.services.room.bed(beds[0])
    assert bed_one is not None
    assert all(a.acknowledged_by is None for a in bed_one.alarms.active())

    # bed 1 is discharged while beds 2 and 3 go on (the checklist itself is walked through in
    # test_walkthrough: here the nurse signs with an override for the items left open)
    nurse = app.window.acting_staff_id()
    bed_one.session.transition(SessionState.RECOVERY, nurse)
    bed_one.discharge.discharge(nurse, PASSWORD, override_reason="left with partner, reviewed")
    assert c.sessions.get(beds[0]).state is SessionState.DISCHARGED
    assert app.services.room.bed(beds[0]) is None
    assert app.services.devices.ports_of(beds[0]) == []
    app.window.show_overview()
    assert [t.session_id for t in overview.tiles()] == beds[1:]
    assert app.window.view_of(beds[0]) is None

    # a second monitor sending SpO2 on bed 3: no alarm raises and clears in turn
    bed_three = app.services.room.bed(beds[2])
    assert bed_three is not None
    events: list[tuple[EventKind, str]] = []
    bed_three.alarms.alarmEvent.connect(lambda event: events.append((event.kind, event.key)))
    extra = simulator("masimo", "--event", "desaturation@1:30")
    connect(qtbot, app, beds[2], "masimo", extra)
    qtbot.waitUntil(lambda: len(bed_three.vitals.sources(c_spo2())) == 2, timeout=10_000)
    spo2_extra = f"limit:spo2@{extra}"
    qtbot.waitUntil(lambda: (EventKind.RAISED, spo2_extra) in events, timeout=20_000)
    qtbot.wait(5000)  # both monitors go on sending SpO2, one low and one normal
    for key in {key for _, key in events}:
        kinds = [kind for kind, k in events if k == key]
        assert kinds.count(EventKind.RAISED) == 1 and kinds.count(EventKind.CLEARED) <= 1, events
    assert any(a.key == spo2_extra for a in bed_three.alarms.active())  # it stands, unflapping
    assert bed_three.vitals.latest()[c_spo2()].device == ports[beds[2]]  # the first stays primary

    # every stored reading belongs to the patient whose monitor sent it
    for session_id in beds:
        bed = app.services.room.bed(session_id)
        if bed is not None:
            bed.vitals.flush()
    repo = VitalsRepository(sqlite_store)
    assert {p.device for p in repo.history(beds[0])} <= {ports[beds[0]]}
    assert {p.device for p in repo.history(beds[1])} == {ports[beds[1]]}
    assert {p.device for p in repo.history(beds[2])} == {ports[beds[2]], extra}
    assert repo.history(beds[0])  # bed 1 recorded while it was open


def c_spo2():
    from console.domain.vitals import Parameter

    return Parameter.SPO2
