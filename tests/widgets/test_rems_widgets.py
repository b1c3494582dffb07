"""The REMS form in the records: the browser's column and filter, and the review screen's dialog."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.people import StaffRole
from console.services.rems import RemsService
from console.services.review import ReviewService
from console.services.signatures import PinSigner
from console.store.audit_repository import AuditRepository
from console.store.dose_repository import DoseRepository
from console.store.rems_repository import RemsRepository
from console.store.review_repository import ReviewRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter
from tests.widgets.test_session_browser import _session, _shown
from widgets.rems_dialog import RemsDialog
from widgets.session_browser import REMS_TITLE, SessionBrowser, add_rems_column
from widgets.session_review import SessionReviewView


@pytest.fixture
def records(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    clinic = sqlite_clinic
    now = clock.now()
    supervisor = clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    ids = {
        "ketamine": _session(clinic, clinic.patient.id, now - timedelta(days=1), "Calm"),
        "late": _session(clinic, clinic.patient.id, now - timedelta(days=9), "Quiet"),
        "recent": _session(clinic, clinic.patient.id, now - timedelta(days=3), "Smiling"),
    }
    doses = DoseRepository(sqlite_store)
    for name in ("late", "recent"):
        record = clinic.sessions.get(ids[name])
        assert record is not None and record.t0 is not None
        doses.add(
            DoseRecord(
                str(uuid.uuid4()),
                ids[name],
                Drug.ESKETAMINE,
                Route.INTRANASAL,
                84,
                record.t0,
                clinic.nurse.id,
                record.t0,
                lot="L-7",
                device_count=3,
            )
        )
    writer = DurableWriter(clinic.targets, Spool(tmp_path / "spool.jsonl"))
    access = clinic.access(writer)
    review = ReviewService(clock, ReviewRepository(sqlite_store), access, PinSigner(clinic.people))
    rems = RemsService(clock, ReviewRepository(sqlite_store), RemsRepository(sqlite_store), access)
    acting = {"id": supervisor.id}
    browser = SessionBrowser(review, clinic.people, clock, lambda: acting["id"])
    add_rems_column(browser, rems)
    qtbot.addWidget(browser)
    browser.resize(1400, 700)
    browser.show()
    qtbot.waitExposed(browser)
    return browser, ids, rems, review, acting, clock


def _rems(browser: SessionBrowser) -> dict[int, str]:
    column = browser.model.columnCount() - 1
    return {
        browser.model.summary(row).id: browser.model.index(row, column).data()
        for row in range(browser.model.rowCount())
    }


def test_the_column_says_due_overdue_or_nothing_and_the_filter_narrows(qtbot, records):
    browser, ids, rems, _, acting, _ = records
    column = browser.model.columnCount() - 1
    assert browser.model.headerData(column, Qt.Orientation.Horizontal) == REMS_TITLE
    assert _rems(browser) == {
        ids["ketamine"]: "",
        ids["late"]: "REMS form overdue",
        ids["recent"]: "REMS form due in 4 days",
    }
    filter_box = browser.findChildren(type(browser.period))[-1]
    filter_box.setCurrentIndex(filter_box.findData("overdue"))
    assert _shown(browser) == [ids["late"]]
    assert browser.count_label.text() == "1 session"
    filter_box.setCurrentIndex(filter_box.findData("open"))
    assert _shown(browser) == [ids["recent"], ids["late"]]
    rems.mark_submitted(ids["late"], browser._clock.now().date(), "C-1", acting["id"])
    filter_box.setCurrentIndex(filter_box.findData("submitted"))
    assert _shown(browser) == [ids["late"]]
    assert _rems(browser) == {ids["late"]: "REMS form submitted"}


def test_the_review_screens_button_opens_the_dialog_that_marks_it_submitted(
    qtbot, records, tmp_path, sqlite_store
):
    _, ids, rems, review, acting, clock = records
    view = SessionReviewView(review, lambda: acting["id"])
    qtbot.addWidget(view)
    button = view.add_rems_button(rems, lambda: clock.now().date())
    view.show()
    assert view.open_session(ids["recent"])
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = button.dialog
    assert isinstance(dialog, RemsDialog)
    assert dialog.status_label.text() == "REMS form due in 4 days"
    written = dialog.save_pdf_to(tmp_path / "form.pdf")
    assert written is not None
    assert "84 mg" in " ".join(PdfReader(written).pages[0].extract_text().split())
    dialog.date_edit.setDate(QDate(2030, 1, 1))
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.date_error.text() == "The submission date cannot be in the future."
    assert dialog.confirmation_error.text().startswith("Enter the confirmation number")
    assert rems.form(ids["recent"], acting["id"]).submission is None
    today = clock.now().date()
    dialog.date_edit.setDate(QDate(today.year, today.month, today.day))
    dialog.confirmation_edit.setText("RMS-5512")
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.status_label.text().startswith("REMS form submitted on")
    assert not dialog.submit_button.isEnabled()
    audited = [e for e in AuditRepository(sqlite_store).entries() if e.entity == "rems_submission"]
    assert len(audited) == 1 and "RMS-5512" in audited[0].detail
    dialog.close()
