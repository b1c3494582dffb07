"""Staff accounts in the staff table: user name, password hash, failed sign-ins and the lockout."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from console.domain.accounts import LockoutPolicy, normalize_username
from console.domain.people import Staff, StaffRole
from console.errors import FieldError, ValidationFailed
from console.store.database import Store
from console.store.models import AuditRow, StaffRow


@dataclass(frozen=True, slots=True)
class Account:
    """A staff member's account as the admin sees it (never the password hash)."""

    staff: Staff
    username: str  # "" for a staff member without an account
    active: bool
    failed_logins: int
    locked_until: datetime | None
    has_password: bool

    @property
    def has_account(self) -> bool:
        return bool(self.username)


@dataclass(frozen=True, slots=True)
class Credentials:
    """An account with its stored password hash, for checking a password."""

    account: Account
    password_hash: str


def _account(row: StaffRow) -> Account:
    return Account(
        staff=Staff(row.id, row.name, StaffRole(row.role)),
        username=row.username or "",
        active=row.active,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        has_password=bool(row.password_hash),
    )


def _taken(tx: Session, username: str) -> bool:
    found = tx.scalar(select(literal(1)).where(StaffRow.username == username).limit(1))
    return found is not None


_TAKEN = FieldError("username", "That user name is taken: choose another.")


class AccountRepository:
    """Reads and changes accounts; user names are stored normalized (lower case, no spaces)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def has_accounts(self) -> bool:
        """True once any staff member has a user name (active or not)."""
        with self._store.transaction() as tx:
            return _taken_any(tx)

    def create(self, username: str, name: str, role: StaffRole, password_hash: str) -> Account:
        """A new staff member with an account; ValidationFailed if the user name is taken."""
        username = normalize_username(username)
        with self._store.transaction() as tx:
            if _taken(tx, username):
                raise ValidationFailed([_TAKEN])
            row = StaffRow(
                name=name.strip(),
                role=role.value,
                username=username,
                password_hash=password_hash,
                failed_logins=0,
                active=True,
            )
            tx.add(row)
            tx.flush()
            return _account(row)

    def give_account(self, staff_id: int, username: str, password_hash: str) -> Account:
        """Give an existing staff member (added without an account) a user name and password."""
        username = normalize_username(username)
        with self._store.transaction() as tx:
            row = tx.get_one(StaffRow, staff_id, with_for_update=True)
            if row.username:
                raise ValidationFailed(
                    [
                        FieldError(
                            "username", f"{row.name} has the user name {row.username} already."
                        )
                    ]
                )
            if _taken(tx, username):
                raise ValidationFailed([_TAKEN])
            row.username = username
            row.password_hash = password_hash
            row.failed_logins = 0
            row.locked_until = None
            tx.flush()
            return _account(row)

    def find(self, username: str) -> Credentials | None:
        """The account with this user name (any case), or None."""
        with self._store.transaction() as tx:
            row = tx.scalar(
                select(StaffRow).where(StaffRow.username == normalize_username(username))
            )
            return Credentials(_account(row), row.password_hash) if row is not None else None

    def get(self, staff_id: int) -> Credentials | None:
        with self._store.transaction() as tx:
            row = tx.get(StaffRow, staff_id)
            return Credentials(_account(row), row.password_hash) if row is not None else None

    def accounts(self) -> list[Account]:
        """Every staff member, with or without an account, active or not, by name."""
        with self._store.transaction() as tx:
            rows = tx.scalars(select(StaffRow).order_by(StaffRow.name, StaffRow.id))
            return [_account(r) for r in rows]

    def active_admins(self) -> int:
        with self._store.transaction() as tx:
            rows = tx.scalars(
                select(StaffRow.id)
                .where(StaffRow.role == StaffRole.ADMIN.value)
                .where(StaffRow.active.is_(True))
                .where(StaffRow.username.is_not(None))
            )
            return len(list(rows))

    def record_failure(self, staff_id: int, policy: LockoutPolicy, now: datetime) -> Account:
        """Count one wrong password (under a row lock: two consoles never lose a count)."""
        with self._store.transaction() as tx:
            row = tx.get_one(StaffRow, staff_id, with_for_update=True)
            outcome = policy.after_failure(row.failed_logins, now)
            row.failed_logins = outcome.failed_logins
            if outcome.locked_until is not None:
                row.locked_until = outcome.locked_until
            tx.flush()
            return _account(row)

    def reset_failures(self, staff_id: int) -> None:
        """A good password, or an admin's unlock: no failures counted, not locked."""
        with self._store.transaction() as tx:
            row = tx.get_one(StaffRow, staff_id, with_for_update=True)
            row.failed_logins = 0
            row.locked_until = None

    def set_password(self, staff_id: int, password_hash: str) -> None:
        with self._store.transaction() as tx:
            tx.get_one(StaffRow, staff_id, with_for_update=True).password_hash = password_hash

    def set_active(self, staff_id: int, active: bool) -> None:
        with self._store.transaction() as tx:
            tx.get_one(StaffRow, staff_id, with_for_update=True).active = active

    def break_glass_since(self, username: str, floor: datetime) -> list[BreakGlass]:
        """Break-glass resets since ``username`` last signed in (or since ``floor``), oldest first."""
        with self._store.transaction() as tx:
            last = tx.scalar(
                select(func.max(AuditRow.at))
                .where(AuditRow.action == "login")
                .where(AuditRow.entity == "account")
                .where(AuditRow.entity_id == normalize_username(username))
            )
            since = max(last, floor) if last is not None else floor
            rows = tx.scalars(
                select(AuditRow)
                .where(AuditRow.action == "break-glass")
                .where(AuditRow.at > since)
                .order_by(AuditRow.seq)
            )
            found = []
            for row in rows:
                try:
                    detail = json.loads(row.detail or "{}")
                except ValueError:
                    detail = {}
                detail = detail if isinstance(detail, dict) else {}
                found.append(
                    BreakGlass(
                        row.at,
                        row.entity_id,
                        str(detail.get("reason", "")),
                        str(detail.get("os_user", "")),
                    )
                )
            return found


@dataclass(frozen=True, slots=True)
class BreakGlass:
    """A break-glass reset of an admin account from the command line, as the audit trail has it."""

    at: datetime
    username: str
    reason: str
    os_user: str


def _taken_any(tx: Session) -> bool:
    found = tx.scalar(select(literal(1)).where(StaffRow.username.is_not(None)).limit(1))
    return found is not None
