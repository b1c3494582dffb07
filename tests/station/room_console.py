"""A room console for the station tests, as its own process: main.py's real services and wiring.

Run ``python -m tests.station.room_console --db URL --home DIR --room ID``; it answers JSON lines
on stdin/stdout: ``{"cmd": "beds"}``, ``{"cmd": "vitals", "bed": ID, "spo2": 97, "hr": 70}``
(as a monitor on /dev/test-ID would deliver them), ``{"cmd": "discharge", "bed": ID, "staff": S}``.
It writes its heartbeat like a real console (the interval is a parameter).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--room", type=int, required=True)
    parser.add_argument("--beat-ms", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSocketNotifier
    from PySide6.QtWidgets import QApplication

    from console.clock import SystemClock
    from console.domain.lifecycle import SessionState
    from console.domain.vitals import Parameter
    from console.settings import AppPaths, Settings
    from console.station.heartbeat import Heartbeat
    from console.store.database import Store
    from devices.base import Reading
    from main import build_services

    app = QApplication(sys.argv[:1])
    paths = AppPaths.default(args.home)
    store = Store.open(args.db)
    clock = SystemClock()
    settings = Settings(rooms=(args.room,))
    services = build_services(store, clock, paths.spool(store.url), settings)
    services.sessions.catch_up()
    services.room.load()
    heartbeat = Heartbeat(store, clock, settings.rooms, f"test-console-{args.room}", args.beat_ms)
    services.start()
    heartbeat.start()

    def reply(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    def run(command: dict[str, Any]) -> None:
        name = command.get("cmd")
        if name == "beds":
            reply({"beds": [bed.session_id for bed in services.room.beds()]})
            return
        bed = services.room.bed(int(command.get("bed", 0)))
        if bed is None:
            reply({"error": "no such bed"})
            return
        if name == "vitals":
            now = datetime.now(UTC)
            readings = [
                Reading(Parameter.SPO2, float(command["spo2"]), "%"),
                Reading(Parameter.HR, float(command.get("hr", 70)), "/min"),
            ]
            bed.vitals.ingest("masimo", readings, now, device=f"/dev/test-{bed.session_id}")
            bed.vitals.flush()
            reply({"ok": True, "at": now.isoformat()})
        elif name == "discharge":
            bed.session.transition(SessionState.DISCHARGED, int(command["staff"]))
            reply({"ok": True})
        else:
            reply({"error": f"unknown command {name!r}"})

    def on_ready() -> None:
        line = sys.stdin.readline()
        if not line:
            app.quit()
            return
        run(json.loads(line))

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_ready)
    reply({"ready": True})
    code = app.exec()
    heartbeat.stop()
    services.stop()
    store.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
