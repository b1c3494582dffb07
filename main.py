"""Composition root: parses arguments, opens settings and the database, wires services and window."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from console import __version__
from console.settings import AppPaths

if TYPE_CHECKING:
    from console.clock import Clock
    from console.instance_lock import InstanceLock
    from console.outbound.sender import OutboundSender
    from console.services.access import Access
    from console.services.accounts import AccountService, PasswordSigner
    from console.services.alarm_sound import RoomOutput
    from console.services.audit_log import AuditLog
    from console.services.clinic_settings import ClinicSettings
    from console.services.devices import DeviceManager
    from console.services.exports import ExportService
    from console.services.people import PeopleService
    from console.services.rems import RemsService
    from console.services.review import ReviewService
    from console.services.room import Room
    from console.services.room_sound import RoomSound
    from console.services.sessions import SessionService
    from console.services.store_status import StoreStatus
    from console.settings import Settings
    from console.store.audit_repository import AuditRepository
    from console.store.database import Store
    from console.store.workflow_repository import WorkflowRepository
    from console.store.writer import DurableWriter

log = logging.getLogger("vigil")

# the demo's monitors, one per patient: the richest first (ECG HR, SpO2, NIBP, RR, EtCO2, temp)
DEMO_PROTOCOLS = ("ivy", "masimo")
EXIT_STORE = 2
EXIT_DISPLAY = 3
EXIT_RUNNING = 4  # another console already has this database open
ACCOUNT_JOBS = (
    "accounts",
    "add-account",
    "give-account",
    "reset-password",
    "unlock",
    "deactivate",
    "reactivate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigil", description="Vigil, the dosing-room console for KAP clinics."
    )
    parser.add_argument("--version", action="version", version=f"vigil {__version__}")
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: SQLite in the user data folder)"
    )
    parser.add_argument(
        "--demo", action="store_true", help="demo mode: a separate demo database with sample data"
    )
    parser.add_argument(
        "--demo-reset",
        action="store_true",
        help="demo mode, with the demo database rebuilt from scratch first",
    )
    parser.add_argument(
        "--home", type=Path, help="keep data and settings in this folder (also VIGIL_HOME)"
    )
    parser.add_argument("--session", type=int, help="open this session at start")
    parser.add_argument("--theme", choices=["day", "night"], help="start with this theme")
    parser.add_argument(
        "--no-simulator", action="store_true", help="demo mode without the simulated monitor"
    )
    parser.add_argument("--script", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quit-after-paint", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")
    db = sub.add_parser("db", help="database jobs")
    db.add_argument("action", choices=["upgrade", "status"])
    sub.add_parser("replay", help="decode a monitor capture: vigil replay --protocol P FILE")
    staff = sub.add_parser("staff", help="staff members and their accounts")
    staff.add_argument("action", choices=["list", "add", *ACCOUNT_JOBS])
    staff.add_argument("name", nargs="?", help="a name, a staff id or a user name")
    staff.add_argument("--role", choices=["therapist", "nurse", "physician", "supervisor", "admin"])
    staff.add_argument("--username", default="")
    staff.add_argument("--admin", default="", help="the admin vouching (password asked)")
    admin = sub.add_parser("create-admin", help="create an admin account (password asked)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--admin", default="", help="an existing admin vouching (password asked)")
    glass = sub.add_parser(
        "break-glass",
        help="no admin can sign in: reset or create an admin account (needs the audit key file)",
    )
    glass.add_argument("--username", required=True)
    glass.add_argument("--reason", required=True)
    glass.add_argument("--name", default="", help="the new admin's name, if the account is new")
    export = sub.add_parser(
        "export", help="vigil export --session ID --format pdf|csv|fhir|rems --out FILE --user NAME"
    )
    export.add_argument("--session", dest="export_session", type=int, required=True)
    export.add_argument(
        "--format", dest="export_format", choices=["pdf", "csv", "fhir", "rems"], required=True
    )
    export.add_argument("--out", dest="export_out", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--user", dest="export_user", required=True, help="who exports (password asked)"
    )
    audit = sub.add_parser("audit", help="check the audit trail: vigil audit verify")
    audit.add_argument("action", choices=["verify"])
    room = sub.add_parser("room", help="list or add rooms")
    room.add_argument("action", choices=["list", "add"])
    room.add_argument("name", nargs="?")
    from console.cli_station import add_station_parser

    add_station_parser(sub)  # vigil station: every room live, on the clinic's PostgreSQL
    return parser


def database_url(args: argparse.Namespace, paths: AppPaths) -> str:
    if args.db:
        return str(args.db)
    demo = args.demo or getattr(args, "demo_reset", False)
    return f"sqlite:///{paths.demo_database if demo else paths.database}"


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


def watch_writer(writer: DurableWriter, sessions: SessionService) -> StoreStatus:
    """The writer's problems (database locked or gone, disk full, an entry set aside) reach the
    window's banner through the session service's signals, on the GUI thread.
    """
    from console.services.store_status import StoreStatus

    status = StoreStatus(writer, sessions)
    status.problem.connect(sessions.storeProblem)
    status.quarantined.connect(sessions.storeProblem)
    status.recovered.connect(sessions.storeRecovered)
    status.pendingChanged.connect(sessions.pendingChanged)
    return status


def open_store_for_gui(url: str) -> Store:
    """Open the console's database: a 0-byte or damaged SQLite file is refused and named."""
    from console.store.database import Store

    return Store.open(url, check=True)


