"""The admin's account dialog: list accounts, add one, reset a password, unlock, deactivate."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.accounts import MIN_PASSWORD_LENGTH, clock_time
from console.domain.people import StaffRole
from console.errors import PermissionDenied, VigilError
from console.services.accounts import AccountService
from console.store.account_repository import Account
from widgets.forms import CommandRunner, FieldForm, error_label, password_edit, show_message
from widgets.theme import named

ROLE_LABELS = {
    StaffRole.THERAPIST: "Therapist",
    StaffRole.NURSE: "Nurse",
    StaffRole.PHYSICIAN: "Physician",
    StaffRole.SUPERVISOR: "Supervisor",
    StaffRole.ADMIN: "Admin",
}
HEADERS = ("Name", "User name", "Role", "State")
NEW_PERSON = -1


def _state(account: Account, now_locked: bool) -> str:
    if not account.has_account:
        return "no account"
    if not account.active:
        return "inactive"
    if now_locked and account.locked_until is not None:
        return f"locked until {clock_time(account.locked_until)}"
    return "active"


class AccountAdmin(QDialog):
    """Everything goes through AccountService, which checks the admin permission and audits."""

    def __init__(self, accounts: AccountService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Staff accounts")
        self._accounts = accounts
        self._listed: list[Account] = []
        self._name_from_list = False

        self.table = QTreeWidget()
        self.table.setHeaderLabels(list(HEADERS))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.unlock_button = named(QPushButton("Unlock"), "secondary")
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.active_button = named(QPushButton("Deactivate"), "secondary")
        self.active_button.clicked.connect(self._on_active_button_clicked)
        self.status = named(QLabel(""), "placeholder")
        self.status.setWordWrap(True)
        self.error = error_label()

        # ---- reset the selected account's password ----
        self.reset_form = FieldForm()
        self.reset_password_edit = self.reset_form.add(
            "password", "New password", password_edit(f"at least {MIN_PASSWORD_LENGTH} characters")
        )
        self.reset_repeat_edit = self.reset_form.add("repeat", "Repeat", password_edit())
        self.reset_button = named(QPushButton("Reset password"), "secondary")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.reset_repeat_edit.returnPressed.connect(self._on_reset_button_clicked)

        # ---- add an account ----
        self.person_combo = QComboBox()
        self.person_combo.currentIndexChanged.connect(self._on_person_combo_changed)
        self.add_form = FieldForm()
        self.name_edit = self.add_form.add("name", "Name", QLineEdit())
        self.name_edit.setPlaceholderText("as it appears on signatures")
        self.username_edit = self.add_form.add("username", "User name", QLineEdit())
        self.password_edit = self.add_form.add(
            "password", "Password", password_edit(f"at least {MIN_PASSWORD_LENGTH} characters")
        )
        self.repeat_edit = self.add_form.add("repeat", "Repeat", password_edit())
        self.role_combo = QComboBox()
        for role, label in ROLE_LABELS.items():
            self.role_combo.addItem(label, role)
        self.role_combo.setAccessibleName("Role")
        self.add_button = QPushButton("Add account")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.repeat_edit.returnPressed.connect(self._on_add_button_clicked)

        # every message that belongs to no field goes to the line under the list
        self._add_runner = CommandRunner(self.add_form.show_errors, self.error)
        self._reset_runner = CommandRunner(self._on_reset_invalid, self.error)
        self._act_runner = CommandRunner(self._on_act_invalid, self.error)
        self._list_runner = CommandRunner(self._on_act_invalid, self.error)
        self._list_runner.on(PermissionDenied, self._on_list_denied)

        self._build_layout()
        self.resize(900, 640)
        accounts.accountsChanged.connect(self._on_accounts_accounts_changed)
        self.refresh()

    # ---- public ----------------------------------------------------------------------------
    def selected(self) -> Account | None:
        items = self.table.selectedItems()
        if not items:
            return None
        index = self.table.indexOfTopLevelItem(items[0])
        return self._listed[index] if 0 <= index < len(self._listed) else None

    def select(self, staff_id: int) -> None:
        for index, account in enumerate(self._listed):
            item = self.table.topLevelItem(index)
            if account.staff.id == staff_id and item is not None:
                self.table.setCurrentItem(item)
                return

    def refresh(self) -> None:
        """Read the accounts again (refused, with a message, for anyone but an admin)."""
        chosen = self.selected()
        listed = self._list_runner.run(lambda: self._accounts.accounts(self._actor()))
        if listed is None:
            return
        self._listed = listed
        self._enable(True)
        now_locked = {a.staff.id: self._accounts.is_account_locked(a) for a in self._listed}
        self.table.clear()
        for account in self._listed:
            self.table.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        account.staff.name,
                        account.username or "—",
                        ROLE_LABELS[account.staff.role],
                        _state(account, now_locked[account.staff.id]),
                    ]
                )
            )
        self._fill_person_combo()
        if chosen is not None:
            self.select(chosen.staff.id)
        self._on_table_selection_changed()

    def row_texts(self) -> list[list[str]]:
        """The list as shown, one row per staff member (for tests and screen readers)."""
        rows: list[list[str]] = []
        for r in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(r)
            if item is not None:
                rows.append([item.text(c) for c in range(len(HEADERS))])
        return rows

    def add_account(self) -> bool:
        self.add_form.clear()
        self._show_error("")
        person = self.person_combo.currentData()

        def add() -> str:
            """The account's name once added."""
            if person is None or person == NEW_PERSON:
                return self._accounts.create_account(
                    self.username_edit.text(),
                    self.name_edit.text(),
                    StaffRole(self.role_combo.currentData()),
                    self.password_edit.text(),
                    self._actor(),
                    repeat=self.repeat_edit.text(),
                ).name
            return self._accounts.give_account(
                int(person),
                self.username_edit.text(),
                self.password_edit.text(),
                self._actor(),
                repeat=self.repeat_edit.text(),
            ).staff.name

        name = self._add_runner.run(add)
        if name is None:
            return False
        for edit in self.add_form.edits.values():
            edit.clear()
        self.status.setText(f"Account added for {name}.")
        return True

    def reset_password(self) -> bool:
        account = self.selected()
        self.reset_form.clear()
        self._show_error("")
        if account is None:
            self._show_error("Choose an account in the list first.")
            return False
        if not self._reset_runner.attempt(
            lambda: self._accounts.reset_password(
                account.staff.id,
                self.reset_password_edit.text(),
                self._actor(),
                repeat=self.reset_repeat_edit.text(),
            )
        ):
            return False
        self.reset_password_edit.clear()
        self.reset_repeat_edit.clear()
        self.status.setText(f"New password set for {account.staff.name}; tell them in person.")
        return True

    def unlock_selected(self) -> bool:
        account = self.selected()
        if account is None:
            return False
        return self._act(
            lambda: self._accounts.unlock_account(account.staff.id, self._actor()),
            f"{account.staff.name} can sign in again.",
        )

    def toggle_active(self) -> bool:
        """Deactivate the selected account, or reactivate it if inactive."""
        account = self.selected()
        if account is None:
            return False
        if account.active:
            return self._act(
                lambda: self._accounts.deactivate(account.staff.id, self._actor()),
                f"{account.staff.name} can no longer sign in; their records keep their name.",
            )
        return self._act(
            lambda: self._accounts.reactivate(account.staff.id, self._actor()),
            f"{account.staff.name} can sign in again.",
        )

    # ---- internals -------------------------------------------------------------------------
    def _build_layout(self) -> None:
        list_panel = named(QFrame(), "panel")
        list_layout = QVBoxLayout(list_panel)
        list_layout.addWidget(named(QLabel("Staff accounts"), "panelTitle"))
        list_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.active_button)
        buttons.addStretch(1)
        list_layout.addLayout(buttons)
        list_layout.addWidget(self.error)
        list_layout.addWidget(self.status)

        reset_panel = named(QFrame(), "panel")
        reset_layout = QVBoxLayout(reset_panel)
        reset_layout.addWidget(named(QLabel("Reset the chosen account's password"), "panelTitle"))
        reset_layout.addLayout(self.reset_form)
        reset_layout.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignRight)
        reset_layout.addStretch(1)

        add_panel = named(QFrame(), "panel")
        add_layout = QVBoxLayout(add_panel)
        add_layout.addWidget(named(QLabel("Add an account"), "panelTitle"))
        top = QGridLayout()
        top.setHorizontalSpacing(14)
        top.setColumnStretch(1, 1)
        for row, (text, widget) in enumerate(
            (("For", self.person_combo), ("Role", self.role_combo))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            top.addWidget(label, row, 0, Qt.AlignmentFlag.AlignRight)
            top.addWidget(widget, row, 1)
        add_layout.addLayout(top)
        add_layout.addLayout(self.add_form)
        add_layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignRight)
        add_layout.addStretch(1)

        side = QVBoxLayout()
        side.addWidget(add_panel, 3)
        side.addWidget(reset_panel, 2)
        body = QHBoxLayout()
        body.addWidget(list_panel, 3)
        body.addLayout(side, 2)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)

    def _actor(self) -> int | None:
        current = self._accounts.current
        return current.id if current is not None else None

    def _enable(self, enabled: bool) -> None:
        for widget in (
            self.add_button,
            self.reset_button,
            self.unlock_button,
            self.active_button,
            self.person_combo,
            self.role_combo,
            *self.add_form.edits.values(),
            *self.reset_form.edits.values(),
        ):
            widget.setEnabled(enabled)

    def _fill_person_combo(self) -> None:
        chosen = self.person_combo.currentData()
        self.person_combo.blockSignals(True)
        self.person_combo.clear()
        self.person_combo.addItem("A new staff member", NEW_PERSON)
        for account in self._listed:
            if not account.has_account and account.active:
                self.person_combo.addItem(
                    f"{account.staff.name} ({ROLE_LABELS[account.staff.role].lower()}, no account)",
                    account.staff.id,
                )
        index = self.person_combo.findData(chosen)
        self.person_combo.setCurrentIndex(max(0, index))
        self.person_combo.blockSignals(False)
        self._on_person_combo_changed()

    def _act(self, action: Callable[[], None], done: str) -> bool:
        self._show_error("")
        if not self._act_runner.attempt(action):
            return False
        self.status.setText(done)
        return True

    def _show_error(self, message: str) -> None:
        show_message(self.error, message)

    def _on_reset_invalid(self, messages: dict[str, str]) -> None:
        """The two password fields beside themselves; anything else under the list."""
        self.reset_form.show_errors(messages)
        other = [m for f, m in messages.items() if f not in self.reset_form.edits]
        if other:
            self._show_error(" ".join(other))

    def _on_act_invalid(self, messages: dict[str, str]) -> None:
        """Acting on the list has no fields: every message goes under it."""
        self._show_error(" ".join(messages.values()))

    def _on_list_denied(self, denied: VigilError) -> None:
        """Anyone but an admin: an empty, disabled dialog that says why."""
        self._listed = []
        self._show_error(str(denied))
        self._enable(False)
        self.table.clear()

    def _on_table_selection_changed(self) -> None:
        account = self.selected()
        chosen = account is not None and account.has_account
        self.reset_button.setEnabled(chosen)
        self.active_button.setEnabled(chosen)
        self.unlock_button.setEnabled(
            account is not None and (account.locked_until is not None or account.failed_logins > 0)
        )
        self.active_button.setText(
            "Reactivate" if account is not None and not account.active else "Deactivate"
        )

    def _on_person_combo_changed(self, _index: int = 0) -> None:
        person = self.person_combo.currentData()
        existing = next((a for a in self._listed if a.staff.id == person), None)
        self.name_edit.setEnabled(existing is None)
        self.role_combo.setEnabled(existing is None)
        if existing is not None:
            self.name_edit.setText(existing.staff.name)
            self.role_combo.setCurrentIndex(self.role_combo.findData(existing.staff.role))
            self._name_from_list = True
        elif self._name_from_list:  # back to a new person: the name was not typed
            self.name_edit.clear()
            self._name_from_list = False

    def _on_add_button_clicked(self) -> None:
        self.add_account()

    def _on_reset_button_clicked(self) -> None:
        self.reset_password()

    def _on_unlock_button_clicked(self) -> None:
        self.unlock_selected()

    def _on_active_button_clicked(self) -> None:
        self.toggle_active()

    def _on_accounts_accounts_changed(self) -> None:
        self.refresh()
