"""The REMS monitoring form of the demo's esketamine session: PDF rendered, read back as text."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QColor

from console.demo import seed_demo
from console.demo_esketamine import DEMO_LOT, seed_demo_esketamine
from console.domain.rems import RemsSetting, due_label
from console.errors import IllegalTransition, PermissionDenied, ValidationFailed
from console.services.access import Access, AuditTrail
from console.services.rems import NotEsketamine, RemsService
from console.store.audit_repository import AuditRepository
from console.store.rems_repository import RemsRepository
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.review_repository import ReviewRepository
from console.store.spool import Spool
from console.store.vitals_repository import VitalsRepository
from console.store.workflow_repository import WorkflowRepository
from console.store.writer import DurableWriter, Targets
from tests.console.reports.test_session_report import count, render


@pytest.fixture
def demo(sqlite_store, clock, tmp_path):
    people = PeopleRepository(sqlite_store)
    sessions = SessionRepository(sqlite_store)
    seed_demo(
        clock, people, sessions, VitalsRepository(sqlite_store), WorkflowRepository(sqlite_store)
    )
    session_id = seed_demo_esketamine(sqlite_store, clock)
    assert session_id is not None
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "spool.jsonl"))
    access = Access(people, AuditTrail(clock, writer))
    staff = {s.name: s.id for s in people.staff()}
    service = RemsService(
        clock,
        ReviewRepository(sqlite_store),
        RemsRepository(sqlite_store),
        access,
        setting=RemsSetting("Vigil Demo Clinic", "12 Harbor Road, Springfield"),
    )
    return service, session_id, staff


def test_the_demo_sessions_form_prints_the_record_and_leaves_the_rest_blank(demo, tmp_path, qapp):
    service, session_id, staff = demo
    path = service.write_pdf(session_id, tmp_path / "rems.pdf", staff["Jordan Lee, RN"])
    page = render(path, 0)
    assert count(page, lambda c: c.lightness() < 80) > 2000  # ink on the rendered page
    assert count(page, lambda c: c == QColor("white")) > page.width() * page.height() / 8
    pages = PdfReader(path).pages
    assert len(pages) == 1
    text = unicodedata.normalize("NFKC", " ".join(pages[0].extract_text().split()))  # ligatures
    for expected in (
        "J. D.",
        "1986-04-12",
        "Jordan Lee, RN",
        "Vigil Demo Clinic",
        "12 Harbor Road, Springfield",
        "56 mg",
        DEMO_LOT,
        "Total minutes from the first device to the end of monitoring 130",
        "(minutes from the first device) 95",
        "Blood pressure before dosing 124/78 mmHg",
        "Blood pressure about 40 minutes after dosing 142/88 mmHg",
        "Blood pressure before completion of monitoring 122/76 mmHg",
        "Vital signs acceptable before dosing Yes",
        "Vital signs acceptable before completion of monitoring Yes",
        "Benzodiazepines No",
        "MAOIs No",
        "Opioids No",
    ):
        assert expected in text, expected
    # what the record cannot answer stays visibly blank for the clinician
    for blank in ("Sex ____", "Phone ____", "Email ____", "Sedation ____", "Dissociation ____"):
        assert blank in text, blank


def test_marking_submitted_is_checked_stored_once_and_audited(demo, clock, sqlite_store):
    service, session_id, staff = demo
    nurse = staff["Jordan Lee, RN"]
    today = clock.now().astimezone().date()
    with pytest.raises(ValidationFailed) as failed:
        service.mark_submitted(session_id, today + timedelta(days=1), " ", nurse)
    assert {e.field for e in failed.value.errors} == {"submitted_on", "confirmation"}
    assert service.form(session_id, nurse).submission is None  # nothing partial stored
    done = service.mark_submitted(session_id, today, " RMS-88412 ", nurse)
    assert done.confirmation == "RMS-88412"
    with pytest.raises(IllegalTransition):
        service.mark_submitted(session_id, today, "RMS-2", nurse)
    entries = [e for e in AuditRepository(sqlite_store).entries() if e.entity == "rems_submission"]
    assert len(entries) == 1 and "RMS-88412" in entries[0].detail
    assert service.labels([(session_id, today)]) == {session_id: "REMS form submitted"}


def test_other_sessions_owe_no_form_and_an_admin_may_not_open_one(demo):
    service, session_id, staff = demo
    with pytest.raises(NotEsketamine):
        service.form(1, staff["Jordan Lee, RN"])  # the demo's ketamine session
    assert 1 not in service.labels([(1, date(2026, 3, 8))])
    with pytest.raises(PermissionDenied):
        service.form(session_id, None)


def test_the_due_label_counts_the_seven_days():
    day = date(2026, 3, 2)
    assert due_label(day, False, date(2026, 3, 4)) == "REMS form due in 5 days"
    assert due_label(day, False, date(2026, 3, 8)) == "REMS form due in 1 day"
    assert due_label(day, False, date(2026, 3, 9)) == "REMS form due today"
    assert due_label(day, False, date(2026, 3, 10)) == "REMS form overdue"
    assert due_label(day, True, date(2026, 4, 10)) == "REMS form submitted"


def test_vigil_export_format_rems_writes_the_form(demo, sqlite_store, clock, tmp_path, qapp):
    from console.cli_export import run_export
    from console.services.access import Access, AuditTrail

    _service, session_id, staff = demo
    writer = DurableWriter(Targets.for_store(sqlite_store), Spool(tmp_path / "cli.jsonl"))
    access = Access(PeopleRepository(sqlite_store), AuditTrail(clock, writer))
    out = tmp_path / "form.pdf"
    line = run_export(sqlite_store, clock, access, session_id, "rems", out, staff["Casey Brooks"])
    assert line.startswith(f"Wrote the REMS monitoring form of session {session_id}")
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert DEMO_LOT in text and "J. D." in text
    exports = [e for e in AuditRepository(sqlite_store).entries() if e.action == "export"]
    assert exports and '"rems"' in exports[-1].detail


def test_a_question_the_pre_dose_checks_did_not_ask_stays_blank(demo, sqlite_store):
    from dataclasses import replace

    from console.domain.rems import rems_form

    _service, session_id, _staff = demo
    dossier = ReviewRepository(sqlite_store).dossier(session_id)
    assert dossier is not None and dossier.predose is not None
    assert rems_form(dossier).opioids == "No"
    older = {k: v for k, v in dossier.predose.items() if k != "opioids"}  # before the question
    assert rems_form(replace(dossier, predose=older)).opioids is None
    assert rems_form(replace(dossier, predose=None)).benzodiazepines is None
