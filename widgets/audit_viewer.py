"""The audit trail viewer for supervisors and admins: filters, newest first, and the chain check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.errors import PermissionDenied, StoreUnavailable
from console.services.audit_log import AuditLine, AuditLog
from console.store.audit_repository import AuditQuery
from widgets.theme import named, placeholder_edit

COLUMNS = ("#", "Time", "Who", "Action", "What", "Detail")
_Index = QModelIndex | QPersistentModelIndex


class AuditModel(QAbstractTableModel):
    """Audit lines as table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[AuditLine] = []

    def set_lines(self, lines: list[AuditLine]) -> None:
        self.beginResetModel()
        self.lines = lines
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        line = self.lines[index.row()]
        entry = line.entry
        return (
            str(entry.seq),
            entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            line.actor,
            entry.action,
            f"{entry.entity} {entry.entity_id}".strip(),
            line.detail,
        )[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class AuditViewer(QWidget):
    """Filters (dates, action, words) over a table of entries; "Check the chain" verifies it."""

    def __init__(
        self,
        log: AuditLog,
        actor: Callable[[], int | None],
        clock: Clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._log = log
        self._actor = actor
        local = clock.now().astimezone()
        today = QDate(local.year, local.month, local.day)
        self.since = QDateEdit(today.addDays(-7))
        self.until = QDateEdit(today)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.action = QComboBox()
        self.action.addItem("Any action", "")
        for name in AuditLog.actions():
            self.action.addItem(name, name)
        self.words = placeholder_edit("Words in the detail or record id")
        self.search_button = QPushButton("Search")
        self.verify_button = QPushButton("Check the chain")
        self.message = named(QLabel(""), "actionError")
        self.message.setWordWrap(True)
        self.model = AuditModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        filters = QHBoxLayout()
        for label, widget in (("From", self.since), ("to", self.until), ("Action", self.action)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.words, 1)
        filters.addWidget(self.search_button)
        filters.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Audit trail"), "panelTitle"))
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self.search_button.clicked.connect(self.search)
        self.words.returnPressed.connect(self.search)
        self.verify_button.clicked.connect(self.verify)

    def query(self) -> AuditQuery:
        def start(day: QDate) -> datetime:
            local = datetime.combine(day.toPython(), time()).astimezone()  # type: ignore[arg-type]
            return local.astimezone(UTC)

        return AuditQuery(
            since=start(self.since.date()),
            until=start(self.until.date()) + timedelta(days=1),
            action=self.action.currentData() or None,
            text=self.words.text().strip(),
        )

    def search(self) -> int:
        """Fill the table; returns how many entries are shown."""
        try:
            lines = self._log.search(self.query(), self._actor())
        except (PermissionDenied, StoreUnavailable) as error:
            self.model.set_lines([])
            self.message.setText(str(error))
            return 0
        self.model.set_lines(lines)
        self.message.setText("" if lines else "No entries match.")
        return len(lines)

    def verify(self) -> bool:
        try:
            checked, broken = self._log.verify(self._actor())
        except (PermissionDenied, StoreUnavailable) as error:
            self.message.setText(str(error))
            return False
        if broken is None:
            self.message.setText(f"The chain holds: {checked} entries checked.")
            return True
        self.message.setText(f"The chain is BROKEN at entry id {broken.id}: {broken.reason}.")
        return False
