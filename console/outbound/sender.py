"""The sender: its own thread and database connection, one message at a time over MLLP, in order."""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from console.domain.audit import AuditAction
from console.outbound.config import OutboundConfig
from console.outbound.messages import parse_ack
from console.outbound.queue import OutboundQueue, QueuedMessage
from console.store.audit_repository import AuditRepository
from console.store.database import Store

log = logging.getLogger(__name__)

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 30.0
CONNECT_TIMEOUT_S = 5.0
ACK_TIMEOUT_S = 10.0  # no ACK by then: the connection is taken as silent, closed and retried
IDLE_POLL_S = 0.5  # how often an empty queue is looked at again (a wake() is at once)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class OutboundStatus:
    """The admins' status line: connected, how many wait since when, the last error, a stop."""

    enabled: bool = False
    connected: bool = False
    queued: int = 0
    oldest_unsent: datetime | None = None
    last_error: str = ""
    stopped: QueuedMessage | None = None  # an AE/AR holds the queue until retried or skipped
    sent: int = 0  # messages acknowledged since the sender started
    config: OutboundConfig | None = None

    def line(self, now: datetime) -> str:
        """One line for the settings page."""
        state = "Connected" if self.connected else "Not connected"
        if not self.enabled:
            state = "Off"
        parts = [state, f"{self.queued} queued"]
        if self.oldest_unsent is not None:
            minutes = max(0, int((now - self.oldest_unsent).total_seconds() // 60))
            parts.append(f"oldest unsent {self.oldest_unsent.astimezone():%H:%M} ({minutes} min)")
        if self.stopped is not None:
            parts.append(f"stopped: {self.stopped.error or 'refused'}")
        if self.last_error:
            parts.append(f"last error: {self.last_error}")
        return " · ".join(parts)


class OutboundSender:
    """Sends the queue's head, waits for its ACK, settles it, and goes on; never on the GUI thread.

    AA marks the message sent. AE/AR stops it (the reason is kept) until an admin retries or
    skips it; the messages behind it wait, so the order holds. A refused connection, a closed
    one or a missing ACK is retried with back-off (0.5 s doubling to 30 s).
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] = _utc_now,
        on_status: Callable[[OutboundStatus], None] | None = None,
        ack_timeout_s: float = ACK_TIMEOUT_S,
        backoff_max_s: float = BACKOFF_MAX_S,
    ) -> None:
        self._url = url
        self._clock = clock
        self._on_status = on_status
        self._ack_timeout = ack_timeout_s
        self._backoff_max = backoff_max_s
        self._lock = threading.Lock()
        self._status = OutboundStatus()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._requests: queue.SimpleQueue[Callable[[OutboundQueue, AuditRepository], None]] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="vigil-outbound", daemon=True)
        self._sock: socket.socket | None = None
        self._endpoint: tuple[str, int] | None = None
        self._sent = 0
        self._error = ""
        self._backoff = BACKOFF_INITIAL_S

    # ---- any thread ---------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def wake(self) -> None:
        """Look at the queue now (new data was stored, or a setting changed)."""
        self._wake.set()

    def status(self) -> OutboundStatus:
        with self._lock:
            return self._status

    def save_config(self, config: OutboundConfig, staff_id: int | None) -> None:
        """Store new settings (checked by the caller) and audit which ones changed."""

        def job(q: OutboundQueue, audit: AuditRepository) -> None:
            before = q.config()
            at = self._clock()
            q.save_config(config, staff_id, at)
            audit.append(
                at=at,
                actor_id=staff_id,
                action=AuditAction.SETTINGS_CHANGE,
                entity="outbound_interface",
                entity_id="1",
                detail={"changed": config.changed_fields(before), "enabled": config.enabled},
            )
            self._close()  # a new address takes effect at once

        self._submit(job)

    def retry(self, message_id: int, staff_id: int | None) -> None:
        """An admin sends a stopped message again (audited)."""
        self._submit(self._decision(message_id, staff_id, "retry"))

    def skip(self, message_id: int, staff_id: int | None) -> None:
        """An admin gives up a stopped message so the rest can leave (audited)."""
        self._submit(self._decision(message_id, staff_id, "skip"))

    def _decision(
        self, message_id: int, staff_id: int | None, what: str
    ) -> Callable[[OutboundQueue, AuditRepository], None]:
        def job(q: OutboundQueue, audit: AuditRepository) -> None:
            message = q.message(message_id)
            done = q.retry(message_id) if what == "retry" else q.skip(message_id)
            if done and message is not None:
                audit.append(
                    at=self._clock(),
                    actor_id=staff_id,
                    action=AuditAction.SETTINGS_CHANGE,
                    entity="outbound_message",
                    entity_id=str(message_id),
                    detail={
                        "decision": what,
                        "control_id": message.control_id,
                        "reason": message.error,
                    },
                )

        return job

    def _submit(self, job: Callable[[OutboundQueue, AuditRepository], None]) -> None:
        self._requests.put(job)
        self._wake.set()

    # ---- the sender's thread --------------------------------------------------------------
    def _run(self) -> None:
        store = Store.open(self._url, migrate=False)
        try:
            self._loop(OutboundQueue(store), AuditRepository(store))
        finally:
            self._close()
            store.close()

    def _loop(self, q: OutboundQueue, audit: AuditRepository) -> None:
        while not self._stop.is_set():
            pause = IDLE_POLL_S
            try:
                while not self._requests.empty():
                    self._requests.get_nowait()(q, audit)
                config = q.config()
                head = q.head() if config.enabled else None
                if not config.enabled:
                    self._close()
                elif head is not None and head.state == "queued":
                    pause = self._send(config, q, head)
                self._publish(q, config)
            except Exception as error:  # the database is away, or a bug: report, back off
                log.exception("outbound sender")
                self._error = str(error) or type(error).__name__
                pause = self._next_backoff()
            if pause > 0:
                self._wake.wait(pause)
                self._wake.clear()

    def _send(self, config: OutboundConfig, q: OutboundQueue, head: QueuedMessage) -> float:
        """Send ``head`` and settle it; returns how long to wait before the next step."""
        try:
            sock = self._connect(config)
            sock.sendall(START_BLOCK + head.payload.encode("utf-8") + END_BLOCK)
            reply = self._read_frame(sock)
        except OSError as error:
            self._close()
            self._error = f"{config.host}:{config.port}: {error.strerror or error}"
            q.count_attempt(head.id, self._error)
            return self._next_backoff()
        ack = parse_ack(reply)
        if ack is None or ack.control_id != head.control_id:
            self._close()
            self._error = "the receiver's answer was not an ACK for the message sent"
            q.count_attempt(head.id, self._error)
            return self._next_backoff()
        self._backoff = BACKOFF_INITIAL_S
        if ack.accepted:
            q.mark_sent(head.id, ack.code, self._clock())
            self._sent += 1
            self._error = ""
            return 0.0
        reason = ack.reason or f"the receiver answered {ack.code}"
        q.mark_stopped(head.id, ack.code, reason)
        self._error = f"message {head.control_id} refused ({ack.code}): {reason}"
        return IDLE_POLL_S

    def _connect(self, config: OutboundConfig) -> socket.socket:
        endpoint = (config.host, config.port)
        if self._sock is not None and self._endpoint == endpoint:
            return self._sock
        self._close()
        sock = socket.create_connection(endpoint, timeout=CONNECT_TIMEOUT_S)
        sock.settimeout(self._ack_timeout)
        self._sock, self._endpoint = sock, endpoint
        return sock

    def _read_frame(self, sock: socket.socket) -> bytes:
        buffer = b""
        deadline = time.monotonic() + self._ack_timeout
        while True:
            end = buffer.find(END_BLOCK)
            if end >= 0:
                start = buffer.rfind(START_BLOCK, 0, end)
                return buffer[start + 1 : end]
            if time.monotonic() > deadline:
                raise TimeoutError("no acknowledgement in time")
            data = sock.recv(65536)
            if not data:
                raise ConnectionResetError("the receiver closed the connection")
            buffer += data

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock, self._endpoint = None, None

    def _next_backoff(self) -> float:
        pause = self._backoff
        self._backoff = min(self._backoff * 2.0, self._backoff_max)
        return pause

    def _publish(self, q: OutboundQueue, config: OutboundConfig) -> None:
        counts = q.counts()
        status = OutboundStatus(
            enabled=config.enabled,
            connected=self._sock is not None,
            queued=counts.queued,
            oldest_unsent=counts.oldest_unsent,
            last_error=self._error,
            stopped=counts.stopped,
            sent=self._sent,
            config=config,
        )
        with self._lock:
            changed = status != self._status
            self._status = status
        if changed and self._on_status is not None:
            self._on_status(status)
