"""One console per database: an OS file lock held while the console runs, and a local socket by
which a second start brings the first console's window to the front.

The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows): it ends
with the process however the process ends (a crash or a kill included), so a restart after a
crash is never refused. A SQLite database's lock file lies beside it; any other database (a
PostgreSQL URL) is keyed on the URL and the rooms the console watches, in the user's runtime
folder.
"""

from __future__ import annotations

import hashlib
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO

import platformdirs
from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE = b"raise\n"
CONNECT_MS = 1000


def lock_path(database_url: str, rooms: tuple[int, ...] = ()) -> Path:
    """Where the lock for one database (and set of rooms) lives."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        database = Path(database_url.removeprefix("sqlite:///")).resolve()
        return database.with_name(database.name + ".console-lock")
    key = f"{database_url}|rooms={','.join(str(r) for r in sorted(rooms))}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR: platformdirs' fallback is fine
        warnings.simplefilter("ignore")
        folder = Path(platformdirs.user_runtime_dir("vigil", appauthor=False))
    return folder / f"console-{digest}.lock"


def server_name(path: Path) -> str:
    """The local socket's name for a lock (short: a socket path has a length limit)."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return f"vigil-{os.getuid() if hasattr(os, 'getuid') else 0}-{digest}"


class InstanceLock:
    """Held by the running console; ``acquire`` answers False when another console holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self._server: QLocalServer | None = None

    def acquire(self) -> bool:
        """Take the lock (True), or find it held by another running console (False)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held while running
        try:
            _lock(handle)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def listen(self, on_raise: Callable[[], None], parent: QObject | None = None) -> None:
        """Bring the window forward (``on_raise``) when a second start asks for it."""
        name = server_name(self.path)
        QLocalServer.removeServer(name)  # a crashed console's socket file would block ours
        server = QLocalServer(parent)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)

        def on_connection() -> None:
            while server.hasPendingConnections():
                socket = server.nextPendingConnection()
                socket.disconnected.connect(socket.deleteLater)
                socket.readyRead.connect(lambda s=socket: _on_ready(s, on_raise))

        server.newConnection.connect(on_connection)
        server.listen(name)
        self._server = server

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._file is not None:
            self._file.close()  # closing ends the lock; the file stays (removing it would race)
            self._file = None


def _on_ready(socket: QLocalSocket, on_raise: Callable[[], None]) -> None:
    if bytes(socket.readAll().data()).startswith(RAISE.strip()):
        on_raise()
        socket.write(b"ok\n")
        socket.flush()


def ask_to_raise(path: Path) -> bool:
    """Ask the console holding ``path`` to bring its window forward; True if it answered."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(path))
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(RAISE)
    socket.flush()
    answered = socket.waitForReadyRead(CONNECT_MS) and bytes(socket.readAll().data()).startswith(
        b"ok"
    )
    socket.disconnectFromServer()
    return answered


def _lock(handle: IO[str]) -> None:
    """Lock the whole file without waiting; OSError when another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
