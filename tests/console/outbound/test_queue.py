"""The queue in the database (SQLite and PostgreSQL): queued with the data, thinned, settled once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseCorrection, DoseRecord
from console.domain.vitals import Parameter, VitalPoint
from console.outbound.config import OutboundConfig
from console.outbound.queue import OutboundQueue
from console.store.dose_repository import DoseRepository
from tests.console.outbound.helpers import strict

T = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)


def _hr(second: int, value: float = 70, source: str = "ivy") -> VitalPoint:
    return VitalPoint(Parameter.HR, value, T + timedelta(seconds=second), source)


def test_nothing_is_queued_while_the_interface_is_off(clinic):
    session = clinic.check_in(T)
    clinic.vitals.add_batch(session, [_hr(s) for s in range(120)])
    assert OutboundQueue(clinic.store).messages() == []


def test_device_values_are_thinned_across_batches_and_restarts(clinic):
    session = clinic.check_in(T)
    q = OutboundQueue(clinic.store)
    q.save_config(OutboundConfig(True, "127.0.0.1", 2575), clinic.nurse.id, T)
    clinic.vitals.add_batch(session, [_hr(0, 70)])
    clinic.vitals.add_batch(session, [_hr(1, 71)])  # the same minute: not again
    OutboundQueue(clinic.store)  # the marks live in the database, not in an object
    clinic.vitals.add_batch(session, [_hr(61, 72), _hr(62, 73, "manual")])
    messages = q.messages()
    assert len(messages) == 2
    values = [
        [s.split("|")[5] for s in m.payload.split("\r") if s.startswith("OBX")] for m in messages
    ]
    assert values == [["70"], ["72", "73"]]
    for m in messages:
        strict(m.payload)


def test_a_dose_is_queued_once_however_often_it_is_saved(clinic):
    session = clinic.check_in(T)
    q = OutboundQueue(clinic.store)
    q.save_config(OutboundConfig(True, "127.0.0.1", 2575), clinic.nurse.id, T)
    dose = DoseRecord(
        str(uuid.uuid4()), session, Drug.KETAMINE, Route.IM, 50, T, clinic.nurse.id, T
    )
    DoseRepository(clinic.store).add(dose)
    DoseRepository(clinic.store).add(dose)  # a spool replay
    assert [m.kind for m in q.messages()] == ["dose"]


def test_a_dose_entered_in_error_is_posted_as_wrong_once(clinic):
    session = clinic.check_in(T)
    q = OutboundQueue(clinic.store)
    q.save_config(OutboundConfig(True, "127.0.0.1", 2575), clinic.nurse.id, T)
    dose = DoseRecord(
        str(uuid.uuid4()), session, Drug.KETAMINE, Route.IM, 360, T, clinic.nurse.id, T
    )
    doses = DoseRepository(clinic.store)
    doses.add(dose)
    fix = DoseCorrection(
        str(uuid.uuid4()), dose.uid, "Typed 360 for 36", clinic.nurse.id, "J. Lee", T
    )
    doses.add_correction(session, fix)
    doses.add_correction(session, fix)  # a spool replay
    messages = q.messages()
    assert [m.kind for m in messages] == ["dose", "dose"]
    statuses = [
        [seg.split("|")[11] for seg in m.payload.split("\r") if seg.startswith("OBX")]
        for m in messages
    ]
    assert statuses == [["R", "R", "R"], ["W", "W", "W"]]
    amounts = [
        [seg.split("|")[5] for seg in m.payload.split("\r") if seg.startswith("OBX|2")]
        for m in messages
    ]
    assert amounts == [["360"], ["360"]]
    for m in messages:
        strict(m.payload)


def test_a_message_is_settled_once_and_a_stopped_one_holds_the_queue(clinic):
    session = clinic.check_in(T)
    q = OutboundQueue(clinic.store)
    q.save_config(OutboundConfig(True, "127.0.0.1", 2575), clinic.nurse.id, T)
    clinic.vitals.add_batch(session, [_hr(0), _hr(60), _hr(120)])
    first, second, _third = q.messages()
    assert q.head() == first
    assert q.mark_sent(first.id, "AA", T) and not q.mark_sent(first.id, "AA", T)
    assert q.mark_stopped(second.id, "AR", "no such patient")
    head = q.head()
    assert head is not None and head.id == second.id and head.state == "stopped"
    counts = q.counts()
    assert counts.queued == 2 and counts.stopped is not None
    assert counts.stopped.error == "no such patient"
    assert counts.oldest_unsent == second.created_at
    assert q.skip(second.id) and not q.retry(second.id)
    head = q.head()
    assert head is not None and head.id == _third.id
