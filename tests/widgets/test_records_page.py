"""Past sessions and the audit trail in the window: who sees what, review, export, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta

from PySide6.QtCore import Qt

from console.domain.lifecycle import SessionState
from console.domain.people import StaffRole
from console.store.account_repository import AccountRepository
from tests.widgets.conftest import _CHEAP, PASSWORD

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def closed_session(c, clock) -> int:
    start = clock.now() - timedelta(hours=3)
    session_id = c.check_in(start)
    steps = (
        (SessionState.CHECKED_IN, SessionState.BASELINE, None),
        (SessionState.BASELINE, SessionState.MONITORING, start + timedelta(minutes=20)),
        (SessionState.MONITORING, SessionState.RECOVERY, None),
        (SessionState.RECOVERY, SessionState.DISCHARGED, None),
    )
    for n, (before, after, t0) in enumerate(steps):
        c.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=session_id,
            from_state=before,
            to_state=after,
            at=start + timedelta(minutes=20 + 40 * n),
            by_staff_id=c.nurse.id,
            t0=t0,
        )
    return session_id


def add_account(c, name: str, role: StaffRole, username: str) -> int:
    member = c.people.add_staff(name, role)
    AccountRepository(c.store).give_account(member.id, username, _CHEAP.hash(PASSWORD))
    return member.id


def test_a_supervisor_reviews_a_closed_session_and_exports_it_audited(
    qtbot, app, sqlite_clinic, clock, tmp_path
):
    c, window = sqlite_clinic, app.window
    session_id = closed_session(c, clock)
    add_account(c, "Casey Brooks", StaffRole.SUPERVISOR, "casey")
    app.sign_in("casey")
    assert window.action_records.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL_SHIFT)
    assert window.stack.currentWidget() is window._records_page
    assert window.browser.isVisible()
    assert window.open_review(session_id)
    assert window.review_view.dossier is not None
    assert all(b.isVisibleTo(window) for b in window.export_buttons.values())
    out = tmp_path / "report.pdf"
    assert window.export_review("pdf", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert window.export_note.text() == "Saved report.pdf"
    [entry] = [e for e in c.audit.entries() if e.action == "export"]
    assert entry.entity_id == str(session_id)
    window.past_sessions.setCurrentWidget(window.browser)
    window.browser.setFocus()
    qtbot.keyClick(window.browser, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is not window._records_page


def test_a_therapist_may_browse_but_not_export_and_an_admin_sees_only_the_audit_trail(
    qtbot, app, sqlite_clinic, clock, tmp_path
):
    c, window = sqlite_clinic, app.window
    session_id = closed_session(c, clock)
    window.show_records()
    assert window.open_review(session_id)
    assert not any(b.isVisibleTo(window) for b in window.export_buttons.values())
    assert not window.export_review("csv", str(tmp_path / "v.csv"))  # the service refuses too
    assert "may not export session records" in window.export_note.text()
    assert not (tmp_path / "v.csv").exists()
    add_account(c, "Robin Hale", StaffRole.ADMIN, "admin")
    app.sign_in("admin")
    assert window.action_accounts.isVisible()
    assert window.action_records.isVisible()  # for the audit trail
    window.show_records()
    tabs = window._records_tabs
    assert not tabs.isTabVisible(0) and tabs.currentWidget() is window.audit_viewer
    qtbot.waitUntil(lambda: window.audit_viewer.model.rowCount() > 0, timeout=5000)  # on show
    assert c.audit.count("denied") == 1  # the therapist's export; the admin tried nothing
    window.browser.refresh()  # were the browser reached anyway, the service refuses
    assert "may not open past sessions" in window.browser.problem_label.text()


def test_export_buttons_follow_whoever_is_signed_in_now(qtbot, app, sqlite_clinic, clock):
    c, window = sqlite_clinic, app.window
    session_id = closed_session(c, clock)
    add_account(c, "Casey Brooks", StaffRole.SUPERVISOR, "casey")
    app.sign_in("casey")
    window.show_records()
    assert window.open_review(session_id)
    assert all(b.isVisibleTo(window) for b in window.export_buttons.values())
    window.show_overview()
    app.sign_in("therapist")  # a shift change while the review stays open behind
    window.show_records()
    assert window.past_sessions.currentWidget() is window.review_view
    assert window.review_view.isVisible()
    assert not any(b.isVisibleTo(window) for b in window.export_buttons.values())
    assert window.review_view.sign_off.isHidden()
