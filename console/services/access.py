"""Who is signed in, and the permission check every service makes before it acts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from console.domain.audit import AuditAction
from console.domain.people import Staff
from console.domain.permissions import Permission, allows, refusal
from console.errors import PermissionDenied
from console.store.audit_repository import new_draft
from console.store.repositories import PeopleRepository
from console.store.writer import DurableWriter, SaveAudit

# permissions whose staff id names a co-signer who re-enters their own password (or, for a
# check-in, the session's therapist): they may differ from the signed-in user
VOUCHED_ELSEWHERE = frozenset(
    {
        Permission.CHECK_IN,
        Permission.OVERRIDE,
        Permission.SIGN_DISCHARGE,
        Permission.RECORD_DOSE,
        Permission.REVIEW,
    }
)


class Clock(Protocol):
    def now(self) -> datetime: ...


class AuditTrail:
    """Adds entries to the audit trail through the durable writer: a locked database spools them."""

    def __init__(self, clock: Clock, writer: DurableWriter) -> None:
        self._clock = clock
        self._writer = writer

    def record(
        self,
        action: AuditAction,
        entity: str,
        entity_id: object,
        actor_id: int | None,
        detail: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> None:
        self._writer.write(
            SaveAudit(
                new_draft(
                    at=at or self._clock.now(),
                    actor_id=actor_id,
                    action=action.value,
                    entity=entity,
                    entity_id=str(entity_id),
                    detail=detail,
                )
            )
        )


class Access(QObject):
    """Holds the signed-in user; ``require`` refuses (and audits) what a role may not do."""

    # the signed-in staff member (Staff), or None when nobody is
    userChanged = Signal(object)
    # a refused action's message (str), for the status bar
    denied = Signal(str)

    def __init__(
        self, people: PeopleRepository, audit: AuditTrail, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._people = people
        self._audit = audit
        self._staff: dict[int, Staff] = {}
        self._current: Staff | None = None

    @property
    def audit(self) -> AuditTrail:
        return self._audit

    @property
    def current(self) -> Staff | None:
        return self._current

    def set_current(self, staff: Staff | None) -> None:
        """Only the account service calls this, after a sign-in, switch or sign-out."""
        self._current = staff
        if staff is not None:
            self._staff[staff.id] = staff
        self.userChanged.emit(staff)

    def staff(self, staff_id: int) -> Staff | None:
        """The staff member (with role); read once and kept, so a locked database later
        does not stop anyone from recording.
        """
        found = self._staff.get(staff_id)
        if found is None:
            if self._current is not None and self._current.id == staff_id:
                return self._current
            self._staff = {s.id: s for s in self._people.staff()}
            found = self._staff.get(staff_id)
        return found

    def forget_staff(self) -> None:
        """Read roles again (an admin changed an account)."""
        self._staff.clear()

    def can(self, permission: Permission, staff_id: int | None = None) -> bool:
        """Whether ``staff_id`` (the signed-in user by default) may; for enabling buttons."""
        who = self.staff(staff_id) if staff_id is not None else self._current
        return who is not None and allows(who.role, permission)

    def acting(self, staff_id: int | None = None) -> int | None:
        """The signed-in user's id (``staff_id`` only when nobody is signed in)."""
        return self._current.id if self._current is not None else staff_id

    def require(
        self,
        permission: Permission,
        staff_id: int | None,
        *,
        entity: str = "",
        entity_id: object = "",
    ) -> Staff:
        """The acting staff member, or PermissionDenied (with an audit entry) when not allowed.

        While someone is signed in, a caller-supplied ``staff_id`` that is not theirs never
        grants more than the signed-in user may do (apart from co-signers who re-enter their
        own password, see VOUCHED_ELSEWHERE): a screen cannot borrow another account's role.
        """
        who = self.staff(staff_id) if staff_id is not None else None
        current = self._current
        if (
            current is not None
            and staff_id is not None
            and staff_id != current.id
            and permission not in VOUCHED_ELSEWHERE
            and not allows(current.role, permission)
        ):
            message = f"Staff #{staff_id} is not the signed-in user: " + refusal(
                current.name, current.role, permission
            )
            staff_id = current.id  # the audit entry names who was at the console
        elif who is None:
            message = f"Sign in to {permission.value}."
        elif allows(who.role, permission):
            return who
        else:
            message = refusal(who.name, who.role, permission)
        self._audit.record(
            AuditAction.DENIED,
            entity or "permission",
            entity_id or permission.name.lower(),
            staff_id,
            {"permission": permission.name.lower(), "message": message},
        )
        self.denied.emit(message)
        raise PermissionDenied(message)
