"""The dose slip guard through the real dose form: totals, the confirmation, entered in error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.domain.audit import AuditAction
from console.domain.doses import DoseDraft, Drug, Route
from console.domain.doses_record import needs_rems_item
from console.domain.timeline import build_timeline
from console.reports.fhir_bundle import fhir_bundle, resources
from console.reports.session_report import write_session_report
from console.store.audit_repository import AuditQuery, AuditRepository, detail_of
from console.store.dose_repository import DoseRepository
from console.store.review_repository import ReviewRepository
from tests.console.services.test_workflow_service import PIN, Rig, make_rig
from tests.widgets.test_predose_and_dose import shown, type_into
from widgets.dose_form import CONFIRM_TEXT, DoseForm
from widgets.theme import apply_theme


@dataclass
class Desk:
    rig: Rig
    form: DoseForm
    store: object

    def stored(self) -> list[tuple[float, bool, str]]:
        """(mg, in force, confirm reason) of every stored dose, read back from the database."""
        return [
            (d.amount_mg, d.in_force, d.confirm_reason)
            for d in DoseRepository(self.store).doses(self.rig.record.id)  # type: ignore[arg-type]
        ]


@pytest.fixture
def desk(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[Desk]:
    rig = make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "spool.jsonl")
    qapp = QApplication.instance()
    apply_theme(qapp, "night")
    names = {sqlite_clinic.nurse.id: sqlite_clinic.nurse.name}
    form = DoseForm(rig.service, clock, lambda: rig.nurse, staff_name=names.__getitem__)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    yield Desk(rig, form, sqlite_store)
    rig.vitals.stop()
    qapp.setStyleSheet("")


def enter_dose(qtbot, form: DoseForm, amount: str) -> None:
    type_into(qtbot, form.amount, amount)
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)


def test_a_360_mg_slip_after_36_mg_needs_a_typed_reason(qtbot, desk):
    rig, form = desk.rig, desk.form
    rig.ready()
    assert form.totals.text() == "Session total: nothing given yet"
    enter_dose(qtbot, form, "36")
    assert desk.stored() == [(36, True, "")]
    assert form.totals.text() == "Session total: Ketamine 36 mg (0.50 mg/kg)"

    rig.clock.advance(timedelta(minutes=1))
    type_into(qtbot, form.amount, "360")
    assert "with this entry: Ketamine 396 mg (5.46 mg/kg)" in form.totals.text()
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)  # the one Enter that used to store it
    assert desk.stored() == [(36, True, "")]
    assert form.confirm_box.isVisible() and not form.record_button.isEnabled()
    queried = form.confirm_text.text()
    assert "above the clinic's limit of 1.5 mg/kg" in queried
    assert "more than twice the largest earlier dose (36 mg)" in queried
    assert "follows the last dose by 1 min" in queried
    assert form.confirm_reason.hasFocus()

    qtbot.keyClick(form.confirm_reason, Qt.Key.Key_Return)  # a second Enter without a reason
    assert shown(form.errors) == {
        "confirm_reason": "Give the reason for going ahead with this dose."
    }
    assert desk.stored() == [(36, True, "")]

    type_into(qtbot, form.confirm_reason, "Planned split dose, checked with Dr Park")
    qtbot.mouseClick(form.confirm_button, Qt.MouseButton.LeftButton)
    assert form.confirm_button.text() == CONFIRM_TEXT
    assert desk.stored() == [
        (36, True, ""),
        (360, True, "Planned split dose, checked with Dr Park"),
    ]
    assert form.confirm_box.isHidden() and form.record_button.isEnabled()
    assert form.totals.text() == "Session total: Ketamine 396 mg (5.46 mg/kg)"
    assert "confirmed: Planned split dose" in form.dose_list.item(1).text()


def test_changing_the_entry_withdraws_the_confirmation(qtbot, desk):
    rig, form = desk.rig, desk.form
    rig.ready()
    enter_dose(qtbot, form, "150")  # 2.07 mg/kg IM: above the 1.5 mg/kg placeholder
    assert form.confirm_box.isVisible() and desk.stored() == []
    type_into(qtbot, form.amount, "50")
    assert form.confirm_box.isHidden()
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)  # a dose within every limit: one Enter
    assert desk.stored() == [(50, True, "")]


def test_a_dose_entered_in_error_is_struck_through_and_leaves_every_total(
    qtbot, desk, sqlite_store, tmp_path
):
    rig, form = desk.rig, desk.form
    rig.ready()
    enter_dose(qtbot, form, "36")
    rig.clock.advance(timedelta(minutes=1))
    enter_dose(qtbot, form, "360")
    type_into(qtbot, form.confirm_reason, "as prescribed")
    qtbot.keyClick(form.confirm_reason, Qt.Key.Key_Return)
    assert [d[0] for d in desk.stored()] == [36, 360]

    qtbot.mouseClick(form.error_button, Qt.MouseButton.LeftButton)
    assert form.error_box.isVisible()
    form.dose_list.setCurrentRow(1)
    qtbot.keyClick(form.error_reason, Qt.Key.Key_Return)
    errors = {k: v.text() for k, v in form.correction_errors.items() if not v.isHidden()}
    assert errors == {
        "reason": "Say why the dose was entered in error.",
        "pin": "Enter the signer's password.",
    }
    type_into(qtbot, form.error_reason, "Typed 360 for 36: only 36 mg was given")
    type_into(qtbot, form.error_pin, "0000")
    qtbot.keyClick(form.error_pin, Qt.Key.Key_Return)
    assert not form.correction_errors["pin"].isHidden()
    assert all(in_force for _, in_force, _ in desk.stored())

    type_into(qtbot, form.error_pin, PIN)
    qtbot.keyClick(form.error_pin, Qt.Key.Key_Return)
    assert [(mg, in_force) for mg, in_force, _ in desk.stored()] == [(36, True), (360, False)]
    struck = form.dose_list.item(1)
    assert struck.font().strikeOut() and "ENTERED IN ERROR" in struck.text()
    assert "Typed 360 for 36" in struck.text()
    assert not form.dose_list.item(0).font().strikeOut()
    assert form.totals.text() == "Session total: Ketamine 36 mg (0.50 mg/kg)"
    assert form.error_box.isHidden()
    entry = AuditRepository(sqlite_store).search(AuditQuery(action=AuditAction.AMEND.value))[0]
    assert entry.entity == "dose" and detail_of(entry)["entered_in_error"] is True

    # a later booster is judged against the doses in force only: 36 mg, not 360 mg
    rig.clock.advance(timedelta(minutes=30))
    concerns = rig.service.dose_concerns(
        DoseDraft(Drug.KETAMINE, Route.IM, 80, rig.clock.now(), lot="K-1")
    )
    assert "80 mg is more than twice the largest earlier dose (36 mg)." in concerns
    assert any("would be 116 mg (1.60 mg/kg)" in c for c in concerns)

    dossier = ReviewRepository(sqlite_store).dossier(rig.record.id)
    assert dossier is not None and len(dossier.doses) == 2  # the original stays on record
    bundle = fhir_bundle(dossier, generated_at=datetime(2026, 11, 30, 12, tzinfo=UTC))
    given = {r["dosage"]["dose"]["value"]: r for r in resources(bundle, "MedicationAdministration")}
    assert given[36]["status"] == "completed"
    assert given[360]["status"] == "entered-in-error"
    assert "Typed 360 for 36" in given[360]["note"][0]["text"]
    lines = [e.text for e in build_timeline(dossier)]
    assert any(
        t.startswith("Ketamine · IM · 360 mg (4.97 mg/kg) · entered in error") for t in lines
    )
    assert any("(360 mg ketamine) marked entered in error, signed by" in t for t in lines)
    path = tmp_path / "report.pdf"
    write_session_report(path, dossier, generated_at=datetime(2026, 11, 30, 12, tzinfo=UTC))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)
    assert "[360 mg] ENTERED IN ERROR" in text
    assert "Session total: Ketamine 36 mg (0.50 mg/kg)" in text


def test_an_esketamine_dose_in_error_drops_the_rems_item(qtbot, desk):
    rig, form = desk.rig, desk.form
    rig.ready()
    dose = rig.service.record_dose(
        DoseDraft(Drug.ESKETAMINE, Route.INTRANASAL, 56, rig.clock.now(), lot="E1", device_count=2),
        rig.nurse,
    )
    assert needs_rems_item(rig.service.doses())
    rig.service.mark_entered_in_error(dose.uid, "wrong patient's chart", rig.nurse, PIN)
    assert not needs_rems_item(rig.service.doses())
    assert not needs_rems_item(DoseRepository(desk.store).doses(rig.record.id))  # type: ignore[arg-type]
    assert form.error_button.isHidden()  # nothing left in force to mark
