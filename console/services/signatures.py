"""Signatures: the signer re-authenticates; until staff accounts exist, with a personal PIN.

The workflow asks a ``Signer`` to verify; real accounts (issue 5) replace ``PinSigner`` with a
password check behind the same two methods, without touching the workflow.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from console.errors import FieldError, ValidationFailed
from console.store.repositories import PeopleRepository

_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~50 ms here, enough for a 4–8 digit PIN stand-in


@dataclass(frozen=True, slots=True)
class Signature:
    """Who signed, when, and what the signature means ("discharged by", "override by")."""

    staff_id: int
    printed_name: str
    meaning: str
    at: datetime


class Signer(Protocol):
    """Re-authenticates a staff member for a signature."""

    def has_secret(self, staff_id: int) -> bool: ...

    def sign(self, staff_id: int, secret: str, meaning: str, at: datetime) -> Signature: ...


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _matches(pin: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=_N, r=_R, p=_P)
    return hmac.compare_digest(candidate.hex(), digest)


def validate_pin(pin: str) -> list[FieldError]:
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        return [FieldError("pin", "A PIN is 4 to 8 digits.")]
    return []


class PinSigner:
    """Verifies a staff member's PIN (scrypt-hashed in the staff table)."""

    def __init__(self, people: PeopleRepository) -> None:
        self._people = people

    def set_pin(self, staff_id: int, pin: str) -> None:
        errors = validate_pin(pin)
        if errors:
            raise ValidationFailed(errors)
        self._people.set_pin_hashes({staff_id: hash_pin(pin)})

    def has_secret(self, staff_id: int) -> bool:
        found = self._people.signer(staff_id)
        return found is not None and bool(found[1])

    def sign(self, staff_id: int, secret: str, meaning: str, at: datetime) -> Signature:
        """A signature, or ValidationFailed naming the field ("signer" or "pin") and why."""
        found = self._people.signer(staff_id)
        if found is None:
            raise ValidationFailed([FieldError("signer", "Choose who is signing.")])
        name, stored = found
        if not stored:
            raise ValidationFailed(
                [FieldError("pin", f"{name} has no PIN yet: set one with `vigil staff set-pin`.")]
            )
        if not _matches(secret, stored):
            raise ValidationFailed([FieldError("pin", "That PIN is not right.")])
        return Signature(staff_id, name, meaning, at)
