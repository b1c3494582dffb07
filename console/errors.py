"""Expected failures of the environment and of user input, apart from bugs."""

from __future__ import annotations

from dataclasses import dataclass


class VigilError(Exception):
    """Base of every expected error: it becomes a message for the user, never a crash dialog."""


class StoreUnavailable(VigilError):
    """The database could not be written or read (locked, read-only, gone, server down)."""


class StoreVersionError(VigilError):
    """The database was written by a newer Vigil than this one; it is left untouched."""


class IllegalTransition(VigilError):
    """A session state change that the lifecycle does not allow; the message says why."""


class ValidationFailed(VigilError):
    """User input failed validation; ``errors`` lists each field and its message."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field and the message to show beside it."""

    field: str
    message: str


class PermissionDenied(VigilError):
    """The acting staff member's role may not do this; the message names the role and the action."""


class AuthenticationFailed(VigilError):
    """A sign-in or re-authentication was refused (wrong password, locked account)."""
