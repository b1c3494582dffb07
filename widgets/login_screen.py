"""The sign-in screen, or on a new installation the form that creates the first admin account."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.accounts import MIN_PASSWORD_LENGTH
from console.errors import AuthenticationFailed, PermissionDenied, VigilError
from console.services.accounts import AccountService
from widgets.forms import CommandRunner, FieldForm, error_label, password_edit, show_message
from widgets.theme import named

# Sizes only (the colours come from the theme): large enough to read at arm's length in a dim room.
AUTH_STYLE = """
QLabel#authTitle { font-size: 24pt; font-weight: 700; }
QLabel#authSubtitle { font-size: 13pt; }
QLabel#authLabel { font-size: 13pt; }
QLabel#fieldError, QLabel#actionError { font-size: 11pt; }
QLineEdit { font-size: 15pt; padding: 7px 10px; }
QPushButton { font-size: 13pt; padding: 10px 22px; }
"""

SIGN_IN = "sign-in"
FIRST_ADMIN = "first-admin"


class LoginScreen(QWidget):
    """User name and password; Enter signs in. With no account yet: create the first admin.

    Signing in goes through AccountService, which emits ``signedIn``: the window switches on that.
    """

    # a notice to announce after a sign-in (str), also shown in the window's banner
    noticeShown = Signal(str)

    def __init__(self, accounts: AccountService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._accounts = accounts
        accounts.noticeRaised.connect(self._on_accounts_notice_raised)
        self.setStyleSheet(AUTH_STYLE)

        # ---- sign in ----
        self.sign_in_panel = named(QFrame(), "panel")
        self.sign_in_form = FieldForm()
        self.username_edit = self.sign_in_form.add("username", "User name", QLineEdit())
        self.password_edit = self.sign_in_form.add("password", "Password", password_edit())
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._on_sign_in_button_clicked)
        self.username_edit.returnPressed.connect(self._on_username_edit_return_pressed)
        self.password_edit.returnPressed.connect(self._on_sign_in_button_clicked)
        self.sign_in_error = error_label()
        self._fill_panel(
            self.sign_in_panel,
            "Sign in",
            "Sign in with your own account: what you record carries your name.",
            self.sign_in_form,
            self.sign_in_error,
            self.sign_in_button,
        )

        # ---- the first admin ----
        self.first_admin_panel = named(QFrame(), "panel")
        self.admin_form = FieldForm()
        self.admin_name_edit = self.admin_form.add("name", "Name", QLineEdit())
        self.admin_name_edit.setPlaceholderText("as it appears on signatures")
        self.admin_username_edit = self.admin_form.add("username", "User name", QLineEdit())
        self.admin_username_edit.setPlaceholderText("for example robin.hale")
        self.admin_password_edit = self.admin_form.add(
            "password", "Password", password_edit(f"at least {MIN_PASSWORD_LENGTH} characters")
        )
        self.admin_repeat_edit = self.admin_form.add("repeat", "Repeat", password_edit())
        self.create_button = QPushButton("Create admin account and sign in")
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.admin_repeat_edit.returnPressed.connect(self._on_create_button_clicked)
        self.admin_error = error_label()
        self._fill_panel(
            self.first_admin_panel,
            "Create the first admin account",
            "No account exists yet. This admin account then adds the accounts of the clinic's "
            "staff (menu Accounts). Keep its password safe.",
            self.admin_form,
            self.admin_error,
            self.create_button,
        )

        self.title = named(QLabel("Vigil"), "authTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column = QVBoxLayout()
        column.setSpacing(18)
        column.addStretch(2)
        column.addWidget(self.title)
        column.addWidget(self.sign_in_panel)
        column.addWidget(self.first_admin_panel)
        column.addStretch(3)
        row = QHBoxLayout(self)
        row.addStretch(1)
        row.addLayout(column, 0)
        row.addStretch(1)
        for panel in (self.sign_in_panel, self.first_admin_panel):
            panel.setMinimumWidth(560)
            panel.setMaximumWidth(680)
        self._sign_in_runner = CommandRunner(self._on_sign_in_invalid, self.sign_in_error)
        self._sign_in_runner.on(AuthenticationFailed, self._on_sign_in_refused)
        self._admin_runner = CommandRunner(self._on_admin_invalid, self.admin_error)
        self._admin_runner.on(PermissionDenied, self._on_admin_denied)
        self.refresh()

    # ---- public ----------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        """SIGN_IN, or FIRST_ADMIN while no account exists."""
        return FIRST_ADMIN if self.first_admin_panel.isVisibleTo(self) else SIGN_IN

    def refresh(self) -> None:
        """Show the sign-in form, or the first-admin form when no account exists; clear fields."""
        problem = ""
        try:
            first = not self._accounts.has_accounts()
        except VigilError as error:  # the database is unavailable: never offer a new admin then
            first, problem = False, str(error)
        self.first_admin_panel.setVisible(first)
        self.sign_in_panel.setVisible(not first)
        for edit in (*self.sign_in_form.edits.values(), *self.admin_form.edits.values()):
            edit.clear()
        self.sign_in_form.clear()
        self.admin_form.clear()
        self._show_error(self.admin_error, "")
        self._show_error(self.sign_in_error, problem)
        self.focus_first_field()

    def focus_first_field(self) -> None:
        (self.admin_name_edit if self.mode == FIRST_ADMIN else self.username_edit).setFocus()

    def sign_in(self) -> bool:
        """Sign in with what is typed; errors show beside the fields. True when signed in."""
        self.sign_in_form.clear()
        self._show_error(self.sign_in_error, "")
        if not self._sign_in_runner.attempt(
            lambda: self._accounts.sign_in(self.username_edit.text(), self.password_edit.text())
        ):
            return False
        self.username_edit.clear()
        self.password_edit.clear()
        return True

    def create_first_admin(self) -> bool:
        """Create the first admin from the form and sign in with it. True when done."""
        self.admin_form.clear()
        self._show_error(self.admin_error, "")
        username = self.admin_username_edit.text()
        password = self.admin_password_edit.text()
        if not self._admin_runner.attempt(
            lambda: self._accounts.create_first_admin(
                username, self.admin_name_edit.text(), password, self.admin_repeat_edit.text()
            )
        ):
            return False
        self.refresh()
        self.username_edit.setText(username)
        self.password_edit.setText(password)
        return self.sign_in()

    # ---- internals -------------------------------------------------------------------------
    @staticmethod
    def _fill_panel(
        panel: QFrame,
        title: str,
        subtitle: str,
        form: FieldForm,
        error: QLabel,
        button: QPushButton,
    ) -> None:
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(28, 22, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(named(QLabel(title), "panelTitle"))
        note = named(QLabel(subtitle), "authSubtitle")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(button)
        layout.addLayout(buttons)

    @staticmethod
    def _show_error(label: QLabel, message: str) -> None:
        show_message(label, message)

    def _on_sign_in_invalid(self, messages: dict[str, str]) -> None:
        self.sign_in_form.show_errors(messages)
        (self.password_edit if self.username_edit.text().strip() else self.username_edit).setFocus()

    def _on_sign_in_refused(self, refused: VigilError) -> None:
        self.sign_in_form.reject("password", str(refused))

    def _on_admin_invalid(self, messages: dict[str, str]) -> None:
        self.admin_form.show_errors(messages)
        self.admin_form.focus_first_error(("name", "username", "password", "repeat"))

    def _on_admin_denied(self, denied: VigilError) -> None:
        """Another console created the first admin meanwhile: sign in instead."""
        self.refresh()
        self._show_error(self.sign_in_error, str(denied))

    def _on_username_edit_return_pressed(self) -> None:
        if self.password_edit.text():
            self.sign_in()
        else:
            self.password_edit.setFocus()

    def _on_accounts_notice_raised(self, message: str) -> None:
        """A break-glass reset since this user last signed in: the window's banner says so."""
        window = self.window()
        show = getattr(window, "show_problem", None) if window is not self else None
        if callable(show):
            show(message)
        self.noticeShown.emit(message)

    def _on_sign_in_button_clicked(self) -> None:
        self.sign_in()

    def _on_create_button_clicked(self) -> None:
        self.create_first_admin()
