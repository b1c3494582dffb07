"""Account jobs for the command line: `vigil create-admin` and `vigil staff ...` (main.py parses)."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console.clock import Clock
from console.domain.accounts import (
    LockoutPolicy,
    check_not_last_admin,
    normalize_username,
    validate_new_account,
    validate_password,
    validate_username,
)
from console.domain.audit import AuditAction
from console.domain.people import StaffRole
from console.errors import FieldError, ValidationFailed
from console.services.accounts import default_hasher
from console.store.account_repository import Account, AccountRepository
from console.store.audit_repository import AuditRepository
from console.store.database import Store

VIA = {"via": "command line"}
_LABELS = {
    "name": "name",
    "username": "user name",
    "password": "password",
    "repeat": "repeated password",
    "account": "account",
    "admin": "admin",
    "reason": "reason",
    "key": "audit key",
}
NEEDS_ADMIN = (
    "An active admin exists: run this with --admin USER (that admin's password is asked). "
    "If no admin can sign in any more, see `vigil break-glass --help`."
)
WRONG_ADMIN = "That admin user name or password is not right."


@dataclass(frozen=True, slots=True)
class AdminProof:
    """The admin who runs an account job from the command line, and their password."""

    username: str
    password: str


def describe_errors(failed: ValidationFailed) -> str:
    """One line per bad field, for printing ("user name: That user name is taken ...")."""
    return "\n".join(f"{_LABELS.get(e.field, e.field)}: {e.message}" for e in failed.errors)


def read_new_password(
    *,
    interactive: bool | None = None,
    ask: Callable[[str], str] = getpass.getpass,
    read_line: Callable[[], str] | None = None,
) -> tuple[str, str | None]:
    """(password, repeat) typed twice at a terminal without echo; one line from a pipe.

    A piped password has no repeat (None): scripts give it once.
    """
    if interactive is None:
        interactive = sys.stdin.isatty()
    if interactive:
        first = ask("New password (at least 10 characters): ")
        return first, ask("Repeat it: ")
    line = read_line() if read_line is not None else sys.stdin.readline()
    return line.rstrip("\r\n"), None


def audit_job(
    store: Store,
    clock: Clock,
    action: AuditAction,
    username: str,
    detail: dict[str, Any],
    actor_id: int | None = None,
) -> None:
    AuditRepository(store).append(
        at=clock.now(),
        actor_id=actor_id,  # the admin who vouched for the job (None while there is none)
        action=action.value,
        entity="account",
        entity_id=username[:40],
        detail={**detail, **VIA},
    )


def authorize(store: Store, clock: Clock, admin: AdminProof | None, job: str) -> int | None:
    """The staff id of the admin vouching for ``job``; None while no active admin exists (set-up).

    A wrong password counts toward that admin's lockout, like a wrong one at the console; every
    refusal is audited.
    """
    accounts = AccountRepository(store)
    if accounts.active_admins() == 0:
        return None
    if admin is None or not admin.username.strip():
        audit_job(store, clock, AuditAction.DENIED, job, {"job": job, "message": NEEDS_ADMIN})
        raise ValidationFailed([FieldError("admin", NEEDS_ADMIN)])
    policy, now = LockoutPolicy(), clock.now()
    found = accounts.find(admin.username)
    account = found.account if found is not None else None
    facts: dict[str, Any] = {"job": job, "admin": normalize_username(admin.username)}
    if found is None or account is None:
        audit_job(
            store, clock, AuditAction.LOGIN_FAILED, admin.username, {**facts, "reason": "unknown"}
        )
        raise ValidationFailed([FieldError("admin", WRONG_ADMIN)])
    if account.locked_until is not None and policy.is_locked(account.locked_until, now):
        audit_job(
            store, clock, AuditAction.LOGIN_FAILED, account.username, {**facts, "reason": "locked"}
        )
        raise ValidationFailed([FieldError("admin", f"{account.username} is locked out for now.")])
    try:
        matches = bool(found.password_hash) and PasswordHasher().verify(
            found.password_hash, admin.password
        )
    except (VerificationError, InvalidHashError):
        matches = False
    if not matches:
        if account.active:
            accounts.record_failure(account.staff.id, policy, now)
        audit_job(
            store,
            clock,
            AuditAction.LOGIN_FAILED,
            account.username,
            {**facts, "reason": "wrong password"},
        )
        raise ValidationFailed([FieldError("admin", WRONG_ADMIN)])
    if not account.active or account.staff.role is not StaffRole.ADMIN:
        message = f"{account.username} is not an active admin."
        audit_job(store, clock, AuditAction.DENIED, account.username, {**facts, "message": message})
        raise ValidationFailed([FieldError("admin", message)])
    if account.failed_logins:
        accounts.reset_failures(account.staff.id)
    return account.staff.id


def create_admin(
    store: Store,
    clock: Clock,
    username: str,
    name: str,
    password: str,
    repeat: str | None = None,
    *,
    hasher: PasswordHasher | None = None,
    admin: AdminProof | None = None,
) -> str:
    """Create an admin account; returns the message to print, raises ValidationFailed.

    The first admin needs nobody's word; once an active admin exists, ``admin`` must be one
    (their password checked). The way back in when no admin can sign in is ``break_glass``.
    It is audited ("account-create", via the command line).
    """
    return add_account(
        store, clock, username, name, StaffRole.ADMIN, password, repeat, hasher=hasher, admin=admin
    )


def add_account(
    store: Store,
    clock: Clock,
    username: str,
    name: str,
    role: StaffRole,
    password: str,
    repeat: str | None = None,
    *,
    hasher: PasswordHasher | None = None,
    admin: AdminProof | None = None,
) -> str:
    """A new staff member with an account (`vigil staff add-account`)."""
    actor = authorize(store, clock, admin, "add-account")
    errors = validate_new_account(username, name, password, repeat)
    if errors:
        raise ValidationFailed(errors)
    hasher = hasher if hasher is not None else default_hasher()
    account = AccountRepository(store).create(username, name, role, hasher.hash(password))
    audit_job(
        store,
        clock,
        AuditAction.ACCOUNT_CREATE,
        account.username,
        {"staff_id": account.staff.id, "name": account.staff.name, "role": role.value},
        actor,
    )
    return (
        f"created {role.value} account {account.username} for {account.staff.name} "
        f"(staff id {account.staff.id})"
    )


def give_account(
    store: Store,
    clock: Clock,
    staff_id: int,
    username: str,
    password: str,
    repeat: str | None = None,
    *,
    hasher: PasswordHasher | None = None,
    admin: AdminProof | None = None,
) -> str:
    """A user name and password for a staff member added without one (`vigil staff add`)."""
    actor = authorize(store, clock, admin, "give-account")
    errors = [
        *validate_username(username),
        *validate_password(password, username=username, repeat=repeat),
    ]
    if errors:
        raise ValidationFailed(errors)
    accounts = AccountRepository(store)
    if accounts.get(staff_id) is None:
        raise ValidationFailed([FieldError("account", f"There is no staff member {staff_id}.")])
    hasher = hasher if hasher is not None else default_hasher()
    account = accounts.give_account(staff_id, username, hasher.hash(password))
    audit_job(
        store,
        clock,
        AuditAction.ACCOUNT_CREATE,
        account.username,
        {"staff_id": staff_id, "name": account.staff.name, "role": account.staff.role.value},
        actor,
    )
    return f"{account.staff.name} signs in as {account.username}"


def _existing(accounts: AccountRepository, username: str) -> Account:
    found = accounts.find(username)
    if found is None:
        raise ValidationFailed(
            [FieldError("username", f"There is no account {normalize_username(username)}.")]
        )
    return found.account


def reset_password(
    store: Store,
    clock: Clock,
    username: str,
    password: str,
    repeat: str | None = None,
    *,
    hasher: PasswordHasher | None = None,
    admin: AdminProof | None = None,
) -> str:
    """Set a new password (and lift any lockout): `vigil staff reset-password USER`."""
    actor = authorize(store, clock, admin, "reset-password")
    accounts = AccountRepository(store)
    account = _existing(accounts, username)
    errors = validate_password(password, username=account.username, repeat=repeat)
    if errors:
        raise ValidationFailed(errors)
    hasher = hasher if hasher is not None else default_hasher()
    accounts.set_password(account.staff.id, hasher.hash(password))
    accounts.reset_failures(account.staff.id)
    audit_job(
        store,
        clock,
        AuditAction.ACCOUNT_CHANGE,
        account.username,
        {"staff_id": account.staff.id, "change": "password reset"},
        actor,
    )
    return f"new password set for {account.username} ({account.staff.name})"


def unlock(store: Store, clock: Clock, username: str, *, admin: AdminProof | None = None) -> str:
    """Lift a lockout after wrong passwords: `vigil staff unlock USER`."""
    actor = authorize(store, clock, admin, "unlock")
    accounts = AccountRepository(store)
    account = _existing(accounts, username)
    accounts.reset_failures(account.staff.id)
    audit_job(
        store,
        clock,
        AuditAction.ACCOUNT_CHANGE,
        account.username,
        {"staff_id": account.staff.id, "change": "unlocked"},
        actor,
    )
    return f"{account.username} ({account.staff.name}) is unlocked"


def set_active(
    store: Store, clock: Clock, username: str, active: bool, *, admin: AdminProof | None = None
) -> str:
    """`vigil staff deactivate USER` / `vigil staff reactivate USER`."""
    actor = authorize(store, clock, admin, "reactivate" if active else "deactivate")
    accounts = AccountRepository(store)
    account = _existing(accounts, username)
    if not active:
        errors = check_not_last_admin(
            account.staff.role is StaffRole.ADMIN, account.active, accounts.active_admins
        )
        if errors:
            raise ValidationFailed(errors)
    accounts.set_active(account.staff.id, active)
    change = "reactivated" if active else "deactivated"
    audit_job(
        store,
        clock,
        AuditAction.ACCOUNT_CHANGE,
        account.username,
        {"staff_id": account.staff.id, "change": change},
        actor,
    )
    return f"{account.username} ({account.staff.name}) is {change}"


def list_accounts(store: Store, clock: Clock) -> str:
    """Every staff member: id, name, role, user name and state (`vigil staff accounts`)."""
    now = clock.now()
    lines = []
    for account in AccountRepository(store).accounts():
        state = []
        if not account.has_account:
            state.append("no account")
        if not account.active:
            state.append("inactive")
        if account.locked_until is not None and now < account.locked_until:
            state.append(f"locked until {account.locked_until.astimezone():%H:%M}")
        lines.append(
            f"{account.staff.id:4d}  {account.username or '-':<16} {account.staff.name}  "
            f"({account.staff.role.value})" + (f"  [{', '.join(state)}]" if state else "")
        )
    return "\n".join(lines) if lines else "no staff yet: vigil create-admin adds the first admin"
