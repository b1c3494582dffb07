"""A durable, append-only JSON-lines file of entries the database could not take yet."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.store.files import PRIVATE_FILE, private_dir

log = logging.getLogger(__name__)


def _append_fsynced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class BadLine:
    """A spool line that cannot be an entry: its number, its text and why."""

    number: int
    text: str
    reason: str


def _line(item: dict[str, Any]) -> bytes:
    return (json.dumps(item, sort_keys=True, ensure_ascii=True) + "\n").encode()


class Spool:
    """Entries wait here (fsynced, so a kill loses none) until the database accepts them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(self.path.parent)

    def append(self, item: dict[str, Any]) -> None:
        """Add one entry, fsynced; raises OSError (ENOSPC on a full disk) and keeps nothing."""
        self.append_all([item])

    def append_all(self, items: list[dict[str, Any]]) -> None:
        """Add entries in order with one fsync; on OSError the file keeps only whole lines."""
        if not items:
            return
        size = self.path.stat().st_size if self.path.exists() else 0
        try:
            _append_fsynced(self.path, b"".join(_line(item) for item in items))
        except OSError:
            self._cut_to(size)  # a part-written line would be quarantined at the next read
            raise

    def _cut_to(self, size: int) -> None:
        try:
            with self.path.open("r+b") as handle:
                handle.truncate(size)
        except OSError as error:
            log.warning("spool %s: a part-written line could not be cut (%s)", self.path, error)

    def read(self) -> tuple[list[dict[str, Any]], list[BadLine]]:
        """The entries in order, and the lines that cannot be entries (torn by a kill, not
        UTF-8, not JSON, not an object with a ``kind``).
        """
        if not self.path.exists():
            return [], []
        found: list[dict[str, Any]] = []
        bad: list[BadLine] = []
        for number, raw in enumerate(self.path.read_bytes().split(b"\n"), 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                bad.append(BadLine(number, raw.decode("utf-8", "backslashreplace"), str(error)))
                continue
            try:
                item = json.loads(text)
            except ValueError as error:
                bad.append(BadLine(number, text, f"not JSON ({error})"))
                continue
            if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
                bad.append(BadLine(number, text, "not an entry (no kind)"))
                continue
            found.append(item)
        return found, bad

    def items(self) -> list[dict[str, Any]]:
        """The readable entries, in order (bad lines are logged and left out)."""
        found, bad = self.read()
        for line in bad:
            log.warning("spool %s: line %d unreadable (%s)", self.path, line.number, line.reason)
        return found

    def replace(self, items: list[dict[str, Any]]) -> None:
        """Rewrite the spool atomically with ``items`` (what is still waiting)."""
        if not items:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_suffix(".tmp")
        temporary.unlink(missing_ok=True)
        try:
            _append_fsynced(temporary, b"".join(_line(item) for item in items))
            temporary.replace(self.path)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise

    def __len__(self) -> int:
        return len(self.read()[0])
