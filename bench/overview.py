"""B6: the room overview with 8 live beds — frame time, steady CPU and event-loop jitter.

The real MainWindow (1920 × 1080, day theme, signed in) over the services main.py builds on a
SQLite file shows the RoomOverview of 8 beds checked in to chairs 1–8 and dosed. Each bed is fed
by its own 1 s QTimer on the GUI thread (the beds an eighth of a second apart), as a monitor's
reader would deliver: HR, SpO2, PR, RR, EtCO2, temperature, the last cuff reading (a new one
every 5 min) and one second of 75 Hz pleth, through ``bed.vitals.ingest``; the batches are
committed by the services' own 500 ms timers.

Frame time: an event filter on the overview and every widget in it paints each Paint event itself
(``widget.event(paint)`` inside the filter, timed) and groups them by the window's UpdateRequest
(one backing-store sync); a frame is first paint start → last paint end within one sync, so Qt's
own work between the widgets' paint events counts. A second row times ``overview.grab()``, every
tile redrawn at once (a theme change or a resize). CPU is ``time.process_time`` over wall time
after a warm-up, filter included; jitter is the lateness of a 10 ms precise QTimer.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from bench.ingest import percentile  # noqa: E402
from bench.room_replay import (  # noqa: E402
    BEDS,
    PASSWORD,
    PROTOCOL,
    MonitorTrack,
    build,
    check_in_room,
    row,
    seed_clinic,
)
from console.clock import SystemClock  # noqa: E402
from console.store.database import Store  # noqa: E402

FRAME_TARGET_MS = 10.0
CPU_TARGET = 50.0  # % of one core
JITTER_TARGET_MS = 50.0
JITTER_TICK_MS = 10


class PaintClock(QObject):
    """Times every Paint event of the watched widgets; groups them by the window's syncs."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self._window = window
        self._sync = 0
        self._open: tuple[int, float, float, int] | None = None  # sync, first start, last end, n
        self.frames: list[float] = []  # seconds, one per sync that painted a watched widget
        self.widgets_per_frame: list[int] = []
        self.paints = 0
        self.recording = False

    def watch(self, root: QWidget) -> None:
        self._window.installEventFilter(self)
        for widget in [root, *root.findChildren(QWidget)]:
            widget.installEventFilter(self)

    def close_frame(self) -> None:
        if self._open is not None:
            _, first, last, count = self._open
            if self.recording:
                self.frames.append(last - first)
                self.widgets_per_frame.append(count)
            self._open = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.UpdateRequest and watched is self._window:
            self.close_frame()
            self._sync += 1
            return False
        if kind != QEvent.Type.Paint or watched is self._window:
            return False
        began = time.perf_counter()
        watched.event(event)  # the widget paints now, inside the backing store's paint
        ended = time.perf_counter()
        self.paints += 1
        if self._open is not None and self._open[0] == self._sync:
            sync, first, _, count = self._open
            self._open = (sync, first, ended, count + 1)
        else:
            self.close_frame()
            self._open = (self._sync, began, ended, 1)
        return True


