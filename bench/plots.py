"""B5: a single-patient view with 6 trends × 8 h at 1 Hz and a 75–125 Hz pleth; frame and refresh p95."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

import numpy as np
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from console.clock import FakeClock
from console.domain.lifecycle import SessionState
from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter
from console.domain.vitals import VitalPoint as Point
from console.services.vitals import WaveformUpdate
from widgets.vitals.pleth import PlethStrip
from widgets.vitals.trends import TrendsWidget

HOURS = 8
POINTS = HOURS * 3600  # 28,800 per trend at 1 Hz
FPS = 30
PLETH_SECONDS = 10
TREND_REFRESHES = 300
FRAME_TARGET_MS = 4.0
TREND_TARGET_MS = 16.0
# six 1 Hz trends; NIBP at 1 Hz is the worst case (a real cuff cycles every few minutes)
CONTINUOUS = (Parameter.HR, Parameter.PR, Parameter.SPO2, Parameter.RR, Parameter.ETCO2)
NIBP = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)


def p95(samples: list[float]) -> float:
    return float(np.percentile(np.asarray(samples), 95)) * 1000.0


def history(start: datetime, nibp_every_s: int) -> list[Point]:
    rng = np.random.default_rng(5)
    base = {
        Parameter.HR: 75.0,
        Parameter.PR: 76.0,
        Parameter.SPO2: 97.0,
        Parameter.RR: 14.0,
        Parameter.ETCO2: 37.0,
    }
    points: list[Point] = []
    for s in range(POINTS):
        at = start + timedelta(seconds=s)
        for parameter, level in base.items():
            value = level + 6 * np.sin(s / 900) + rng.normal(0, 1)
            points.append(Point(parameter, round(value), at, "bench"))
        if s % nibp_every_s == 0:
            sys_ = 120 + 15 * np.sin(s / 3000)
            points += [
                Point(Parameter.NIBP_SYS, round(sys_), at, "bench"),
                Point(Parameter.NIBP_DIA, round(sys_ * 0.63), at, "bench"),
                Point(Parameter.NIBP_MEAN, round(sys_ * 0.76), at, "bench"),
            ]
    return points


def trend_refresh(app: QApplication, nibp_every_s: int) -> tuple[list[float], float]:
    """Per refresh: one new second on every trend, setData on the dirty items, and a paint."""
    start = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    clock = FakeClock(start + timedelta(seconds=POINTS))
    trends = TrendsWidget(clock)
    trends.resize(1080, 520)
    trends.show()
    record = SessionRecord(
        1, "b", 1, 1, 1, None, start, SessionState.MONITORING, start + timedelta(minutes=20), None
    )
    trends.set_session(record)
    points = history(start, nibp_every_s)
    began = time.perf_counter()
    trends.load(points)
    trends.viewport().repaint()
    load_s = time.perf_counter() - began
    app.processEvents()
    times: list[float] = []
    for i in range(TREND_REFRESHES):
        clock.advance(timedelta(seconds=1))
        now = clock.now()
        fresh = [Point(p, 70.0 + i % 9, now, "bench") for p in CONTINUOUS]
        if (POINTS + i) % nibp_every_s == 0:
            fresh += [Point(p, v, now, "bench") for p, v in zip(NIBP, (118, 76, 90), strict=True)]
        began = time.perf_counter()
        trends.add_points(fresh)
        trends.refresh()
        trends.viewport().repaint()
        times.append(time.perf_counter() - began)
        app.processEvents()
    trends.stop()
    trends.close()
    return times, load_s


def pleth_frames(app: QApplication, rate: float) -> list[float]:
    """Per frame: 1/30 s of samples written at the cursor, setData and a paint of the strip."""
    host = QWidget()
    column = QVBoxLayout(host)
    pleth = PlethStrip()
    pleth.setFixedHeight(84)
    column.addWidget(pleth)
    host.resize(1080, 100)
    host.show()
    app.processEvents()
    at = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    phase = 0.0
    times: list[float] = []
    per_frame = rate / FPS
    for _ in range(PLETH_SECONDS * FPS):
        count = int(phase + per_frame) - int(phase)
        n = np.arange(int(phase), int(phase) + count)
        samples = tuple(int(v) for v in 2000 + 1500 * np.sin(2 * np.pi * 1.2 * n / rate) ** 3)
        phase += per_frame
        began = time.perf_counter()
        pleth.take(WaveformUpdate("bench", "pleth", rate, samples, at))
        pleth.redraw()
        pleth.viewport().repaint()
        times.append(time.perf_counter() - began)
        app.processEvents()
    pleth.stop()
    host.close()
    return times


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    rows: list[tuple[str, str, str, str]] = []
    for rate in (75.0, 100.0, 125.0):
        figure = p95(pleth_frames(app, rate))
        verdict = "PASS" if figure <= FRAME_TARGET_MS else "FAIL"
        rows.append(
            (
                f"waveform frame p95, {rate:.0f} Hz @ {FPS} fps",
                f"{figure:.2f} ms",
                "≤ 4 ms",
                verdict,
            )
        )
    for label, every in (("NIBP at 1 Hz (worst case)", 1), ("NIBP every 5 min", 300)):
        times, load_s = trend_refresh(app, every)
        figure = p95(times)
        verdict = "PASS" if figure <= TREND_TARGET_MS else "FAIL"
        rows.append((f"trend refresh p95, {label}", f"{figure:.2f} ms", "≤ 16 ms", verdict))
        rows.append((f"  history load + first paint, {label}", f"{load_s * 1000:.0f} ms", "—", ""))
    print(f"B5 single-patient view: 6 trends × {POINTS:,} points + pleth ({app.platformName()})")
    print(f"{'metric':52} {'figure':>10} {'target':>9}  verdict")
    for metric, figure_text, target, verdict in rows:
        print(f"{metric:52} {figure_text:>10} {target:>9}  {verdict}")


if __name__ == "__main__":
    main()
