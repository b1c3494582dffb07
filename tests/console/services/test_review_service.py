"""The review service: who may browse and sign, re-authentication, closed sessions only, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from console.domain.audit import AuditAction
from console.domain.lifecycle import SessionState
from console.domain.people import StaffRole
from console.domain.review import REVIEWED_BY, BrowserFilter
from console.errors import IllegalTransition, PermissionDenied, ValidationFailed
from console.services.review import ReviewService, SessionNotFound
from console.services.signatures import PinSigner
from console.store.review_repository import ReviewRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter

PIN = "4821"


@pytest.fixture
def setup(qapp, sqlite_clinic, sqlite_store, clock, tmp_path):
    clinic = sqlite_clinic
    writer = DurableWriter(clinic.targets, Spool(tmp_path / "spool.jsonl"))
    access = clinic.access(writer)
    signer = PinSigner(clinic.people)
    supervisor = clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    admin = clinic.people.add_staff("Robin Admin", StaffRole.ADMIN)
    for member in (supervisor, clinic.therapist):
        signer.set_pin(member.id, PIN)
    service = ReviewService(clock, ReviewRepository(sqlite_store), access, signer)
    return clinic, service, supervisor, admin


def _closed_session(clinic, clock) -> int:
    sid = clinic.check_in(clock.now() - timedelta(hours=3))
    steps = (
        (SessionState.CHECKED_IN, SessionState.BASELINE),
        (SessionState.BASELINE, SessionState.MONITORING),
        (SessionState.MONITORING, SessionState.RECOVERY),
        (SessionState.RECOVERY, SessionState.DISCHARGED),
    )
    for n, (before, after) in enumerate(steps):
        at = clock.now() - timedelta(hours=3) + timedelta(minutes=20 * (n + 1))
        clinic.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=sid,
            from_state=before,
            to_state=after,
            at=at,
            by_staff_id=clinic.nurse.id,
            t0=at if after is SessionState.MONITORING else None,
        )
    return sid


def _audit(clinic, action: AuditAction) -> list:
    return [e for e in clinic.audit.entries() if e.action == action.value]


def test_a_therapist_may_browse_and_open_but_not_sign_a_review(setup, clock):
    clinic, service, supervisor, _ = setup
    sid = _closed_session(clinic, clock)
    rows = service.browse(BrowserFilter(), clinic.therapist.id)
    assert [row.id for row in rows] == [sid]
    assert service.open(sid, clinic.therapist.id).session.id == sid
    assert not service.can_review(clinic.therapist.id)
    with pytest.raises(PermissionDenied, match=r"Alex Morgan \(therapist\) may not sign"):
        service.sign_review(sid, "Looked fine.", clinic.therapist.id, PIN)
    (denied,) = _audit(clinic, AuditAction.DENIED)
    assert denied.actor_id == clinic.therapist.id and denied.entity_id == str(sid)
    assert "review" in denied.detail
    assert service.open(sid, supervisor.id).reviews == ()


def test_an_admin_may_not_browse_sessions_and_the_refusal_is_audited(setup, clock):
    clinic, service, _, admin = setup
    sid = _closed_session(clinic, clock)
    with pytest.raises(PermissionDenied, match="may not open past sessions"):
        service.browse(BrowserFilter(), admin.id)
    with pytest.raises(PermissionDenied):
        service.open(sid, admin.id)
    with pytest.raises(PermissionDenied, match="Sign in"):
        service.browse(BrowserFilter(), None)
    assert len(_audit(clinic, AuditAction.DENIED)) == 3


def test_a_supervisor_signs_with_the_right_password_and_reviews_add_up(setup, clock, qtbot):
    clinic, service, supervisor, _ = setup
    sid = _closed_session(clinic, clock)
    assert service.can_review(supervisor.id)
    with qtbot.waitSignal(service.reviewed, timeout=1000) as emitted:
        first = service.sign_review(sid, "  BP gate override was justified.  ", supervisor.id, PIN)
    assert emitted.args == [first]
    assert (first.printed_name, first.meaning, first.at, first.comment) == (
        "Casey Brooks",
        REVIEWED_BY,
        clock.now(),
        "BP gate override was justified.",
    )
    clock.advance(timedelta(hours=1))
    second = service.sign_review(sid, "Discussed with the nurse.", supervisor.id, PIN)
    dossier = service.open(sid, supervisor.id)
    assert dossier.reviews == (first, second)
    (audited, _) = _audit(clinic, AuditAction.REVIEW)
    assert audited.actor_id == supervisor.id and audited.entity == "session"
    assert audited.entity_id == str(sid) and first.uid in audited.detail


def test_a_wrong_password_is_refused_beside_the_password_and_nothing_is_stored(setup, clock):
    clinic, service, supervisor, _ = setup
    sid = _closed_session(clinic, clock)
    with pytest.raises(ValidationFailed) as refused:
        service.sign_review(sid, "Fine.", supervisor.id, "9999")
    assert [e.field for e in refused.value.errors] == ["password"]
    assert "not right" in refused.value.errors[0].message
    assert service.open(sid, supervisor.id).reviews == ()
    assert _audit(clinic, AuditAction.REVIEW) == []


def test_the_comment_and_the_password_are_required(setup, clock):
    clinic, service, supervisor, _ = setup
    sid = _closed_session(clinic, clock)
    with pytest.raises(ValidationFailed) as refused:
        service.sign_review(sid, "   ", supervisor.id, "")
    assert {e.field for e in refused.value.errors} == {"comment", "password"}


def test_an_open_session_cannot_be_reviewed(setup, clock):
    clinic, service, supervisor, _ = setup
    sid = clinic.check_in(clock.now())
    with pytest.raises(IllegalTransition, match="still open"):
        service.sign_review(sid, "Early look.", supervisor.id, PIN)
    assert service.open(sid, supervisor.id).reviews == ()


def test_an_unknown_session_says_so(setup):
    _, service, supervisor, _ = setup
    with pytest.raises(SessionNotFound, match="#404"):
        service.open(404, supervisor.id)
    with pytest.raises(SessionNotFound):
        service.sign_review(404, "x", supervisor.id, PIN)
