"""Exports of a stored session: who may, the file (atomic, complete), its audit entry and hash."""

from __future__ import annotations

import csv
import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from fhirclient.models.bundle import Bundle
from pypdf import PdfReader

from console.cli_export import run_export
from console.domain.alarms import AlarmEvent, EventKind, Priority
from console.domain.audit import AuditAction
from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.events import AdverseEvent, RatingEntry, Severity
from console.domain.lifecycle import SessionState
from console.domain.people import StaffRole
from console.domain.review import REVIEWED_BY, Review
from console.domain.sessions import Observation, ObservationCategory
from console.domain.vitals import Parameter, VitalPoint
from console.errors import PermissionDenied
from console.services import exports as exports_module
from console.services.exports import ExportFailed, ExportService, suggested_file_name
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.review_repository import ReviewRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter

NOTE = "Calm, eyes closed, says the music helps."


def _uid() -> str:
    return str(uuid.uuid4())


def store_session(store, clinic, start, supervisor) -> int:
    """A short discharged and reviewed session, stored through the real repositories."""
    sid = clinic.check_in(start)
    t0 = start + timedelta(minutes=10)
    closed = start + timedelta(minutes=40)
    path = [
        (SessionState.CHECKED_IN, SessionState.BASELINE, start + timedelta(minutes=1)),
        (SessionState.BASELINE, SessionState.MONITORING, t0),
        (SessionState.MONITORING, SessionState.RECOVERY, start + timedelta(minutes=30)),
        (SessionState.RECOVERY, SessionState.DISCHARGED, closed),
    ]
    nurse, therapist = clinic.nurse.id, clinic.therapist.id
    for before, after, at in path:
        clinic.sessions.apply_transition(
            uid=_uid(),
            session_id=sid,
            from_state=before,
            to_state=after,
            at=at,
            by_staff_id=nurse,
            t0=at if after is SessionState.MONITORING else None,
        )
    DoseRepository(store).add(
        DoseRecord(_uid(), sid, Drug.KETAMINE, Route.IM, 50.0, t0, nurse, t0, lot="KT-1")
    )
    points = []
    for second in range(0, 40 * 60):
        at = start + timedelta(seconds=second)
        points.append(VitalPoint(Parameter.HR, 70 + second % 5, at, "masimo", device="/dev/ttyS0"))
        points.append(VitalPoint(Parameter.SPO2, 97, at, "masimo", device="/dev/ttyS0"))
    for minute in range(2, 40, 5):
        at = start + timedelta(minutes=minute)
        key = f"cuff-{minute}"
        for parameter, value in ((Parameter.NIBP_SYS, 124), (Parameter.NIBP_DIA, 78)):
            points.append(
                VitalPoint(parameter, value, at, "ivy", measurement_key=key, device="/dev/ttyS1")
            )
    manual_at = start + timedelta(minutes=5, seconds=30)
    points.append(VitalPoint(Parameter.TEMP, 36.6, manual_at, "manual", entered_by_id=nurse))
    points.sort(key=lambda p: p.at)
    clinic.vitals.add_batch(sid, points)
    clinic.sessions.add_observation(
        Observation(
            _uid(), sid, t0 + timedelta(minutes=5), therapist, ObservationCategory.AFFECT, NOTE
        ),
        t0 + timedelta(minutes=5),
    )
    clinic.workflow.add_rating(RatingEntry(_uid(), sid, "moaas", 4, "", t0, nurse))
    clinic.workflow.add_adverse_event(
        AdverseEvent(
            _uid(),
            sid,
            t0 + timedelta(minutes=8),
            "nausea / vomiting",
            Severity.MILD,
            "bowl offered",
            nurse,
            "ondansetron",
            4.0,
            "sublingual",
            t0 + timedelta(minutes=9),
        )
    )
    clinic.workflow.add_alarm_events(
        sid,
        [
            AlarmEvent(
                EventKind.RAISED, 1, "spo2", Priority.HIGH, "SpO2 88", t0 + timedelta(minutes=3)
            )
        ],
    )
    DischargeRepository(store).sign(
        sid,
        {"padss_total": 10, "signature": {"name": "Jordan Lee", "meaning": "discharged by"}},
        nurse,
        closed,
    )
    ReviewRepository(store).add_review(
        Review(_uid(), sid, supervisor.id, supervisor.name, REVIEWED_BY, closed, "Fine.")
    )
    return sid


@pytest.fixture
def setup(store, clinic, clock, tmp_path):
    supervisor = clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    writer = DurableWriter(clinic.targets, Spool(tmp_path / "spool.jsonl"))
    access = clinic.access(writer)
    session_id = store_session(store, clinic, clock.now() - timedelta(hours=3), supervisor)
    service = ExportService(clock, ReviewRepository(store), clinic.vitals, access)
    out = tmp_path / "out"
    out.mkdir()
    return service, session_id, supervisor, out


def audit_entries(clinic, action: AuditAction):
    return [e for e in clinic.audit.entries() if e.action == action.value]


@pytest.mark.parametrize(
    "role",
    [StaffRole.THERAPIST, StaffRole.NURSE, StaffRole.PHYSICIAN, StaffRole.ADMIN],
)
def test_only_a_supervisor_may_export_and_a_refusal_is_audited(setup, clinic, role):
    service, session_id, _, out = setup
    someone = clinic.people.add_staff(f"A {role.value}", role)
    with pytest.raises(PermissionDenied, match=r"may not export session records: a supervisor can"):
        service.export(session_id, "pdf", out / "report.pdf", someone.id)
    denied = audit_entries(clinic, AuditAction.DENIED)
    assert [(e.actor_id, e.entity, e.entity_id) for e in denied] == [
        (someone.id, "session", str(session_id))
    ]
    assert json.loads(denied[0].detail)["permission"] == "export"
    assert not audit_entries(clinic, AuditAction.EXPORT)
    assert list(out.iterdir()) == []