def start_notices(settings_problems: list[str], services: Services) -> list[str]:
    """What went wrong at start-up without stopping it, in one banner sentence."""
    found = [*settings_problems, *services.writer.notices]
    return [" ".join(found)] if found else []


def run_db_command(args: argparse.Namespace, paths: AppPaths) -> int:
    from console.errors import VigilError
    from console.store.engine import create_store_engine
    from console.store.migrate import current_revision, head_revision, upgrade_to_head

    engine = create_store_engine(database_url(args, paths))
    try:
        if args.action == "upgrade":
            upgrade_to_head(engine)
        print(f"database {engine.url.render_as_string(hide_password=True)}")
        print(
            f"schema {current_revision(engine) or '(empty)'}; this Vigil knows up to {head_revision()}"
        )
    except VigilError as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_STORE
    finally:
        engine.dispose()
    return 0


def run_audit_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil audit verify`: exit 0 when the chain holds; otherwise name the first broken entry."""
    from console.cli_audit import verify
    from console.errors import VigilError
    from console.store.database import Store

    try:
        store = Store.open(database_url(args, paths))
    except VigilError as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_STORE
    try:
        code, message = verify(store)
    except VigilError as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_STORE
    finally:
        store.close()
    print(message, file=sys.stdout if code == 0 else sys.stderr)
    return code


def run_account_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil create-admin` and `vigil export`: jobs that need a password."""
    from console.cli_jobs import create_admin_job, export_job
    from console.errors import VigilError
    from console.settings import load_settings
    from console.store.database import Store

    try:
        store = Store.open(database_url(args, paths))
    except VigilError as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_STORE
    try:
        if args.command == "create-admin":
            return create_admin_job(store, args.username, args.name, admin=args.admin)
        if args.command == "break-glass":
            from console.cli_jobs import break_glass_job

            return break_glass_job(store, args.username, args.reason, name=args.name)
        settings = load_settings(paths.settings)
        return export_job(
            store,
            paths.spool(store.url),
            session_id=args.export_session,
            fmt=args.export_format,
            out=args.export_out,
            username=args.export_user,
            clinic_name=settings.clinic_name,
            scale_files=list(settings.scale_files),
        )
    finally:
        store.close()


def run_people_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil staff …` and `vigil room …`: set up a clinic's staff and rooms before check-in."""
    from console.clock import SystemClock
    from console.domain.people import StaffRole
    from console.errors import VigilError
    from console.services.people import PeopleService
    from console.store.database import Store
    from console.store.repositories import PeopleRepository

    try:
        store = Store.open(database_url(args, paths))
    except VigilError as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_STORE
    people = PeopleService(SystemClock(), PeopleRepository(store))
    try:
        if args.action == "add":
            if args.command == "staff" and args.role is None:
                print("vigil: give the role with --role", file=sys.stderr)
                return 1
            if args.command == "staff":
                added = people.add_staff(args.name or "", StaffRole(args.role))
                print(f"added {added.name} ({added.role.value}), id {added.id}")
            else:
                room = people.add_room(args.name or "")
                print(f"added room {room.name}, id {room.id}")
        elif args.action in ACCOUNT_JOBS:
            from console.cli_jobs import account_job

            return account_job(
                store,
                args.action,
                args.name or "",
                username=args.username,
                role=args.role or "",
                admin=args.admin,
            )
        elif args.command == "staff":
            for member in people.staff():
                print(f"{member.id:4d}  {member.name}  ({member.role.value})")
        else:
            for room in people.rooms():
                print(f"{room.id:4d}  {room.name}")
    except VigilError as error:
        print(f"vigil: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


@dataclass
class Services:
    """Everything the window observes, built and connected in one place."""

    clock: Clock
    store: Store
    writer: DurableWriter
    people: PeopleService
    sessions: SessionService
    room: Room
    devices: DeviceManager
    sound: RoomSound
    signer: PasswordSigner
    access: Access
    audit: AuditRepository
    accounts: AccountService
    audit_log: AuditLog
    review: ReviewService
    exports: ExportService
    scales: dict[str, Any]
    workflow_repo: WorkflowRepository
    settings: Settings
    clinic_settings: ClinicSettings
    store_status: StoreStatus | None = None
    rems: RemsService | None = None
    outbound: OutboundSender | None = None  # the HL7 interface's sender (the real program only)

    def start(self) -> None:
        self.room.start()
        if self.outbound is not None:
            self.outbound.start()

    def stop(self) -> None:
        self.accounts.stop()
        self.room.stop()
        self.devices.stop_all()
        self.sound.stop()
        if self.outbound is not None:
            self.outbound.stop()
        self.writer.stop()  # what the database cannot take in a moment waits in the spool


def build_services(
    store: Store,
    clock: Clock,
    spool_path: Path,
    settings: Settings,
    sound_dir: Path | None = None,
    *,
    settings_path: Path | None = None,
    sound_output: RoomOutput | None = None,
) -> Services:
    """Create the services over ``store`` and connect their signals (the only wiring there is).

    Clinic settings changed on screen are saved to ``settings_path`` (default: beside the spool).
    ``sound_output`` replaces the room's loudspeaker (tests: a silent stand-in with a problem).

    Call ``services.room.load()`` next: it opens a bed for every open session of the watched
    rooms and reconnects their monitors.
    """
    from datetime import timedelta

    from console.domain.predose import BpGate
    from console.domain.rems import RemsSetting
    from console.domain.scales import load_definitions
    from console.domain.sessions import SessionRecord
    from console.services.access import Access, AuditTrail
    from console.services.accounts import AccountService, PasswordSigner
    from console.services.alarm_sound import QtAlarmSound, SilentSound
    from console.services.audit_log import AuditLog
    from console.services.bed import Bed, BedParts
    from console.services.clinic_settings import ClinicSettings
    from console.services.devices import DeviceManager
    from console.services.exports import ExportOptions, ExportService
    from console.services.people import PeopleService
    from console.services.rems import RemsService
    from console.services.review import ReviewService
    from console.services.room import Room
    from console.services.room_sound import RoomSound
    from console.services.sessions import SessionService
    from console.store.account_repository import AccountRepository
    from console.store.audit_repository import AuditRepository
    from console.store.binding_repository import BindingRepository
    from console.store.discharge_repository import DischargeRepository
    from console.store.dose_repository import DoseRepository
    from console.store.rems_repository import RemsRepository
    from console.store.repositories import PeopleRepository, SessionRepository
    from console.store.review_repository import ReviewRepository
    from console.store.spool import Spool
    from console.store.vitals_repository import VitalsRepository
    from console.store.workflow_repository import WorkflowRepository
    from console.store.writer import DurableWriter, Targets

    people_repo, session_repo = PeopleRepository(store), SessionRepository(store)
    workflow_repo = WorkflowRepository(store)
    vitals_repo = VitalsRepository(store)
    audit_repo = AuditRepository(store)
    writer = DurableWriter(
        Targets(session_repo, vitals_repo, workflow_repo, audit_repo, store), Spool(spool_path)
    )
    access = Access(people_repo, AuditTrail(clock, writer))
    sessions = SessionService(clock, people_repo, session_repo, access, writer)
    store_status = watch_writer(writer, sessions)
    devices = DeviceManager(
        clock,
        BindingRepository(store),
        access,
        device_years=(settings.device_years_from, settings.device_years_to),
    )
    output: RoomOutput = sound_output or (
        QtAlarmSound(sound_dir) if sound_dir is not None else SilentSound()
    )
    sound = RoomSound(output)
    sound.set_volume(settings.alarm_volume)
    clinic_settings = ClinicSettings(
        settings,
        settings_path or spool_path.with_name("settings.json"),
        access,
        limits=workflow_repo,
        clock=clock,
    )
    accounts = AccountService(
        clock,
        AccountRepository(store),
        access,
        idle=timedelta(minutes=max(1, settings.idle_lock_min)),
    )
    signer = PasswordSigner(accounts)
    review_repo = ReviewRepository(store)
    scales = load_definitions([Path(p) for p in settings.scale_files])
    parts = BedParts(
        clock=clock,
        people=people_repo,
        sessions=session_repo,
        vitals=vitals_repo,
        workflow=workflow_repo,
        doses=DoseRepository(store),
        discharges=DischargeRepository(store),
        writer=writer,
        access=access,
        signer=signer,
        scales=scales,
        gate=BpGate(
            settings.gate_warn_sys,
            settings.gate_warn_dia,
            settings.gate_hold_sys,
            settings.gate_hold_dia,
        ),
        schedule=settings.schedule(),
        min_monitoring=timedelta(minutes=settings.min_monitoring_min),
    )

    def make_bed(record: SessionRecord) -> Bed:
        """A bed with the clinic's rules as they are now (a change applies to later sessions)."""
        now = clinic_settings.current
        rules = replace(
            parts,
            gate=now.bp_gate(),
            dose_limits=now.dose_limits(),
            schedule=now.schedule(),
            min_monitoring=timedelta(minutes=now.min_monitoring_min),
        )
        bed = Bed(record, rules, sound.for_bed(record.id))
        bed.vitals.follow_store(store_status)  # readings and notes not stored yet are marked
        bed.session.follow_store(store_status)
        return bed

    def follow_settings(now: Settings) -> None:
        sound.set_volume(now.alarm_volume)
        accounts.set_idle_timeout(timedelta(minutes=max(1, now.idle_lock_min)))

    clinic_settings.changed.connect(follow_settings)

    room = Room(sessions, make_bed, devices, access, settings.rooms, writer=writer)
    room.bedClosed.connect(sound.release)
    return Services(
        clock=clock,
        store=store,
        writer=writer,
        people=PeopleService(clock, people_repo),
        sessions=sessions,
        room=room,
        devices=devices,
        sound=sound,
        signer=signer,
        access=access,
        audit=audit_repo,
        accounts=accounts,
        audit_log=AuditLog(audit_repo, access),
        review=ReviewService(clock, review_repo, access, signer),
        exports=ExportService(
            clock,
            review_repo,
            vitals_repo,
            access,
            options=ExportOptions(clinic_name=settings.clinic_name, scales=scales),
        ),
        scales=scales,
        workflow_repo=workflow_repo,
        settings=settings,
        clinic_settings=clinic_settings,
        store_status=store_status,
        rems=RemsService(
            clock,
            review_repo,
            RemsRepository(store),
            access,
            setting=RemsSetting(settings.clinic_name),
        ),
    )


def run_gui(args: argparse.Namespace, paths: AppPaths) -> int:
    from console.preflight import display_problem

    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_DISPLAY

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from console.clock import SystemClock
    from console.demo import seed_demo
    from console.errors import VigilError
    from console.services.devices import DeviceSpec
    from console.settings import load_settings_checked
    from widgets.main_window import MainWindow
    from widgets.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Vigil")
    app.setOrganizationName("Vigil")

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

    settings_path = paths.settings
    settings, settings_problems = load_settings_checked(settings_path)
    url = database_url(args, paths)
    demo = args.demo or args.demo_reset
    instance = claim_database(url, settings.rooms, script=args.script)
    if instance is None:
        return EXIT_RUNNING
    if args.demo_reset and not args.db:
        # on purpose only: a fresh sample clinic, with the session 55 minutes in
        for suffix in ("", "-wal", "-shm", "-journal"):
            paths.demo_database.with_name(paths.demo_database.name + suffix).unlink(missing_ok=True)
        paths.spool(url).unlink(missing_ok=True)
    try:
        store = open_store_for_gui(url)
    except VigilError as error:
        log.error("database %s: %s", url, error)
        print(f"vigil: {error}", file=sys.stderr)
        if not args.script:
            QMessageBox.critical(None, "Vigil — database", str(error))
        instance.release()
        return EXIT_STORE

    if demo and args.db:
        from console.cli_jobs import demo_guard_problem

        problem = demo_guard_problem(store)  # demo data never goes into a clinic's database
        if problem:
            print(f"vigil: {problem}", file=sys.stderr)
            if not args.script:
                QMessageBox.critical(None, "Vigil — demo", problem)
            store.close()
            instance.release()
            return EXIT_STORE
    clock = SystemClock()
    services = build_services(
        store,
        clock,
        paths.spool(store.url),
        settings,
        sound_dir=paths.data_dir / "sounds",
        settings_path=settings_path,
    )
    services.writer.start()  # from here on the GUI thread never waits on a database write
    from console.outbound.sender import OutboundSender

    # the HL7 interface (off until an admin turns it on); sends on its own thread and connection
    services.outbound = OutboundSender(store.engine.url.render_as_string(hide_password=False))
    sessions, devices, room = services.sessions, services.devices, services.room
    if demo:
        from console.store.account_repository import AccountRepository
        from console.store.repositories import PeopleRepository, SessionRepository
        from console.store.vitals_repository import VitalsRepository

        seed_demo(
            clock,
            PeopleRepository(store),
            SessionRepository(store),
            VitalsRepository(store),
            services.workflow_repo,
            AccountRepository(store),
        )
        from console.demo_esketamine import seed_demo_esketamine

        seed_demo_esketamine(store, clock)  # a discharged esketamine session: the REMS form
    sessions.catch_up()
    start_problems = room.load()  # a bed for every open session, their monitors reconnected
    start_problems += start_notices(settings_problems, services)

    theme = apply_theme(app, args.theme or settings.theme)
    from console.reports.escort_sheet import ClinicContact

    if demo and not settings.clinic_name:
        contact = ClinicContact("Vigil Demo Clinic", "(555) 010-4400", "(555) 010-4499")
    elif settings.clinic_name:
        contact = ClinicContact(
            settings.clinic_name,
            settings.clinic_phone,
            settings.after_hours_phone,
            settings.crisis_line,
        )
    else:
        contact = None  # the escort sheet asks for the clinic's details first
    window = MainWindow(services, settings.min_monitoring_min, theme, clinic=contact)
    window.restore(settings.window_geometry, settings.window_state)

    instance.listen(window.bring_forward, window)

    def remember(**changes: object) -> None:
        try:  # one owner of the file: clinic changes made meanwhile are kept
            services.clinic_settings.remember(**changes)
        except OSError as error:
            log.warning("settings not saved: %s", error)

    window.themeRequested.connect(lambda name: remember(theme=apply_theme(app, name)))
    window.geometryChanged.connect(lambda g, s: remember(window_geometry=g, window_state=s))
    for message in start_problems:
        window.show_problem(message)
    shown = False
    if args.session is not None:
        shown = window.show_bed(args.session) or window.open_session(args.session)
    if not shown:
        window.show_home()
    if demo:
        from console.demo import DEMO_PASSWORD, DEMO_SIGN_IN

        services.accounts.sign_in(DEMO_SIGN_IN, DEMO_PASSWORD)
        window.statusBar().showMessage(
            "Demo: signed in as the nurse. Other accounts: alex, sam (therapists), priya"
            f" (physician), casey (supervisor), admin — password {DEMO_PASSWORD}. F1: every key."
        )
    from widgets.lock_screen import ActivityWatcher

    activity = ActivityWatcher(services.accounts, app)
    app.installEventFilter(activity)
    services.start()
    from console.station.heartbeat import Heartbeat

    heartbeat = Heartbeat(store, clock, settings.rooms)  # for the clinic station (PostgreSQL only)
    heartbeat.start()
    if settings.window_geometry:
        window.show()
    else:
        window.showMaximized()  # first start: the whole screen; later starts restore the geometry

    simulators = []
    if demo and not args.no_simulator:
        from devices.simulator_process import SimulatorError, start_simulator

        def start_demo_monitors() -> None:
            """A simulated monitor on each demo patient once the window is up (they boot a moment)."""
            nurse = services.access.current
            for bed, protocol in zip(room.beds(), DEMO_PROTOCOLS, strict=False):
                t0 = bed.record.t0
                minutes = (clock.now() - t0).total_seconds() / 60 if t0 is not None else -5.0
                try:
                    simulator = start_simulator(protocol, "--t0-offset-min", f"{minutes:.1f}")
                    simulators.append(simulator)
                    devices.connect_device(
                        DeviceSpec(protocol, simulator.port),
                        bed.session_id,
                        nurse.id if nurse is not None else None,
                    )
                except (SimulatorError, VigilError) as error:
                    window.show_problem(f"The demo monitor did not start: {error}")

        QTimer.singleShot(200, start_demo_monitors)

    if args.script:
        from widgets.script_driver import ScriptDriver

        driver = ScriptDriver(window, when_durable=services.writer.when_durable)
        app.aboutToQuit.connect(driver.deleteLater)
    if args.quit_after_paint:
        from PySide6.QtCore import QEvent, QObject

        class FirstPaint(QObject):
            """Reports the first paint of the window on stdout, then quits (for bench/startup.py)."""

            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    print("PAINTED", flush=True)
                    QTimer.singleShot(0, app.quit)
                    window.removeEventFilter(self)
                return False

        first_paint = FirstPaint(window)
        window.installEventFilter(first_paint)
    code = app.exec()
    heartbeat.stop()
    services.stop()
    for simulator in simulators:
        simulator.stop()
    store.close()
    instance.release()
    return code


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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    valued = {"--db", "--home", "--session", "--theme"}
    for index, word in enumerate(argv):
        if word == "replay" and (index == 0 or argv[index - 1] not in valued):
            # everything after "replay" belongs to the replay tool, options included
            from devices.replay import main as replay_main

            return replay_main(argv[index + 1 :])
    args = build_parser().parse_args(argv)
    paths = AppPaths.default(args.home)
    from console.store.audit_key import use_config_dir

    use_config_dir(paths.config_dir)  # the audit key's folder unless VIGIL_AUDIT_KEY says
    setup_logging(paths)
    if args.command == "db":
        return run_db_command(args, paths)
    if args.command in ("staff", "room"):
        return run_people_command(args, paths)
    if args.command == "audit":
        return run_audit_command(args, paths)
    if args.command in ("create-admin", "export", "break-glass"):
        return run_account_command(args, paths)
    if args.command == "station":
        from widgets.station_app import run_station

        return run_station(args, paths)
    return run_gui(args, paths)


if __name__ == "__main__":
    sys.exit(main())
