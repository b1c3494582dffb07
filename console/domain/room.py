"""The dosing room: numbered chairs and the monitors bound to the patient in each chair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.domain.text import check_text
from console.errors import FieldError

MAX_CHAIRS = 16
MAX_ROOM_NAME_LENGTH = 40  # the room.name column


@dataclass(frozen=True, slots=True)
class DeviceBinding:
    """A monitor's port bound to one session, from ``bound_at`` until ``released_at``."""

    id: int
    session_id: int
    protocol: str
    port: str
    bound_at: datetime
    bound_by: int | None
    released_at: datetime | None = None
    released_by: int | None = None

    @property
    def is_open(self) -> bool:
        """Still bound: readings from this port belong to this session."""
        return self.released_at is None


def validate_room_name(name: str) -> list[FieldError]:
    """A room's name as shown on the overview and in records: present, short, printable."""
    if not name.strip():
        return [FieldError("name", "Enter the room's name.")]
    if len(name.strip()) > MAX_ROOM_NAME_LENGTH:
        return [FieldError("name", f"Keep the room's name to {MAX_ROOM_NAME_LENGTH} characters.")]
    return check_text("name", name)


def validate_chair(chair: int | None) -> list[FieldError]:
    """The chair must be chosen and be one of the room's chairs (1 to MAX_CHAIRS)."""
    if chair is None or isinstance(chair, bool) or not 1 <= chair <= MAX_CHAIRS:
        return [FieldError("chair", f"Choose the chair (1 to {MAX_CHAIRS}).")]
    return []
