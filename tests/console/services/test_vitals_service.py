"""The vitals service over a real SQLite store: dedupe, one-second batches, manual sets, spool."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from console.domain.lifecycle import SessionState
from console.domain.vitals import Parameter as P
from console.errors import IllegalTransition, ValidationFailed
from console.services.sessions import SessionService
from console.services.store_status import StoreStatus
from console.services.vitals import BATCH_MS, NeedsConfirmation, VitalsService
from console.store.spool import Spool
from console.store.writer import DurableWriter, EntryState
from devices.base import DeviceEvent, Reading, WaveformChunk


@pytest.fixture
def services(qtbot, sqlite_clinic, clock, tmp_path):
    c = sqlite_clinic
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    sessions = SessionService(clock, c.people, c.sessions, c.access(writer), writer)
    vitals = VitalsService(clock, c.vitals, writer, c.access(writer))
    sessions.sessionChanged.connect(vitals.set_session)
    record = sessions.check_in(c.patient.id, c.room.id, c.therapist.id, c.nurse.id)
    sessions.open(record.id)
    yield sessions, vitals, record
    vitals.deleteLater()
    sessions.deleteLater()


def nibp(sys_: float, dia: float, mean: float, key: str) -> list[Reading]:
    return [
        Reading(P.NIBP_SYS, sys_, "mmHg", measurement_key=key),
        Reading(P.NIBP_DIA, dia, "mmHg", measurement_key=key),
        Reading(P.NIBP_MEAN, mean, "mmHg", measurement_key=key),
    ]


def test_a_cuff_reading_repeated_in_every_message_is_stored_once(
    qtbot, services, sqlite_clinic, clock
):
    _, vitals, record = services
    checks = []
    vitals.checkRecorded.connect(lambda: checks.append(1))
    for second in range(27):
        items = [Reading(P.HR, 80, "/min"), *nibp(121, 75, 92, "nibp:121/75/92")]
        vitals.ingest("ivy", items, clock.now() + timedelta(seconds=second))
    vitals.ingest("ivy", nibp(130, 80, 97, "nibp:130/80/97"), clock.now() + timedelta(seconds=30))
    vitals.flush()
    stored = sqlite_clinic.vitals.history(record.id)
    assert [p.value for p in stored if p.parameter is P.NIBP_SYS] == [121, 130]
    assert len([p for p in stored if p.parameter is P.HR]) == 27
    assert len(checks) == 2
    assert sqlite_clinic.sessions.check_times(record.id) == [
        clock.now(),
        clock.now() + timedelta(seconds=30),
    ]


def test_readings_reach_the_database_within_the_batch_interval(
    qtbot, services, sqlite_clinic, clock
):
    _, vitals, record = services
    vitals.ingest("masimo", [Reading(P.SPO2, 97, "%", t_device=clock.now())], clock.now())
    assert sqlite_clinic.vitals.history(record.id) == []  # batched, not one commit per sample
    qtbot.waitUntil(lambda: len(sqlite_clinic.vitals.history(record.id)) == 1, timeout=BATCH_MS * 4)
    point = sqlite_clinic.vitals.history(record.id)[0]
    assert point.source == "masimo" and point.value == 97 and point.device_time == clock.now()


def test_after_a_restart_the_last_cuff_reading_is_not_stored_again(
    qtbot, services, sqlite_clinic, clock, tmp_path
):
    _, vitals, record = services
    vitals.ingest("ivy", nibp(121, 75, 92, "k1"), clock.now())
    vitals.flush()
    writer = DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "s2.jsonl"))
    fresh = VitalsService(clock, sqlite_clinic.vitals, writer, sqlite_clinic.access(writer))
    fresh.set_session(sqlite_clinic.sessions.get(record.id))
    fresh.ingest("ivy", nibp(121, 75, 92, "k1"), clock.now() + timedelta(seconds=5))
    fresh.flush()
    assert (
        len([p for p in sqlite_clinic.vitals.history(record.id) if p.parameter is P.NIBP_SYS]) == 1
    )
    fresh.deleteLater()


def test_manual_sets_are_validated_confirmed_and_stored_with_the_author(services, sqlite_clinic):
    _, vitals, record = services
    nurse = sqlite_clinic.nurse.id
    with pytest.raises(ValidationFailed):
        vitals.record_manual({P.HR: "500", P.SPO2: "97"}, nurse, confirmed=False)
    assert sqlite_clinic.vitals.history(record.id) == []  # nothing partial
    with pytest.raises(NeedsConfirmation) as unusual:
        vitals.record_manual({P.NIBP_SYS: "230", P.NIBP_DIA: "100"}, nurse, confirmed=False)
    assert "SYS 230 is above" in unusual.value.reasons[0]
    assert sqlite_clinic.vitals.history(record.id) == []
    vitals.record_manual({P.NIBP_SYS: "230", P.NIBP_DIA: "100"}, nurse, confirmed=True)
    stored = sqlite_clinic.vitals.history(record.id)
    assert {(p.parameter, p.value, p.source, p.entered_by_id) for p in stored} == {
        (P.NIBP_SYS, 230, "manual", nurse),
        (P.NIBP_DIA, 100, "manual", nurse),
    }


def test_pleth_is_kept_as_one_blob_a_second_and_events_are_announced(
    qtbot, services, sqlite_clinic, clock
):
    _, vitals, record = services
    conditions = []
    vitals.conditionChanged.connect(conditions.append)
    for _ in range(9):  # 9 packets × 25 samples = 3 s at 75 Hz
        vitals.ingest("nonin", [WaveformChunk("pleth", 75.0, tuple(range(25)))], clock.now())
    vitals.ingest("nonin", [DeviceEvent("sensor_off")], clock.now())
    vitals.flush()
    assert sqlite_clinic.vitals.waveform_seconds(record.id, "pleth") == 3
    assert conditions[0].code == "sensor_off" and conditions[0].active


def test_a_locked_database_keeps_the_batch_in_the_spool(
    qtbot, services, sqlite_clinic, sqlite_store, clock
):
    _, vitals, record = services
    other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    with qtbot.waitSignal(vitals.storeProblem):
        vitals.ingest("masimo", [Reading(P.HR, 88, "/min")], clock.now())
        vitals.flush()
    other.rollback()
    other.close()
    fresh = DurableWriter(sqlite_clinic.targets, Spool(sqlite_clinic_spool(vitals)))
    assert fresh.flush() == 0
    assert [p.value for p in sqlite_clinic.vitals.history(record.id)] == [88]


def sqlite_clinic_spool(vitals: VitalsService):
    return vitals._writer._spool.path


def test_no_storage_after_the_session_closes(services, sqlite_clinic, clock):
    sessions, vitals, record = services
    sessions.transition(SessionState.ABORTED, sqlite_clinic.nurse.id, reason="test")
    vitals.ingest("masimo", [Reading(P.HR, 70, "/min")], clock.now())
    vitals.flush()
    assert sqlite_clinic.vitals.history(record.id) == []


def test_the_real_ivy_capture_stores_its_cuff_reading_once(
    services, sqlite_clinic, clock, device_fixture
):
    from devices.protocols.ivy import IvyDecoder

    _, vitals, record = services
    data = device_fixture("ivy_450c_ansar_b/Ivy450C.1.data").read_bytes()
    decoder = IvyDecoder()
    for offset in range(0, len(data), 512):  # as a serial port delivers it, in pieces
        clock.advance(timedelta(milliseconds=100))
        vitals.ingest("ivy", decoder.feed(data[offset : offset + 512]), clock.now())
    vitals.ingest("ivy", decoder.feed(b"\xfe\xff"), clock.now())  # the next header ends message 27
    vitals.flush()
    assert decoder.messages == 27
    stored = sqlite_clinic.vitals.history(record.id)
    cuff = [(p.parameter, p.value) for p in stored if p.parameter.value.startswith("nibp")]
    assert cuff == [(P.NIBP_SYS, 121), (P.NIBP_DIA, 75), (P.NIBP_MEAN, 92)]
    assert {p.value for p in stored if p.parameter is P.HR} == {80}
    assert {p.value for p in stored if p.parameter is P.SPO2} == {100}
    assert len([p for p in stored if p.parameter is P.HR]) == 27


def test_two_monitors_on_one_patient_keep_their_device_and_one_primary_source(
    qtbot, services, sqlite_clinic, clock
):
    _, vitals, record = services
    changed = []
    vitals.primaryChanged.connect(changed.append)
    for second in range(3):  # the oximeter first, then a multi-parameter monitor: both send SpO2
        vitals.ingest("masimo", [Reading(P.SPO2, 97, "%")], clock.now(), "/dev/pts/7")
        vitals.ingest("ivy", [Reading(P.SPO2, 92 + second, "%")], clock.now(), "/dev/pts/9")
        assert vitals.latest()[P.SPO2].device == "/dev/pts/7"  # the tile never flips
        clock.advance(timedelta(seconds=1))
    assert [p.device for p in vitals.sources(P.SPO2)] == ["/dev/pts/7", "/dev/pts/9"]
    assert [p.value for p in vitals.others()[P.SPO2]] == [94]
    shown = [p for p in vitals.sources(P.SPO2) if vitals.is_primary(p)]
    assert [p.device for p in shown] == ["/dev/pts/7"]
    # the user makes the monitor primary: the tile and trend follow it from now on
    vitals.set_primary(P.SPO2, "/dev/pts/9")
    assert changed == [P.SPO2]
    assert vitals.latest()[P.SPO2].value == 94 and vitals.others()[P.SPO2][0].value == 97
    with pytest.raises(IllegalTransition):
        vitals.set_primary(P.SPO2, "/dev/pts/1")
    # a value by hand is a source of its own and never takes the tile from a device
    vitals.record_manual({P.SPO2: "99"}, sqlite_clinic.nurse.id, confirmed=True)
    assert vitals.latest()[P.SPO2].device == "/dev/pts/9"
    assert {p.source for p in vitals.others()[P.SPO2]} == {"masimo", "manual"}
    vitals.flush()
    stored = sqlite_clinic.vitals.history(record.id)
    assert {p.device for p in stored if p.source == "masimo"} == {"/dev/pts/7"}
    assert {p.device for p in stored if p.source == "ivy"} == {"/dev/pts/9"}


def test_a_primary_monitor_that_falls_silent_hands_its_tile_to_one_that_sends(
    qtbot, services, clock
):
    _, vitals, _ = services
    vitals.ingest("masimo", [Reading(P.SPO2, 97, "%")], clock.now(), "/dev/ttyUSB0")
    clock.advance(timedelta(seconds=30))
    vitals.ingest("masimo", [Reading(P.SPO2, 96, "%")], clock.now(), "/dev/ttyUSB1")
    assert vitals.primary(P.SPO2) == "/dev/ttyUSB0"  # 30 s quiet: not yet
    clock.advance(timedelta(seconds=40))
    vitals.ingest("masimo", [Reading(P.SPO2, 95, "%")], clock.now(), "/dev/ttyUSB1")
    assert vitals.primary(P.SPO2) == "/dev/ttyUSB1"  # re-plugged on another port: it takes over
    assert vitals.latest()[P.SPO2].value == 95


def test_the_trend_keeps_a_moved_monitors_history_and_one_line_while_two_send(
    qtbot, services, clock
):
    _, vitals, _ = services
    start = clock.now()
    for second in range(3):  # the oximeter on ttyUSB0 …
        vitals.ingest("masimo", [Reading(P.SPO2, 97, "%")], start + timedelta(seconds=second))
    clock.advance(timedelta(minutes=5))  # … re-plugged: it comes back as ttyUSB1
    for second in range(3):
        at = clock.now() + timedelta(seconds=second)
        vitals.ingest("masimo", [Reading(P.SPO2, 95, "%")], at, "/dev/ttyUSB1")
        vitals.ingest("ivy", [Reading(P.SPO2, 91, "%")], at, "/dev/ttyUSB2")  # a second monitor
    drawn = vitals.for_trend(p.trend_row for p in vitals.history())
    assert [value for _, value, _, _ in drawn] == [97, 97, 97, 95, 95, 95]


def test_a_batch_the_database_refused_marks_its_readings_not_stored_but_a_spooled_one_does_not(
    qtbot, services, sqlite_clinic, sqlite_store, clock
):
    _, vitals, record = services
    vitals.follow_store(StoreStatus(vitals._writer, vitals))
    vitals.ingest("ivy", [Reading(P.HR, 70, "/min")], clock.now(), "pty")
    vitals.flush()
    stored = vitals.latest()[P.HR]
    # a device time the database cannot convert: the batch is set aside in the quarantine file
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))
    with qtbot.waitSignal(vitals.storedChanged, timeout=5000):
        vitals.ingest(
            "ivy",
            [Reading(P.HR, 71, "/min", t_device=year_one), Reading(P.SPO2, 97, "%")],
            clock.now() + timedelta(seconds=1),
            "pty",
        )
        vitals.flush()
    refused = vitals.latest()
    assert vitals.not_stored(refused[P.HR]) is EntryState.QUARANTINED
    assert vitals.not_stored(refused[P.SPO2]) is EntryState.QUARANTINED
    assert vitals.not_stored(stored) is None and vitals.unstored_count == 2
    # a locked database: the batch waits in the spool, safe on disk, and is not marked
    other = sqlite3.connect(sqlite_store.engine.url.database, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        vitals.ingest("ivy", [Reading(P.HR, 72, "/min")], clock.now() + timedelta(seconds=2), "pty")
        vitals.flush()
        qtbot.wait(100)
        assert vitals.not_stored(vitals.latest()[P.HR]) is None and vitals.unstored_count == 2
    finally:
        other.rollback()
        other.close()
    assert [p.value for p in sqlite_clinic.vitals.history(record.id)] == [70]
