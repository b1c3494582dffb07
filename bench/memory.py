"""B9: memory after 8 h × 8 patients — RSS, growth per hour after the first, and None refcount.

Eight sessions, each with its own vitals service and vitals panel (tiles, trends, pleth), are fed
eight simulated hours of 1 Hz monitor values (with a cuff reading every 5 min) as fast as possible;
batches go to a real SQLite file and the panels redraw as they would on screen.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from console.clock import FakeClock  # noqa: E402
from console.demo import seed_demo  # noqa: E402
from console.domain.lifecycle import SessionState  # noqa: E402
from console.domain.vitals import Parameter  # noqa: E402
from console.settings import Settings  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from devices.base import Reading  # noqa: E402
from devices.simulator.physiology import vitals_at  # noqa: E402
from main import build_services  # noqa: E402
from widgets.vitals.panel import VitalsPanel  # noqa: E402

PATIENTS = 8
HOURS = 8


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    app = QApplication.instance() or QApplication([])
    start = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    clock = FakeClock(start)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.sqlite3")
        people, session_repo = PeopleRepository(store), SessionRepository(store)
        seed_demo(clock, people, session_repo)
        staff = people.staff()[0].id
        room = people.rooms()[0].id
        patient = people.patients()[0].id
        # the room main.py builds: each bed its own session, vitals, alarms, clock, workflow
        services = build_services(store, clock, Path(tmp) / "spool.jsonl", Settings())
        services.room.load()
        beds = []
        for chair in range(2, PATIENTS + 2):  # chair 1: the demo's own session
            bed = services.room.check_in(patient, room, chair, staff, None, by_staff_id=staff)
            bed.session.transition(SessionState.BASELINE, staff)
            bed.session.transition(SessionState.MONITORING, staff, t0=clock.now())
            panel = VitalsPanel(bed.vitals, bed.session, clock)
            panel.resize(800, 600)
            panel.show()
            beds.append((bed.session, bed.vitals, panel, bed.session_id))
        app.processEvents()

        gc.collect()
        samples: list[tuple[int, float, int]] = [(0, rss_mb(), sys.getrefcount(None))]
        print(f"{'hour':>4} {'RSS MB':>9} {'None refs':>11}")
        print(f"{0:4d} {samples[0][1]:9.1f} {samples[0][2]:11d}")
        for hour in range(1, HOURS + 1):
            for second in range(3600):
                clock.advance(timedelta(seconds=1))
                minutes = (hour - 1) * 60 + second / 60
                at = clock.now()
                for bed, (_, vitals, _, _) in enumerate(beds):
                    v = vitals_at(minutes, seed=bed + 1)
                    items = [
                        Reading(Parameter.HR, v.hr, "/min"),
                        Reading(Parameter.RR, v.rr, "/min"),
                        Reading(Parameter.ETCO2, v.etco2, "mmHg"),
                    ]
                    if v.spo2 is not None:
                        items.append(Reading(Parameter.SPO2, v.spo2, "%"))
                    if second % 300 == 0:
                        key = str(uuid.uuid4())
                        items += [
                            Reading(Parameter.NIBP_SYS, v.sbp, "mmHg", measurement_key=key),
                            Reading(Parameter.NIBP_DIA, v.dbp, "mmHg", measurement_key=key),
                            Reading(Parameter.NIBP_MEAN, v.map, "mmHg", measurement_key=key),
                        ]
                    vitals.ingest("ivy", items, at)
                if second % 60 == 59:
                    for _, vitals, _, _ in beds:
                        vitals.flush()
                    app.processEvents()  # panels redraw from their ring buffers on their timers
            for _, _, panel, _ in beds:
                panel.repaint()
            gc.collect()
            samples.append((hour, rss_mb(), sys.getrefcount(None)))
            print(f"{hour:4d} {samples[-1][1]:9.1f} {samples[-1][2]:11d}", flush=True)
        # redraws alone (no new data) must not move the None refcount (the PySide6 6.12.0 leak)
        gc.collect()
        before_redraws = sys.getrefcount(None)
        for _ in range(250):
            clock.advance(timedelta(seconds=1))
            for _, _, panel, _ in beds:
                panel.trends.refresh()
                panel.repaint()
            app.processEvents()
        gc.collect()
        redraw_drift = sys.getrefcount(None) - before_redraws
        for _, _, panel, _ in beds:
            panel.stop()
        services.stop()
        db_mb = Path(f"{tmp}/bench.sqlite3").stat().st_size / 2**20
        store.close()

    final = samples[-1][1]
    growth = (samples[-1][1] - samples[1][1]) / (HOURS - 1)
    drift = samples[-1][2] - samples[1][2]
    print()
    print(f"{'metric':44} {'figure':>12} {'target':>12}  verdict")
    print(
        f"{'B9 RSS after 8 h × 8 patients':44} {final:10.1f}MB {'≤ 350 MB':>12}  {'PASS' if final <= 350 else 'FAIL'}"
    )
    print(
        f"{'B9 growth per hour after the first':44} {growth:10.2f}MB {'≤ 2 MB/h':>12}  {'PASS' if growth <= 2 else 'FAIL'}"
    )
    print(
        f"{'B9 None refcount over 2,000 redraws, no new data':44} {redraw_drift:+12d} {'no growth':>12}  {'PASS' if redraw_drift <= 50 else 'FAIL'}"
    )
    print(f"{'   None refcount, hour 1 → 8 (held by stored plot data)':44} {drift:+12d}")
    print(f"(database {db_mb:.0f} MB for {PATIENTS * HOURS} patient-hours of 1 Hz values)")


if __name__ == "__main__":
    main()
