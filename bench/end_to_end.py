"""B7/B8: byte written to a real pty → number on screen; port opened → first sample plotted;
device gone quiet → "silent" status. The full console pipeline: reader thread, vitals service,
SQLite batches and the vitals panel, offscreen."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tty
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from console.clock import SystemClock  # noqa: E402
from console.demo import seed_demo  # noqa: E402
from console.domain.vitals import Parameter  # noqa: E402
from console.services.devices import DeviceSpec  # noqa: E402
from console.settings import Settings  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from devices.reader import ReaderState  # noqa: E402
from main import build_services  # noqa: E402
from widgets.vitals.panel import VitalsPanel  # noqa: E402

SAMPLES = 80


def masimo(pr: int) -> bytes:
    stamp = datetime.now().strftime("%m/%d/%y %H:%M:%S")
    return (
        f"{stamp} SN=0000070986 SPO2=097% BPM={pr:03d} PI=02.50% SPCO=--.-% SPMET=--.-% "
        "DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000800\r\n"
    ).encode()


def wait_until(app: QApplication, condition, timeout: float) -> float | None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        app.processEvents()
        if condition():
            return time.perf_counter() - start
        time.sleep(0.0005)
    return None


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.sqlite3")
        clock = SystemClock()
        people, session_repo = PeopleRepository(store), SessionRepository(store)
        session_id = seed_demo(clock, people, session_repo)
        assert session_id is not None
        services = build_services(store, clock, Path(tmp) / "spool.jsonl", Settings())
        services.room.load()  # the demo session is a bed: the monitor below is bound to it
        bed = services.room.bed(session_id)
        assert bed is not None
        vitals, devices = bed.vitals, services.devices
        nurse = next(s.id for s in people.staff() if s.role.value == "nurse")
        panel = VitalsPanel(vitals, bed.session, clock)
        panel.resize(900, 700)
        panel.show()
        app.processEvents()

        master, slave = os.openpty()
        tty.setraw(slave)
        path = os.ttyname(slave)
        opened = time.perf_counter()
        devices.connect_device(DeviceSpec("masimo", path), session_id, nurse)
        connected = wait_until(
            app,
            lambda: (s := devices.status(path)) is not None and s.state == ReaderState.CONNECTED,
            5,
        )
        os.write(master, masimo(61))  # a first line after opening may be dropped as partial
        os.write(master, masimo(62))
        first_plot = wait_until(app, lambda: panel.tiles.tile_text(Parameter.PR) == "62", 5)
        first_sample = (time.perf_counter() - opened) if first_plot is not None else float("inf")

        latencies: list[float] = []
        for i in range(SAMPLES):
            value = 70 + (i % 50)
            start = time.perf_counter()
            os.write(master, masimo(value))
            seen = wait_until(app, lambda v=value: panel.tiles.tile_text(Parameter.PR) == str(v), 2)
            panel.repaint()  # the number is on screen once painted
            if seen is not None:
                latencies.append(time.perf_counter() - start)
            time.sleep(0.02)

        # silent device: stop writing and time the watchdog's "silent"
        silent = wait_until(
            app,
            lambda: (s := devices.status(path)) is not None and s.state == ReaderState.SILENT,
            20,
        )
        services.stop()
        panel.stop()
        os.close(master)
        os.close(slave)
        vitals.flush()
        store.close()

    print(f"{'metric':50} {'figure':>10} {'target':>10}  verdict")

    def row(name: str, figure: float, target: float, unit: str = "ms", scale: float = 1000) -> None:
        value = figure * scale
        verdict = "PASS" if figure <= target else "FAIL"
        print(f"{name:50} {value:8.1f}{unit:>2} {target * scale:8.0f}{unit:>2}  {verdict}")

    row("B7 byte on the port → number on screen, p95", pct(latencies, 95), 0.250)
    row("B7 byte on the port → number on screen, max", max(latencies), 0.250)
    row("B8 port opened → first sample shown", first_sample, 1.0)
    quiet = silent if silent else float("inf")
    # a 1 Hz oximeter's next line was due 1 s after its last one: from then on it was silent
    row("B7 first missed reading → 'silent' status (1 Hz)", quiet - 1.0, 10.0, "s", 1)
    print(f"{'   (last reading → silent: the watchdog period)':50} {quiet:8.1f} s")
    print(f"({len(latencies)}/{SAMPLES} values seen; connected after {connected or 0:.3f} s)")


if __name__ == "__main__":
    main()
