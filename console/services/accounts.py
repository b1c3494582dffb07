"""The account service: argon2id passwords, sign-in with lockout, idle lock, user switch, signatures."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from PySide6.QtCore import QObject, QTimer, Signal

from console.clock import Clock
from console.domain.accounts import (
    IDLE_LOCK_DEFAULT,
    INACTIVE,
    WRONG_CREDENTIALS,
    LockoutPolicy,
    check_not_last_admin,
    idle_expired,
    locked_message,
    normalize_username,
    validate_new_account,
    validate_password,
)
from console.domain.audit import AuditAction
from console.domain.people import Staff, StaffRole
from console.domain.permissions import Permission
from console.errors import AuthenticationFailed, FieldError, PermissionDenied, ValidationFailed
from console.services.access import Access
from console.services.signatures import Signature
from console.store.account_repository import Account, AccountRepository, Credentials

IDLE_POLL_MS = 1000  # how often the idle lock compares the clock with the last activity
LOCK_IDLE = "idle"
LOCK_BY_HAND = "by hand"
WRONG_PASSWORD = "That password is not right."
_ID_LENGTH = 40  # audit_event.entity_id
NOTICE_WINDOW = timedelta(days=30)  # break-glass resets older than this are not announced


def default_hasher() -> PasswordHasher:
    """argon2id at OWASP's recommended cost: 19 MiB of memory, 2 passes, 1 lane (~30 ms here)."""
    return PasswordHasher(
        time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
    )


def _entity_id(value: object) -> str:
    return str(value)[:_ID_LENGTH]


