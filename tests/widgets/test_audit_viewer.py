"""The audit viewer: supervisors and admins search the trail and check its chain; others may not."""

from __future__ import annotations

from PySide6.QtCore import Qt

from console.domain.people import StaffRole
from console.services.audit_log import AuditLog
from console.store.spool import Spool
from console.store.writer import DurableWriter
from widgets.audit_viewer import AuditViewer


def build(qtbot, c, tmp_path, actor: int):
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    access = c.access(writer)
    viewer = AuditViewer(AuditLog(c.audit, access), lambda: actor, c.clock)
    qtbot.addWidget(viewer)
    return viewer, access


def test_a_supervisor_finds_entries_by_action_and_words_and_checks_the_chain(
    qtbot, sqlite_clinic, clock, tmp_path
):
    c = sqlite_clinic
    supervisor = c.people.add_staff("Robin Supervisor", StaffRole.SUPERVISOR)
    for n, action in enumerate(["login", "create", "create"]):
        c.audit.append(
            at=clock.now(),
            actor_id=c.nurse.id,
            action=action,
            entity="observation",
            entity_id=f"n{n}",
            detail={"text": f"calm {n}"},
        )
    viewer, _ = build(qtbot, c, tmp_path, supervisor.id)
    viewer.action.setCurrentIndex(viewer.action.findData("create"))
    qtbot.keyClicks(viewer.words, "calm 2")
    qtbot.keyClick(viewer.words, Qt.Key.Key_Return)
    assert viewer.model.rowCount() == 1
    row = [viewer.model.index(0, col).data() for col in range(6)]
    assert row[2:5] == ["Jordan Lee", "create", "observation n2"]
    assert "text: calm 2" in row[5]
    qtbot.mouseClick(viewer.verify_button, Qt.MouseButton.LeftButton)
    assert viewer.message.text() == "The chain holds: 3 entries checked."


def test_a_therapist_is_refused_and_the_refusal_is_audited(qtbot, sqlite_clinic, tmp_path):
    c = sqlite_clinic
    viewer, _ = build(qtbot, c, tmp_path, c.therapist.id)
    assert viewer.search() == 0
    assert viewer.message.text() == (
        "Alex Morgan (therapist) may not view the audit trail: a supervisor or admin can."
    )
    denied = [e for e in c.audit.entries() if e.action == "denied"]
    assert [(e.actor_id, e.entity) for e in denied] == [(c.therapist.id, "audit")]
