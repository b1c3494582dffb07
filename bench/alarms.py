"""B7 (alarm part): a reading arrives → its alarm text is painted in the banner, offscreen."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import (  # noqa: E402
    QEvent,
    QMessageLogContext,
    QObject,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget  # noqa: E402

from console.clock import SystemClock  # noqa: E402
from console.domain.alarms import DEFAULT_LIMITS, AlarmEvent  # noqa: E402
from console.domain.vitals import Parameter, VitalPoint  # noqa: E402
from console.services.access import Access, AuditTrail  # noqa: E402
from console.services.alarm_sound import SilentSound  # noqa: E402
from console.services.alarms import AlarmService  # noqa: E402
from console.services.vitals import VitalsService  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository  # noqa: E402
from console.store.spool import Spool  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402
from console.store.writer import DurableWriter, Targets  # noqa: E402
from devices.base import Reading  # noqa: E402
from widgets.alarm_banner import AlarmBanner, AlarmList  # noqa: E402
from widgets.theme import apply_theme  # noqa: E402

READINGS = 200  # alternating normal / abnormal: 100 alarms raised, 100 cleared
TARGET_S = 1.0
TIMEOUT_S = 5.0


class PaintWatch(QObject):
    """Notes the text a label held each time it was painted, with the time."""

    def __init__(self, label: QLabel) -> None:
        super().__init__(label)
        self.label = label
        self.painted: list[tuple[float, str]] = []
        label.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted.append((time.perf_counter(), self.label.text()))
        return False


def quiet_qt(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Drop the offscreen platform's notice on every show; print anything else."""
    if "propagateSizeHints" not in message:
        print(f"Qt: {message}", file=sys.stderr)


def wait_until(app: QApplication, condition: Callable[[], bool]) -> bool:
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline:
        app.processEvents()
        if condition():
            return True
    return False


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(
    app: QApplication,
    banner: AlarmBanner,
    watch: PaintWatch,
    feed: Callable[[int, float], None],
) -> tuple[list[float], list[float]]:
    """Feed READINGS systolic values; latency to the alarm's text painted, and to the bar hidden."""
    shown: list[float] = []
    hidden: list[float] = []
    for i in range(READINGS):
        abnormal = i % 2 == 1
        value = 181.0 + (i // 2) % 19 if abnormal else 120.0
        expected = f"SBP {value:g} > 180"
        watch.painted.clear()
        start = time.perf_counter()
        feed(i, value)
        if abnormal:
            ok = wait_until(app, lambda e=expected: any(text == e for _, text in watch.painted))
            if ok:
                at = next(t for t, text in watch.painted if text == expected)
                shown.append(at - start)
        elif wait_until(app, banner.isHidden):
            hidden.append(time.perf_counter() - start)
    return shown, hidden


def main() -> None:
    qInstallMessageHandler(quiet_qt)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app, "night")
    clock = SystemClock()
    stored: list[AlarmEvent] = []
    tmp = tempfile.mkdtemp()
    store = Store.open(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    writer = DurableWriter(Targets.for_store(store), Spool(Path(tmp) / "spool.jsonl"))
    access = Access(PeopleRepository(store), AuditTrail(clock, writer))
    alarms = AlarmService(clock, DEFAULT_LIMITS, stored.append, SilentSound(), access=access)
    window = QWidget()
    layout = QVBoxLayout(window)
    banner = AlarmBanner(alarms, lambda: None)
    layout.addWidget(banner)
    layout.addWidget(AlarmList(alarms), 1)
    window.resize(1280, 800)
    window.show()
    alarms.start()
    watch = PaintWatch(banner.message)
    app.processEvents()

    def direct(i: int, value: float) -> None:
        point = VitalPoint(Parameter.NIBP_SYS, value, clock.now(), "bench")
        alarms.on_points((point,))

    direct_shown, direct_hidden = run(app, banner, watch, direct)
    direct(READINGS, 120.0)  # alarms are per source: clear this one before the next source's run

    vitals_repo = VitalsRepository(store)
    vitals = VitalsService(clock, vitals_repo, writer, access)
    vitals.pointsAdded.connect(alarms.on_points)

    def through_vitals(i: int, value: float) -> None:
        items = [
            Reading(Parameter.NIBP_SYS, value, "mmHg", measurement_key=f"nibp:{i}"),
            Reading(Parameter.NIBP_DIA, 80, "mmHg", measurement_key=f"nibp:{i}"),
            Reading(Parameter.HR, 72, "/min"),
        ]
        vitals.ingest("ivy", items, datetime.now(UTC), "/dev/bench")

    path_shown, path_hidden = run(app, banner, watch, through_vitals)
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)

    alarms.stop()
    window.close()

    print(f"{'metric (200 readings, alternating normal / abnormal)':58} {'p95':>9} {'max':>9}"
          f" {'target':>8}  verdict")  # fmt: skip

    def row(name: str, values: list[float], expected: int) -> None:
        if len(values) < expected:
            print(
                f"{name:58} {'missed':>9} {expected - len(values):>9} {TARGET_S * 1000:6.0f}ms  FAIL"
            )
            return
        p95, worst = pct(values, 95) * 1000, max(values) * 1000
        verdict = "ok" if worst <= TARGET_S * 1000 else "FAIL"
        print(f"{name:58} {p95:7.2f}ms {worst:7.2f}ms {TARGET_S * 1000:6.0f}ms  {verdict}")

    half = READINGS // 2
    row("on_points → alarm text painted in the banner", direct_shown, half)
    row("on_points (normal) → banner hidden", direct_hidden, half)
    row("VitalsService.ingest → pointsAdded → banner painted", path_shown, half)
    row("VitalsService.ingest (normal) → banner hidden", path_hidden, half)
    kinds = {e.kind.value for e in stored}
    print(f"(events stored: {len(stored)}, kinds {sorted(kinds)})")


if __name__ == "__main__":
    main()
