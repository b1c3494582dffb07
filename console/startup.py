"""The window program's start-up steps that wire nothing: logging, claiming and opening the
database, the crash dialog, the demo's sample data and monitors, the first-paint probe.

``main.run_gui`` calls them in order; the services themselves are built in ``main.py`` only.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from console.settings import AppPaths

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QStatusBar, QWidget

    from console.clock import Clock
    from console.instance_lock import InstanceLock
    from console.reports.escort_sheet import ClinicContact
    from console.services.access import Access
    from console.services.accounts import AccountService
    from console.services.devices import DeviceManager
    from console.services.room import Room
    from console.settings import Settings
    from console.store.database import Store
    from console.store.workflow_repository import WorkflowRepository
    from devices.simulator_process import SimulatorProcess

log = logging.getLogger("vigil")

# the demo's monitors, one per patient: the richest first (ECG HR, SpO2, NIBP, RR, EtCO2, temp)
DEMO_PROTOCOLS = ("ivy", "masimo")


def setup_logging(paths: AppPaths) -> None:
    """Log to the data folder (the log readable by its owner only) and to the terminal."""
    from console.store.files import private_dir, private_file

    private_dir(paths.data_dir)
    log_file = paths.data_dir / "vigil.log"
    private_file(log_file)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[
            logging.FileHandler(log_file, encoding="utf-8"),
            logging.StreamHandler(),
        ],
    )


def application() -> QApplication | None:
    """The Qt application, named Vigil; None (the reason on stderr) without a usable display."""
    from console.preflight import display_problem

    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return None
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Vigil")
    app.setOrganizationName("Vigil")
    return app


def start_notices(settings_problems: list[str], writer_notices: list[str]) -> list[str]:
    """What went wrong at start-up without stopping it, in one banner sentence."""
    found = [*settings_problems, *writer_notices]
    return [" ".join(found)] if found else []


def install_crash_handler(paths: AppPaths) -> None:
    """An unexpected error is logged and shown in a dialog; a VigilError as a plain warning."""
    from PySide6.QtWidgets import QMessageBox

    from console.errors import VigilError

    def crash_handler(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, error, tb))
        log.critical("unexpected error:\n%s", text)
        if isinstance(error, VigilError):
            QMessageBox.warning(None, "Vigil", str(error))
            return
        QMessageBox.critical(
            None,
            "Vigil — unexpected error",
            "Something went wrong inside Vigil. Everything recorded so far is saved.\n"
            f"Details are in {paths.data_dir / 'vigil.log'}.\n\n{error}",
        )

    sys.excepthook = crash_handler


def claim_database(url: str, rooms: tuple[int, ...], *, script: bool) -> InstanceLock | None:
    """Hold the database for this console; None (told, the first brought forward) if another
    console already has it open.
    """
    from PySide6.QtWidgets import QMessageBox

    from console.instance_lock import InstanceLock, ask_to_raise, lock_path

    instance = InstanceLock(lock_path(url, rooms))
    if instance.acquire():
        return instance
    raised = ask_to_raise(instance.path)
    message = (
        "Vigil is already open on this database"
        + (" (its window was brought to the front)." if raised else ".")
        + " Use that console: a second one would write over it."
    )
    log.warning("second start refused: %s", message)
    print(f"vigil: {message}", file=sys.stderr)
    if not raised and not script:
        QMessageBox.warning(None, "Vigil — already open", message)
    return None


def forget_demo_database(paths: AppPaths, url: str) -> None:
    """`--demo-reset`: remove the demo database and its spool (a fresh sample clinic follows)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        paths.demo_database.with_name(paths.demo_database.name + suffix).unlink(missing_ok=True)
    paths.spool(url).unlink(missing_ok=True)


def open_store_for_gui(url: str) -> Store:
    """Open the console's database: a 0-byte or damaged SQLite file is refused and named."""
    from console.store.database import Store

    return Store.open(url, check=True)


def open_console_store(url: str, *, demo_on_clinic_db: bool, script: bool) -> Store | None:
    """The console's database, or None once the reason is told (stderr and, unless scripted,
    a dialog): it cannot be opened, or demo data was asked for on a clinic's database.
    """
    from PySide6.QtWidgets import QMessageBox

    from console.errors import VigilError

    try:
        store = open_store_for_gui(url)
    except VigilError as error:
        log.error("database %s: %s", url, error)
        print(f"vigil: {error}", file=sys.stderr)
        if not script:
            QMessageBox.critical(None, "Vigil — database", str(error))
        return None
    if demo_on_clinic_db:
        from console.cli_jobs import demo_guard_problem

        problem = demo_guard_problem(store)  # demo data never goes into a clinic's database
        if problem:
            print(f"vigil: {problem}", file=sys.stderr)
            if not script:
                QMessageBox.critical(None, "Vigil — demo", problem)
            store.close()
            return None
    return store


