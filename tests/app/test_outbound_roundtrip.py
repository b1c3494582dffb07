"""HL7 out, end to end: vitals and doses leave as ORU^R01 to a receiver in another process."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.vitals import Parameter, VitalPoint
from console.outbound.config import OutboundConfig
from console.outbound.queue import OutboundQueue
from console.outbound.sender import OutboundSender
from console.store.audit_repository import AuditRepository
from console.store.dose_repository import DoseRepository
from tests.console.outbound.helpers import (
    PROJECT,
    Receiver,
    control_id,
    free_port,
    strict,
    wait_until,
)

T = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)


@pytest.fixture
def receivers(tmp_path):
    started: list[Receiver] = []

    def start(port: int, mode: str = "", name: str = "received.log") -> Receiver:
        receiver = Receiver(port, tmp_path / name, mode).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def senders():
    running: list[OutboundSender] = []

    def start(url: str) -> OutboundSender:
        sender = OutboundSender(url, backoff_max_s=0.4, ack_timeout_s=3)
        sender.start()
        running.append(sender)
        return sender

    yield start
    for sender in running:
        sender.stop()


def _turn_on(clinic, port: int) -> OutboundQueue:
    q = OutboundQueue(clinic.store)
    config = OutboundConfig(True, "127.0.0.1", port, "VIGIL", "CLINIC", "MIRTH", "HOSP")
    q.save_config(config, clinic.nurse.id, T)
    return q


def _minutes(session_id: int, start: int, count: int) -> list[VitalPoint]:
    """``count`` minutes of 1 Hz HR and SpO2 from minute ``start``: one message a minute."""
    points = []
    for second in range(start * 60, (start + count) * 60):
        at = T + timedelta(seconds=second)
        points.append(VitalPoint(Parameter.HR, 60 + second % 40, at, "ivy"))
        points.append(VitalPoint(Parameter.SPO2, 95 + second % 4, at, "ivy"))
    return points


def test_vitals_and_a_dose_leave_in_order_are_acked_and_the_queue_empties(
    sqlite_clinic, receivers, senders
):
    clinic = sqlite_clinic
    session = clinic.check_in(T)
    port = free_port()
    clinic.vitals.add_batch(session, _minutes(session, 0, 1))  # off: nothing queued
    q = _turn_on(clinic, port)
    assert q.messages() == []
    clinic.vitals.add_batch(session, _minutes(session, 0, 3))
    cuff = [
        VitalPoint(p, v, T + timedelta(minutes=2, seconds=30), "ivy", None, "nibp:131/84/99")
        for p, v in ((Parameter.NIBP_SYS, 131), (Parameter.NIBP_DIA, 84), (Parameter.NIBP_MEAN, 99))
    ]
    clinic.vitals.add_batch(session, cuff)
    DoseRepository(clinic.store).add(
        DoseRecord(
            str(uuid.uuid4()),
            session,
            Drug.ESKETAMINE,
            Route.INTRANASAL,
            56,
            T + timedelta(minutes=3),
            clinic.nurse.id,
            T + timedelta(minutes=3),
        )
    )
    queued = q.messages()
    assert [m.kind for m in queued] == ["vitals"] * 4 + ["dose"]
    receiver = receivers(port)
    sender = senders(clinic.store.engine.url.render_as_string(hide_password=False))
    wait_until(lambda: sender.status().queued == 0 and sender.status().sent == 5)
    got = receiver.messages()
    assert [control_id(m) for m in got] == [m.control_id for m in queued]  # in order, once each
    for text in got:
        strict(text)
    hr = [s for s in got[0].split("\r") if "MDC_ECG_HEART_RATE" in s]
    assert len(hr) == 1  # device values: once a minute per parameter
    assert "MDC_PRESS_BLD_NONINV_SYS" in got[3]
    assert all(m.state == "sent" for m in q.messages())
    status = sender.status()
    assert status.connected and status.oldest_unsent is None and status.last_error == ""


def test_with_the_receiver_down_the_queue_holds_and_drains_in_order_when_it_returns(
    sqlite_clinic, receivers, senders
):
    clinic = sqlite_clinic
    session = clinic.check_in(T)
    port = free_port()
    q = _turn_on(clinic, port)
    clinic.vitals.add_batch(session, _minutes(session, 0, 4))
    sender = senders(clinic.store.engine.url.render_as_string(hide_password=False))
    wait_until(lambda: sender.status().last_error != "")
    status = sender.status()
    assert not status.connected and status.queued == 4 and status.oldest_unsent is not None
    assert "refused" in status.last_error.lower()
    assert q.messages("sent") == []
    receiver = receivers(port)
    wait_until(lambda: sender.status().queued == 0)
    assert [control_id(m) for m in receiver.messages()] == [m.control_id for m in q.messages()]


def test_an_ar_stops_that_message_for_an_admin_who_retries_or_skips_it(
    sqlite_clinic, receivers, senders, tmp_path
):
    clinic = sqlite_clinic
    session = clinic.check_in(T)
    port = free_port()
    q = _turn_on(clinic, port)
    clinic.vitals.add_batch(session, _minutes(session, 0, 2))
    rejecting = receivers(port, "reject", "rejected.log")
    sender = senders(clinic.store.engine.url.render_as_string(hide_password=False))
    wait_until(lambda: sender.status().stopped is not None)
    stopped = sender.status().stopped
    assert stopped is not None and "unsupported message type" in stopped.error
    assert sender.status().queued == 2 and len(rejecting.messages()) == 1  # the rest waits
    assert "refused (AR)" in sender.status().line(T)
    sender.retry(stopped.id, clinic.nurse.id)  # refused again: still stopped
    wait_until(lambda: len(rejecting.messages()) == 2 and sender.status().stopped is not None)
    rejecting.stop()
    accepting = receivers(port, "", "accepted.log")
    sender.skip(stopped.id, clinic.nurse.id)
    wait_until(lambda: sender.status().queued == 0)
    assert [m.state for m in q.messages()] == ["skipped", "sent"]
    assert [control_id(m) for m in accepting.messages()] == [q.messages()[1].control_id]
    decisions = [
        e for e in AuditRepository(clinic.store).entries() if e.entity == "outbound_message"
    ]
    assert [e.detail for e in decisions][-1].find('"skip"') >= 0 and len(decisions) == 2


@pytest.mark.slow
def test_a_killed_sender_loses_nothing_and_never_resends_what_was_acknowledged(
    sqlite_clinic, receivers
):
    clinic = sqlite_clinic
    session = clinic.check_in(T)
    port = free_port()
    q = _turn_on(clinic, port)
    for minute in range(0, 240, 10):  # 240 messages, committed before the sender starts
        clinic.vitals.add_batch(session, _minutes(session, minute, 10))
    committed = [m.control_id for m in q.messages()]
    assert len(committed) == 240
    receiver = receivers(port)
    url = clinic.store.engine.url.render_as_string(hide_password=False)

    def spawn() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, str(PROJECT / "tests/console/outbound/sender_proc.py"), url],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stdout.readline().strip() == "started"
        return process

    first = spawn()
    wait_until(lambda: len(q.messages("sent")) >= 40)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert first.stdout is not None
    first.stdout.close()
    acknowledged = {m.control_id for m in q.messages("sent")}
    seen_before = len(receiver.messages())
    assert 40 <= len(acknowledged) < 240
    second = spawn()
    try:
        wait_until(lambda: len(q.messages("sent")) == 240, timeout=60)
    finally:
        second.kill()
        second.wait(10)
        assert second.stdout is not None
        second.stdout.close()
    got = [control_id(m) for m in receiver.messages()]
    assert set(got) == set(committed)  # nothing committed was lost
    assert not acknowledged & set(got[seen_before:])  # nothing acknowledged was sent again
    first_seen = list(dict.fromkeys(got))
    assert first_seen == committed  # in order
