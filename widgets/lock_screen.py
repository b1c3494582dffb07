"""The lock screen: every bed's alarms and the session clock stay in view; unlock or switch user."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.accounts import clock_time
from console.domain.people import Staff
from console.domain.schedule import CheckState, ClockFace
from console.errors import AuthenticationFailed, VigilError
from console.services.accounts import LOCK_IDLE, AccountService
from console.services.clock import ClockService
from widgets.forms import CommandRunner, FieldForm, error_label, password_edit, show_message
from widgets.login_screen import AUTH_STYLE
from widgets.theme import named

NO_SESSION = "No session open on this console."


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _caption(text: str) -> QLabel:
    label = named(QLabel(text), "clockCaption")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _staff(staff_id: int) -> str:
    return f"staff #{staff_id}"


class LockScreen(QWidget):
    """Shown over the console when it locks (idle or by hand). Escape never unlocks.

    It observes ClockService (the session clock) and AlarmService (active alarms), so locking
    never hides them; the password unlocks for the same user, "Switch user" signs another in.
    """

    def __init__(
        self,
        accounts: AccountService,
        alarm_view: QWidget,
        parent: QWidget | None = None,
        *,
        staff_name: Callable[[int], str] = _staff,
    ) -> None:
        super().__init__(parent)
        self._accounts = accounts
        self.setStyleSheet(AUTH_STYLE)

        # ---- alarms and the clock ----
        self._staff_name = staff_name
        self._clock: ClockService | None = None
        self._beds: list[tuple[str, ClockService]] = []  # several beds, none on screen
        self.alarm_summary = alarm_view  # every bed's alarms (the room's alarm strip)
        self.dose_value = named(QLabel("T+ –:––:––"), "clockBig")
        self.dose_value.setAccessibleName("Time since dose")
        self.dose_value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.minimum_value = named(QLabel("–:––:––"), "clockMid")
        self.minimum_value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.check_text = named(QLabel(""), "checkText")
        self.check_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bed_label = named(QLabel(""), "clockCaption")
        self.bed_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_session = named(QLabel(NO_SESSION), "placeholder")
        self.no_session.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock_box = QWidget()
        grid = QGridLayout()
        grid.setHorizontalSpacing(64)
        grid.addWidget(_caption("SINCE DOSE"), 0, 0)
        grid.addWidget(self.dose_value, 1, 0)
        grid.addWidget(_caption("TO MONITORING MINIMUM"), 0, 1)
        grid.addWidget(self.minimum_value, 1, 1, Qt.AlignmentFlag.AlignCenter)
        clock_rows = QVBoxLayout(self.clock_box)
        clock_rows.setSpacing(10)
        clock_rows.addWidget(self.bed_label)
        for part in (grid, self.check_text):
            centred = QHBoxLayout()
            centred.addStretch(1)
            if isinstance(part, QGridLayout):
                centred.addLayout(part)
            else:
                centred.addWidget(part)
            centred.addStretch(1)
            clock_rows.addLayout(centred)

        # ---- unlock (the same user) ----
        self.unlock_panel = named(QFrame(), "panel")
        self.locked_title = named(QLabel("Locked"), "panelTitle")
        self.locked_note = named(QLabel(""), "authSubtitle")
        self.locked_note.setWordWrap(True)
        self.unlock_form = FieldForm()
        self.password_edit = self.unlock_form.add("password", "Password", password_edit())
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.password_edit.returnPressed.connect(self._on_unlock_button_clicked)
        self.unlock_error = error_label()
        # why a quit was refused (sessions are open: sign in first)
        self.notice = named(QLabel(""), "authSubtitle")
        self.notice.setWordWrap(True)
        self.notice.hide()
        unlock = QVBoxLayout(self.unlock_panel)
        unlock.setContentsMargins(24, 18, 24, 20)
        unlock.addWidget(self.locked_title)
        unlock.addWidget(self.locked_note)
        unlock.addWidget(self.notice)
        unlock.addLayout(self.unlock_form)
        unlock.addWidget(self.unlock_error)
        unlock.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignRight)
        unlock.addStretch(1)

        # ---- switch user (shift change) ----
        self.switch_panel = named(QFrame(), "panel")
        self.switch_title = named(QLabel("Switch user"), "panelTitle")
        switch_note = named(QLabel("Shift change: the next person signs in here."), "authSubtitle")
        switch_note.setWordWrap(True)
        self.switch_form = FieldForm()
        self.switch_username_edit = self.switch_form.add("username", "User name", QLineEdit())
        self.switch_password_edit = self.switch_form.add("password", "Password", password_edit())
        self.switch_button = named(QPushButton("Switch user"), "secondary")
        self.switch_button.clicked.connect(self._on_switch_button_clicked)
        self.switch_username_edit.returnPressed.connect(self._on_switch_username_return_pressed)
        self.switch_password_edit.returnPressed.connect(self._on_switch_button_clicked)
        self.switch_error = error_label()
        switch = QVBoxLayout(self.switch_panel)
        switch.setContentsMargins(24, 18, 24, 20)
        switch.addWidget(self.switch_title)
        switch.addWidget(switch_note)
        switch.addLayout(self.switch_form)
        switch.addWidget(self.switch_error)
        switch.addWidget(self.switch_button, 0, Qt.AlignmentFlag.AlignRight)
        switch.addStretch(1)
        for panel in (self.unlock_panel, self.switch_panel):
            panel.setMinimumWidth(420)
            panel.setMaximumWidth(560)

        panels = QHBoxLayout()
        panels.setSpacing(24)
        panels.addStretch(1)
        panels.addWidget(self.unlock_panel)
        panels.addWidget(self.switch_panel)
        panels.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 24)
        layout.setSpacing(18)
        layout.addWidget(self.alarm_summary)
        layout.addStretch(1)
        layout.addWidget(self.clock_box)
        layout.addWidget(self.no_session)
        layout.addStretch(1)
        layout.addLayout(panels)
        layout.addStretch(1)

        self._unlock_runner = CommandRunner(self._on_unlock_invalid, self.unlock_error)
        self._unlock_runner.on(AuthenticationFailed, self._on_unlock_refused)
        self._switch_runner = CommandRunner(self.switch_form.show_errors, self.switch_error)
        self._switch_runner.on(AuthenticationFailed, self._on_switch_refused)
        accounts.lockedChanged.connect(self._on_accounts_locked_changed)
        accounts.signedIn.connect(self._on_accounts_signed_in)
        accounts.signedOut.connect(self._on_accounts_signed_out)
        self.show_face(None)
        self.refresh()

    # ---- public ----------------------------------------------------------------------------
    def follow(self, clock: ClockService | None, label: str = "") -> None:
        """Show this bed's session clock (the bed on screen when the lock went on), or none."""
        self.follow_beds([])
        if self._clock is not None:
            self._clock.faceChanged.disconnect(self._on_clock_service_face_changed)
        self._clock = clock
        self.bed_label.setText(label)
        if clock is not None:
            clock.faceChanged.connect(self._on_clock_service_face_changed)
            clock.refresh()  # the figures as of now (shown through faceChanged)
        else:
            self.show_face(None)

    def refresh(self) -> None:
        """Show who is locked out and why, and clear the fields (call when the lock goes on)."""
        current: Staff | None = self._accounts.current
        for edit in (self.password_edit, self.switch_username_edit, self.switch_password_edit):
            edit.clear()
        self.unlock_form.clear()
        self.switch_form.clear()
        for label in (self.unlock_error, self.switch_error, self.notice):
            label.hide()
        self.unlock_panel.setVisible(current is not None)
        if current is None:
            self.switch_title.setText("Sign in")
            self.switch_button.setText("Sign in")
        else:
            self.switch_title.setText("Switch user")
            self.switch_button.setText("Switch user")
            self.locked_title.setText(f"Locked · {current.name}")
            self.locked_note.setText(self._lock_note())
        self.focus_first_field()

    def show_notice(self, text: str) -> None:
        """A short message on the lock screen (e.g. why quitting is refused); gone at next lock."""
        show_message(self.notice, text)
        if not self.unlock_panel.isVisible() and text:
            self.switch_error.setText(text)
            self.switch_error.show()

    def focus_first_field(self) -> None:
        if self._accounts.current is not None:
            self.password_edit.setFocus()
        else:
            self.switch_username_edit.setFocus()

    def focus_switch_user(self) -> None:
        """Shift change (Ctrl+Shift+L): the cursor in the user-name field, never a password."""
        self.switch_password_edit.clear()
        self.switch_username_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.switch_username_edit.selectAll()

    def unlock(self) -> bool:
        """Unlock with the typed password (same user); errors show beside the field."""
        self.unlock_form.clear()
        self.unlock_error.hide()
        if not self._unlock_runner.attempt(
            lambda: self._accounts.unlock(self.password_edit.text())
        ):
            return False
        self.password_edit.clear()
        return True

    def switch_user(self) -> bool:
        """Sign the typed user in instead (shift change); errors show beside the fields."""
        self.switch_form.clear()
        self.switch_error.hide()
        if not self._switch_runner.attempt(
            lambda: self._accounts.switch_user(
                self.switch_username_edit.text(), self.switch_password_edit.text()
            )
        ):
            return False
        self.switch_username_edit.clear()
        self.switch_password_edit.clear()
        return True

    def _on_unlock_invalid(self, messages: dict[str, str]) -> None:
        self.unlock_form.show_errors(messages)
        self.password_edit.setFocus()

    def _on_unlock_refused(self, refused: VigilError) -> None:
        self.unlock_form.reject("password", str(refused))

    def _on_switch_refused(self, refused: VigilError) -> None:
        self.switch_form.reject("password", str(refused))

    def follow_beds(self, beds: list[tuple[str, ClockService]]) -> None:
        """Several beds and none on screen: one line per bed (label, time since dose, check)."""
        for _, clock in self._beds:
            clock.faceChanged.disconnect(self._on_beds_face_changed)
        self._beds = list(beds)
        for _, clock in self._beds:
            clock.faceChanged.connect(self._on_beds_face_changed)
        if self._beds:
            if self._clock is not None:
                self._clock.faceChanged.disconnect(self._on_clock_service_face_changed)
                self._clock = None
            self.bed_label.setText("")
            self._on_beds_face_changed()
        else:
            self.no_session.setText(NO_SESSION)

    def _on_beds_face_changed(self, *_: object) -> None:
        lines = []
        for label, clock in self._beds:
            face = clock.face
            if face is None:
                continue
            lines.append(f"{label}   {face.since_dose or 'not dosed'}   {face.check_text}")
        self.clock_box.hide()
        self.no_session.setText("\n".join(lines) or NO_SESSION)
        self.no_session.show()

    def show_face(self, face: ClockFace | None) -> None:
        """The session clock, as in the header (None: no session open)."""
        self.clock_box.setVisible(face is not None)
        self.no_session.setVisible(face is None)
        if face is None:
            return
        self.dose_value.setText(face.since_dose or "T+ –:––:––")
        if face.since_dose is None:
            self.minimum_value.setText("–:––:––")
        elif face.minimum_met:
            self.minimum_value.setText("minimum met")
        else:
            self.minimum_value.setText(face.minimum_left or "")
        level = {CheckState.OVERDUE: "overdue", CheckState.DUE: "due"}.get(face.check.state, "")
        self.check_text.setText(face.check_text)
        if self.check_text.property("level") != level:
            self.check_text.setProperty("level", level)
            _repolish(self.check_text)

    # ---- internals -------------------------------------------------------------------------
    def _lock_note(self) -> str:
        at = self._accounts.locked_at
        when = f" at {clock_time(at)}" if at is not None else ""
        if self._accounts.lock_reason == LOCK_IDLE:
            minutes = int(self._accounts.idle_timeout.total_seconds() // 60)
            return f"Locked{when} after {minutes} min without activity. Enter your password."
        return f"Locked by hand{when}. Enter your password to go on."

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Escape never unlocks, and never reaches a dialog behind
            return
        super().keyPressEvent(event)

    def _on_unlock_button_clicked(self) -> None:
        self.unlock()

    def _on_switch_username_return_pressed(self) -> None:
        if self.switch_password_edit.text():
            self.switch_user()
        else:
            self.switch_password_edit.setFocus()

    def _on_switch_button_clicked(self) -> None:
        self.switch_user()

    def _on_accounts_locked_changed(self, locked: bool) -> None:
        if locked:
            self.refresh()

    def _on_accounts_signed_in(self, _staff: Staff) -> None:
        self.refresh()

    def _on_accounts_signed_out(self) -> None:
        self.refresh()

    def _on_clock_service_face_changed(self, face: ClockFace | None) -> None:
        self.show_face(face)


class ActivityWatcher(QObject):
    """Tells AccountService about keyboard, mouse and touch input, so the idle lock waits.

    Install once on the application: ``app.installEventFilter(ActivityWatcher(accounts, app))``.
    """

    _INPUT = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
        }
    )

    def __init__(self, accounts: AccountService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._accounts = accounts

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._INPUT:
            self._accounts.touch()
        return False
