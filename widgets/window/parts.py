"""What every part of the main window shares: its services, widgets and actions, declared once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QTabWidget, QWidget

from console.clock import Clock
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
from widgets.alarm_strip import AlarmStrip
from widgets.bed_view import BedView, ViewContext
from widgets.interface_settings import OutboundControl
from widgets.lock_screen import LockScreen
from widgets.login_screen import LoginScreen
from widgets.room_overview import RoomOverview
from widgets.start_screen import StartScreen


class WindowParts(QMainWindow):
    """The window's state (built by ``MainWindow.__init__`` and ``_build_actions``) and the few
    methods every part calls; each part is a subclass adding one job.
    """

    # the theme the user picked ("day" or "night")
    themeRequested = Signal(str)
    # the window is closing: (geometry, state) as base64 strings to remember
    geometryChanged = Signal(str, str)

    # services
    _people: PeopleService
    _sessions: SessionService
    _room: Room
    _devices: DeviceManager
    _access: Access
    _accounts: AccountService
    _audit_log: AuditLog
    _review: ReviewService
    _exports: ExportService
    _scales: dict[str, Any]
    _clinic_settings: ClinicSettings
    _sound: RoomSound
    _rems: RemsService | None
    _outbound: OutboundControl | None
    _clock: Clock
    # state
    _theme: str
    _sound_text: str
    _quit_allowed: bool
    _names: dict[int, str]
    _views: dict[int, BedView]
    _views_for: int | None
    _context: ViewContext
    prebuild_views: bool
    _prebuild: QTimer
    _window_keys: QObject
    _quit_watch: QObject
    # widgets
    user_label: QLabel
    banner: QLabel
    start_screen: StartScreen
    overview: RoomOverview
    bed_stack: QStackedWidget
    alarm_strip: AlarmStrip
    stack: QStackedWidget
    _records_page: QWidget
    _records_tabs: QTabWidget | None
    login_screen: LoginScreen
    lock_screen: LockScreen
    _console: QWidget
    gate: QStackedWidget
    sound_status: QLabel
    store_status: QLabel
    # actions (widgets.window.actions builds them)
    action_start: QAction
    action_check_in: QAction
    action_note: QAction
    action_amend: QAction
    page_actions: list[QAction]
    action_rating: QAction
    action_vitals: QAction
    action_connect: QAction
    action_next: QAction
    action_overview: QAction
    bed_actions: list[QAction]
    escape: QShortcut
    action_quit: QAction
    action_limits: QAction
    action_lock: QAction
    action_switch: QAction
    action_sign_out: QAction
    action_records: QAction
    action_accounts: QAction
    action_settings: QAction
    action_night: QAction
    action_help: QAction
    _gated_actions: list[QAction]
    _lock_screen_actions: list[QAction]

    def acting_staff_id(self) -> int | None:
        """The signed-in user: every record made at this console carries their name."""
        user = self._accounts.current
        return user.id if user is not None and not self._accounts.is_locked else None

    def show_problem(self, message: str) -> None:
        """Show an expected problem (database, device) in the banner; work goes on."""
        self.banner.setText(f"⚠  {message}")
        self.banner.show()

    def _on_sessions_store_problem(self, message: str) -> None:
        self.show_problem(message)

    def _update_quit_action(self) -> None:
        """Ctrl+Q works in the console, or anywhere while no session is open."""
        self.action_quit.setEnabled(
            self.gate.currentWidget() is self._console or not self._room.beds()
        )