def test_nobody_signed_in_is_refused_too(setup, clinic):
    service, session_id, _, out = setup
    with pytest.raises(PermissionDenied, match="Sign in"):
        service.export(session_id, "csv", out / "vitals.csv", None)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("fmt", ["pdf", "csv", "fhir"])
def test_a_supervisor_export_writes_the_file_and_audits_its_hash(setup, clinic, qapp, fmt):
    service, session_id, supervisor, out = setup
    announced: list[str] = []
    service.exported.connect(announced.append)
    target = out / f"session{exports_module.SUFFIXES[fmt]}"
    written = service.export(session_id, fmt, target, supervisor.id)
    assert written == target and announced == [str(target)]
    assert [p.name for p in out.iterdir()] == [target.name]  # no temporary file left behind
    data = target.read_bytes()
    (entry,) = audit_entries(clinic, AuditAction.EXPORT)
    detail = json.loads(entry.detail)
    assert (entry.actor_id, entry.entity, entry.entity_id) == (
        supervisor.id,
        "session",
        str(session_id),
    )
    assert detail == {
        "format": fmt,
        "file": target.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    assert clinic.audit.verify()[1] is None  # the chain still holds
    assert service.last_result is not None and service.last_result.sha256 == detail["sha256"]


def test_the_three_files_hold_the_stored_session(setup, clinic, qapp):
    service, session_id, supervisor, out = setup
    pdf = service.export(session_id, "pdf", out / "r.pdf", supervisor.id)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    for expected in (
        "Patient J. D.",
        "Chart id MRN-1",
        "Ketamine IM 50 mg",
        NOTE,
        "Meaning discharged by",
        "Printed name Casey Brooks Meaning reviewed by",
        "chart MRN-1",
    ):
        assert expected in text, expected

    csv_path = service.export(session_id, "csv", out / "v.csv", supervisor.id)
    with csv_path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    stored = clinic.vitals.history(session_id)
    assert len(rows) == len(stored) == 2 * 40 * 60 + 2 * 8 + 1
    temperature = [r for r in rows if r["parameter"] == "temp"]
    assert [(r["value"], r["source"], r["entered_by"]) for r in temperature] == [
        ("36.6", "manual", "Jordan Lee")
    ]
    assert {r["device"] for r in rows if r["source"] == "ivy"} == {"/dev/ttyS1"}

    fhir_path = service.export(session_id, "fhir", out / "b.json", supervisor.id)
    bundle = json.loads(fhir_path.read_text(encoding="utf-8"))
    parsed = Bundle(bundle, strict=True)
    kinds = [e.resource.resource_type for e in parsed.entry]
    assert kinds.count("MedicationAdministration") == 2  # the dose and the rescue drug
    assert kinds.count("Observation") == 40 + 40 + 8 + 1  # HR and SpO2 per minute, BP, temp
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert patient["identifier"][0]["value"] == "MRN-1"
    assert len(audit_entries(clinic, AuditAction.EXPORT)) == 3


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(setup, clinic, monkeypatch):
    service, session_id, supervisor, out = setup
    target = out / "bundle.json"
    target.write_text("the earlier export", encoding="utf-8")

    def half_serialisable(dossier, *, generated_at):
        return {"resourceType": "Bundle", "entry": [{"fine": 1}, {"broken": {1, 2}}]}

    monkeypatch.setattr(exports_module, "fhir_bundle", half_serialisable)
    with pytest.raises(TypeError):
        service.export(session_id, "fhir", target, supervisor.id)
    assert target.read_text(encoding="utf-8") == "the earlier export"
    assert [p.name for p in out.iterdir()] == ["bundle.json"]
    assert not audit_entries(clinic, AuditAction.EXPORT)


def test_no_such_session_unknown_format_or_folder_is_a_clear_error(setup, clinic):
    service, _, supervisor, out = setup
    with pytest.raises(ExportFailed, match="There is no session 999"):
        service.export(999, "csv", out / "v.csv", supervisor.id)
    with pytest.raises(ExportFailed, match="choose pdf, csv or fhir"):
        service.export(1, "xml", out / "v.xml", supervisor.id)
    with pytest.raises(ExportFailed, match="Cannot write in"):
        service.export(1, "csv", out / "missing" / "v.csv", supervisor.id)
    assert list(out.iterdir()) == []
    assert not audit_entries(clinic, AuditAction.EXPORT)


def test_the_command_line_export_prints_where_and_the_hash(
    sqlite_store, sqlite_clinic, clock, tmp_path
):
    supervisor = sqlite_clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    writer = DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "spool.jsonl"))
    access = sqlite_clinic.access(writer)
    sid = store_session(sqlite_store, sqlite_clinic, clock.now() - timedelta(hours=3), supervisor)
    out = tmp_path / "bundle.json"
    message = run_export(sqlite_store, clock, access, sid, "fhir", out, supervisor.id)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert message == (
        f"Wrote the FHIR R4 bundle of session {sid} (96 resources, {out.stat().st_size:,} bytes) "
        f"to {out}\nSHA-256 {digest}"
    )
    with pytest.raises(PermissionDenied):
        run_export(
            sqlite_store, clock, access, sid, "csv", tmp_path / "v.csv", sqlite_clinic.nurse.id
        )
    assert not (tmp_path / "v.csv").exists()


def test_the_suggested_file_name_is_safe_and_names_the_session(clock):
    name = suggested_file_name("MRN/20 417", clock.now(), 42, "pdf")
    assert name.endswith("_session-42.pdf") and name.startswith("MRN-20-417_2026-03-0")
    assert "/" not in name and " " not in name
