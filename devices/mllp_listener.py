"""HL7 MLLP listener on its own thread: accepts senders, ACKs each message, emits readings.

One thread serves every connection with non-blocking sockets: each connection has its own
outgoing buffer, so a sender that never reads its ACKs delays nobody else. With
``hold_acks=True`` the ACK of a message that carries readings is held until whoever stores them
calls the batch's ``ack`` handle (from any thread): "acknowledged" then means "stored", and a
sender resends what it never saw acknowledged.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject, QThread, Signal

from devices.base import DEVICE_YEARS, Decoded, Reading
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
MAX_MESSAGE = 1 << 20  # a message over 1 MiB is answered AR and skipped to its end block
MAX_CONNECTIONS = 16  # senders served at once; more are refused with a log line
MAX_HELD = 256  # ACKs held for one sender (waiting for storage) before it is read no further
MAX_OUTGOING = 1 << 20  # unsent ACK bytes for one sender before it is read no further
_FILLER = b"\r\n\x00 "
_REFUSAL_LOG_S = 10.0  # refused connections are logged at most this often


class _Slot:
    """One ACK owed to a sender, in message order; ``ready`` once it may go out."""

    __slots__ = ("ack", "ready", "sender")

    def __init__(self, sender: _Sender, ack: bytes, ready: bool) -> None:
        self.sender = sender
        self.ack = ack
        self.ready = ready


@dataclass(eq=False)
class _Sender:
    sock: socket.socket
    peer: str
    buffer: bytes = field(default=b"")
    outgoing: bytearray = field(default_factory=bytearray)
    owed: deque[_Slot] = field(default_factory=deque)  # ACKs in message order, some held
    skipping: bool = False  # inside an over-long message: discard up to its end block
    mask: int = 0  # the selector events registered (0: not registered)


class AckHandle:
    """Sends one held ACK when called, from any thread; a second call does nothing."""

    __slots__ = ("_listener", "_slot")

    def __init__(self, listener: MllpListener, slot: _Slot) -> None:
        self._listener = listener
        self._slot = slot

    def __call__(self) -> None:
        self._listener._release(self._slot)


def _fallback_ack(payload: bytes, reason: str) -> bytes:
    """An MSA|AR answer for a message the handler could not (or may not) answer itself."""
    control_id = ""
    first = payload.split(b"\r", 1)[0].decode("utf-8", "replace")
    if first.startswith("MSH") and len(first) > 3:
        fields = first.split(first[3])
        control_id = fields[9] if len(fields) > 9 else ""
    control_id = "".join(c for c in control_id if c.isprintable() and c not in "|^~\\&")[:64]
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

    # ReadingBatch: readings of one HL7 message (source = the sender's "host:port") + host UTC time;
    # with hold_acks its ``ack`` must be called once the readings are stored (or not to be stored)
    readings = Signal(object)
    # ReaderStatus: snapshot on every state change (listening/connected/silent/disconnected/stopped)
    statusChanged = Signal(object)

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = hl7.DEFAULT_TCP_PORT,
        handler: Handler | None = None,
        expected_period_s: float = hl7.DRIVER.expected_period_s,
        clock: Clock = utc_now,
        hold_acks: bool = False,
        max_connections: int = MAX_CONNECTIONS,
        max_message: int = MAX_MESSAGE,
        device_years: tuple[int, int] = DEVICE_YEARS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._host, self._port = host, port
        # the parser's caches belong to this listener (not to the module)
        self._handler = handler or hl7.Hl7Parser(device_years=device_years).handle
        self._period = expected_period_s
        self._clock = clock
        self._hold = hold_acks
        self._max_connections = max_connections
        self._max_message = max_message
        self._lock = threading.Lock()
        self._ack_lock = threading.Lock()
        self._released: list[_Slot] = []  # slots released by other threads, for the loop
        self._wake_w: socket.socket | None = None
        self._address: tuple[str, int] | None = None
        self._state = ReaderState.STOPPED
        self._good = self._bad = self._resyncs = 0
        self._error = ""
        self._last_reading: datetime | None = None
        self._last_valid = 0.0
        self._senders: dict[int, _Sender] = {}
        self._refused = 0
        self._refusal_logged = 0.0
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
        self._wake()
        self.wait()

    # ------------------------------------------------------------------ any thread

    def _release(self, slot: _Slot) -> None:
        """An AckHandle was called: let the loop send that ACK (in order) as soon as it can."""
        with self._ack_lock:
            if slot.ready:
                return
            slot.ready = True
            self._released.append(slot)
        self._wake()

    def _wake(self) -> None:
        with self._ack_lock:
            wake = self._wake_w
            if wake is not None:
                with contextlib.suppress(OSError):  # full: a wake-up is pending anyway
                    wake.send(b"\0")

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
            wake_r, wake_w = socket.socketpair()
            wake_r.setblocking(False)
            wake_w.setblocking(False)
            with self._ack_lock:
                self._wake_w = wake_w
            try:
                self._serve(server, wake_r)
            finally:
                for sender in list(self._senders.values()):
                    self._drop(sender, None)
                server.close()
                with self._ack_lock:
                    self._wake_w = None
                    self._released.clear()
                wake_r.close()
                wake_w.close()
                with self._lock:
                    self._address = None
        self._set_state(ReaderState.STOPPED)

    def _serve(self, server: socket.socket, wake: socket.socket) -> None:
        server.setblocking(False)
        bound = server.getsockname()
        with self._lock:
            self._address = (str(bound[0]), int(bound[1]))
        with selectors.DefaultSelector() as selector:
            selector.register(server, selectors.EVENT_READ, "server")
            selector.register(wake, selectors.EVENT_READ, "wake")
            self._set_state(ReaderState.LISTENING, "")
            while not self.isInterruptionRequested():
                for key, events in selector.select(timeout=0.1):
                    if key.data == "server":
                        self._accept(server, selector)
                    elif key.data == "wake":
                        with contextlib.suppress(OSError):
                            wake.recv(4096)
                    else:
                        sender: _Sender = key.data
                        if events & selectors.EVENT_WRITE:
                            self._send(sender, selector)
                        if events & selectors.EVENT_READ and sender.mask:
                            self._receive(sender, selector)
                self._take_released(selector)
                self._watchdog()
            for sender in list(self._senders.values()):
                self._drop(sender, selector)

    def _accept(self, server: socket.socket, selector: selectors.BaseSelector) -> None:
        try:
            sock, peer = server.accept()
        except OSError:
            return
        where = f"{peer[0]}:{peer[1]}"
        if len(self._senders) >= self._max_connections:
            self._refused += 1
            now = time.monotonic()
            if now - self._refusal_logged >= _REFUSAL_LOG_S:
                self._refusal_logged = now
                _log.warning(
                    "HL7 listener: connection from %s refused: %d senders are connected, the "
                    "limit (%d refused so far)",
                    where,
                    len(self._senders),
                    self._refused,
                )
            self._error = f"connection from {where} refused: {self._max_connections} connected"
            sock.close()
            self._publish()
            return
        sock.setblocking(False)
        sender = _Sender(sock, where)
        self._senders[sock.fileno()] = sender
        self._update(sender, selector)
        self._last_valid = time.monotonic()  # a new sender gets one period before "silent"
        self._set_state(ReaderState.CONNECTED)

    def _drop(self, sender: _Sender, selector: selectors.BaseSelector | None) -> None:
        if selector is not None and sender.mask:
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(sender.sock)
        sender.mask = 0
        self._senders.pop(sender.sock.fileno(), None)
        with self._ack_lock:
            for slot in sender.owed:
                slot.ready = True  # a late release of a dropped sender's ACK does nothing
            sender.owed.clear()
        sender.sock.close()
        if not self._senders and self._state is not ReaderState.STOPPED:
            self._set_state(ReaderState.LISTENING)

    def _update(self, sender: _Sender, selector: selectors.BaseSelector) -> None:
        """Register what the connection waits for: input unless it owes too much, and output."""
        mask = 0
        if len(sender.owed) < MAX_HELD and len(sender.outgoing) < MAX_OUTGOING:
            mask |= selectors.EVENT_READ
        if sender.outgoing:
            mask |= selectors.EVENT_WRITE
        if mask == sender.mask:
            return
        if sender.mask == 0:
            selector.register(sender.sock, mask, sender)
        elif mask == 0:
            selector.unregister(sender.sock)
        else:
            selector.modify(sender.sock, mask, sender)
        sender.mask = mask

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
        for payload, too_long in self._frames(sender, data):
            if too_long:
                self._bad += 1
                ack = _fallback_ack(payload, "message too long")
                self._owe(sender, ack, ready=True)
                _log.warning(
                    "HL7 listener: message over %d bytes from %s refused (AR)",
                    self._max_message,
                    sender.peer,
                )
                self._publish()
            else:
                self._answer(sender, payload, t_host)
        self._flush_owed(sender)
        self._send(sender, selector)

    def _frames(self, sender: _Sender, data: bytes) -> list[tuple[bytes, bool]]:
        """Complete MLLP payloads (and the heads of over-long ones, flagged True)."""
        buf = sender.buffer + data
        out: list[tuple[bytes, bool]] = []
        while True:
            if sender.skipping:
                end = buf.find(END_BLOCK)
                if end < 0:
                    buf = buf[-1:]  # the end block may straddle two reads
                    break
                sender.skipping = False
                buf = buf[end + len(END_BLOCK) :]
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
                if len(buf) > self._max_message + 1:
                    out.append((buf[1:4096], True))
                    sender.skipping = True
                    buf = buf[-1:]
                    continue
                break
            if end - start - 1 > self._max_message:
                out.append((buf[start + 1 : start + 4096], True))
            else:
                out.append((buf[start + 1 : end], False))
            buf = buf[end + len(END_BLOCK) :]
        sender.buffer = buf
        return out

    def _answer(self, sender: _Sender, payload: bytes, t_host: datetime) -> None:
        try:
            items, ack = self._handler(payload)
        except Exception as exc:  # a handler bug must not stop the listener: answer AR, log it
            _log.exception("HL7 handler failed")
            items, ack = [], _fallback_ack(payload, f"internal error: {type(exc).__name__}")
        accepted = b"MSA|AA" in ack or b"MSA|CA" in ack
        if accepted:
            self._good += 1
        else:
            self._bad += 1
        has_reading = any(isinstance(item, Reading) for item in items)
        # an AA for readings waits until they are stored; anything else is answered at once
        hold = self._hold and accepted and has_reading
        slot = self._owe(sender, ack, ready=not hold)
        if items:
            handle = AckHandle(self, slot) if hold else None
            self.readings.emit(ReadingBatch(sender.peer, tuple(items), t_host, handle))
            if has_reading:
                self._last_valid = time.monotonic()
                self._last_reading = t_host
                self._set_state(ReaderState.CONNECTED)
        self._publish()

    def _owe(self, sender: _Sender, ack: bytes, *, ready: bool) -> _Slot:
        slot = _Slot(sender, ack, ready)
        with self._ack_lock:
            sender.owed.append(slot)
        return slot

    def _flush_owed(self, sender: _Sender) -> None:
        """Move the ACKs that may go out, in message order, to the outgoing buffer."""
        with self._ack_lock:
            owed = sender.owed
            while owed and owed[0].ready:
                sender.outgoing += owed.popleft().ack

    def _take_released(self, selector: selectors.BaseSelector) -> None:
        with self._ack_lock:
            released, self._released = self._released, []
        touched = {id(slot.sender): slot.sender for slot in released}
        for sender in touched.values():
            if self._senders.get(sender.sock.fileno()) is sender:
                self._flush_owed(sender)
                self._send(sender, selector)

    def _send(self, sender: _Sender, selector: selectors.BaseSelector) -> None:
        """Send what the socket takes now (never blocks); the rest waits for EVENT_WRITE."""
        if sender.outgoing:
            try:
                sent = sender.sock.send(sender.outgoing)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                self._error = f"{sender.peer}: ACK not sent: {exc}"
                self._drop(sender, selector)
                return
            del sender.outgoing[:sent]
        if self._senders.get(sender.sock.fileno()) is sender:
            self._update(sender, selector)

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
