"""The main window: start screen, or the session view with header, vitals, notes and discharge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.domain.lifecycle import SessionState
from console.domain.permissions import Permission
from console.domain.schedule import ClockFace
from console.domain.sessions import SessionRecord
from console.errors import IllegalTransition, PermissionDenied, StoreUnavailable, VigilError
from console.reports.escort_sheet import ClinicContact
from console.services.access import Access
from console.services.accounts import AccountService
from console.services.alarms import AlarmService
from console.services.audit_log import AuditLog
from console.services.clock import ClockService
from console.services.devices import DeviceManager
from console.services.discharge import DischargeService
from console.services.exports import ExportService
from console.services.people import PeopleService
from console.services.review import ReviewService
from console.services.sessions import SessionService
from console.services.vitals import VitalsService
from console.services.workflow import WorkflowService
from widgets.adverse_event_form import AdverseEventForm
from widgets.alarm_banner import AlarmBanner, AlarmList
from widgets.device_status import DeviceStatusPanel
from widgets.lock_screen import LockScreen
from widgets.login_screen import LoginScreen
from widgets.observation_panel import ObservationPanel
from widgets.rating_form import RatingForm
from widgets.session_actions import SessionActions
from widgets.session_header import SessionHeader
from widgets.start_screen import StartScreen
from widgets.theme import named
from widgets.vitals.panel import VitalsPanel
from widgets.vitals_entry import VitalsEntry

if TYPE_CHECKING:  # imported when their page is first shown
    from widgets.discharge_panel import DischargePanel
    from widgets.dose_form import DoseForm
    from widgets.predose_panel import PreDosePanel

PAGE_TITLES = ("Monitoring  (F5)", "Pre-dose && dose  (F6)", "Discharge  (F7)")
PAGE_FOR_FORM = {"dose": 1, "discharge": 2}


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class WindowServices(Protocol):
    """The services the window observes (main.Services provides them)."""

    clock: Clock
    people: PeopleService
    sessions: SessionService
    clock_service: ClockService
    vitals: VitalsService
    devices: DeviceManager
    alarms: AlarmService
    workflow: WorkflowService
    discharge: DischargeService
    access: Access
    accounts: AccountService
    audit_log: AuditLog
    review: ReviewService
    exports: ExportService
    scales: dict[str, Any]


class MainWindow(QMainWindow):
    """Observes the services; only main.py builds it."""

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
        clock_service, vitals, devices = services.clock_service, services.vitals, services.devices
        self._people = people
        self._sessions = sessions
        self._theme = theme
        self._vitals = vitals
        self._devices = devices
        self._alarms = services.alarms
        self._workflow = services.workflow
        self._discharge = services.discharge
        self._shown_session: int | None = None  # the page follows the state when this changes
        self._access = services.access
        self._accounts = services.accounts
        self._audit_log = services.audit_log
        self._review = services.review
        self._exports = services.exports
        self._scales = services.scales
        self._names: dict[int, str] = {}
        self.user_label = named(QLabel(""), "secondary")

        self.banner = named(QLabel(""), "banner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.start_screen = StartScreen(people, sessions, actor=self.acting_staff_id)
        self.start_screen.resumeRequested.connect(self._on_start_screen_resume_requested)

        self.header = SessionHeader()
        self.header.set_minimum_minutes(minimum_minutes)
        self.vitals_area = VitalsPanel(vitals, sessions, clock)
        self.observations = ObservationPanel(sessions, self.acting_staff_id)
        self.actions_panel = SessionActions(sessions, self.acting_staff_id)
        self.actions_panel.formRequested.connect(self._on_actions_form_requested)
        self.vitals_entry = VitalsEntry(vitals, self.acting_staff_id, author_name=self._staff_name)
        self.device_status = DeviceStatusPanel(devices, clock)
        monitors = QScrollArea()
        monitors.setWidget(self.device_status)
        monitors.setWidgetResizable(True)
        self.tools = QTabWidget()
        self.tools.addTab(self.vitals_entry, "Vitals by hand  (Ctrl+M)")
        self.rating_form = RatingForm(
            self._workflow, self.acting_staff_id, staff_name=self._staff_name
        )
        self.event_form = AdverseEventForm(
            self._workflow, clock, self.acting_staff_id, staff_name=self._staff_name
        )
        self.tools.addTab(self.rating_form, "Rating  (Ctrl+R)")
        self.tools.addTab(_scrolled(self.event_form), "Event")
        self.alarm_list = AlarmList(self._alarms, staff_name=self._staff_name)
        self.tools.addTab(self.alarm_list, "Alarms")
        self.tools.addTab(monitors, "Monitors")
        self.tools.addTab(self.actions_panel, "Session steps")

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.observations)
        right.addWidget(self.tools)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.vitals_area)
        body.addWidget(right)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setSizes([880, 560])
        session_view = QWidget()
        session_layout = QVBoxLayout(session_view)
        session_layout.setContentsMargins(12, 12, 12, 12)
        session_layout.addWidget(self.header)
        self.alarm_banner = AlarmBanner(
            self._alarms, self.acting_staff_id, staff_name=self._staff_name
        )
        session_layout.addWidget(self.alarm_banner)
        # the pre-dose and discharge pages are built when first shown: a quicker first paint
        self._clock = clock
        self._clinic = clinic
        self._editable = True
        self._predose_panel: PreDosePanel | None = None
        self._dose_form: DoseForm | None = None
        self._discharge_panel: DischargePanel | None = None
        self._predose_page = QWidget()
        QHBoxLayout(self._predose_page).setContentsMargins(0, 0, 0, 0)
        self._discharge_page = QWidget()
        QVBoxLayout(self._discharge_page).setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        for page in (body, self._predose_page, self._discharge_page):
            self.pages.addWidget(page)
        self.page_tabs = QTabBar()
        for title in PAGE_TITLES:
            self.page_tabs.addTab(title)
        self.page_tabs.currentChanged.connect(self._on_page_tabs_current_changed)
        session_layout.addWidget(self.page_tabs)
        session_layout.addWidget(self.pages, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_screen)
        self.stack.addWidget(session_view)
        self._records_page = QWidget()  # past sessions and the audit trail: built when first shown
        QVBoxLayout(self._records_page).setContentsMargins(12, 12, 12, 12)
        self._records_tabs: QTabWidget | None = None
        self.stack.addWidget(self._records_page)
        console = QWidget()
        central_layout = QVBoxLayout(console)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self.stack, 1)
        # who is at the console: sign-in, the console itself, or the lock screen over it
        self.login_screen = LoginScreen(self._accounts)
        self.lock_screen = LockScreen(
            self._accounts, clock_service, self._alarms, staff_name=self._staff_name
        )
        self._console = console
        self.gate = QStackedWidget()
        for page in (self.login_screen, console, self.lock_screen):
            self.gate.addWidget(page)
        self.setCentralWidget(self.gate)

        self.statusBar().addPermanentWidget(self.user_label)
        self.store_status = QLabel("")
        self.statusBar().addWidget(self.store_status, 1)
        self._build_actions()

        sessions.sessionChanged.connect(self._on_sessions_session_changed)
        sessions.sessionChanged.connect(self._on_accounts_changed)
        sessions.storeProblem.connect(self._on_sessions_store_problem)
        vitals.storeProblem.connect(self._on_sessions_store_problem)
        sessions.storeRecovered.connect(self._on_sessions_store_recovered)
        sessions.pendingChanged.connect(self._on_sessions_pending_changed)
        clock_service.faceChanged.connect(self._on_clock_face_changed)
        clock_service.faceChanged.connect(self.vitals_area.show_check)
        people.changed.connect(self._reload_staff)
        self._reload_staff()
        self._accounts.signedIn.connect(self._on_accounts_changed)
        self._accounts.signedOut.connect(self._on_accounts_changed)
        self._accounts.lockedChanged.connect(self._on_accounts_changed)
        self._accounts.accountsChanged.connect(self._reload_staff)
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
        self.action_amend.triggered.connect(self.observations.amend_selected)
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
        self.action_connect.triggered.connect(self.device_status.open_connect_dialog)
        self.action_next = QAction("Next step", self)
        self.action_next.setShortcut(QKeySequence("Ctrl+Shift+Right"))
        self.action_next.triggered.connect(self.actions_panel.advance)
        self.action_quit = QAction("Quit", self)
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.action_quit.triggered.connect(self.close)
        for action in (
            self.action_start,
            self.action_check_in,
            self.action_note,
            self.action_amend,
            self.action_rating,
            self.action_vitals,
            self.action_connect,
            self.action_next,
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
        self.action_switch.triggered.connect(self.lock)  # the lock screen offers the switch
        self.action_sign_out = QAction("Sign out", self)
        self.action_sign_out.triggered.connect(self.sign_out)
        self.action_records = QAction("Past sessions and audit trail", self)
        self.action_records.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.action_records.triggered.connect(self.show_records)
        self.action_accounts = QAction("Accounts…", self)
        self.action_accounts.triggered.connect(self.open_accounts)
        for action in (
            self.action_lock,
            self.action_switch,
            self.action_sign_out,
            self.action_records,
            self.action_accounts,
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
        # usable only while someone is signed in and the screen is not locked
        self._gated_actions = [
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
            *self.page_actions,
        ]

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
        if self._accounts.is_locked or (user is None and self._sessions.active is not None):
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
        self.alarm_banner.shortcut.setEnabled(open_console)
        self.gate.setCurrentWidget(page)
        if page is self.lock_screen:
            self.lock_screen.focus_first_field()
        elif page is self.login_screen:
            self.login_screen.focus_first_field()
        if user is None:
            self.user_label.setText("Nobody signed in")
        else:
            self.user_label.setText(f"Signed in: {user.name} ({user.role.value})")
        self.action_accounts.setVisible(self._access.can(Permission.MANAGE_ACCOUNTS))
        can_records = self._access.can(Permission.BROWSE_SESSIONS) or self._access.can(
            Permission.VIEW_AUDIT
        )
        self.action_records.setVisible(can_records)
        if not can_records and self.stack.currentWidget() is self._records_page:
            self.leave_records()  # the next user may not see past records
        self._records_roles()

    def screen_name(self) -> str:
        """Which screen is up: "sign-in", "console" or "locked"."""
        current = self.gate.currentWidget()
        if current is self.login_screen:
            return "sign-in"
        return "locked" if current is self.lock_screen else "console"

    def lock(self) -> None:
        self._accounts.lock()

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
        self.stack.setCurrentIndex(1 if self._sessions.active is not None else 0)

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
    def show_start(self) -> None:
        try:
            self.start_screen.reload()
        except StoreUnavailable as error:
            self._on_sessions_store_problem(str(error))
        self.stack.setCurrentIndex(0)

    def open_session(self, session_id: int) -> bool:
        try:
            self._sessions.open(session_id)
        except (IllegalTransition, PermissionDenied, StoreUnavailable) as error:
            self._on_sessions_store_problem(str(error))
            return False
        return True

    # ---- slots ----------------------------------------------------------------------------
    def _on_start_screen_resume_requested(self, session_id: int) -> None:
        self.open_session(session_id)

    def _on_check_in_triggered(self) -> None:
        if self.stack.currentIndex() == 0:
            self.start_screen.check_in()

    @property
    def predose_panel(self) -> PreDosePanel:
        if self._predose_panel is None:
            self._build_predose_page()
        assert self._predose_panel is not None
        return self._predose_panel

    @property
    def dose_form(self) -> DoseForm:
        if self._dose_form is None:
            self._build_predose_page()
        assert self._dose_form is not None
        return self._dose_form

    @property
    def discharge_panel(self) -> DischargePanel:
        if self._discharge_panel is None:
            from widgets.discharge_panel import DischargePanel

            self._discharge_panel = DischargePanel(
                self._discharge, self._people, self.acting_staff_id, clinic=self._clinic
            )
            layout = self._discharge_page.layout()
            assert layout is not None
            layout.addWidget(_scrolled(self._discharge_panel))
        return self._discharge_panel

    def _build_predose_page(self) -> None:
        from widgets.dose_form import DoseForm
        from widgets.predose_panel import PreDosePanel

        self._predose_panel = PreDosePanel(self._workflow, self._people, self.acting_staff_id)
        self._dose_form = DoseForm(
            self._workflow, self._clock, self.acting_staff_id, staff_name=self._staff_name
        )
        layout = self._predose_page.layout()
        assert layout is not None
        for form in (self._predose_panel, self._dose_form):
            form.setEnabled(self._editable)
            layout.addWidget(_scrolled(form))

    def show_page(self, index: int) -> None:
        """Monitoring (0), pre-dose and dose (1) or discharge (2), under the header."""
        if self.stack.currentIndex() == 1:
            self.page_tabs.setCurrentIndex(index)

    def _on_page_tabs_current_changed(self, index: int) -> None:
        if index == 1:
            self.predose_panel  # noqa: B018 - built on first show
        elif index == 2:
            self.discharge_panel  # noqa: B018 - built on first show
        self.pages.setCurrentIndex(index)
        if index == PAGE_FOR_FORM["discharge"] and self._sessions.active is not None:
            self._discharge.refresh()  # the figures as of now, not of the last timer tick

    def _on_actions_form_requested(self, form: str) -> None:
        self.show_page(PAGE_FOR_FORM[form])

    def _on_rating_triggered(self) -> None:
        if self.stack.currentIndex() == 1:
            self.show_page(0)
            self.tools.setCurrentWidget(self.rating_form)
            self.rating_form.setFocus()

    def _on_vitals_triggered(self) -> None:
        if self.stack.currentIndex() == 1:
            self.tools.setCurrentWidget(self.vitals_entry)
            self.vitals_entry.focus_first()

    def _staff_name(self, staff_id: int) -> str:
        if staff_id not in self._names:
            self._reload_staff()  # someone added since: read once, then remember the answer
            self._names.setdefault(staff_id, f"staff #{staff_id}")
        return self._names[staff_id]

    def _on_note_triggered(self) -> None:
        if self.stack.currentIndex() == 1:
            self.observations.focus_entry()

    def _on_night_toggled(self, night: bool) -> None:
        self._theme = "night" if night else "day"
        self.themeRequested.emit(self._theme)

    def _on_sessions_session_changed(self, record: SessionRecord | None) -> None:
        if record is None:
            self.show_start()
            return
        patient = self._people.patient(record.patient_id)
        self.header.show_session(record, patient)
        readonly = not record.state.is_open
        self.observations.note_edit.setEnabled(not readonly)
        self.observations.save_button.setEnabled(not readonly)
        self._editable = not readonly
        for form in (
            self.vitals_entry,
            self.rating_form,
            self.event_form,
            self._predose_panel,
            self._dose_form,
        ):
            if form is not None:
                form.setEnabled(not readonly)
        if record.id != self._shown_session:  # a session just opened: the page its state needs
            self._shown_session = record.id
            early = record.state in (SessionState.CHECKED_IN, SessionState.BASELINE)
            self.page_tabs.setCurrentIndex(1 if early else 0)
        self.stack.setCurrentIndex(1)
        self.setWindowTitle(f"Vigil — {patient.display_name}")

    def _on_clock_face_changed(self, face: ClockFace | None) -> None:
        self.header.show_face(face)

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

    def stop(self) -> None:
        """Stop the panels' timers (the window is going away)."""
        self.vitals_area.stop()
        if self._discharge_panel is not None:
            self._discharge_panel.hide()  # its refresh timer runs only while shown
        self.device_status.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        self.geometryChanged.emit(
            bytes(self.saveGeometry().toBase64().data()).decode(),
            bytes(self.saveState().toBase64().data()).decode(),
        )
        super().closeEvent(event)
