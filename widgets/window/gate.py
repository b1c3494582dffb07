"""Who is at the console: the sign-in/lock gate, the staff names, and quitting."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.errors import StoreUnavailable
from widgets.window.records_page import RecordsPage


class ProgramQuit(QObject):
    """The program quits from code (QApplication.quit): the window then closes without asking."""

    def __init__(self, window: SignInGate) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Quit and watched is QCoreApplication.instance():
            self._window.allow_close()
        return False


class SignInGate(RecordsPage):
    """Sign-in, the console or the lock screen over it; quitting only for who may."""

    def _reload_staff(self) -> None:
        try:
            staff = self._people.staff()
        except StoreUnavailable:
            return  # keep the names known so far
        self._names = {s.id: f"{s.name} ({s.role.value})" for s in staff}
        self._access.forget_staff()

    def _staff_name(self, staff_id: int) -> str:
        if staff_id not in self._names:
            self._reload_staff()  # someone added since: read once, then remember the answer
            self._names.setdefault(staff_id, f"staff #{staff_id}")
        return self._names[staff_id]

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

    def sign_out(self) -> None:
        self._accounts.sign_out()

    def open_accounts(self) -> None:
        from widgets.account_admin import AccountAdmin

        dialog = AccountAdmin(self._accounts, self)
        dialog.exec()
        self._reload_staff()

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
