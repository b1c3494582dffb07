"""The audit viewer: supervisors and admins search the trail and check its chain; others may not.

Searches and chain checks run off the GUI thread: the tests wait for ``searched``/``verified``.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from sqlalchemy import event

from console.domain.people import StaffRole
from console.services.audit_log import AuditLog
from console.store.spool import Spool
from console.store.writer import DurableWriter
from widgets.audit_viewer import AuditViewer
from widgets.theme import apply_theme


def build(qtbot, c, tmp_path, actor: int, *, show: bool = True):
    writer = DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl"))
    access = c.access(writer)
    viewer = AuditViewer(AuditLog(c.audit, access), lambda: actor, c.clock)
    qtbot.addWidget(viewer)
    if show:
        with qtbot.waitSignal(viewer.searched, timeout=5000):
            viewer.show()  # the first showing loads the trail
    return viewer, access


def _entries(c, clock) -> None:
    for n, action in enumerate(["login", "create", "create"]):
        c.audit.append(
            at=clock.now(),
            actor_id=c.nurse.id,
            action=action,
            entity="observation",
            entity_id=f"n{n}",
            detail={"text": f"calm {n}"},
        )


def _ink(image) -> list[QColor]:
    """The pixels of a label's text: those unlike its background (the corner pixel)."""
    background = image.pixel(0, 0)
    return [
        QColor(image.pixel(x, y))
        for y in range(image.height())
        for x in range(image.width())
        if image.pixel(x, y) != background
    ]


@pytest.fixture
def day_theme(qapp):
    apply_theme(qapp, "day")
    yield
    qapp.setStyleSheet("")


def test_a_supervisor_finds_entries_by_action_and_words_and_checks_the_chain(
    qtbot, sqlite_clinic, clock, tmp_path
):
    c = sqlite_clinic
    supervisor = c.people.add_staff("Robin Supervisor", StaffRole.SUPERVISOR)
    _entries(c, clock)
    viewer, _ = build(qtbot, c, tmp_path, supervisor.id)
    assert viewer.model.rowCount() == 3  # loaded when shown
    viewer.action.setCurrentIndex(viewer.action.findData("create"))
    qtbot.keyClicks(viewer.words, "calm 2")
    with qtbot.waitSignal(viewer.searched, timeout=5000) as found:
        qtbot.keyClick(viewer.words, Qt.Key.Key_Return)
    assert found.args == [1] and viewer.model.rowCount() == 1
    row = [viewer.model.index(0, col).data() for col in range(6)]
    assert row[2:5] == ["Jordan Lee", "create", "observation n2"]
    assert "text: calm 2" in row[5]
    with qtbot.waitSignal(viewer.verified, timeout=5000) as held:
        qtbot.mouseClick(viewer.verify_button, Qt.MouseButton.LeftButton)
    assert held.args == [True]
    assert viewer.message.text() == "The chain holds: 3 entries checked."


def test_the_chain_holding_reads_calm_not_red(qtbot, sqlite_clinic, clock, tmp_path, day_theme):
    c = sqlite_clinic
    supervisor = c.people.add_staff("Robin Supervisor", StaffRole.SUPERVISOR)
    _entries(c, clock)
    viewer, _ = build(qtbot, c, tmp_path, supervisor.id)
    viewer.resize(900, 400)
    with qtbot.waitSignal(viewer.verified, timeout=5000):
        viewer.verify()
    assert viewer.message.text().startswith("The chain holds")
    ink = _ink(viewer.message.grab().toImage())
    assert len(ink) > 50  # the text is drawn
    red = [p for p in ink if p.red() > p.green() + 60 and p.red() > p.blue() + 60]
    green = [p for p in ink if p.green() > p.red() + 40]
    assert not red and len(green) > len(ink) // 2


def test_a_refusal_still_reads_as_an_error(qtbot, sqlite_clinic, tmp_path, day_theme):
    c = sqlite_clinic
    viewer, _ = build(qtbot, c, tmp_path, c.therapist.id)
    ink = _ink(viewer.message.grab().toImage())
    assert sum(1 for p in ink if p.red() > p.green() + 60 and p.red() > p.blue() + 60) > 20


def test_the_trail_is_read_only_once_the_viewer_is_shown(qtbot, sqlite_clinic, clock, tmp_path):
    c = sqlite_clinic
    supervisor = c.people.add_staff("Robin Supervisor", StaffRole.SUPERVISOR)
    _entries(c, clock)
    reads: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "audit" in statement.lower() and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(c.store.engine, "before_cursor_execute", seen)
    try:
        viewer, _ = build(qtbot, c, tmp_path, supervisor.id, show=False)
        qtbot.wait(50)
        assert reads == [] and viewer.model.rowCount() == 0  # built, not shown: nothing read
        with qtbot.waitSignal(viewer.searched, timeout=5000):
            viewer.show()
        assert reads and viewer.model.rowCount() == 3
        count = len(reads)
        viewer.hide()
        viewer.show()  # shown again: no second load
        qtbot.wait(50)
        assert len(reads) == count
    finally:
        event.remove(c.store.engine, "before_cursor_execute", seen)


def test_a_therapist_is_refused_and_the_refusal_is_audited(qtbot, sqlite_clinic, tmp_path):
    c = sqlite_clinic
    viewer, _ = build(qtbot, c, tmp_path, c.therapist.id)
    assert viewer.model.rowCount() == 0
    assert viewer.message.text() == (
        "Alex Morgan (therapist) may not view the audit trail: a supervisor or admin can."
    )
    denied = [e for e in c.audit.entries() if e.action == "denied"]
    assert [(e.actor_id, e.entity) for e in denied] == [(c.therapist.id, "audit")]
