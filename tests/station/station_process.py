"""The clinic station for the station tests, as its own process: the real feed, service, window.

Run ``python -m tests.station.station_process --db URL --not-reporting-s 3``; it answers JSON
lines: ``{"cmd": "status"}`` and ``{"cmd": "bed", "bed": ID}`` (what the bed's tile shows).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--not-reporting-s", type=float, default=30)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSocketNotifier
    from PySide6.QtWidgets import QApplication

    from console.clock import SystemClock
    from console.station.feed import StationFeed
    from console.station.service import StationOptions, StationService
    from console.store.database import Store
    from console.store.review_repository import ReviewRepository
    from widgets.station_window import StationWindow

    app = QApplication(sys.argv[:1])
    clock = SystemClock()
    store = Store.open(args.db)
    feed = StationFeed(args.db)
    service = StationService(
        clock, feed, StationOptions(not_reporting_after=timedelta(seconds=args.not_reporting_s))
    )
    window = StationWindow(service, clock, ReviewRepository(store).dossier)
    history: list[str] = []
    service.statusChanged.connect(lambda state, _message: history.append(state))
    service.start()
    window.show()

    def reply(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    def run(command: dict[str, Any]) -> None:
        name = command.get("cmd")
        if name == "status":
            reply({"state": service.state, "message": service.message, "history": history})
        elif name == "bed":
            tile = window.tile(int(command["bed"]))
            if tile is None:
                reply({"open": False})
                return
            reply(
                {
                    "open": True,
                    "spo2": tile.numeric("spo2"),
                    "hr": tile.numeric("hr"),
                    "alarm": tile.alarm.full_text(),
                    "priority": tile.priority,
                    "report": tile.report.full_text() if not tile.report.isHidden() else "",
                    "strip": window.strip.shown_texts(),
                }
            )
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
    window.stop()
    service.stop()
    store.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