class Monitors:
    """One 1 s timer per bed, as a reader thread's queued batches would arrive on the GUI thread."""

    def __init__(
        self,
        beds: list,  # type: ignore[type-arg]
        seconds: int,
        tracks: list[MonitorTrack] | None = None,
        first_second: int = 0,
    ) -> None:
        """``seconds`` of values each (looped), or ``tracks`` from ``first_second`` on."""
        self._beds = beds
        self._tracks = tracks or [
            MonitorTrack.make(max(seconds, 600), seed=n + 1) for n in range(len(beds))
        ]
        self._second = [first_second] * len(beds)
        self._timers: list[QTimer] = []
        self.messages = 0

    def start(self) -> None:
        for index in range(len(self._beds)):
            timer = QTimer()
            timer.setInterval(1000)
            timer.timeout.connect(lambda i=index: self._send(i))
            self._timers.append(timer)
            QTimer.singleShot(1000 * index // len(self._beds), timer.start)
            self._send(index)

    def stop(self) -> None:
        for timer in self._timers:
            timer.stop()

    def _send(self, index: int) -> None:
        track = self._tracks[index]
        second = self._second[index] % len(track.values)
        self._second[index] += 1
        items = track.message(second, index)
        self._beds[index].vitals.ingest(PROTOCOL, items, datetime.now(UTC), f"/dev/ttyUSB{index}")
        self.messages += 1


class Jitter:
    """A 10 ms precise timer; how late each tick comes."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.recording = False
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(JITTER_TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.recording:
            self.late.append(max(0.0, now - self._last - JITTER_TICK_MS / 1000))
        self._last = now


def open_window(app: QApplication, services):  # type: ignore[no-untyped-def]
    """The main window as main.py shows it, signed in as the nurse (day theme, 1920 × 1080)."""
    from widgets.main_window import MainWindow
    from widgets.theme import apply_theme

    apply_theme(app, "day")
    services.accounts.sign_in("nurse", PASSWORD)
    window = MainWindow(services, 120, "day")
    window.resize(1920, 1080)
    window.show()
    services.start()
    return window


def settle(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run (60)")
    parser.add_argument("--profile", action="store_true", help="cProfile the steady part")
    args = parser.parse_args()
    warm = min(10.0, args.seconds / 6)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    tmp = Path(tempfile.mkdtemp(prefix="vigil-b6-"))
    window = services = store = None
    try:
        store = Store.open(f"sqlite:///{tmp / 'room.sqlite3'}")
        clock = SystemClock()
        clinic = seed_clinic(store, clock.now())
        services = build(store, clock, tmp)
        services.room.load()
        beds = check_in_room(services, clinic)
        window = open_window(app, services)
        window.show_overview()
        assert window.stack.currentWidget() is window.overview
        settle(app, 0.3)

        paint = PaintClock(window)
        paint.watch(window.overview)
        monitors = Monitors(beds, round(args.seconds) + 5)
        jitter = Jitter()
        profiler = cProfile.Profile() if args.profile else None
        steady: dict[str, float] = {}

        def begin() -> None:
            paint.recording = jitter.recording = True
            steady["cpu"], steady["wall"] = time.process_time(), time.perf_counter()
            steady["messages"] = monitors.messages
            if profiler is not None:
                profiler.enable()

        def end() -> None:
            if profiler is not None:
                profiler.disable()
            steady["cpu"] = time.process_time() - steady["cpu"]
            steady["wall"] = time.perf_counter() - steady["wall"]
            steady["messages"] = monitors.messages - steady["messages"]
            paint.recording = jitter.recording = False
            app.quit()

        monitors.start()
        jitter.start()
        QTimer.singleShot(round(warm * 1000), begin)
        QTimer.singleShot(round(args.seconds * 1000), end)
        app.exec()
        paint.close_frame()
        monitors.stop()
        jitter.stop()

        grabs: list[float] = []
        for _ in range(30):
            began = time.perf_counter()
            window.overview.grab()
            grabs.append(time.perf_counter() - began)

        frames_ms = [f * 1000 for f in paint.frames]
        cpu_pct = 100 * steady["cpu"] / steady["wall"]
        late_ms = [x * 1000 for x in jitter.late]
        frame_p95, jitter_p99 = percentile(frames_ms, 95), percentile(late_ms, 99)
        print(
            f"B6 room overview, {BEDS} live beds, {args.seconds:g} s "
            f"({steady['wall']:.0f} s steady after {warm:.0f} s warm-up; {app.platformName()})"
        )
        row("metric", "figure", "target", "verdict")
        row(
            "B6 frame p95 (paint events timed in a filter)",
            f"{frame_p95:.2f} ms",
            f"≤ {FRAME_TARGET_MS:g} ms",
            "PASS" if frame_p95 <= FRAME_TARGET_MS else "FAIL",
        )
        row(
            f"   median / max of {len(frames_ms)} frames",
            f"{percentile(frames_ms, 50):.2f}/{max(frames_ms):.1f} ms",
        )
        row("   widgets painted per frame, median", f"{percentile(paint.widgets_per_frame, 50)}")
        row(
            "   full repaint, overview.grab() p95",
            f"{percentile(grabs, 95) * 1000:.1f} ms",
            f"({FRAME_TARGET_MS:g} ms)",
        )
        row(
            "B6 steady CPU of the process",
            f"{cpu_pct:.1f} %",
            f"≤ {CPU_TARGET:g} %",
            "PASS" if cpu_pct <= CPU_TARGET else "FAIL",
        )
        row(
            "B6 event-loop jitter p99 (10 ms timer)",
            f"{jitter_p99:.2f} ms",
            f"≤ {JITTER_TARGET_MS:g} ms",
            "PASS" if jitter_p99 <= JITTER_TARGET_MS else "FAIL",
        )
        row("   jitter max", f"{max(late_ms):.1f} ms")
        print(
            f"({steady['messages']:.0f} monitor messages in the steady part; "
            f"{services.writer.pending} entries left in the spool)"
        )
        if profiler is not None:
            print()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    finally:
        if window is not None:
            window.stop()
        if services is not None:
            services.stop()
        if window is not None:
            window.close()
            window.deleteLater()
            app.processEvents()
        if store is not None:
            store.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
