"""A durable, append-only JSON-lines file of entries the database could not take yet."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class Spool:
    """Entries wait here (fsynced, so a kill loses none) until the database accepts them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, item: dict[str, Any]) -> None:
        line = json.dumps(item, sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def items(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        found: list[dict[str, Any]] = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                # a line cut short by a kill mid-write: everything before it is whole
                log.warning("spool %s: unreadable line %d skipped", self.path, number)
        return found

    def replace(self, items: list[dict[str, Any]]) -> None:
        """Rewrite the spool atomically with ``items`` (what is still waiting)."""
        if not items:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(item, sort_keys=True) + "\n" for item in items)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(self.path)

    def __len__(self) -> int:
        return len(self.items())
