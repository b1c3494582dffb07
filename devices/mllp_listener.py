"""HL7 MLLP listener on its own thread: accepts senders, ACKs each message, emits readings."""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject, QThread, Signal

from devices.base import Decoded, Reading
from devices.protocols import hl7
from devices.reader import (
    BACKOFF_INITIAL_S,
    BACKOFF_MAX_S,
    Clock,
    ReaderState,
    ReaderStatus,
    ReadingBatch,
    utc_now,
)

_log = logging.getLogger(__name__)

Handler = Callable[[bytes], tuple[list[Decoded], bytes]]

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
MAX_MESSAGE = 1 << 20  # a sender that never closes its frame is cut off at 1 MiB
_FILLER = b"\r\n\x00 "


@dataclass
class _Sender:
    sock: socket.socket
    peer: str
    buffer: bytes = field(default=b"")


def _fallback_ack(payload: bytes, reason: str) -> bytes:
    """An MSA|AR answer for a message the handler could not even answer itself."""
    control_id = ""
    first = payload.split(b"\r", 1)[0].decode("utf-8", "replace")
    if first.startswith("MSH") and len(first) > 3:
        fields = first.split(first[3])
        control_id = fields[9] if len(fields) > 9 else ""
    stamp = time.strftime("%Y%m%d%H%M%S")
    text = (
        f"MSH|^~\\&|VIGIL|VIGIL|||{stamp}||ACK|{control_id or 'UNKNOWN'}|P|2.6\r"
        f"MSA|AR|{control_id}|{reason}\r"
    )
    return START_BLOCK + text.encode("utf-8") + END_BLOCK


