"""B8: time from launching the console to its window painted (warm cache), against 2 s.

The console is started as a clinic runs it: on its database, resuming a session in progress
(55 minutes of 1 Hz vitals, notes), so the first paint includes the trends' history.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0
RUNS = 7


def launch_to_paint(home: str, *extra: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    database = f"sqlite:///{home}/clinic.sqlite3"
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--home",
            home,
            "--db",
            database,
            *extra,
            "--quit-after-paint",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("PAINTED"):
            elapsed = time.perf_counter() - start
            break
    else:
        raise SystemExit(f"the console never painted (exit {process.wait()})")
    process.wait(timeout=30)
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        # first run: creates and migrates the database, fills it with the sample session
        launch_to_paint(home, "--demo", "--no-simulator")
        times = [launch_to_paint(home) for _ in range(RUNS)]
    median, worst = statistics.median(times), max(times)
    verdict = "PASS" if worst <= TARGET_S else "FAIL"
    print(f"{'B8 start-up: launch → window painted':44} {'figure':>14} {'target':>10}  verdict")
    print(f"{'  median of ' + str(RUNS) + ' warm starts':44} {median:13.2f}s {TARGET_S:9.1f}s")
    print(f"{'  slowest warm start':44} {worst:13.2f}s {TARGET_S:9.1f}s  {verdict}")


if __name__ == "__main__":
    main()
