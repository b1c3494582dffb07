"""Composition root: parses arguments, opens settings and the database, wires services and window.

The command-line jobs are in ``console/cli.py`` and the start-up steps that wire nothing in
``console/startup.py``; their names stay importable from here.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import cli, startup
from console.cli import EXIT_RUNNING, EXIT_STORE
from console.settings import AppPaths
from console.startup import setup_logging

if TYPE_CHECKING:
    from console.clock import Clock
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

__all__ = ["EXIT_RUNNING", "EXIT_STORE", "Services", "build_services", "main", "setup_logging"]

log = logging.getLogger("vigil")


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
    """The console window: claim and open the database, build the services, show the window."""
    app = startup.application()  # None (told) when there is no display to open a window on
    if app is None:
        return cli.EXIT_DISPLAY
    from console.clock import SystemClock
    from console.settings import load_settings_checked
    from widgets.main_window import MainWindow
    from widgets.theme import apply_theme

    startup.install_crash_handler(paths)

    settings_path = paths.settings
    settings, settings_problems = load_settings_checked(settings_path)
    url = cli.database_url(args, paths)
    demo = args.demo or args.demo_reset
    instance = startup.claim_database(url, settings.rooms, script=args.script)
    if instance is None:
        return EXIT_RUNNING
    if args.demo_reset and not args.db:
        startup.forget_demo_database(paths, url)  # on purpose only: a fresh sample clinic
    store = startup.open_console_store(
        url, demo_on_clinic_db=bool(demo and args.db), script=args.script
    )
    if store is None:
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
    if demo:
        startup.seed_demo_data(store, clock, services.workflow_repo)
    services.sessions.catch_up()
    start_problems = services.room.load()  # a bed for every open session, monitors reconnected
    start_problems += startup.start_notices(settings_problems, services.writer.notices)

    theme = apply_theme(app, args.theme or settings.theme)
    contact = startup.clinic_contact(settings, demo=demo)
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
    # the demo: signed in as its nurse, a simulated monitor on each patient once the window is up
    simulate = demo and not args.no_simulator
    simulators = startup.begin_demo(services, clock, window, simulate=simulate) if demo else []
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

    if args.script:
        from widgets.script_driver import ScriptDriver

        driver = ScriptDriver(window, when_durable=services.writer.when_durable)
        app.aboutToQuit.connect(driver.deleteLater)
    if args.quit_after_paint:
        startup.quit_after_first_paint(app, window)
    code = app.exec()
    heartbeat.stop()
    services.stop()
    for simulator in simulators:
        simulator.stop()
    store.close()
    instance.release()
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    valued = {"--db", "--home", "--session", "--theme"}
    for index, word in enumerate(argv):
        if word == "replay" and (index == 0 or argv[index - 1] not in valued):
            # everything after "replay" belongs to the replay tool, options included
            from devices.replay import main as replay_main

            return replay_main(argv[index + 1 :])
    args = cli.build_parser().parse_args(argv)
    paths = AppPaths.default(args.home)
    from console.store.audit_key import use_config_dir

    use_config_dir(paths.config_dir)  # the audit key's folder unless VIGIL_AUDIT_KEY says
    setup_logging(paths)
    if args.command in cli.STORE_JOBS:
        return cli.run_store_job(args, paths)
    if args.command == "station":
        from widgets.station_app import run_station

        return run_station(args, paths)
    return run_gui(args, paths)


if __name__ == "__main__":
    sys.exit(main())
