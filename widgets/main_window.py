"""The window shell: it builds the parts of ``widgets/window/`` (gate, actions, bed views,
records) over the services main.py gives it, and owns the status bar, settings and closing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QCoreApplication, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QLayout, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from console.clock import Clock
from console.reports.escort_sheet import ClinicContact
from console.services.access import Access
from console.services.accounts import AccountService
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
from console.settings import Settings
from widgets.alarm_strip import AlarmStrip
from widgets.bed_view import BedView, ViewContext
from widgets.interface_settings import OutboundControl
from widgets.lock_screen import LockScreen
from widgets.login_screen import LoginScreen
from widgets.room_overview import RoomOverview
from widgets.start_screen import StartScreen
from widgets.theme import named
from widgets.window.actions import MAX_BED_KEYS, WindowActions, WindowWideKeys
from widgets.window.beds import PREBUILD_MS
from widgets.window.gate import ProgramQuit

__all__ = ["MAX_BED_KEYS", "PREBUILD_MS", "MainWindow", "WindowServices", "sound_notice"]


class WindowServices(Protocol):
    """The services the window observes (main.Services provides them)."""

    clock: Clock
    people: PeopleService
    sessions: SessionService
    room: Room
    devices: DeviceManager
    access: Access
    accounts: AccountService
    audit_log: AuditLog
    review: ReviewService
    exports: ExportService
    scales: dict[str, Any]
    clinic_settings: ClinicSettings
    sound: RoomSound
    rems: RemsService | None

    @property
    def outbound(self) -> OutboundControl | None:
        """The HL7 interface's sender (the real program only)."""


def sound_notice(problem: str) -> str:
    """The permanent notice while the alarm tones cannot play ("" while they can)."""
    return f"Alarm tones off — {problem}" if problem else ""


