"""Staff account rules: user names, passwords, the lockout after wrong passwords, the idle lock."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain.text import check_text
from console.errors import FieldError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # long pass phrases are welcome; this only bounds the hashing work
MAX_USERNAME_LENGTH = 40  # the staff.username column
MAX_NAME_LENGTH = 80  # the staff.name column
IDLE_LOCK_DEFAULT = timedelta(minutes=10)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]*")


def normalize_username(username: str) -> str:
    """User names are matched without case and surrounding spaces ("Jordan " is "jordan")."""
    return username.strip().casefold()


def validate_username(username: str) -> list[FieldError]:
    name = normalize_username(username)
    if not name:
        return [FieldError("username", "Enter a user name.")]
    if len(name) < 2 or len(name) > MAX_USERNAME_LENGTH:
        return [FieldError("username", f"A user name is 2 to {MAX_USERNAME_LENGTH} characters.")]
    if not _USERNAME.fullmatch(name):
        return [
            FieldError(
                "username",
                "Use letters, digits, dots, dashes or underscores, starting with a letter or digit "
                "(no spaces).",
            )
        ]
    return []


def validate_name(name: str) -> list[FieldError]:
    """The printed name shown on records and signatures."""
    if not name.strip():
        return [FieldError("name", "Enter the name as it should appear on signatures.")]
    if len(name.strip()) > MAX_NAME_LENGTH:
        return [FieldError("name", f"Keep the name to {MAX_NAME_LENGTH} characters.")]
    return check_text("name", name)


def validate_password(
    password: str,
    *,
    username: str = "",
    repeat: str | None = None,
    min_length: int = MIN_PASSWORD_LENGTH,
) -> list[FieldError]:
    """Problems with a new password ("password"), and with its repetition ("repeat") if given."""
    errors: list[FieldError] = []
    if len(password) < min_length:
        errors.append(
            FieldError(
                "password",
                f"Use at least {min_length} characters: a length that resists guessing; "
                "a short phrase is easier to remember than a code.",
            )
        )
    elif len(password) > MAX_PASSWORD_LENGTH:
        errors.append(
            FieldError("password", f"Keep the password to {MAX_PASSWORD_LENGTH} characters.")
        )
    elif not password.strip():
        errors.append(FieldError("password", "A password of spaces only is too easy to guess."))
    elif len(set(password)) == 1:
        errors.append(FieldError("password", "One character repeated is too easy to guess."))
    elif username and normalize_username(password) == normalize_username(username):
        errors.append(FieldError("password", "The password must differ from the user name."))
    if repeat is not None and repeat != password:
        errors.append(FieldError("repeat", "The two passwords differ: type the same one twice."))
    return errors


def validate_new_account(
    username: str, name: str, password: str, repeat: str | None = None
) -> list[FieldError]:
    """Every problem with a new account's details, one message per field; empty when valid."""
    return [
        *validate_name(name),
        *validate_username(username),
        *validate_password(password, username=username, repeat=repeat),
    ]


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    """The account's counters after one more wrong password."""

    failed_logins: int
    locked_until: datetime | None  # set when this failure locks the account

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """After ``max_failures`` wrong passwords in a row the account locks for ``lock_for``.

    A successful sign-in resets the count. Locking also resets it, so after the lock ends the
    account has ``max_failures`` tries again. Attempts while locked do not check the password.
    """

    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)

    def is_locked(self, locked_until: datetime | None, now: datetime) -> bool:
        return locked_until is not None and now < locked_until

    def after_failure(self, failed_logins: int, now: datetime) -> FailureOutcome:
        count = failed_logins + 1
        if count >= self.max_failures:
            return FailureOutcome(0, now + self.lock_for)
        return FailureOutcome(count, None)


def check_not_last_admin(
    is_admin: bool, active: bool, active_admins: Callable[[], int]
) -> list[FieldError]:
    """Deactivating this account must leave at least one active admin (asked only for one)."""
    if is_admin and active and active_admins() <= 1:
        return [FieldError("account", "This is the last active admin: add another admin first.")]
    return []


def idle_expired(last_activity: datetime, now: datetime, idle: timedelta) -> bool:
    """True once ``idle`` has passed since the last activity (a clock set back never locks)."""
    return now - last_activity >= idle


def clock_time(at: datetime) -> str:
    """A UTC time in the machine's local time, HH:MM (for messages)."""
    return at.astimezone().strftime("%H:%M")


WRONG_CREDENTIALS = "Wrong user name or password."
INACTIVE = "This account is no longer active. An admin can reactivate it."


def locked_message(locked_until: datetime, policy: LockoutPolicy) -> str:
    return (
        f"This account is locked until {clock_time(locked_until)} after "
        f"{policy.max_failures} wrong passwords. Try again then, or ask an admin to unlock it."
    )
