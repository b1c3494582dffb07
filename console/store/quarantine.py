"""Entries set aside beside the spool: refused by the database or unreadable, kept for review."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.store.files import PRIVATE_FILE, private_dir
from console.store.spool import Spool

log = logging.getLogger(__name__)


class Quarantine:
    """An append-only JSON-lines file: each line holds the entry, why it was set aside, and when
    (the time of this computer). Nothing in it is read back by Vigil.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, item: dict[str, Any], reason: str) -> None:
        """Append one entry, fsynced; raises OSError when the disk refuses."""
        private_dir(self.path.parent)
        record = {"set_aside_at": datetime.now(UTC).isoformat(), "reason": reason, "entry": item}
        line = (json.dumps(record, sort_keys=True, ensure_ascii=True, default=repr) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def set_aside(self, item: dict[str, Any], reason: str) -> str:
        """Add ``item`` (logged too) and return the sentence for the user."""
        try:
            self.add(item, reason)
            where = f"set aside in {self.path}"
        except OSError as error:
            log.critical("quarantine %s not written (%s): %r", self.path, error, item)
            where = f"kept only in the log ({error})"
        message = (
            f"A {item.get('kind', 'entry')} entry could not be stored and was {where} ({reason}). "
            "Everything after it is stored. Tell the clinic's IT."
        )
        log.error(message)
        return message

    def entries(self) -> list[dict[str, Any]]:
        """What is set aside, oldest first (for tests and the clinic's IT)."""
        if not self.path.exists():
            return []
        found: list[dict[str, Any]] = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                found.append(record)
        return found


def load_spool(
    spool: Spool, quarantine: Quarantine, check: Callable[[dict[str, Any]], object]
) -> tuple[list[dict[str, Any]], str]:
    """The entries a previous run left in ``spool`` that ``check`` can rebuild, and a sentence
    for the user when others (torn, not UTF-8, not JSON, of a wrong shape or unknown kind) were
    moved to ``quarantine`` ("" when none were).
    """
    try:
        items, bad = spool.read()
    except OSError as error:
        return [], f"The spool {spool.path} could not be read ({error})."
    reasons: list[str] = []
    for line in bad:
        quarantine.set_aside(
            {"kind": "unreadable line", "line": line.number, "text": line.text[:4000]},
            line.reason,
        )
        reasons.append(f"line {line.number}: {line.reason}")
    good: list[dict[str, Any]] = []
    for item in items:
        try:
            check(item)
        except Exception as error:  # any way a stored entry can be wrong
            reason = f"unreadable entry ({type(error).__name__}: {error})"
            quarantine.set_aside(item, reason)
            reasons.append(reason)
        else:
            good.append(item)
    if not reasons:
        return good, ""
    try:
        spool.replace(good)
    except OSError as error:
        log.warning("spool %s not rewritten (%s)", spool.path, error)
    return good, (
        f"{len(reasons)} entries left by an earlier run could not be read and were set aside in "
        f"{quarantine.path} (first: {reasons[0]}). The others are saved. Tell the clinic's IT."
    )
