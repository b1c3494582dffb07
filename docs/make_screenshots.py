"""Renders the console's screens offscreen to PNG files in docs/ (run: make screenshots)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from console.clock import SystemClock  # noqa: E402
from console.demo import seed_demo  # noqa: E402
from console.domain.sessions import ObservationCategory  # noqa: E402
from console.services.clock import ClockService  # noqa: E402
from console.services.devices import DeviceManager, DeviceSpec  # noqa: E402
from console.services.people import PeopleService  # noqa: E402
from console.services.sessions import SessionService  # noqa: E402
from console.services.vitals import VitalsService  # noqa: E402
from console.settings import Settings  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import AuditRepository, PeopleRepository, SessionRepository  # noqa: E402
from console.store.spool import Spool  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402
from console.store.writer import DurableWriter, Targets  # noqa: E402
from devices.simulator_process import start_simulator  # noqa: E402
from widgets.main_window import MainWindow  # noqa: E402
from widgets.theme import apply_theme  # noqa: E402

SIZE = (1366, 820)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/demo.sqlite3")
        clock = SystemClock()
        people_repo, session_repo = PeopleRepository(store), SessionRepository(store)
        session_id = seed_demo(clock, people_repo, session_repo, VitalsRepository(store))
        assert session_id is not None
        people = PeopleService(clock, people_repo)
        writer = DurableWriter(Targets.for_store(store), Spool(Path(tmp) / "spool.jsonl"))
        sessions = SessionService(clock, people_repo, session_repo, AuditRepository(store), writer)
        clock_service = ClockService(clock, session_repo, Settings().schedule())
        vitals = VitalsService(clock, VitalsRepository(store), writer)
        devices = DeviceManager(clock, vitals)
        sessions.sessionChanged.connect(vitals.set_session)
        window = MainWindow(clock, people, sessions, clock_service, 120, "day", vitals, devices)
        window.resize(*SIZE)
        window.show()
        window.open_session(session_id)
        simulator = start_simulator("ivy", "--t0-offset-min", "38")
        devices.connect_device(DeviceSpec("ivy", simulator.port))
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:  # let live values and the device status arrive
            app.processEvents()
            time.sleep(0.05)
        for category, text in (
            (ObservationCategory.AFFECT, "Settled, eyes closed under the mask, music on"),
            (ObservationCategory.DISSOCIATION, "Describes floating; calm, responds to voice"),
            (ObservationCategory.STATEMENT, "\u201cIt feels like a wide open field\u201d"),
        ):
            sessions.add_note(category, text, 1)
        for theme in ("day", "night"):
            apply_theme(app, theme)
            app.processEvents()
            window.grab().save(str(ROOT / "docs" / f"session-{theme}.png"))
        window.tools.setCurrentIndex(1)
        app.processEvents()
        window.grab().save(str(ROOT / "docs" / "monitors-night.png"))
        window.tools.setCurrentIndex(0)
        window.show_start()
        apply_theme(app, "day")
        app.processEvents()
        window.grab().save(str(ROOT / "docs" / "start-day.png"))
        devices.stop_all()
        simulator.stop()
        window.close()
        store.close()


if __name__ == "__main__":
    main()
