"""Runs `vigil station`: signs the user in, checks the permission, opens the station window."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from console.settings import AppPaths

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from console.domain.station import StationAlarm
    from console.services.access import Access
    from console.station.service import StationOptions
    from console.store.database import Store

log = logging.getLogger(__name__)

EXIT_FAILED = 1
EXIT_STORE = 2
EXIT_DISPLAY = 3


def run_station(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil station --db postgresql+psycopg://… --user NAME`; returns the exit status."""
    from console.cli_station import (
        require_station,
        station_identity,
        station_options,
        station_problem,
    )
    from console.errors import ValidationFailed, VigilError
    from console.settings import load_settings

    url = str(args.db) if args.db else f"sqlite:///{paths.database}"
    problem = station_problem(url)
    if problem is not None:
        print(f"vigil: {problem}", file=sys.stderr)
        return EXIT_FAILED
    from console.preflight import display_problem

    display = display_problem()
    if display:
        print(display, file=sys.stderr)
        return EXIT_DISPLAY

    from PySide6.QtWidgets import QApplication

    from console.cli_jobs import _password
    from console.clock import SystemClock
    from console.services.access import Access, AuditTrail
    from console.services.accounts import AccountService
    from console.store.account_repository import AccountRepository
    from console.store.database import Store
    from console.store.repositories import PeopleRepository
    from console.store.spool import Spool
    from console.store.writer import DurableWriter, Targets

    try:
        store = Store.open(url)
    except VigilError as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_STORE
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    clock = SystemClock()
    writer = DurableWriter(Targets.for_store(store), Spool(paths.spool(store.url)))
    access = Access(PeopleRepository(store), AuditTrail(clock, writer))
    accounts = AccountService(clock, AccountRepository(store), access)
    try:
        staff = accounts.sign_in(
            args.station_user, _password(f"Password for {args.station_user}: ")
        )
        require_station(access, staff.id)
    except (ValidationFailed, VigilError) as error:
        print(f"vigil: {error}", file=sys.stderr)
        accounts.stop()
        store.close()
        return EXIT_FAILED
    settings = load_settings(paths.settings)
    theme = args.theme or settings.theme
    options = station_options(settings, args, night=theme == "night")
    code = open_station(app, store, url, options, theme, paths, staff.id, access)
    accounts.sign_out()
    accounts.stop()
    writer.flush()
    store.close()
    log.info("station %s closed", station_identity())
    return code


def open_station(
    app: QApplication,
    store: Store,
    url: str,
    options: StationOptions,
    theme: str,
    paths: AppPaths,
    staff_id: int,
    access: Access,
) -> int:
    """Build the feed, the service and the window; run until the window closes."""
    from PySide6.QtCore import QThreadPool

    from console.cli_station import station_identity
    from console.clock import SystemClock
    from console.domain.permissions import Permission
    from console.errors import VigilError
    from console.services.alarm_sound import QtAlarmSound
    from console.station.feed import StationFeed
    from console.station.service import StationService
    from console.store.review_repository import ReviewRepository
    from console.store.station_repository import StationRepository
    from widgets.station_window import StationWindow
    from widgets.theme import apply_theme

    clock = SystemClock()
    applied = apply_theme(app, theme)
    feed = StationFeed(url)
    service = StationService(
        clock, feed, options, QtAlarmSound(paths.data_dir / "sounds") if options.sounds else None
    )
    reviews, requests = ReviewRepository(store), StationRepository(store)
    window = StationWindow(service, clock, reviews.dossier, night=applied == "night")

    def acknowledge(alarm: StationAlarm) -> None:
        """Only when the clinic allows it: the room's console applies it and audits it, naming
        this station and the user; the station sees the outcome like any alarm change.
        """
        if not options.acknowledge:
            return
        bed = service.bed(alarm.session_id)
        silence = service.not_reporting(bed.room_id) if bed is not None else "closed"
        if silence:
            window.statusBar().showMessage(
                f"This room's console is {silence}: acknowledge at the room.", 8000
            )
            return
        try:
            access.require(
                Permission.ACKNOWLEDGE_ALARM, staff_id, entity="alarm", entity_id=alarm.key
            )
        except VigilError as refused:
            window.statusBar().showMessage(str(refused), 8000)
            return
        session_id, key, station = alarm.session_id, alarm.key, station_identity()

        def send() -> None:
            try:
                requests.request_acknowledge(session_id, key, staff_id, station)
            except VigilError as error:
                log.warning("acknowledgement not sent: %s", error)

        QThreadPool.globalInstance().start(send)
        window.statusBar().showMessage("Acknowledgement sent to the room's console.", 8000)

    window.acknowledgeRequested.connect(acknowledge)
    service.start()
    window.showMaximized()
    code = app.exec()
    window.stop()
    service.stop()
    QThreadPool.globalInstance().waitForDone(int(timedelta(seconds=5).total_seconds() * 1000))
    return code
