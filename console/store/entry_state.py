"""What became of an entry the durable writer was given, and how the writer is doing."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class Outcome(enum.Enum):
    SAVED = "saved"
    QUEUED = "queued"  # kept in the spool (or in memory on a full disk); saved when possible
    REFUSED = "refused"  # the database refused it: set aside in the quarantine file
    ACCEPTED = "accepted"  # handed to the writer thread; its state follows by the listeners


class EntryState(enum.Enum):
    """Where one entry is now."""

    WAITING = "waiting"  # on its way to the database (in the writer's queue)
    STORED = "stored"  # committed in the database
    SPOOLED = "spooled"  # fsynced in the spool; stored when the database returns
    HELD = "held"  # in memory only (the disk is full): not stored yet, retried
    QUARANTINED = "quarantined"  # refused by the database; kept in the quarantine file


@dataclass(frozen=True, slots=True)
class WriterHealth:
    """How the writer is doing, for a banner: ``problem`` is empty when all is stored."""

    problem: str
    spooled: int
    held: int

    @property
    def pending(self) -> int:
        return self.spooled + self.held


class WriterListener(Protocol):
    """Told of every entry's state and of the writer's health, on the thread that changed it
    (the writer's own thread once it runs): a Qt receiver must queue to its own thread.
    """

    def entry_changed(self, uid: str, state: EntryState) -> None: ...

    def health_changed(self, health: WriterHealth) -> None: ...

    def notice(self, message: str) -> None: ...