def seed_demo_data(store: Store, clock: Clock, workflow: WorkflowRepository) -> None:
    """The sample clinic (an empty demo database only), the session 55 minutes in and a
    discharged esketamine session for the REMS form.
    """
    from console.demo import seed_demo
    from console.demo_esketamine import seed_demo_esketamine
    from console.store.account_repository import AccountRepository
    from console.store.repositories import PeopleRepository, SessionRepository
    from console.store.vitals_repository import VitalsRepository

    fresh = seed_demo(
        clock,
        PeopleRepository(store),
        SessionRepository(store),
        VitalsRepository(store),
        workflow,
        AccountRepository(store),
    )
    if fresh is not None:  # a demo kept from an earlier run has its esketamine session already
        seed_demo_esketamine(store, clock)


def clinic_contact(settings: Settings, *, demo: bool) -> ClinicContact | None:
    """The clinic's details for the escort sheet (None: the sheet asks for them first)."""
    from console.reports.escort_sheet import ClinicContact

    if demo and not settings.clinic_name:
        return ClinicContact("Vigil Demo Clinic", "(555) 010-4400", "(555) 010-4499")
    if settings.clinic_name:
        return ClinicContact(
            settings.clinic_name,
            settings.clinic_phone,
            settings.after_hours_phone,
            settings.crisis_line,
        )
    return None


def start_demo_monitors(
    room: Room,
    devices: DeviceManager,
    clock: Clock,
    nurse_id: int | None,
    tell: Callable[[str], object],
    protocols: Sequence[str] = DEMO_PROTOCOLS,
) -> list[SimulatorProcess]:
    """A simulated monitor on each demo patient, at the minute their session has reached."""
    from console.errors import VigilError
    from console.services.devices import DeviceSpec
    from devices.simulator_process import SimulatorError, start_simulator

    simulators: list[SimulatorProcess] = []
    for bed, protocol in zip(room.beds(), protocols, strict=False):
        t0 = bed.record.t0
        minutes = (clock.now() - t0).total_seconds() / 60 if t0 is not None else -5.0
        try:
            simulator = start_simulator(protocol, "--t0-offset-min", f"{minutes:.1f}")
            simulators.append(simulator)
            devices.connect_device(DeviceSpec(protocol, simulator.port), bed.session_id, nurse_id)
        except (SimulatorError, VigilError) as error:
            tell(f"The demo monitor did not start: {error}")
    return simulators


class DemoServices(Protocol):
    """What the demo start-up uses of main's services."""

    @property
    def accounts(self) -> AccountService: ...
    @property
    def access(self) -> Access: ...
    @property
    def room(self) -> Room: ...
    @property
    def devices(self) -> DeviceManager: ...


class DemoWindow(Protocol):
    def statusBar(self) -> QStatusBar: ...
    def show_problem(self, message: str) -> None: ...


def begin_demo(
    services: DemoServices, clock: Clock, window: DemoWindow, *, simulate: bool
) -> list[SimulatorProcess]:
    """Sign the demo nurse in, say who else can, and (``simulate``) start the demo monitors a
    moment after the window is up; the list fills with the simulators to stop at the end.
    """
    from PySide6.QtCore import QTimer

    from console.demo import DEMO_PASSWORD, DEMO_SIGN_IN

    services.accounts.sign_in(DEMO_SIGN_IN, DEMO_PASSWORD)
    window.statusBar().showMessage(
        "Demo: signed in as the nurse. Other accounts: alex, sam (therapists), priya"
        f" (physician), casey (supervisor), admin — password {DEMO_PASSWORD}. F1: every key."
    )
    simulators: list[SimulatorProcess] = []

    def start_monitors() -> None:
        nurse = services.access.current
        simulators.extend(
            start_demo_monitors(
                services.room,
                services.devices,
                clock,
                nurse.id if nurse is not None else None,
                window.show_problem,
            )
        )

    if simulate:
        QTimer.singleShot(200, start_monitors)  # the simulated monitors boot a moment
    return simulators


def quit_after_first_paint(app: QApplication, window: QWidget) -> None:
    """Print PAINTED on stdout at the window's first paint, then quit (for bench/startup.py)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                print("PAINTED", flush=True)
                QTimer.singleShot(0, app.quit)
                window.removeEventFilter(self)
            return False

    window.installEventFilter(FirstPaint(window))
