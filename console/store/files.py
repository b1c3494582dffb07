"""Files and folders that hold clinical data are created readable by their owner only."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600  # the spool, the quarantine, the database and the log: owner only
PRIVATE_DIR = 0o700


def private_dir(path: Path, *, tighten: bool = True) -> None:
    """Create ``path`` (and missing parents) readable by its owner only; with ``tighten``, an
    existing folder of ours is made so too.
    """
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if not tighten:
        return
    try:
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_DIR)
    except OSError as error:  # a folder of another owner, or a read-only mount: leave it
        log.warning("folder %s: permissions not tightened (%s)", path, error)


def private_file(path: Path) -> None:
    """Create ``path`` if missing, readable by its owner only; tighten an existing one we own."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    except OSError as error:  # read-only, or not ours: whoever opens it next says why
        log.warning("file %s: permissions not checked (%s)", path, error)
        return
    try:
        if os.fstat(fd).st_mode & 0o077 and os.fstat(fd).st_uid == os.getuid():
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
