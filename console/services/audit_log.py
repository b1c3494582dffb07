"""Reading the audit trail for supervisors and admins: filtered entries and the chain check."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject

from console.domain.audit import AuditAction, AuditEntry, ChainBreak
from console.domain.permissions import Permission
from console.services.access import Access
from console.store.audit_repository import AuditQuery, AuditRepository, detail_of


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One entry as the viewer shows it: who by name, what, and the detail as text."""

    entry: AuditEntry
    actor: str
    detail: str


class AuditLog(QObject):
    """Search and verify the trail; only roles with VIEW_AUDIT may (and each look is not logged)."""

    def __init__(
        self, audit: AuditRepository, access: Access, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._audit = audit
        self._access = access

    def search(self, query: AuditQuery, staff_id: int | None) -> list[AuditLine]:
        self._access.require(Permission.VIEW_AUDIT, staff_id, entity="audit")
        lines = []
        for entry in self._audit.search(query):
            who = self._access.staff(entry.actor_id) if entry.actor_id is not None else None
            actor = who.name if who is not None else ("system" if entry.actor_id is None else "")
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(detail_of(entry).items()))
            lines.append(AuditLine(entry, actor or f"staff #{entry.actor_id}", detail))
        return lines

    def verify(self, staff_id: int | None) -> tuple[int, ChainBreak | None]:
        self._access.require(Permission.VIEW_AUDIT, staff_id, entity="audit")
        return self._audit.verify()

    @staticmethod
    def actions() -> list[str]:
        return [a.value for a in AuditAction]