class MainWindow(WindowActions):
    """A shell: the sign-in/lock gate, the actions table, the room overview and the bed views.

    It holds no clinical state: each bed's services own theirs, and each bed view observes one
    bed. Only main.py builds it.
    """

    def __init__(
        self,
        services: WindowServices,
        minimum_minutes: int,
        theme: str,
        parent: QWidget | None = None,
        *,
        clinic: ClinicContact | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Vigil — dosing room")
        clock, people, sessions = services.clock, services.people, services.sessions
        self._people = people
        self._sessions = sessions
        self._room = services.room
        self._theme = theme
        self._devices = services.devices
        self._access = services.access
        self._accounts = services.accounts
        self._audit_log = services.audit_log
        self._review = services.review
        self._exports = services.exports
        self._scales = services.scales
        self._clinic_settings = services.clinic_settings
        self._sound = services.sound
        self._rems = services.rems
        self._outbound = services.outbound
        self._sound_text = ""  # "Alarm tones off — …" while the room cannot sound an alarm
        self._quit_allowed = False  # set once a quit is confirmed (closeEvent lets it through)
        self._clock = clock
        self._names: dict[int, str] = {}
        self._views: dict[int, BedView] = {}  # built when a bed is first shown
        self._views_for: int | None = None  # the user the bed views were built for
        self._context = ViewContext(
            room=self._room,
            people=people,
            devices=self._devices,
            clock=clock,
            actor=self.acting_staff_id,
            staff_name=self._staff_name,
            minimum_minutes=minimum_minutes,
            clinic=clinic,
        )
        self.user_label = named(QLabel(""), "secondary")

        self.banner = named(QLabel(""), "banner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.start_screen = StartScreen(
            people, sessions, actor=self.acting_staff_id, room=self._room
        )
        self.start_screen.resumeRequested.connect(self._on_start_screen_resume_requested)
        self.start_screen.checkedIn.connect(self._on_start_screen_checked_in)
        self.overview = RoomOverview(self._room, clock)
        self.overview.bedRequested.connect(self.show_bed)
        self.bed_stack = QStackedWidget()
        self.alarm_strip = AlarmStrip(self._room, self.acting_staff_id)
        self.alarm_strip.bedRequested.connect(self.show_bed)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_screen)
        self.stack.addWidget(self.overview)
        self.stack.addWidget(self.bed_stack)
        self._records_page = QWidget()  # past sessions and the audit trail: built when first shown
        QVBoxLayout(self._records_page).setContentsMargins(12, 12, 12, 12)
        self._records_tabs: QTabWidget | None = None
        self.stack.addWidget(self._records_page)
        console = QWidget()
        central_layout = QVBoxLayout(console)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self.alarm_strip)
        central_layout.addWidget(self.stack, 1)
        # who is at the console: sign-in, the console itself, or the lock screen over it
        self.login_screen = LoginScreen(self._accounts)
        lock_strip = AlarmStrip(self._room, self.acting_staff_id)
        lock_strip.set_interactive(False)  # behind the lock nobody opens a bed
        self.lock_screen = LockScreen(self._accounts, lock_strip, staff_name=self._staff_name)
        self._console = console
        self.gate = QStackedWidget()
        for page in (self.login_screen, console, self.lock_screen):
            self.gate.addWidget(page)
        self.setCentralWidget(self.gate)

        # bed views are built ahead, one at a time while the console is idle, so showing a bed
        # is a switch (tens of ms), not a build; off for a measurement of the build itself
        self.prebuild_views = True
        self._prebuild = QTimer(self)
        self._prebuild.setSingleShot(True)
        self._prebuild.setInterval(PREBUILD_MS)
        self._prebuild.timeout.connect(self._on_prebuild_timeout)
        self.sound_status = named(QLabel(""), "alarmNotice")
        self.sound_status.hide()
        self.statusBar().addPermanentWidget(self.sound_status)
        self.statusBar().addPermanentWidget(self.user_label)
        self.store_status = QLabel("")
        self.statusBar().addWidget(self.store_status, 1)
        self._build_actions()
        # an unmaximised window keeps the size it was given: content that grows (a banner, a
        # longer page) scrolls or shares the space, it never stretches the window taller
        window_layout = self.layout()
        assert window_layout is not None
        window_layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._window_keys = WindowWideKeys(self, [self.action_next])
        self._quit_watch = ProgramQuit(self)
        application = QCoreApplication.instance()
        if application is not None:
            application.installEventFilter(self._window_keys)
            application.installEventFilter(self._quit_watch)

        sessions.storeProblem.connect(self._on_sessions_store_problem)
        sessions.storeRecovered.connect(self._on_sessions_store_recovered)
        sessions.pendingChanged.connect(self._on_sessions_pending_changed)
        self._room.problem.connect(self.show_problem)
        self._room.bedsChanged.connect(self._on_room_beds_changed)
        self._room.bedClosed.connect(self._on_room_bed_closed)
        people.changed.connect(self._reload_staff)
        self._reload_staff()
        self._accounts.signedIn.connect(self._on_accounts_changed)
        self._accounts.signedOut.connect(self._on_accounts_changed)
        self._accounts.lockedChanged.connect(self._on_accounts_changed)
        self._accounts.accountsChanged.connect(self._reload_staff)
        self._clinic_settings.changed.connect(self._on_clinic_settings_changed)
        # the alarm tones being off is said on screen (not only in the log), for as long as it lasts
        self.show_sound_problem(self._sound.check())
        self._sound.watch(self.show_sound_problem)
        self._update_gate()

    @property
    def sessions(self) -> SessionService:
        return self._sessions

    @property
    def room(self) -> Room:
        return self._room

    @property
    def devices(self) -> DeviceManager:
        return self._devices

    def restore(self, geometry: str, state: str) -> None:
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode()))

    def _on_sessions_store_recovered(self) -> None:
        self.banner.hide()
        self.store_status.setText("All entries saved.")

    def _on_sessions_pending_changed(self, count: int) -> None:
        self.store_status.setText(
            f"{count} entr{'y' if count == 1 else 'ies'} waiting to be saved" if count else ""
        )

    def bring_forward(self) -> None:
        """Vigil was started again on this database: this window comes to the front instead."""
        if self.isMinimized():
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()
        self.statusBar().showMessage(
            "Vigil was started again: this console already has the database open.", 15000
        )

    def show_sound_problem(self, problem: str) -> None:
        """The alarm tones cannot play (``problem``; "" once they can): said in the status bar
        and on every bed's Monitors tab until then.
        """
        self._sound_text = sound_notice(problem)
        self.sound_status.setText(self._sound_text)
        self.sound_status.setVisible(bool(problem))
        for view in self._views.values():
            view.device_status.set_sound_notice(self._sound_text)

    def _on_clinic_settings_changed(self, now: Settings) -> None:
        """Bed views built from now on print the clinic's new contact details."""
        if now.clinic_name:
            contact = ClinicContact(
                now.clinic_name, now.clinic_phone, now.after_hours_phone, now.crisis_line
            )
            self._context = replace(self._context, clinic=contact)

    def stop(self) -> None:
        """Stop the panels' timers (the window is going away: closing it asks nothing more)."""
        self._quit_allowed = True
        self._prebuild.stop()
        for view in self._views.values():
            view.stop()
        self.overview.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        # the title bar's close button (a close from the window system) is a quit like Ctrl+Q;
        # a close from code (a stopped window, the program quitting) is not asked
        if self._user_close(event) and not self._may_quit():
            event.ignore()
            return
        self.stop()
        self.geometryChanged.emit(
            bytes(self.saveGeometry().toBase64().data()).decode(),
            bytes(self.saveState().toBase64().data()).decode(),
        )
        super().closeEvent(event)
