"""B12: switching the detail view between 8 live beds with 8 h of history each.

A SQLite file is filled first: 8 sessions in chairs 1–8, checked in 8 h ago and dosed 20 min
later, each with 8 h of a 1 Hz monitor (HR, SpO2, PR, RR, EtCO2, temperature; a cuff every
5 min: ≈173k samples a bed) stored with ``VitalsRepository.add_batch``. Then the console starts
as main.py does (``room.load()``, the real MainWindow signed in, the overview shown) and every bed
is fed live by its own 1 s QTimer (see bench/overview.py).

Each figure is ``window.show_bed(id)`` → the next Paint event of that bed's view, and the event-loop
pass that carries it finished (so its trends, tiles and forms are painted too). First opens build
the view (and load its history); switches go between views already built, in a shuffled order,
with the beds updating in the background between them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from bench.ingest import percentile  # noqa: E402
from bench.overview import Monitors, open_window, settle  # noqa: E402
from bench.room_replay import (  # noqa: E402
    BEDS,
    CONTINUOUS,
    CUFF,
    NIBP_EVERY_S,
    MonitorTrack,
    build,
    row,
    seed_clinic,
)
from console.clock import SystemClock  # noqa: E402
from console.domain.lifecycle import SessionState  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import SessionRepository  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402

TARGET_MS = 150.0
HISTORY_S = 8 * 3600
T0_AFTER_S = 20 * 60


class FirstPaint(QObject):
    """Notes that a Paint event reached the watched widget."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def seed_history(store: Store, clinic, now, hours_s: int) -> list[MonitorTrack]:  # type: ignore[no-untyped-def]
    """8 open sessions checked in ``hours_s`` ago, dosed 20 min later, with their 1 Hz history."""
    sessions, vitals = SessionRepository(store), VitalsRepository(store)
    start = now - timedelta(seconds=hours_s)
    tracks = []
    for index, patient in enumerate(clinic.patient_ids):
        record = sessions.check_in(
            uid=str(uuid.uuid4()),
            patient_id=patient,
            room_id=clinic.room_id,
            therapist_id=clinic.therapist_id,
            medical_staff_id=clinic.nurse_id,
            at=start,
            chair=index + 1,
        )
        t0 = start + timedelta(seconds=T0_AFTER_S)
        for before, after, at in (
            (SessionState.CHECKED_IN, SessionState.BASELINE, start + timedelta(minutes=4)),
            (SessionState.BASELINE, SessionState.MONITORING, t0),
        ):
            sessions.apply_transition(
                uid=str(uuid.uuid4()),
                session_id=record.id,
                from_state=before,
                to_state=after,
                at=at,
                by_staff_id=clinic.nurse_id,
                t0=t0 if after is SessionState.MONITORING else None,
            )
        # the live feed goes on from where the history stops (an hour more than any run needs)
        track = MonitorTrack.make(hours_s + 3600, seed=index + 1, offset_s=-T0_AFTER_S)
        history = MonitorTrack(track.values[:hours_s], track.cuff, track.pleth)
        vitals.add_batch(record.id, history.points(start, device=f"/dev/ttyUSB{index}"))
        tracks.append(track)
    return tracks


def show_and_paint(app: QApplication, window, session_id: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds from ``show_bed`` to the bed view's first Paint (and that event pass) done."""
    watcher = FirstPaint()
    view: QWidget | None = window.view_of(session_id)
    if view is not None:
        view.installEventFilter(watcher)
    began = time.perf_counter()
    assert window.show_bed(session_id)
    if view is None:
        view = window.view_of(session_id)
        assert view is not None
        view.installEventFilter(watcher)
    while not watcher.painted:
        app.processEvents()
        if time.perf_counter() - began > 30:
            raise SystemExit(f"the view of session {session_id} never painted")
    elapsed = time.perf_counter() - began
    view.removeEventFilter(watcher)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0, help="history per bed (default 8)")
    parser.add_argument("--rounds", type=int, default=4, help="switches: rounds of 8 (4)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first opens")
    args = parser.parse_args()
    history_s = round(args.hours * 3600)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    tmp = Path(tempfile.mkdtemp(prefix="vigil-b12-"))
    window = services = store = monitors = None
    try:
        store = Store.open(f"sqlite:///{tmp / 'room.sqlite3'}")
        clock = SystemClock()
        began = time.perf_counter()
        clinic = seed_clinic(store, clock.now() - timedelta(seconds=history_s + 3600))
        tracks = seed_history(store, clinic, clock.now(), history_s)
        seeded_s = time.perf_counter() - began
        services = build(store, clock, tmp)
        loading = time.perf_counter()
        services.room.load()
        load_s = time.perf_counter() - loading
        beds = services.room.beds()
        assert len(beds) == BEDS, f"{len(beds)} beds loaded"
        window = open_window(app, services)
        window.prebuild_views = False  # first: the cost of building a view on demand
        window.show_overview()
        monitors = Monitors(beds, 0, tracks=tracks, first_second=history_s)
        monitors.start()
        settle(app, 2.0)

        profiler = cProfile.Profile() if args.profile else None
        first: list[float] = []
        for bed in beds:
            if profiler is not None:
                profiler.enable()
            first.append(show_and_paint(app, window, bed.session_id))
            if profiler is not None:
                profiler.disable()
            settle(app, 0.5)
        order = [bed.session_id for bed in beds]
        rng = random.Random(12)
        switches: list[float] = []
        previous = order[-1]
        for _ in range(args.rounds):
            rng.shuffle(order)
            for session_id in order:
                if session_id == previous:
                    continue
                switches.append(show_and_paint(app, window, session_id))
                previous = session_id
                settle(app, 0.3)

        # then the normal path: after a shift change the views are gone and built ahead, one at
        # a time while the console idles; the nurse's Alt+N finds them ready
        for session_id in list(window._views):
            window._drop_view(session_id)
        window.show_overview()
        window.prebuild_views = True
        window._prebuild.start()
        settle(app, len(beds) * 0.8 + 2.0)
        ahead = [show_and_paint(app, window, bed.session_id) for bed in beds]

        first_ms = [t * 1000 for t in first]
        switch_ms = [t * 1000 for t in switches]
        ahead_ms = [t * 1000 for t in ahead]
        samples = history_s * len(CONTINUOUS) + (history_s // NIBP_EVERY_S + 1) * len(CUFF)
        print(
            f"B12 bed switch: {BEDS} live beds, {args.hours:g} h of history each "
            f"(≈{samples:,} samples a bed; seeded in {seeded_s:.0f} s; {app.platformName()})"
        )
        row("metric", "figure", "target", "verdict")
        for label, times in (
            (f"B12 show a bed whose view was built ahead, {len(ahead_ms)}×", ahead_ms),
            (f"B12 switch between views already shown, {len(switch_ms)}×", switch_ms),
            (f"   view built on demand (building ahead off), {len(first_ms)}×", first_ms),
        ):
            p50, p95 = percentile(times, 50), percentile(times, 95)
            row(label + ", p50", f"{p50:.0f} ms", f"≤ {TARGET_MS:g} ms")
            row(
                label + ", p95",
                f"{p95:.0f} ms",
                f"≤ {TARGET_MS:g} ms",
                "PASS" if p95 <= TARGET_MS else "FAIL",
            )
            row("   slowest", f"{max(times):.0f} ms")
        row(f"start-up: {BEDS} beds opened by room.load()", f"{load_s * 1000:.0f} ms")
        if profiler is not None:
            print()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    finally:
        if monitors is not None:
            monitors.stop()
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
