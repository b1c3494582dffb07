"""The window's actions table: the menus, their keys, and what each action opens."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QWidget

from console.services.bed import Bed
from widgets.alarm_banner import ACKNOWLEDGE_KEYS, ACKNOWLEDGE_TEXT
from widgets.bed_view import PAGE_TITLES
from widgets.shortcuts_help import KeyRow, ShortcutsHelp, key_rows
from widgets.window.gate import SignInGate

MAX_BED_KEYS = 8  # Alt+1 … Alt+8 open a bed


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


class WindowActions(SignInGate):
    """The menus (Session, Account, View, Help) and the keys; gated by who is signed in."""

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
        session_items = (
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
        )
        for action in session_items:
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
        account_items = (
            self.action_lock,
            self.action_switch,
            self.action_sign_out,
            self.action_records,
            self.action_accounts,
            self.action_settings,
        )
        for action in account_items:
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
            *session_items,
            *self.bed_actions,
            *account_items,
            *self.page_actions,
        ]
        # on the lock screen these go too: only unlocking and the alarm strip work there
        self._lock_screen_actions = [self.action_night, self.action_help]

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

    def _on_night_toggled(self, night: bool) -> None:
        self._theme = "night" if night else "day"
        self.themeRequested.emit(self._theme)
