"""The clinic's audit key and the chain's anchor: two small files kept outside the database.

The key (32 random bytes, hex) is made at first use, readable by its owner only (file 0600,
folder 0700). Its place is ``VIGIL_AUDIT_KEY`` when set (PostgreSQL clinics point every console
at one shared file), else ``audit.key`` in the Vigil config folder. The anchor file beside it
(``audit-anchor.json``) keeps, per chain, the last entry this console wrote.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from console.domain.audit import Anchor
from console.errors import StoreUnavailable

log = logging.getLogger(__name__)

KEY_ENV = "VIGIL_AUDIT_KEY"
KEY_NAME = "audit.key"
ANCHOR_NAME = "audit-anchor.json"
_KEY_BYTES = 32

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_where: dict[str, Path] = {}  # "config": the folder main.py named (--home)


class AuditKeyError(StoreUnavailable):
    """The audit key cannot be read, is not a key, or is not the key this trail was written with.

    A kind of StoreUnavailable: the durable writer keeps the entries and retries.
    """


def use_config_dir(folder: Path | None) -> None:
    """Where ``audit.key`` goes when VIGIL_AUDIT_KEY is not set (main.py: the --home config)."""
    if folder is None:
        _where.pop("config", None)
    else:
        _where["config"] = folder


def default_key_path() -> Path:
    configured = os.environ.get(KEY_ENV)
    if configured:
        return Path(configured)
    if "config" in _where:
        return _where["config"] / KEY_NAME
    from console.settings import AppPaths

    return AppPaths.default().config_dir / KEY_NAME


def _private_folder(folder: Path) -> None:
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)  # the umask may have narrowed it; never widened


def _write_private(path: Path, data: str, *, exclusive: bool = False, sync: bool = True) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data.encode())
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _gone(url: str) -> bool:
    """A SQLite database file that no longer exists (a temporary or deleted one)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return False
    path = Path(url[len(prefix) :].split("?", 1)[0])
    return path.is_absolute() and not path.exists()


class AuditKey:
    """The clinic's HMAC key and this console's anchors, in the files at ``path``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_key_path()
        self._secret: bytes | None = None

    @property
    def anchor_path(self) -> Path:
        return self.path.with_name(ANCHOR_NAME)

    def load(self) -> bytes | None:
        """The key, or None when there is none yet."""
        if self._secret is None:
            try:
                text = self.path.read_text(encoding="ascii").strip()
            except FileNotFoundError:
                return None
            except (OSError, UnicodeDecodeError) as error:
                raise AuditKeyError(f"the audit key {self.path} cannot be read: {error}") from error
            try:
                secret = bytes.fromhex(text)
            except ValueError:
                secret = b""
            if len(secret) < 16:
                raise AuditKeyError(f"{self.path} is not an audit key")
            self._secret = secret
        return self._secret

    def load_or_create(self) -> bytes:
        """The key, made now (owner-only) if this is the first entry written with one."""
        found = self.load()
        if found is not None:
            return found
        _private_folder(self.path.parent)
        spare = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            _write_private(spare, secrets.token_hex(_KEY_BYTES) + "\n", exclusive=True)
            try:
                os.link(spare, self.path)  # whole or not at all; never over another console's key
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links
                _write_private(self.path, spare.read_text(encoding="ascii"), exclusive=True)
        except FileExistsError:
            pass  # another console made it a moment ago: use theirs
        except OSError as error:
            raise AuditKeyError(f"the audit key {self.path} cannot be made: {error}") from error
        finally:
            spare.unlink(missing_ok=True)
        made = self.load()
        assert made is not None
        return made

    # ---- anchors --------------------------------------------------------------------------
    def _anchors(self) -> dict[str, dict[str, object]]:
        try:
            raw = json.loads(self.anchor_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise AuditKeyError(
                f"the audit anchor {self.anchor_path} is damaged: {error}"
            ) from error
        return raw if isinstance(raw, dict) else {}

    def anchor(self, chain: str | None, url: str) -> Anchor | None:
        """The anchor of ``chain`` (the uid of entry 1), else the one last written for ``url``."""
        anchors = self._anchors()
        found = anchors.get(chain) if chain else None
        if found is None:
            found = next((a for a in anchors.values() if a.get("url") == url), None)
        if not isinstance(found, dict):
            return None
        try:
            return Anchor(
                chain=str(found["chain"]),
                seq=int(str(found["seq"])),
                hash=str(found["hash"]),
                keyed_from=int(str(found["keyed_from"])),
                url=str(found.get("url", "")),
            )
        except (KeyError, ValueError) as error:
            raise AuditKeyError(f"the audit anchor {self.anchor_path} is damaged") from error

    def advance(self, anchor: Anchor) -> None:
        """Move this chain's anchor forward (never back); the chain formerly at its URL is dropped."""
        _private_folder(self.anchor_path.parent)
        with self._locked():
            try:
                anchors = self._anchors()
            except AuditKeyError as error:  # e.g. cut short by a power failure: start again
                log.warning("%s: written afresh", error)
                anchors = {}
            known = anchors.get(anchor.chain)
            if known is not None and int(str(known.get("seq", 0))) >= anchor.seq:
                return
            anchors = {
                chain: value
                for chain, value in anchors.items()
                if chain == anchor.chain
                or (value.get("url") != anchor.url and not _gone(str(value.get("url", ""))))
            }
            anchors[anchor.chain] = asdict(anchor)
            spare = self.anchor_path.with_name(f".{ANCHOR_NAME}.{os.getpid()}")
            # not synced: after a power cut the anchor is at worst behind, never ahead
            _write_private(spare, json.dumps(anchors, indent=1, sort_keys=True), sync=False)
            os.replace(spare, self.anchor_path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.anchor_path.with_name(f".{ANCHOR_NAME}.lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