class AccountService(QObject):
    """Who is signed in on this console, whether the screen is locked, and the staff accounts.

    ``sign_in`` and ``switch_user`` replace whoever was signed in (the previous user is signed
    out in the audit trail; only ``signedIn`` is emitted, so a session on screen stays open).
    The idle lock polls the injected clock once a second and compares it with the last activity
    (``touch``); it never counts ticks.
    """

    # the staff member who signed in or switched in (Staff)
    signedIn = Signal(object)
    # nobody is signed in any more
    signedOut = Signal()
    # the screen lock went on (True) or off (False)
    lockedChanged = Signal(bool)
    # an account was added or changed (for the admin list)
    accountsChanged = Signal()
    # what the console must announce after a sign-in (str): a break-glass reset since
    noticeRaised = Signal(str)

    def __init__(
        self,
        clock: Clock,
        accounts: AccountRepository,
        access: Access,
        *,
        hasher: PasswordHasher | None = None,
        policy: LockoutPolicy | None = None,
        idle: timedelta = IDLE_LOCK_DEFAULT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._accounts = accounts
        self._access = access
        self._hasher = hasher if hasher is not None else default_hasher()
        self._policy = policy if policy is not None else LockoutPolicy()
        self._idle = idle
        self._dummy_hash: str | None = None
        self._notice = ""
        self._current: Staff | None = None
        self._username = ""
        self._locked = False
        self._lock_reason = ""
        self._locked_at: datetime | None = None
        self._last_activity = clock.now()
        self._timer = QTimer(self)
        self._timer.setInterval(IDLE_POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    # ---- state ---------------------------------------------------------------------------
    @property
    def current(self) -> Staff | None:
        return self._current

    @property
    def username(self) -> str:
        """The signed-in user's user name ("" when nobody is)."""
        return self._username

    @property
    def is_locked(self) -> bool:
        return self._locked

    @property
    def lock_reason(self) -> str:
        """Why the screen is locked: LOCK_IDLE or LOCK_BY_HAND ("" when it is not)."""
        return self._lock_reason

    @property
    def locked_at(self) -> datetime | None:
        return self._locked_at

    @property
    def idle_timeout(self) -> timedelta:
        return self._idle

    def set_idle_timeout(self, idle: timedelta) -> None:
        if idle <= timedelta(0):
            raise ValueError("the idle lock needs a positive time")
        self._idle = idle

    @property
    def policy(self) -> LockoutPolicy:
        return self._policy

    @property
    def idle_polling(self) -> bool:
        """True while the idle check runs (someone is signed in)."""
        return self._timer.isActive()

    @property
    def sign_in_notice(self) -> str:
        """What the console must announce after the last sign-in ("" for nothing): a break-glass
        reset of an admin account since this user last signed in.
        """
        return self._notice

    def has_accounts(self) -> bool:
        return self._accounts.has_accounts()

    def is_account_locked(self, account: Account) -> bool:
        """Whether ``account`` is locked out now (after wrong passwords)."""
        return self._policy.is_locked(account.locked_until, self._clock.now())

    def credentials(self, staff_id: int) -> Credentials | None:
        """A staff member's account with its password hash (for the signer), or None."""
        return self._accounts.get(staff_id)

    def accounts(self, by_staff_id: int | None) -> list[Account]:
        """Every staff member and their account, for the admin."""
        self._access.require(
            Permission.MANAGE_ACCOUNTS, by_staff_id, entity="account", entity_id="list"
        )
        return self._accounts.accounts()

    # ---- signing in and out ----------------------------------------------------------------
    def sign_in(self, username: str, password: str) -> Staff:
        """Sign in (replacing whoever is signed in); raises ValidationFailed for empty fields and
        AuthenticationFailed with the reason to show (never saying which of the two was wrong).
        """
        return self._sign_in(username, password, "sign-in")

    def switch_user(self, username: str, password: str) -> Staff:
        """Shift change at the lock screen: the previous user is signed out, the new one in."""
        return self._sign_in(username, password, "switch")

    def sign_out(self) -> None:
        if self._current is None:
            return
        self.record_audit(
            AuditAction.LOGOUT, self._username, self._current.id, {"reason": "signed out"}
        )
        was_locked = self._locked
        self._current, self._username = None, ""
        self._set_unlocked()
        self._timer.stop()
        self._access.set_current(None)
        self.signedOut.emit()
        if was_locked:
            self.lockedChanged.emit(False)

    def lock(self, reason: str = LOCK_BY_HAND) -> bool:
        """Lock the screen (LOCK_IDLE or LOCK_BY_HAND); False when nobody is signed in or locked."""
        if self._current is None or self._locked:
            return False
        now = self._clock.now()
        self._locked, self._lock_reason, self._locked_at = True, reason, now
        self.record_audit(
            AuditAction.SCREEN_LOCKED, self._username, self._current.id, {"reason": reason}, at=now
        )
        self.lockedChanged.emit(True)
        return True

    def unlock(self, password: str) -> Staff:
        """The signed-in user re-enters their password; raises like ``sign_in``."""
        current = self._current
        if current is None:
            raise AuthenticationFailed("Nobody is signed in: sign in instead.")
        if not self._locked:
            return current
        if not password:
            raise ValidationFailed([FieldError("password", "Enter your password.")])
        credentials = self._accounts.get(current.id)
        if credentials is None:
            raise AuthenticationFailed(INACTIVE)
        self.authenticate(credentials, password, via="unlock", wrong=WRONG_PASSWORD)
        self._set_unlocked()
        self._last_activity = self._clock.now()
        self.record_audit(AuditAction.LOGIN, self._username, current.id, {"via": "unlock"})
        self.lockedChanged.emit(False)
        return current

    def touch(self) -> None:
        """The user did something: the idle lock starts counting again."""
        if self._current is not None and not self._locked:
            self._last_activity = self._clock.now()

    def check_idle(self) -> bool:
        """Lock if the idle time has passed since the last activity (the timer calls this)."""
        if self._current is None or self._locked:
            return False
        if idle_expired(self._last_activity, self._clock.now(), self._idle):
            return self.lock(LOCK_IDLE)
        return False

    def stop(self) -> None:
        """Stop the idle polling (before the service goes away)."""
        self._timer.stop()

    # ---- account management ----------------------------------------------------------------
    def create_first_admin(
        self, username: str, name: str, password: str, repeat: str | None = None
    ) -> Staff:
        """The first account of a new installation, an admin; refused once any account exists."""
        if self._accounts.has_accounts():
            message = "Accounts exist already: sign in, or ask an admin to add yours."
            self.record_audit(
                AuditAction.DENIED,
                username,
                None,
                {"permission": "create the first admin", "message": message},
            )
            raise PermissionDenied(message)
        errors = validate_new_account(username, name, password, repeat)
        if errors:
            raise ValidationFailed(errors)
        account = self._accounts.create(
            username, name, StaffRole.ADMIN, self._hasher.hash(password)
        )
        self.record_audit(
            AuditAction.ACCOUNT_CREATE,
            account.username,
            account.staff.id,
            {"staff_id": account.staff.id, "role": "admin", "first_admin": True},
        )
        self._changed()
        return account.staff

    def create_account(
        self,
        username: str,
        name: str,
        role: StaffRole,
        password: str,
        by_staff_id: int | None,
        *,
        repeat: str | None = None,
    ) -> Staff:
        """A new staff member with an account (admins only)."""
        self._require(by_staff_id, normalize_username(username) or "new")
        errors = validate_new_account(username, name, password, repeat)
        if errors:
            raise ValidationFailed(errors)
        account = self._accounts.create(username, name, role, self._hasher.hash(password))
        self.record_audit(
            AuditAction.ACCOUNT_CREATE,
            account.username,
            by_staff_id,
            {"staff_id": account.staff.id, "name": account.staff.name, "role": role.value},
        )
        self._changed()
        return account.staff

    def give_account(
        self,
        staff_id: int,
        username: str,
        password: str,
        by_staff_id: int | None,
        *,
        repeat: str | None = None,
    ) -> Account:
        """A user name and password for a staff member added without one (admins only)."""
        self._require(by_staff_id, normalize_username(username) or staff_id)
        errors = validate_new_account(username, "-", password, repeat)
        if errors:
            raise ValidationFailed(errors)
        account = self._accounts.give_account(staff_id, username, self._hasher.hash(password))
        self.record_audit(
            AuditAction.ACCOUNT_CREATE,
            account.username,
            by_staff_id,
            {"staff_id": staff_id, "name": account.staff.name, "role": account.staff.role.value},
        )
        self._changed()
        return account

    def reset_password(
        self, staff_id: int, password: str, by_staff_id: int | None, *, repeat: str | None = None
    ) -> None:
        """Set a new password (admins only); it also lifts a lockout."""
        account = self._account_for_change(staff_id, by_staff_id)
        errors = validate_password(password, username=account.username, repeat=repeat)
        if errors:
            raise ValidationFailed(errors)
        self._accounts.set_password(staff_id, self._hasher.hash(password))
        self._accounts.reset_failures(staff_id)
        self._account_changed(account, by_staff_id, "password reset")

    def unlock_account(self, staff_id: int, by_staff_id: int | None) -> None:
        """Lift a lockout after wrong passwords (admins only)."""
        account = self._account_for_change(staff_id, by_staff_id)
        self._accounts.reset_failures(staff_id)
        self._account_changed(account, by_staff_id, "unlocked")

    def deactivate(self, staff_id: int, by_staff_id: int | None) -> None:
        """The account can no longer sign in or sign; its records keep the name (admins only)."""
        account = self._account_for_change(staff_id, by_staff_id)
        if staff_id == by_staff_id:
            raise ValidationFailed(
                [
                    FieldError(
                        "account", "You cannot deactivate your own account: another admin can."
                    )
                ]
            )
        errors = check_not_last_admin(
            account.staff.role is StaffRole.ADMIN, account.active, self._accounts.active_admins
        )
        if errors:
            raise ValidationFailed(errors)
        self._accounts.set_active(staff_id, False)
        self._account_changed(account, by_staff_id, "deactivated")

    def reactivate(self, staff_id: int, by_staff_id: int | None) -> None:
        account = self._account_for_change(staff_id, by_staff_id)
        self._accounts.set_active(staff_id, True)
        self._account_changed(account, by_staff_id, "reactivated")

    # ---- the password check, shared with PasswordSigner -----------------------------------
    def authenticate(
        self,
        credentials: Credentials,
        password: str,
        *,
        via: str,
        wrong: str,
        failed: AuditAction = AuditAction.LOGIN_FAILED,
        detail: dict[str, Any] | None = None,
    ) -> Account:
        """Check a password against an account, counting a wrong one toward the lockout.

        Raises AuthenticationFailed (``wrong`` for a wrong password) and audits ``failed``; a
        locked account's password is not even checked. A good password resets the count.
        """
        account = credentials.account
        now = self._clock.now()
        facts = {"via": via, "staff_id": account.staff.id, **(detail or {})}
        if account.locked_until is not None and self._policy.is_locked(account.locked_until, now):
            self.record_audit(failed, account.username, None, {**facts, "reason": "locked"})
            raise AuthenticationFailed(locked_message(account.locked_until, self._policy))
        if not self._password_matches(credentials, password):
            if not account.active:  # no lockout to count for an account that cannot sign in
                self.record_audit(
                    failed, account.username, None, {**facts, "reason": "wrong password"}
                )
                raise AuthenticationFailed(wrong)
            after = self._accounts.record_failure(account.staff.id, self._policy, now)
            locks = after.locked_until is not None and self._policy.is_locked(
                after.locked_until, now
            )
            self.record_audit(failed, account.username, None, {**facts, "reason": "wrong password"})
            if locks:
                assert after.locked_until is not None
                self.record_audit(
                    AuditAction.ACCOUNT_LOCKED,
                    account.username,
                    None,
                    {
                        **facts,
                        "until": after.locked_until.isoformat(),
                        "failures": self._policy.max_failures,
                    },
                )
                raise AuthenticationFailed(locked_message(after.locked_until, self._policy))
            raise AuthenticationFailed(wrong)
        if not account.active:
            self.record_audit(failed, account.username, None, {**facts, "reason": "inactive"})
            raise AuthenticationFailed(INACTIVE)
        if account.failed_logins or account.locked_until is not None:
            self._accounts.reset_failures(account.staff.id)
        return account

    # ---- internals -------------------------------------------------------------------------
    def _sign_in(self, username: str, password: str, via: str) -> Staff:
        errors: list[FieldError] = []
        if not username.strip():
            errors.append(FieldError("username", "Enter your user name."))
        if not password:
            errors.append(FieldError("password", "Enter your password."))
        if errors:
            raise ValidationFailed(errors)
        credentials = self._accounts.find(username)
        if credentials is None:
            self._spend_hash_time(password)  # an unknown name takes as long as a wrong password
            self.record_audit(
                AuditAction.LOGIN_FAILED,
                normalize_username(username),
                None,
                {"via": via, "reason": "unknown user name"},
            )
            raise AuthenticationFailed(WRONG_CREDENTIALS)
        account = self.authenticate(credentials, password, via=via, wrong=WRONG_CREDENTIALS)
        self._notice = self._break_glass_notice(account.username)
        self._begin(account, via)
        if self._notice:
            self.noticeRaised.emit(self._notice)
        return account.staff

    def _break_glass_notice(self, username: str) -> str:
        """What was done by break-glass since this user last signed in (for the banner)."""
        found = self._accounts.break_glass_since(username, self._clock.now() - NOTICE_WINDOW)
        return " ".join(
            f"Break-glass: the admin account {b.username} was reset from the command line on "
            f"{b.at.astimezone():%Y-%m-%d %H:%M} (by {b.os_user or 'an unknown OS user'}; "
            f"reason: {b.reason}). If nobody expected this, check the audit trail."
            for b in found
        )

    def _begin(self, account: Account, via: str) -> None:
        staff, now = account.staff, self._clock.now()
        previous, previous_username = self._current, self._username
        replaced = previous is not None and previous.id != staff.id
        if previous is not None and replaced:
            self.record_audit(
                AuditAction.LOGOUT,
                previous_username,
                previous.id,
                {"reason": "user switch", "next_staff_id": staff.id},
                at=now,
            )
        was_locked = self._locked
        self._current, self._username = staff, account.username
        self._set_unlocked()
        self._last_activity = now
        detail: dict[str, Any] = {"via": via}
        if previous is not None and replaced:
            detail["previous_staff_id"] = previous.id
        self.record_audit(AuditAction.LOGIN, account.username, staff.id, detail, at=now)
        self._timer.start()
        if previous is None or replaced:
            self._access.set_current(staff)
            self.signedIn.emit(staff)
        if was_locked:
            self.lockedChanged.emit(False)

    def _set_unlocked(self) -> None:
        self._locked, self._lock_reason, self._locked_at = False, "", None

    def _password_matches(self, credentials: Credentials, password: str) -> bool:
        stored = credentials.password_hash
        if not stored:
            self._spend_hash_time(password)
            return False
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        if self._hasher.check_needs_rehash(stored):  # the cost settings changed since
            self._accounts.set_password(credentials.account.staff.id, self._hasher.hash(password))
        return True

    def _spend_hash_time(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("no account has this password")
        with contextlib.suppress(VerificationError):
            self._hasher.verify(self._dummy_hash, password)

    def _require(self, by_staff_id: int | None, entity_id: object) -> Staff:
        return self._access.require(
            Permission.MANAGE_ACCOUNTS,
            by_staff_id,
            entity="account",
            entity_id=_entity_id(entity_id),
        )

    def _account_for_change(self, staff_id: int, by_staff_id: int | None) -> Account:
        credentials = self._accounts.get(staff_id)
        name = credentials.account.username if credentials is not None else staff_id
        self._require(by_staff_id, name or staff_id)
        if credentials is None or not credentials.account.has_account:
            raise ValidationFailed([FieldError("account", "Choose an account.")])
        return credentials.account

    def _account_changed(self, account: Account, by_staff_id: int | None, change: str) -> None:
        self.record_audit(
            AuditAction.ACCOUNT_CHANGE,
            account.username,
            by_staff_id,
            {"staff_id": account.staff.id, "change": change},
        )
        self._changed()

    def _changed(self) -> None:
        self._access.forget_staff()
        self.accountsChanged.emit()

    def record_audit(
        self,
        action: AuditAction,
        username: str,
        actor_id: int | None,
        detail: dict[str, Any],
        *,
        at: datetime | None = None,
    ) -> None:
        """Add an audit entry about the account ``username``."""
        self._access.audit.record(
            action, "account", _entity_id(username or "-"), actor_id, detail, at=at
        )

    def _on_timer_timeout(self) -> None:
        self.check_idle()


class PasswordSigner:
    """The ``Signer`` of the workflow and discharge: the signer re-enters their account password.

    Errors name the fields the signing forms show ("signer", "pin"); a wrong password counts
    toward the lockout and is audited "sign-failed"; a good one is audited "sign" with its meaning.
    """

    def __init__(self, accounts: AccountService) -> None:
        self._service = accounts

    def has_secret(self, staff_id: int) -> bool:
        found = self._service.credentials(staff_id)
        if found is None:
            return False
        account = found.account
        return account.active and account.has_account and account.has_password

    def sign(self, staff_id: int, secret: str, meaning: str, at: datetime) -> Signature:
        """A signature, or ValidationFailed naming the field ("signer" or "pin") and why."""
        found = self._service.credentials(staff_id)
        if found is None or not found.account.active:
            raise ValidationFailed([FieldError("signer", "Choose who is signing.")])
        account = found.account
        name = account.staff.name
        if not account.has_account or not account.has_password:
            raise ValidationFailed(
                [FieldError("pin", f"{name} has no account yet: an admin adds one under Accounts.")]
            )
        if not secret:
            raise ValidationFailed([FieldError("pin", "Enter your password to sign.")])
        try:
            self._service.authenticate(
                found,
                secret,
                via="signature",
                wrong=WRONG_PASSWORD,
                failed=AuditAction.SIGN_FAILED,
                detail={"meaning": meaning},
            )
        except AuthenticationFailed as refused:
            raise ValidationFailed([FieldError("pin", str(refused))]) from refused
        self._service.record_audit(
            AuditAction.SIGN,
            account.username,
            staff_id,
            {"staff_id": staff_id, "meaning": meaning, "printed_name": name},
            at=at,
        )
        if self._service.current is not None and self._service.current.id == staff_id:
            self._service.touch()
        return Signature(staff_id, name, meaning, at)
