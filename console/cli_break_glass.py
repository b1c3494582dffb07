"""`vigil break-glass`: the explicit, audited way back in when no admin can sign in."""

from __future__ import annotations

from argon2 import PasswordHasher

from console.cli_accounts import audit_job
from console.clock import Clock
from console.domain.accounts import normalize_username, validate_new_account, validate_password
from console.domain.audit import AuditAction
from console.domain.people import StaffRole
from console.errors import FieldError, ValidationFailed, VigilError
from console.services.accounts import default_hasher
from console.store.account_repository import AccountRepository
from console.store.audit_key import AuditKey
from console.store.database import Store


def break_glass(
    store: Store,
    clock: Clock,
    username: str,
    reason: str,
    password: str,
    repeat: str | None = None,
    *,
    name: str = "",
    key: AuditKey | None = None,
    os_user: str = "",
    hasher: PasswordHasher | None = None,
) -> str:
    """The way back in when no admin can sign in: reset (or create) an admin account.

    Needs OS-level access to the clinic's audit key file (whoever can read it could rewrite the
    trail anyway) and a reason; audited "break-glass" and announced at the next sign-ins.
    """
    key = key if key is not None else AuditKey()
    errors: list[FieldError] = []
    if len(reason.strip()) < 10:
        errors.append(FieldError("reason", "Say why, in at least 10 characters (--reason)."))
    try:
        readable = key.load() is not None
    except VigilError as error:
        readable, problem = False, str(error)
    else:
        problem = f"there is no audit key at {key.path}"
    if not readable:
        errors.append(
            FieldError(
                "key",
                f"Break-glass needs the clinic's audit key file ({problem}): run it as the "
                "operating-system user that owns the Vigil folder, with VIGIL_AUDIT_KEY if the "
                "key is kept elsewhere.",
            )
        )
    accounts = AccountRepository(store)
    found = accounts.find(username)
    if found is not None and found.account.staff.role is not StaffRole.ADMIN:
        errors.append(FieldError("username", f"{found.account.username} is not an admin account."))
    errors += validate_password(password, username=normalize_username(username), repeat=repeat)
    if found is None:
        errors += [
            e
            for e in validate_new_account(username, name, password, repeat)
            if e.field in ("name", "username")
        ]
    if errors:
        raise ValidationFailed(errors)
    hasher = hasher if hasher is not None else default_hasher()
    if found is None:
        account = accounts.create(username, name, StaffRole.ADMIN, hasher.hash(password))
        change = "admin account created"
    else:
        account = found.account
        accounts.set_password(account.staff.id, hasher.hash(password))
        accounts.reset_failures(account.staff.id)
        accounts.set_active(account.staff.id, True)
        change = "admin password reset, account unlocked and active"
    audit_job(
        store,
        clock,
        AuditAction.BREAK_GLASS,
        account.username,
        {
            "staff_id": account.staff.id,
            "change": change,
            "reason": reason.strip(),
            "os_user": os_user,
        },
    )
    return (
        f"break-glass: {change} for {account.username} ({account.staff.name}); "
        "audited, and announced at the next sign-in of each user"
    )
