"""One reader thread per device port: bytes to the decoder, immutable readings and status out."""

from __future__ import annotations

import contextlib
import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QThread, Signal

from devices.base import Decoded, Decoder, DecoderStats, DriverInfo, Reading, SerialDefaults
from devices.transport import SerialPort, open_port

Clock = Callable[[], datetime]
PortOpener = Callable[[str, SerialDefaults], SerialPort]

BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 5.0
STATUS_THROTTLE_S = 1.0  # counters alone republish the status at most once a second
# After waking on the first byte of a burst, wait this long and take everything that arrived:
# a serial device trickles its bytes (a Nonin frame every 13.3 ms, a 9600-baud line over
# ~150 ms), and each wake-up of a reader thread costs tens of microseconds of CPU. 14 ms merges
# two Nonin frames per wake-up (about half the wake-ups) and adds at most 14 ms to the
# byte-in -> emit latency (B2: p99 <= 20 ms); 0 reads each burst as soon as it arrives.
COALESCE_S = 0.014


def utc_now() -> datetime:
    """The default host clock: an aware UTC datetime."""
    return datetime.now(UTC)


class ReaderState(enum.StrEnum):
    """Where a reader's connection stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"  # open, valid readings arriving
    SILENT = "silent"  # open, but no valid reading within the driver's expected period
    DISCONNECTED = "disconnected"  # the port failed or vanished; retrying with back-off
    LISTENING = "listening"  # (MLLP listener) bound, waiting for a sender
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ReaderStatus:
    """An immutable snapshot for the device status panel; counters are totals over reconnects."""

    source: str  # port name or listener address
    driver: str
    state: ReaderState
    good_frames: int = 0
    bad_frames: int = 0
    resyncs: int = 0
    reconnects: int = 0
    last_error: str = ""
    last_reading: datetime | None = None  # host UTC time of the last valid Reading
    changed: datetime | None = None  # host UTC time of this snapshot


@dataclass(frozen=True, slots=True)
class ReadingBatch:
    """Items decoded from one read, with the host UTC time the bytes were received."""

    source: str
    items: tuple[Decoded, ...]
    t_host: datetime
    # called (from any thread, once) when the readings are stored or will never be: the sender's
    # acknowledgement waits for it (an MLLP listener holding its ACKs); None: nothing waits
    ack: Callable[[], None] | None = None


class _Counters:
    """Decoder counters summed over the successive decoders of one reader."""

    def __init__(self) -> None:
        self.good = self.bad = self.resyncs = 0
        self._current: DecoderStats | None = None

    def attach(self, stats: DecoderStats | None) -> None:
        if self._current is not None:
            self.good += self._current.good_frames
            self.bad += self._current.bad_frames
            self.resyncs += self._current.resyncs
        self._current = stats

    def totals(self) -> tuple[int, int, int]:
        s = self._current
        if s is None:
            return self.good, self.bad, self.resyncs
        return self.good + s.good_frames, self.bad + s.bad_frames, self.resyncs + s.resyncs


class DeviceReader(QThread):
    """Reads one port on its own thread; reconnects with back-off; a watchdog flags silence.

    Stop it with ``requestInterruption(); wait()`` (or ``stop()``). It never touches widgets.
    """

    # ReadingBatch: the Decoded items (Reading, WaveformChunk, DeviceEvent) from one read + host time
    readings = Signal(object)
    # ReaderStatus: immutable snapshot on every state change, and at most 1/s when counters move
    statusChanged = Signal(object)

    def __init__(
        self,
        port: str,
        driver: DriverInfo,
        *,
        clock: Clock = utc_now,
        opener: PortOpener = open_port,
        monotonic: Callable[[], float] = time.monotonic,
        backoff_initial_s: float = BACKOFF_INITIAL_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        coalesce_s: float = COALESCE_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._port_name = port
        self._driver = driver
        self._clock = clock
        self._opener = opener
        self._monotonic = monotonic
        self._backoff_initial = backoff_initial_s
        self._backoff_max = backoff_max_s
        self._coalesce = coalesce_s
        self._counters = _Counters()
        self._state = ReaderState.STOPPED
        self._last_error = ""
        self._last_reading: datetime | None = None
        self._reconnects = 0
        self._published_counts = (0, 0, 0)
        self._published_at = 0.0
        self._lock = threading.Lock()
        self._status = self._snapshot()
        self.native_thread_id: int | None = None  # set when run() starts (for CPU accounting)

    @property
    def port(self) -> str:
        return self._port_name

    def status(self) -> ReaderStatus:
        """The latest snapshot (safe from any thread)."""
        with self._lock:
            return self._status

    def stop(self) -> None:
        """Ask the thread to finish and wait for it (returns within about the read timeout)."""
        self.requestInterruption()
        self.wait()

    # ------------------------------------------------------------------ thread body

    def run(self) -> None:
        self.native_thread_id = threading.get_native_id()
        backoff = self._backoff_initial
        connected_once = False
        while not self.isInterruptionRequested():
            self._set_state(ReaderState.CONNECTING)
            try:
                port = self._opener(self._port_name, self._driver.serial)
            except (OSError, ValueError) as exc:  # SerialException is an OSError
                self._set_state(ReaderState.DISCONNECTED, f"cannot open {self._port_name}: {exc}")
                self._pause(backoff)
                backoff = min(backoff * 2.0, self._backoff_max)
                continue
            if connected_once:
                self._reconnects += 1
            connected_once = True
            decoder = self._driver.decoder_factory()
            self._counters.attach(decoder.stats)
            try:
                if self._pump(port, decoder):
                    backoff = self._backoff_initial
            except (OSError, ValueError) as exc:
                self._set_state(ReaderState.DISCONNECTED, f"{self._port_name}: {exc}")
            finally:
                with contextlib.suppress(OSError, ValueError):
                    port.close()
            if not self.isInterruptionRequested():
                self._pause(backoff)
                backoff = min(backoff * 2.0, self._backoff_max)
        self._set_state(ReaderState.STOPPED)

    def _pump(self, port: SerialPort, decoder: Decoder) -> bool:
        """Read until interrupted or the port fails (raises); True if a valid reading arrived."""
        replying = getattr(decoder, "take_replies", None)
        period = self._driver.expected_period_s
        request = self._driver.connect_request
        got_reading = False
        opened = self._monotonic()
        last_valid = asked = opened
        coalesce = self._coalesce
        if request:
            port.write(request)
        self._set_state(ReaderState.CONNECTED, "")
        while not self.isInterruptionRequested():
            waiting = port.in_waiting
            data = port.read(waiting or 1)
            if data and not waiting:  # woke on the first byte of a burst: take the rest too
                if coalesce > 0:
                    time.sleep(coalesce)
                more = port.in_waiting
                if more:
                    data += port.read(more)
            now = self._monotonic()
            if data:
                t_host = self._clock()
                items = decoder.feed(data)
                if replying is not None:
                    for reply in replying():
                        port.write(reply)
                if items:
                    self.readings.emit(ReadingBatch(self._port_name, tuple(items), t_host))
                    if any(isinstance(item, Reading) for item in items):
                        last_valid, got_reading = now, True
                        self._last_reading = t_host
                        if self._state is not ReaderState.CONNECTED:
                            self._set_state(ReaderState.CONNECTED)
            if request and now - max(last_valid, asked) > period:
                port.write(request)  # no answer for a whole period: the device may have restarted
                asked = now
            if self._state is ReaderState.CONNECTED and now - last_valid > period:
                self._set_state(ReaderState.SILENT)
            elif (
                now - self._published_at >= STATUS_THROTTLE_S
                and self._counters.totals() != self._published_counts
            ):
                self._publish()
        return got_reading

    def _pause(self, seconds: float) -> None:
        deadline = self._monotonic() + seconds
        while not self.isInterruptionRequested() and self._monotonic() < deadline:
            self.msleep(20)

    # ------------------------------------------------------------------ status

    def _snapshot(self) -> ReaderStatus:
        good, bad, resyncs = self._counters.totals()
        return ReaderStatus(
            source=self._port_name,
            driver=self._driver.name,
            state=self._state,
            good_frames=good,
            bad_frames=bad,
            resyncs=resyncs,
            reconnects=self._reconnects,
            last_error=self._last_error,
            last_reading=self._last_reading,
            changed=self._clock(),
        )

    def _set_state(self, state: ReaderState, error: str | None = None) -> None:
        changed = state is not self._state or (error is not None and error != self._last_error)
        self._state = state
        if error is not None:
            self._last_error = error
        if changed:
            self._publish()

    def _publish(self) -> None:
        status = self._snapshot()
        self._published_counts = (status.good_frames, status.bad_frames, status.resyncs)
        self._published_at = self._monotonic()
        with self._lock:
            self._status = status
        self.statusChanged.emit(status)
