"""The audit trail viewer for supervisors and admins: filters, newest first, and the chain check.

Nothing is read until the viewer is first shown (not at console start); every search and chain
check then runs on a pool thread and hands its result back by a queued signal, so the GUI
thread never waits on the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QShowEvent
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
from console.domain.audit import ChainBreak
from console.errors import PermissionDenied, StoreUnavailable, VigilError
from console.services.audit_log import AuditLine, AuditLog
from console.store.audit_repository import AuditQuery
from widgets.session_browser import is_dark
from widgets.theme import named, placeholder_edit

COLUMNS = ("#", "Time", "Who", "Action", "What", "Detail")
_Index = QModelIndex | QPersistentModelIndex
# a good outcome ("the chain holds") reads calm: the theme's green for "met", day and night
_OK_COLOUR = {False: "#1b7a3a", True: "#6fcf8f"}


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


def _relay(signal: Any, *args: object) -> None:
    """Hand a result back to the viewer, unless the viewer was closed (deleted) meanwhile."""
    with contextlib.suppress(RuntimeError):  # the viewer is gone: nobody waits for the answer
        signal.emit(*args)


class AuditViewer(QWidget):
    """Filters (dates, action, words) over a table of entries; "Check the chain" verifies it.

    The first showing loads the last week's entries; ``searched`` and ``verified`` say when a
    search or a chain check (both off the GUI thread) is done.
    """

    # how many entries a finished search shows
    searched = Signal(int)
    # whether the chain held
    verified = Signal(bool)
    # from a pool thread: (search number, lines or None, error message)
    _searchDone = Signal(int, object, str)
    # from a pool thread: (entries checked, the break or None, error message)
    _verifyDone = Signal(int, object, str)

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
        self._loaded = False  # the first showing starts the first search
        self._search_number = 0  # a newer search makes an older answer stale
        self.busy = 0  # reads under way on the pool
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
        self.message = QLabel("")
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
        self._searchDone.connect(self._on_search_done)
        self._verifyDone.connect(self._on_verify_done)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.search()

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

    def search(self) -> None:
        """Search with the filters on a pool thread; ``searched`` tells how many are shown."""
        self._loaded = True
        self._search_number += 1
        number, query, staff_id = self._search_number, self.query(), self._actor()
        log, relay = self._log, self._searchDone
        self._set_message("Reading the audit trail…", "info")

        def read() -> None:  # on a pool thread: the log only, then a queued signal
            try:
                found: list[AuditLine] | None = log.search(query, staff_id)
                problem = ""
            except (PermissionDenied, StoreUnavailable, VigilError) as error:
                found, problem = None, str(error)
            _relay(relay, number, found, problem)

        self.busy += 1
        QThreadPool.globalInstance().start(read)

    def verify(self) -> None:
        """Check the whole chain on a pool thread; ``verified`` tells whether it holds."""
        staff_id, log, relay = self._actor(), self._log, self._verifyDone
        self.verify_button.setEnabled(False)
        self._set_message("Checking the chain…", "info")

        def check() -> None:
            try:
                checked, broken = log.verify(staff_id)
                problem = ""
            except (PermissionDenied, StoreUnavailable, VigilError) as error:
                checked, broken, problem = 0, None, str(error)
            _relay(relay, checked, broken, problem)

        self.busy += 1
        QThreadPool.globalInstance().start(check)

    def _on_search_done(self, number: int, lines: list[AuditLine] | None, error: str) -> None:
        self.busy -= 1
        if number != self._search_number:
            return  # a newer search is under way
        if lines is None:
            self.model.set_lines([])
            self._set_message(error, "error")
            self.searched.emit(0)
            return
        self.model.set_lines(lines)
        self._set_message("" if lines else "No entries match.", "info")
        self.searched.emit(len(lines))

    def _on_verify_done(self, checked: int, broken: ChainBreak | None, error: str) -> None:
        self.busy -= 1
        self.verify_button.setEnabled(True)
        if error:
            self._set_message(error, "error")
            self.verified.emit(False)
        elif broken is None:
            self._set_message(f"The chain holds: {checked} entries checked.", "ok")
            self.verified.emit(True)
        else:
            self._set_message(
                f"The chain is BROKEN at entry id {broken.id}: {broken.reason}.", "error"
            )
            self.verified.emit(False)

    def _set_message(self, text: str, level: str) -> None:
        """A refusal or a broken chain in the theme's error red; "holds" in a calm green."""
        self.message.setText(text)
        self.message.setObjectName("actionError" if level == "error" else "clockCaption")
        colour = _OK_COLOUR[is_dark(self)] if level == "ok" else ""
        self.message.setStyleSheet(f"QLabel {{ color: {colour}; }}" if colour else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
