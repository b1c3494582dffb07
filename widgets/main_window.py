"""The window shell: sign-in and lock gate, the actions table, the room overview and the bed views."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QLayout,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.errors import IllegalTransition, PermissionDenied, StoreUnavailable, VigilError
from console.reports.escort_sheet import ClinicContact
from console.services.access import Access
from console.services.accounts import AccountService
from console.services.audit_log import AuditLog
from console.services.bed import Bed
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
from widgets.alarm_banner import ACKNOWLEDGE_KEYS, ACKNOWLEDGE_TEXT
from widgets.alarm_strip import AlarmStrip
from widgets.bed_view import PAGE_TITLES, BedView, ViewContext
from widgets.interface_settings import OutboundControl
from widgets.lock_screen import LockScreen
from widgets.login_screen import LoginScreen
from widgets.room_overview import RoomOverview
from widgets.shortcuts_help import KeyRow, ShortcutsHelp, key_rows
from widgets.start_screen import StartScreen
from widgets.theme import named

MAX_BED_KEYS = 8  # Alt+1 … Alt+8 open a bed
PREBUILD_MS = 300  # the pause between two bed views built ahead


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


class WindowWideKeys(QObject):
    """Keys that win over the text field with the cursor (installed on the application).

    A QLineEdit claims Ctrl+Shift+→ ("select the next word") before any shortcut is tried; for
    the actions given here the claim is refused, so the action runs wherever the cursor is in
    the window.
    """

    def __init__(self, window: QWidget, actions: list[QAction]) -> None:
        super().__init__(window)
        self._window = window
        self._actions = actions

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        pressed = QKeySequence(event.keyCombination())
        for action in self._actions:
            if action.isEnabled() and any(
                pressed.matches(keys) == QKeySequence.SequenceMatch.ExactMatch
                for keys in action.shortcuts()
            ):
                event.ignore()  # not the field's: the window's shortcut runs
                return True
        return False


class ProgramQuit(QObject):
    """The program quits from code (QApplication.quit): the window then closes without asking."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Quit and watched is QCoreApplication.instance():
            self._window.allow_close()
        return False