class MllpListener(QThread):
    """Listens for HL7 senders (loopback by default); one thread serves every connection.

    Stop it with ``requestInterruption(); wait()`` (or ``stop()``). ``address()`` gives the bound
    (host, port) once the status says ``listening`` (use port 0 for an ephemeral port).
    """

    # ReadingBatch: readings of one HL7 message (source = the sender's "host:port") + host UTC time
    readings = Signal(object)
    # ReaderStatus: snapshot on every state change (listening/connected/silent/disconnected/stopped)
    statusChanged = Signal(object)

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = hl7.DEFAULT_TCP_PORT,
        handler: Handler = hl7.handle_message,
        expected_period_s: float = hl7.DRIVER.expected_period_s,
        clock: Clock = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._host, self._port = host, port
        self._handler = handler
        self._period = expected_period_s
        self._clock = clock
        self._lock = threading.Lock()
        self._address: tuple[str, int] | None = None
        self._state = ReaderState.STOPPED
        self._good = self._bad = self._resyncs = 0
        self._error = ""
        self._last_reading: datetime | None = None
        self._last_valid = 0.0
        self._senders: dict[int, _Sender] = {}
        self._status = self._snapshot()

    def address(self) -> tuple[str, int] | None:
        """The bound (host, port) while listening, else None (safe from any thread)."""
        with self._lock:
            return self._address

    def status(self) -> ReaderStatus:
        with self._lock:
            return self._status

    def stop(self) -> None:
        """Ask the thread to finish and wait for it."""
        self.requestInterruption()
        self.wait()

    # ------------------------------------------------------------------ thread body

    def run(self) -> None:
        backoff = BACKOFF_INITIAL_S
        while not self.isInterruptionRequested():
            try:
                server = socket.create_server((self._host, self._port))
            except OSError as exc:
                self._set_state(
                    ReaderState.DISCONNECTED, f"cannot listen on {self._host}:{self._port}: {exc}"
                )
                self._pause(backoff)
                backoff = min(backoff * 2.0, BACKOFF_MAX_S)
                continue
            try:
                self._serve(server)
            finally:
                for sender in list(self._senders.values()):
                    self._drop(sender, None)
                server.close()
                with self._lock:
                    self._address = None
        self._set_state(ReaderState.STOPPED)

    def _serve(self, server: socket.socket) -> None:
        server.setblocking(False)
        bound = server.getsockname()
        with self._lock:
            self._address = (str(bound[0]), int(bound[1]))
        with selectors.DefaultSelector() as selector:
            selector.register(server, selectors.EVENT_READ, None)
            self._set_state(ReaderState.LISTENING, "")
            while not self.isInterruptionRequested():
                for key, _ in selector.select(timeout=0.1):
                    if key.data is None:
                        self._accept(server, selector)
                    else:
                        self._receive(key.data, selector)
                self._watchdog()
            for sender in list(self._senders.values()):
                self._drop(sender, selector)

    def _accept(self, server: socket.socket, selector: selectors.BaseSelector) -> None:
        try:
            sock, peer = server.accept()
        except OSError:
            return
        sock.setblocking(False)
        sender = _Sender(sock, f"{peer[0]}:{peer[1]}")
        self._senders[sock.fileno()] = sender
        selector.register(sock, selectors.EVENT_READ, sender)
        self._last_valid = time.monotonic()  # a new sender gets one period before "silent"
        self._set_state(ReaderState.CONNECTED)

    def _drop(self, sender: _Sender, selector: selectors.BaseSelector | None) -> None:
        if selector is not None:
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(sender.sock)
        self._senders.pop(sender.sock.fileno(), None)
        sender.sock.close()
        if not self._senders and self._state is not ReaderState.STOPPED:
            self._set_state(ReaderState.LISTENING)

    def _receive(self, sender: _Sender, selector: selectors.BaseSelector) -> None:
        try:
            data = sender.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as exc:
            self._error = f"{sender.peer}: {exc}"
            data = b""
        if not data:
            self._drop(sender, selector)
            return
        t_host = self._clock()
        for payload in self._frames(sender, data):
            self._answer(sender, payload, t_host)

    def _frames(self, sender: _Sender, data: bytes) -> list[bytes]:
        """Complete MLLP payloads in the sender's buffer; garbage between frames is counted."""
        buf = sender.buffer + data
        out: list[bytes] = []
        while True:
            start = buf.find(START_BLOCK)
            if start < 0:
                if buf.strip(_FILLER):
                    self._resyncs += 1
                buf = b""
                break
            if buf[:start].strip(_FILLER):
                self._resyncs += 1
            end = buf.find(END_BLOCK, start + 1)
            if end < 0:
                buf = buf[start:]
                if len(buf) > MAX_MESSAGE:
                    self._bad += 1
                    buf = b""
                break
            out.append(buf[start + 1 : end])
            buf = buf[end + len(END_BLOCK) :]
        sender.buffer = buf
        return out

    def _answer(self, sender: _Sender, payload: bytes, t_host: datetime) -> None:
        try:
            items, ack = self._handler(payload)
        except Exception as exc:  # a handler bug must not stop the listener: answer AR, log it
            _log.exception("HL7 handler failed")
            items, ack = [], _fallback_ack(payload, f"internal error: {type(exc).__name__}")
        if b"MSA|AA" in ack or b"MSA|CA" in ack:
            self._good += 1
        else:
            self._bad += 1
        try:
            sender.sock.setblocking(True)
            sender.sock.settimeout(2.0)
            sender.sock.sendall(ack)
            sender.sock.setblocking(False)
        except OSError as exc:
            self._error = f"{sender.peer}: ACK not sent: {exc}"
        if items:
            self.readings.emit(ReadingBatch(sender.peer, tuple(items), t_host))
            if any(isinstance(item, Reading) for item in items):
                self._last_valid = time.monotonic()
                self._last_reading = t_host
                self._set_state(ReaderState.CONNECTED)
        self._publish()

    def _watchdog(self) -> None:
        if (
            self._state is ReaderState.CONNECTED
            and time.monotonic() - self._last_valid > self._period
        ):
            self._set_state(ReaderState.SILENT)

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.isInterruptionRequested() and time.monotonic() < deadline:
            self.msleep(20)

    # ------------------------------------------------------------------ status

    def _snapshot(self) -> ReaderStatus:
        host, port = self._address or (self._host, self._port)
        return ReaderStatus(
            source=f"mllp://{host}:{port}",
            driver="hl7",
            state=self._state,
            good_frames=self._good,
            bad_frames=self._bad,
            resyncs=self._resyncs,
            last_error=self._error,
            last_reading=self._last_reading,
            changed=self._clock(),
        )

    def _set_state(self, state: ReaderState, error: str | None = None) -> None:
        if error is not None:
            self._error = error
        if state is not self._state or error:
            self._state = state
            self._publish()

    def _publish(self) -> None:
        status = self._snapshot()
        with self._lock:
            self._status = status
        self.statusChanged.emit(status)
