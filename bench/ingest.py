"""B3: readings into the database — delay to commit, commit time, and burst rate (SQLite, WAL, FULL)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QTimer  # noqa: E402

from console.clock import SystemClock  # noqa: E402
from console.demo import seed_demo  # noqa: E402
from console.domain.vitals import Parameter, VitalPoint  # noqa: E402
from console.services.access import Access, AuditTrail  # noqa: E402
from console.services.vitals import VitalsService  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from console.store.spool import Spool  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402
from console.store.writer import DurableWriter, Targets  # noqa: E402
from devices.base import Reading  # noqa: E402

SECONDS = 15
PATIENT_RATE = 8 * 7  # 8 patients × 7 parameters a second, all into one session here


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    app = QCoreApplication.instance() or QCoreApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.sqlite3")
        clock = SystemClock()
        session_id = seed_demo(clock, PeopleRepository(store), SessionRepository(store))
        assert session_id is not None
        repo = VitalsRepository(store)
        writer = DurableWriter(Targets.for_store(store), Spool(Path(tmp) / "spool.jsonl"))
        access = Access(PeopleRepository(store), AuditTrail(clock, writer))
        vitals = VitalsService(clock, repo, writer, access)
        vitals.set_session(SessionRepository(store).get(session_id))

        commit_times: list[float] = []
        delays: list[float] = []
        arrivals: list[float] = []
        original = writer.write

        def timed_write(command):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            outcome = original(command)
            end = time.perf_counter()
            commit_times.append(end - start)
            delays.extend(end - t for t in arrivals)
            arrivals.clear()
            return outcome

        writer.write = timed_write  # type: ignore[method-assign]

        def feed() -> None:
            now = datetime.now(UTC)
            items = [Reading(Parameter.HR, 70 + i % 5, "/min") for i in range(PATIENT_RATE // 10)]
            arrivals.extend([time.perf_counter()] * len(items))
            vitals.ingest("bench", items, now)

        timer = QTimer()
        timer.timeout.connect(feed)
        timer.start(100)
        QTimer.singleShot(SECONDS * 1000, app.quit)
        app.exec()
        timer.stop()
        vitals.flush()

        # burst: one transaction of 100k rows through the repository
        t0 = datetime.now(UTC)
        burst = [
            VitalPoint(Parameter.SPO2, 97.0, t0 + timedelta(milliseconds=i), "burst")
            for i in range(100_000)
        ]
        start = time.perf_counter()
        for i in range(0, len(burst), 10_000):
            repo.add_batch(session_id, burst[i : i + 10_000])
        burst_rate = len(burst) / (time.perf_counter() - start)
        store.close()

    rows = [
        ("B3 reading → committed, max", max(delays), 1.0, "s"),
        ("B3 reading → committed, p99", percentile(delays, 99), 1.0, "s"),
        ("B3 commit duration, p99", percentile(commit_times, 99) * 1000, 50.0, "ms"),
        ("B3 commit duration, median", statistics.median(commit_times) * 1000, 50.0, "ms"),
    ]
    print(f"{'metric':40} {'figure':>12} {'target':>12}  verdict")
    for name, figure, target, unit in rows:
        verdict = "PASS" if figure <= target else "FAIL"
        print(
            f"{name:40} {figure:10.3f}{unit:>2} {'≤ ' + format(target, 'g') + ' ' + unit:>12}  {verdict}"
        )
    verdict = "PASS" if burst_rate >= 50_000 else "FAIL"
    print(f"{'B3 burst insert':40} {burst_rate:9,.0f}/s {'≥ 50,000/s':>12}  {verdict}")
    print(f"({len(delays)} readings in {len(commit_times)} batches over {SECONDS} s)")


if __name__ == "__main__":
    main()