class MainWindow(QMainWindow):
    """A shell: the sign-in/lock gate, the actions table, the room overview and the bed views.

    It holds no clinical state: each bed's services own theirs, and each bed view observes one
    bed. Only main.py builds it.
    """

    # the theme the user picked ("day" or "night")
    themeRequested = Signal(str)
    # the window is closing: (geometry, state) as base64 strings to remember
    geometryChanged = Signal(str, str)

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

    # ---- set-up ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&Session")
        self.action_start = QAction("Start screen (new or resume)", self)
        self.action_start.setShortcut(QKeySequence("Ctrl+O"))
        self.action_start.triggered.connect(self.show_start)
        self.action_check_in = QAction("Check in", self)
        self.action_check_in.setShortcut(QKeySequence("Ctrl+Return"))
        self.action_check_in.triggered.connect(self._on_check_in_triggered)
        self.action_note = QAction("New observation", self)
        self.action_note.setShortcuts([QKeySequence("Ctrl+N"), QKeySequence("F2")])
        self.action_note.triggered.connect(self._on_note_triggered)
        self.action_amend = QAction("Amend the selected note", self)
        self.action_amend.setShortcut(QKeySequence("F3"))
        self.action_amend.triggered.connect(self._on_amend_triggered)
        self.page_actions = []
        for index, title in enumerate(PAGE_TITLES):
            action = QAction(title, self)
            action.setShortcut(QKeySequence(f"F{5 + index}"))
            action.triggered.connect(lambda _=False, i=index: self.show_page(i))
            self.page_actions.append(action)
        self.action_rating = QAction("Rate on a scale", self)
        self.action_rating.setShortcut(QKeySequence("Ctrl+R"))
        self.action_rating.triggered.connect(self._on_rating_triggered)
        self.action_vitals = QAction("Enter vitals by hand", self)
        self.action_vitals.setShortcut(QKeySequence("Ctrl+M"))
        self.action_vitals.triggered.connect(self._on_vitals_triggered)
        self.action_connect = QAction("Connect monitor…", self)
        self.action_connect.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.action_connect.triggered.connect(self._on_connect_triggered)
        self.action_next = QAction("Next lifecycle step", self)
        self.action_next.setShortcut(QKeySequence("Ctrl+Shift+Right"))
        # window-wide, even from a text field (WindowWideKeys keeps QLineEdit from claiming it)
        self.action_next.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action_next.triggered.connect(self._on_next_triggered)
        self.action_overview = QAction("Room overview", self)
        self.action_overview.setShortcut(QKeySequence("Ctrl+Home"))
        self.action_overview.triggered.connect(self.show_overview)
        self.bed_actions: list[QAction] = []
        for number in range(1, MAX_BED_KEYS + 1):
            bed_action = QAction(f"Bed {number}", self)
            bed_action.setShortcut(QKeySequence(f"Alt+{number}"))
            bed_action.triggered.connect(lambda _=False, n=number: self.show_bed_number(n))
            self.addAction(bed_action)
            self.bed_actions.append(bed_action)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.bed_stack, self.show_overview)
        self.escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.escape.setWhatsThis("Room overview")
        self.action_quit = QAction("Quit", self)
        self.action_quit.setShortcut(QKeySequence("Ctrl+Q"))  # on every platform, as documented
        self.action_quit.triggered.connect(self.request_quit)
        self.action_limits = QAction("Alarm limits for this patient…", self)
        self.action_limits.triggered.connect(self.open_patient_limits)
        for action in (
            self.action_overview,
            self.action_start,
            self.action_check_in,
            self.action_note,
            self.action_amend,
            self.action_rating,
            self.action_vitals,
            self.action_connect,
            self.action_next,
            self.action_limits,
        ):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.action_quit)
        account = self.menuBar().addMenu("&Account")
        self.action_lock = QAction("Lock the screen", self)
        self.action_lock.setShortcut(QKeySequence("Ctrl+L"))
        self.action_lock.triggered.connect(self.lock)
        self.action_switch = QAction("Switch user (shift change)", self)
        self.action_switch.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.action_switch.triggered.connect(self.switch_user)
        self.action_sign_out = QAction("Sign out", self)
        self.action_sign_out.triggered.connect(self.sign_out)
        self.action_records = QAction("Past sessions and audit trail", self)
        self.action_records.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.action_records.triggered.connect(self.show_records)
        self.action_accounts = QAction("Accounts…", self)
        self.action_accounts.triggered.connect(self.open_accounts)
        self.action_settings = QAction("Settings…", self)
        self.action_settings.triggered.connect(self.open_settings)
        for action in (
            self.action_lock,
            self.action_switch,
            self.action_sign_out,
            self.action_records,
            self.action_accounts,
            self.action_settings,
        ):
            account.addAction(action)
        view = self.menuBar().addMenu("&View")
        self.action_night = QAction("Night theme", self)
        self.action_night.setCheckable(True)
        self.action_night.setChecked(self._theme == "night")
        self.action_night.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.action_night.toggled.connect(self._on_night_toggled)
        view.addAction(self.action_night)
        view.addSeparator()
        for action in self.page_actions:
            view.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        self.action_help = QAction("Keyboard shortcuts", self)
        self.action_help.setShortcut(QKeySequence("F1"))
        self.action_help.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.action_help)
        # usable only while someone is signed in and the screen is not locked
        self._gated_actions = [
            self.action_overview,
            *self.bed_actions,
            self.action_start,
            self.action_check_in,
            self.action_note,
            self.action_amend,
            self.action_rating,
            self.action_vitals,
            self.action_connect,
            self.action_next,
            self.action_lock,
            self.action_switch,
            self.action_sign_out,
            self.action_records,
            self.action_accounts,
            self.action_settings,
            self.action_limits,
            *self.page_actions,
        ]
        # on the lock screen these go too: only unlocking and the alarm strip work there
        self._lock_screen_actions = [self.action_night, self.action_help]

    def _reload_staff(self) -> None:
        try:
            staff = self._people.staff()
        except StoreUnavailable:
            return  # keep the names known so far
        self._names = {s.id: f"{s.name} ({s.role.value})" for s in staff}
        self._access.forget_staff()

    # ---- who is at the console -------------------------------------------------------------
    def _on_accounts_changed(self, *_: object) -> None:
        self._update_gate()

    def _update_gate(self) -> None:
        """Sign-in, the console, or the lock screen (which keeps the clock and alarms in view)."""
        user = self._accounts.current
        if self._accounts.is_locked or (user is None and self._room.beds()):
            page: QWidget = self.lock_screen
            self.lock_screen.refresh()
        elif user is None:
            page = self.login_screen
            self.login_screen.refresh()
        else:
            page = self._console
        open_console = page is self._console
        for action in self._gated_actions:
            action.setEnabled(open_console)
        behind_lock = page is self.lock_screen
        for action in self._lock_screen_actions:
            action.setEnabled(not behind_lock)
        self.menuBar().setEnabled(not behind_lock)
        self._forget_views_of_another_user(user.id if user is not None else None)
        if open_console:
            self._prebuild.start()
        self.alarm_strip.setEnabled(open_console)
        self.alarm_strip.refresh()
        self.gate.setCurrentWidget(page)
        self._update_quit_action()
        if page is self.lock_screen:
            self._follow_clock_on_lock()
            self.lock_screen.focus_first_field()
        elif page is self.login_screen:
            self.login_screen.focus_first_field()
        if user is None:
            self.user_label.setText("Nobody signed in")
        else:
            self.user_label.setText(f"Signed in: {user.name} ({user.role.value})")
        self.action_accounts.setVisible(self._access.can(Permission.MANAGE_ACCOUNTS))
        self.action_settings.setVisible(self._clinic_settings.can_change())
        self.action_limits.setVisible(self._access.can(Permission.CHANGE_PATIENT_LIMITS))
        can_records = self._access.can(Permission.BROWSE_SESSIONS) or self._access.can(
            Permission.VIEW_AUDIT
        )
        self.action_records.setVisible(can_records)
        if not can_records and self.stack.currentWidget() is self._records_page:
            self.leave_records()  # the next user may not see past records
        self._records_roles()

    def _follow_clock_on_lock(self) -> None:
        """The lock screen keeps the clock of the bed on screen (or of the only bed)."""
        beds = self._room.beds()
        shown = self.bed_view
        bed = shown.bed if shown is not None and shown.bed.is_open else None
        if bed is None and len(beds) == 1:
            bed = beds[0]
        self.lock_screen.follow(bed.clock if bed else None, bed.label if bed else "")
        if bed is None and beds:
            self.lock_screen.follow_beds([(b.label, b.clock) for b in beds])

    def screen_name(self) -> str:
        """Which screen is up: "sign-in", "console" or "locked"."""
        current = self.gate.currentWidget()
        if current is self.login_screen:
            return "sign-in"
        return "locked" if current is self.lock_screen else "console"

    def lock(self) -> None:
        self._accounts.lock()

    def switch_user(self) -> None:
        """Shift change: lock, with the cursor in the switch panel's user-name field."""
        self._accounts.lock()
        if self.gate.currentWidget() is self.lock_screen:
            self.lock_screen.focus_switch_user()

    def keyboard_shortcuts(self) -> list[KeyRow]:
        """Every key of the window with what it does, read from the actions themselves."""
        actions: list[QAction] = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if isinstance(menu, QMenu):
                actions.extend(menu.actions())
        actions.extend(self.actions())
        rows = key_rows(actions, [self.escape, *self.findChildren(QShortcut)])
        acknowledge = KeyRow((QKeySequence(ACKNOWLEDGE_KEYS).toString(),), ACKNOWLEDGE_TEXT)
        return rows if acknowledge in rows else [*rows, acknowledge]

    def show_shortcuts(self) -> ShortcutsHelp:
        """F1: the list of keys (generated from the actions), as a small dialog."""
        dialog = ShortcutsHelp(self.keyboard_shortcuts(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def sign_out(self) -> None:
        self._accounts.sign_out()

    def open_accounts(self) -> None:
        from widgets.account_admin import AccountAdmin

        dialog = AccountAdmin(self._accounts, self)
        dialog.exec()
        self._reload_staff()

    def show_records(self) -> None:
        """Past sessions (browser and review) and the audit trail, for who may see them."""
        if self._records_tabs is None:
            self._records_tabs = QTabWidget()
            self._build_records(self._records_tabs)
            layout = self._records_page.layout()
            assert layout is not None
            layout.addWidget(self._records_tabs)
        self._records_roles()
        self.stack.setCurrentWidget(self._records_page)
        self.setWindowTitle("Vigil — records")

    def _build_records(self, tabs: QTabWidget) -> None:
        from widgets.audit_viewer import AuditViewer
        from widgets.session_browser import SessionBrowser
        from widgets.session_review import SessionReviewView

        self.browser = SessionBrowser(self._review, self._people, self._clock, self.acting_staff_id)
        self.review_view = SessionReviewView(self._review, self.acting_staff_id, self._scales)
        self.export_note = named(QLabel(""), "secondary")
        self.export_buttons: dict[str, QPushButton] = {}
        for fmt, title in (("pdf", "Export PDF"), ("csv", "Vitals CSV"), ("fhir", "FHIR")):
            button = QPushButton(title)
            button.clicked.connect(lambda _=False, f=fmt: self._on_export_clicked(f))
            self.export_buttons[fmt] = button
            self.review_view.header_actions.addWidget(button)
        self.review_view.header_actions.addWidget(self.export_note)
        if self._rems is not None:
            from widgets.session_browser import add_rems_column

            add_rems_column(self.browser, self._rems)
            self.review_view.add_rems_button(
                self._rems, lambda: self._clock.now().astimezone().date()
            )
        self.past_sessions = QStackedWidget()
        self.past_sessions.addWidget(self.browser)
        self.past_sessions.addWidget(self.review_view)
        self.browser.openRequested.connect(self.open_review)
        self.review_view.backRequested.connect(
            lambda: self.past_sessions.setCurrentWidget(self.browser)
        )
        self._review.reviewed.connect(lambda _review: self.browser.refresh())
        self._people.changed.connect(self.browser.reload_lists)
        self.audit_viewer = AuditViewer(self._audit_log, self.acting_staff_id, self._clock)
        tabs.addTab(self.past_sessions, "Past sessions")
        tabs.addTab(self.audit_viewer, "Audit trail")
        back = QPushButton("Back to the console  (Esc)")
        back.setObjectName("secondary")
        back.clicked.connect(self.leave_records)
        tabs.setCornerWidget(back)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self._records_page, self.leave_records)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _records_roles(self) -> None:
        """Show only the records tabs the signed-in role may use (the services refuse the rest)."""
        tabs = self._records_tabs
        if tabs is None:
            return
        browse = self._access.can(Permission.BROWSE_SESSIONS)
        audit = self._access.can(Permission.VIEW_AUDIT)
        tabs.setTabVisible(0, browse)
        tabs.setTabVisible(1, audit)
        if not tabs.isTabVisible(tabs.currentIndex()):
            tabs.setCurrentIndex(0 if browse else 1)

    def open_review(self, session_id: int) -> bool:
        """Open one past session's review (refusals show in the review's banner)."""
        opened = self.review_view.open_session(session_id)
        self.export_note.setText("")
        can_export = self._access.can(Permission.EXPORT)
        for button in self.export_buttons.values():
            button.setVisible(can_export)
        self.past_sessions.setCurrentWidget(self.review_view)
        return opened

    def leave_records(self) -> None:
        self.show_overview()

    def export_review(self, fmt: str, path: str) -> bool:
        """Export the session under review to ``path``; the outcome shows beside the buttons."""
        dossier = self.review_view.dossier
        if dossier is None:
            return False
        try:
            written = self._exports.export(dossier.session.id, fmt, path, self.acting_staff_id())
        except (PermissionDenied, StoreUnavailable, VigilError) as error:
            self.export_note.setText(str(error))
            return False
        self.export_note.setText(f"Saved {written.name}")
        return True

    def _on_export_clicked(self, fmt: str) -> None:
        from PySide6.QtWidgets import QFileDialog

        from console.services.exports import SUFFIXES, suggested_file_name

        dossier = self.review_view.dossier
        if dossier is None:
            return
        name = suggested_file_name(
            dossier.patient.chart_id, dossier.session.checked_in_at, dossier.session.id, fmt
        )
        path, _ = QFileDialog.getSaveFileName(self, "Export the session", name, f"*{SUFFIXES[fmt]}")
        if path:
            self.export_review(fmt, path)

    @property
    def sessions(self) -> SessionService:
        return self._sessions

    @property
    def room(self) -> Room:
        return self._room

    @property
    def devices(self) -> DeviceManager:
        return self._devices

    def acting_staff_id(self) -> int | None:
        """The signed-in user: every record made at this console carries their name."""
        user = self._accounts.current
        return user.id if user is not None and not self._accounts.is_locked else None

    def restore(self, geometry: str, state: str) -> None:
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode()))

    # ---- navigation -----------------------------------------------------------------------
    @property
    def bed_view(self) -> BedView | None:
        """The bed shown in detail, or None (overview, start screen, records)."""
        if self.stack.currentWidget() is not self.bed_stack:
            return None
        current = self.bed_stack.currentWidget()
        return current if isinstance(current, BedView) else None

    def view_of(self, session_id: int) -> BedView | None:
        """The bed view built for a session (None until it is first shown)."""
        return self._views.get(session_id)

    def show_start(self) -> None:
        try:
            self.start_screen.reload()
        except StoreUnavailable as error:
            self._on_sessions_store_problem(str(error))
        self.stack.setCurrentWidget(self.start_screen)
        self.setWindowTitle("Vigil — check in")
        self._drop_closed_views()

    def show_overview(self) -> None:
        """Every bed of the room; with no open bed, the start screen."""
        if not self._room.beds():
            self.show_start()
            return
        self.stack.setCurrentWidget(self.overview)
        self.setWindowTitle("Vigil — room overview")
        self._drop_closed_views()

    def show_home(self) -> None:
        """Where the console opens: the only bed in detail, the overview, or the start screen."""
        beds = self._room.beds()
        if len(beds) == 1:
            self.show_bed(beds[0].session_id)
        else:
            self.show_overview()

    def show_bed(self, session_id: int) -> bool:
        """Show one bed in detail (its view is built the first time)."""
        view = self._views.get(session_id) or self._build_view(session_id)
        if view is None:
            return False
        self.bed_stack.setCurrentWidget(view)
        self.stack.setCurrentWidget(self.bed_stack)
        self.setWindowTitle(f"Vigil — {view.bed.label}")
        self._drop_closed_views()
        return True

    def _build_view(self, session_id: int) -> BedView | None:
        bed = self._room.bed(session_id)
        if bed is None:
            return None
        view = BedView(bed, self._context)
        view.setObjectName(f"bed-{session_id}")
        view.device_status.set_sound_notice(self._sound_text)
        self._views[session_id] = view
        self._views_for = self.acting_staff_id()
        self.bed_stack.addWidget(view)
        return view

    def show_bed_number(self, number: int) -> bool:
        """Alt+1…8: the n-th bed as the overview orders them."""
        beds = self._room.beds()
        if not 1 <= number <= len(beds):
            return False
        return self.show_bed(beds[number - 1].session_id)

    def open_session(self, session_id: int) -> bool:
        """Show a stored open session's bed (opening a bed for it if this console has none)."""
        try:
            bed = self._room.open_bed(session_id)
        except (IllegalTransition, PermissionDenied, StoreUnavailable) as error:
            self._on_sessions_store_problem(str(error))
            return False
        return self.show_bed(bed.session_id)

    def show_page(self, index: int) -> None:
        """Monitoring (0), pre-dose and dose (1) or discharge (2) of the bed on screen."""
        view = self.bed_view
        if view is not None:
            view.show_page(index)

    def _forget_views_of_another_user(self, user_id: int | None) -> None:
        """A different person at the console: no bed view keeps what the last one typed."""
        if user_id is None or user_id == self._views_for or not self._views:
            if user_id is not None:
                self._views_for = user_id
            return
        shown = self.bed_view
        for session_id in list(self._views):
            self._drop_view(session_id)
        self._views_for = user_id
        if shown is not None and not self.show_bed(shown.bed.session_id):
            self.show_overview()

    def _drop_view(self, session_id: int) -> None:
        view = self._views.pop(session_id, None)
        if view is None:
            return
        view.stop()
        self.bed_stack.removeWidget(view)
        view.deleteLater()

    def _drop_closed_views(self) -> None:
        """A closed bed's view stays while it is on screen (to print the escort sheet), no longer."""
        shown = self.bed_view
        for session_id, view in list(self._views.items()):
            if view is not shown and self._room.bed(session_id) is None:
                self._drop_view(session_id)

    # ---- slots ----------------------------------------------------------------------------
    def _on_start_screen_resume_requested(self, session_id: int) -> None:
        self.open_session(session_id)

    def _on_start_screen_checked_in(self, session_id: int) -> None:
        self.show_bed(session_id)

    def _on_room_beds_changed(self) -> None:
        self._update_quit_action()
        if self.stack.currentWidget() is self.start_screen:
            self.start_screen.reload()
        self._prebuild.start()

    def _on_prebuild_timeout(self) -> None:
        """Build the next bed's view while nobody waits for it (one per turn: the clock and
        alarms keep their pace).
        """
        if not self.prebuild_views or self.acting_staff_id() is None:
            return
        missing = [b for b in self._room.beds() if b.session_id not in self._views]
        if missing:
            self._build_view(missing[0].session_id)
            if len(missing) > 1:
                self._prebuild.start()

    def _on_room_bed_closed(self, session_id: int) -> None:
        if self.bed_view is None or self.bed_view.bed.session_id != session_id:
            self._drop_view(session_id)

    def _on_check_in_triggered(self) -> None:
        if self.stack.currentWidget() is self.start_screen:
            self.start_screen.check_in()

    def _on_amend_triggered(self) -> None:
        view = self.bed_view
        if view is not None:
            view.observations.amend_selected()

    def _on_connect_triggered(self) -> None:
        view = self.bed_view
        if view is not None:
            view.device_status.open_connect_dialog()
        else:
            from widgets.connect_dialog import ConnectDialog

            ConnectDialog(self._devices, self._room, self.acting_staff_id, None, self).exec()

    def _on_next_triggered(self) -> None:
        view = self.bed_view
        if view is not None:
            view.actions_panel.advance()

    def _on_rating_triggered(self) -> None:
        view = self.bed_view
        if view is not None:
            view.focus_rating()

    def _on_vitals_triggered(self) -> None:
        view = self.bed_view
        if view is not None:
            view.focus_vitals()

    def _on_note_triggered(self) -> None:
        view = self.bed_view
        if view is not None:
            view.focus_note()

    def _staff_name(self, staff_id: int) -> str:
        if staff_id not in self._names:
            self._reload_staff()  # someone added since: read once, then remember the answer
            self._names.setdefault(staff_id, f"staff #{staff_id}")
        return self._names[staff_id]

    def _on_night_toggled(self, night: bool) -> None:
        self._theme = "night" if night else "day"
        self.themeRequested.emit(self._theme)

    def show_problem(self, message: str) -> None:
        """Show an expected problem (database, device) in the banner; work goes on."""
        self.banner.setText(f"⚠  {message}")
        self.banner.show()

    def _on_sessions_store_problem(self, message: str) -> None:
        self.show_problem(message)

    def _on_sessions_store_recovered(self) -> None:
        self.banner.hide()
        self.store_status.setText("All entries saved.")

    def _on_sessions_pending_changed(self, count: int) -> None:
        self.store_status.setText(
            f"{count} entr{'y' if count == 1 else 'ies'} waiting to be saved" if count else ""
        )

    # ---- quitting, settings, alarm limits, the tones ------------------------------------------
    def _update_quit_action(self) -> None:
        """Ctrl+Q works in the console, or anywhere while no session is open."""
        self.action_quit.setEnabled(
            self.gate.currentWidget() is self._console or not self._room.beds()
        )

    def _user_close(self, event: QCloseEvent) -> bool:
        return event.spontaneous() and not self._quit_allowed and self.isVisible()

    def allow_close(self) -> None:
        """The program itself ends (a bench, a test, the first-paint check): close unasked."""
        self._quit_allowed = True

    def request_quit(self) -> bool:
        """Quit (Ctrl+Q): with sessions open only a signed-in clinical user, after a question
        naming them, and audited; returns whether the window closed.
        """
        if not self._may_quit():
            return False
        self._quit_allowed = True
        return self.close()

    def _may_quit(self) -> bool:
        from widgets.quit_guard import confirm_quit

        beds = self._room.beds()
        if not beds:
            return True
        staff_id = self.acting_staff_id()
        if staff_id is None:
            self._refuse_quit("Patients are monitored: sign in to quit Vigil.")
            return False
        if not self._access.can(Permission.ACKNOWLEDGE_ALARM):
            self._refuse_quit(
                "Patients are monitored: a therapist, nurse or physician may quit Vigil."
            )
            return False
        if not confirm_quit(self, beds):
            return False
        self._access.audit.record(
            AuditAction.CONSOLE_QUIT,
            "console",
            "",
            staff_id,
            {"open_sessions": [{"session_id": b.session_id, "bed": b.label} for b in beds]},
        )
        return True

    def _refuse_quit(self, message: str) -> None:
        if self.gate.currentWidget() is self.lock_screen:
            self.lock_screen.show_notice(message)
        self.statusBar().showMessage(message, 15000)

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

    def open_settings(self) -> QWidget | None:
        """The admin's settings dialog (without blocking)."""
        from widgets.settings_dialog import SettingsDialog

        if not self._clinic_settings.can_change():
            return None
        dialog = SettingsDialog(self._clinic_settings, self._sound, self.acting_staff_id, self)
        if self._outbound is not None:
            from widgets.interface_settings import InterfaceSettingsPage

            page = InterfaceSettingsPage(self._outbound, self.acting_staff_id, self._clock.now)
            dialog.add_page("HL7 interface", page)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_patient_limits(self) -> QWidget | None:
        """The alarm limits of the bed on screen, for its session (without blocking)."""
        from widgets.alarm_limits_editor import PatientLimitsDialog

        view = self.bed_view
        bed: Bed | None = view.bed if view is not None and view.bed.is_open else None
        if bed is None:
            self.statusBar().showMessage("Open a bed first: the limits are that patient's.", 8000)
            return None
        dialog = PatientLimitsDialog(bed, self.acting_staff_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

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
