"""The session browser: past and open sessions in a table, with filters and readable flag chips."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console import palette
from console.clock import Clock
from console.domain.lifecycle import SessionState
from console.domain.people import Room, Staff, StaffRole
from console.domain.review import BrowserFilter, SessionFlag, SessionSummary
from console.errors import PermissionDenied, StoreUnavailable, VigilError
from console.services.review import ReviewService
from widgets.theme import named

Index = QModelIndex | QPersistentModelIndex
TYPING_PAUSE_MS = 150  # the table follows typing after this pause (each query takes ~10–60 ms)
# "Session" is the id the command line asks for (``vigil export --session N``)
COLUMNS = ("Session", "Checked in", "Patient", "Room", "Therapist", "State", "Length", "Flags")
FLAG_COLUMN = COLUMNS.index("Flags")

# (short label, chip colour): strong colours with white text read on both themes
CHIPS: dict[SessionFlag, tuple[str, str]] = {
    SessionFlag.HIGH_ALARM: ("High alarm", palette.HIGH_ALARM),
    SessionFlag.ADVERSE_EVENT: ("Adverse event", palette.ADVERSE),
    SessionFlag.RESCUE_MEDICATION: ("Rescue drug", "#8e2464"),
    SessionFlag.GATE_OVERRIDE: ("Gate override", palette.OVERRIDE),
    SessionFlag.DISCHARGE_OVERRIDE: ("Discharge override", "#44479c"),
    SessionFlag.UNSIGNED: ("Not signed", palette.AMENDMENT),
    SessionFlag.UNREVIEWED: ("Not reviewed", palette.MUTED_SLATE),
}
# alternating rows per theme (the style sheets colour lists and trees, not table views)
_TABLE_STYLE = {
    False: "QTableView {{ background: #ffffff; alternate-background-color: #f3f5f8; "
    "gridline-color: #e3e8ed; selection-background-color: #2f6f9f; selection-color: #ffffff; }}",
    True: "QTableView {{ background: #0d1116; alternate-background-color: #151c23; "
    "gridline-color: #1c252e; selection-background-color: #2f5f85; selection-color: #ffffff; }}",
}
PERIODS = (
    ("Any time", None),
    ("Today", 0),
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 12 months", 365),
    ("Between dates…", -1),
)
STATES: tuple[tuple[str, frozenset[SessionState]], ...] = (
    ("Open and closed", frozenset()),
    ("Closed only", frozenset({SessionState.DISCHARGED, SessionState.ABORTED})),
    ("Open only", frozenset(s for s in SessionState if s.is_open)),
)


class PeopleSource(Protocol):
    """Where the therapist and room lists come from (the people service)."""

    def staff(self) -> list[Staff]: ...

    def rooms(self) -> list[Room]: ...


def style_table(table: QTableView, dark: bool) -> None:
    """Give a table view readable alternating rows in the day or night theme."""
    table.setStyleSheet(_TABLE_STYLE[dark].format())


def is_dark(widget: QWidget) -> bool:
    """Whether the theme in force is the night one (a dark window background)."""
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 100


def ordered_flags(flags: Iterable[SessionFlag]) -> list[SessionFlag]:
    present = set(flags)
    return [flag for flag in CHIPS if flag in present]


def _length(summary: SessionSummary) -> str:
    if summary.closed_at is None:
        return "open"
    minutes = round((summary.closed_at - summary.checked_in_at).total_seconds() / 60)
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"


class SessionTableModel(QAbstractTableModel):
    """The browser's rows (SessionSummary), newest first as the repository gives them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SessionSummary] = []

    def set_rows(self, rows: list[SessionSummary]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def summary(self, row: int) -> SessionSummary:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(row.id)
            if column == 1:
                return row.checked_in_at.astimezone().strftime("%a %d %b %Y %H:%M")
            if column == 2:
                return f"{row.patient_name}  ·  {row.chart_id}"
            if column == 3:
                return row.room
            if column == 4:
                return row.therapist
            if column == 5:
                return row.state.label
            if column == 6:
                return _length(row)
            return ", ".join(CHIPS[f][0] for f in ordered_flags(row.flags))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"Session {row.id}: the number the command line asks for"
        if role == Qt.ItemDataRole.ToolTipRole and column == FLAG_COLUMN:
            return "\n".join(f.value.capitalize() for f in ordered_flags(row.flags)) or None
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None


class FlagDelegate(QStyledItemDelegate):
    """Paints a session's flags as coloured chips with their names."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        assert isinstance(model, SessionTableModel)
        flags = ordered_flags(model.summary(index.row()).flags)
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        if not flags:
            return
        painter.save()
        font = QFont(option.font)
        font.setPointSizeF(max(7.5, font.pointSizeF() - 2))
        font.setBold(True)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        rect = option.rect
        x = rect.x() + 4
        height = metrics.height() + 4
        y = rect.y() + (rect.height() - height) // 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for flag in flags:
            label, colour = CHIPS[flag]
            width = metrics.horizontalAdvance(label) + 12
            if x + width > rect.right() - 2:
                painter.setPen(QColor(option.palette.text().color()))
                painter.drawText(QRect(x, y, 20, height), Qt.AlignmentFlag.AlignVCenter, "…")
                break
            chip = QRect(x, y, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawRoundedRect(chip, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
            x += width + 4
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), 26))


class FlagChips(QWidget):
    """A session's flags as a row of chips (the review screen's header)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.labels: dict[SessionFlag, QLabel] = {}
        for flag, (label, colour) in CHIPS.items():
            chip = QLabel(label)
            chip.setToolTip(flag.value.capitalize())
            chip.setStyleSheet(
                f"QLabel {{ background: {colour}; color: #ffffff; border-radius: 4px; "
                "padding: 2px 7px; font-size: 9pt; font-weight: 700; }"
            )
            chip.hide()
            self._layout.addWidget(chip)
            self.labels[flag] = chip
        self._layout.addStretch(1)

    def set_flags(self, flags: Iterable[SessionFlag]) -> None:
        present = set(flags)
        for flag, chip in self.labels.items():
            chip.setVisible(flag in present)

    def shown(self) -> list[str]:
        return [chip.text() for chip in self.labels.values() if not chip.isHidden()]


class SessionTable(QTableView):
    """Enter (or Return) on a row asks to open it, like a double-click."""

    # the id of the session to open
    openRequested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.openRequested.emit(self.currentIndex().data(Qt.ItemDataRole.UserRole))
            return
        super().keyPressEvent(event)


class SessionBrowser(QWidget):
    """Filters over every session; double-click or Enter opens one for review."""

    # the id of the session to open in the review screen
    openRequested = Signal(int)

    def __init__(
        self,
        service: ReviewService,
        people: PeopleSource,
        clock: Clock,
        staff_id: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._people = people
        self._clock = clock
        self._staff_id = staff_id
        self._limit = BrowserFilter().limit
        self._dark: bool | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.refresh)

        self.period = QComboBox()
        for label, days in PERIODS:
            self.period.addItem(label, days)
        self.since_edit = QDateEdit()
        self.until_edit = QDateEdit()
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.hide()
            edit.dateChanged.connect(self._on_filter_changed)
        self.period.currentIndexChanged.connect(self._on_period_changed)
        self.patient_edit = QLineEdit()
        self.patient_edit.setPlaceholderText("Patient name or chart id")
        self.patient_edit.setClearButtonEnabled(True)
        self.therapist_combo = QComboBox()
        self.room_combo = QComboBox()
        self.state_combo = QComboBox()
        for label, states in STATES:
            self.state_combo.addItem(label, states)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("Words in the notes")
        self.text_edit.setClearButtonEnabled(True)
        for line in (self.patient_edit, self.text_edit):
            line.textChanged.connect(self._on_text_changed)
        for combo in (self.therapist_combo, self.room_combo, self.state_combo):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.flag_boxes: dict[SessionFlag, QCheckBox] = {}
        for flag in CHIPS:
            box = QCheckBox(flag.value.capitalize())
            box.toggled.connect(self._on_filter_changed)
            self.flag_boxes[flag] = box

        self.model = SessionTableModel(self)
        self.table = SessionTable()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(FLAG_COLUMN, FlagDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        for column, width in enumerate((72, 190, 230, 80, 140, 165, 72)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(
            FLAG_COLUMN, QHeaderView.ResizeMode.Stretch
        )
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.openRequested.connect(self.openRequested)
        self.count_label = QLabel("")
        self.problem_label = named(QLabel(""), "fieldError")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()

        filters = QGridLayout()
        filters.setHorizontalSpacing(8)
        filters.addWidget(QLabel("When"), 0, 0)
        when = QHBoxLayout()
        when.addWidget(self.period)
        when.addWidget(self.since_edit)
        when.addWidget(self.until_edit)
        filters.addLayout(when, 0, 1)
        filters.addWidget(QLabel("Patient"), 0, 2)
        filters.addWidget(self.patient_edit, 0, 3)
        filters.addWidget(QLabel("Notes"), 0, 4)
        filters.addWidget(self.text_edit, 0, 5)
        filters.addWidget(QLabel("Therapist"), 1, 0)
        filters.addWidget(self.therapist_combo, 1, 1)
        filters.addWidget(QLabel("Room"), 1, 2)
        filters.addWidget(self.room_combo, 1, 3)
        filters.addWidget(QLabel("Sessions"), 1, 4)
        filters.addWidget(self.state_combo, 1, 5)
        filters.setColumnStretch(1, 2)
        filters.setColumnStretch(3, 2)
        filters.setColumnStretch(5, 2)
        flags_row = QHBoxLayout()
        flags_row.addWidget(QLabel("Only with"))
        for box in self.flag_boxes.values():
            flags_row.addWidget(box)
        flags_row.addStretch(1)
        title = named(QLabel("Sessions"), "panelTitle")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(
            named(QLabel("Double-click a row, or press Enter, to review it"), "clockCaption")
        )
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addLayout(flags_row)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.table, 1)
        self.reload_lists()

    # ---- lists and filters ---------------------------------------------------------------
    def reload_lists(self) -> None:
        """Read the therapists and rooms again (call when people change)."""
        for combo, items in (
            (
                self.therapist_combo,
                [(s.name, s.id) for s in self._people.staff() if s.role is StaffRole.THERAPIST],
            ),
            (self.room_combo, [(r.name, r.id) for r in self._people.rooms()]),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("Any", None)
            for label, value in items:
                combo.addItem(label, value)
            found = combo.findData(chosen)
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)

    def current_filter(self) -> BrowserFilter:
        """The filter the controls describe (dates in local time, turned into UTC)."""
        since, until = self._period()
        return BrowserFilter(
            since=since,
            until=until,
            patient=self.patient_edit.text().strip(),
            therapist_id=self.therapist_combo.currentData(),
            room_id=self.room_combo.currentData(),
            flags=frozenset(f for f, box in self.flag_boxes.items() if box.isChecked()),
            text=self.text_edit.text().strip(),
            states=self.state_combo.currentData(),
            limit=self._limit,
        )

    def _period(self) -> tuple[datetime | None, datetime | None]:
        days = self.period.currentData()
        if days is None:
            return None, None
        if days < 0:
            first = self.since_edit.date().toPython()
            last = self.until_edit.date().toPython()
            assert isinstance(first, date) and isinstance(last, date)
            return _midnight(first), _midnight(last + timedelta(days=1))
        today = self._clock.now().astimezone().date()
        return _midnight(today - timedelta(days=days)), _midnight(today + timedelta(days=1))

    def refresh(self) -> None:
        """Run the query for the current filters now."""
        self._timer.stop()
        try:
            rows = self._service.browse(self.current_filter(), self._staff_id())
        except (PermissionDenied, StoreUnavailable, VigilError) as error:
            self.problem_label.setText(str(error))
            self.problem_label.show()
            self.model.set_rows([])
            self.count_label.setText("")
            return
        self.problem_label.hide()
        self.model.set_rows(rows)
        if len(rows) >= self._limit:
            self.count_label.setText(
                f"The newest {len(rows)} sessions are shown: narrow the filters for older ones."
            )
        else:
            self.count_label.setText(f"{len(rows)} session{'' if len(rows) == 1 else 's'}")

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            dark = is_dark(self)
            if dark != self._dark:
                self._dark = dark
                style_table(self.table, dark)

    # ---- slots ---------------------------------------------------------------------------
    def _on_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _on_filter_changed(self, *_args: object) -> None:
        self.refresh()

    def _on_period_changed(self, _index: int) -> None:
        custom = self.period.currentData() == -1
        if custom and not self.since_edit.isVisible():
            today = self._clock.now().astimezone().date()
            for edit, day in (
                (self.since_edit, today - timedelta(days=30)),
                (self.until_edit, today),
            ):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self.since_edit.setVisible(custom)
        self.until_edit.setVisible(custom)
        self.refresh()

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.openRequested.emit(self.model.summary(index.row()).id)


def _midnight(day: date) -> datetime:
    """Local midnight at the start of ``day``, as UTC."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


# ---- the esketamine REMS form column and filter (added by add_rems_column) -----------------
REMS_TITLE = "REMS form"
REMS_FILTERS: tuple[tuple[str, str | None], ...] = (
    ("Any", None),
    ("Due or overdue", "open"),
    ("Overdue", "overdue"),
    ("Submitted", "submitted"),
)
_OVERDUE_COLOUR = palette.HIGH_ALARM


class RemsLabels(Protocol):
    """Where the REMS labels come from (the REMS service)."""

    def labels(self, sessions: Iterable[tuple[int, date]]) -> dict[int, str]: ...


def _rems_matches(label: str, wanted: str) -> bool:
    if not label:
        return False
    if wanted == "open":
        return not label.endswith("submitted")
    return label.endswith(wanted)


class RemsTableModel(SessionTableModel):
    """The browser's rows with one more, last column: "REMS form due in N days / overdue /
    submitted" for sessions with an esketamine dose (empty for the others).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rems: dict[int, str] = {}

    @property
    def rems_column(self) -> int:
        return super().columnCount()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.rems_column + 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            section == self.rems_column
            and orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return REMS_TITLE
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() != self.rems_column:
            return super().data(index, role)
        label = self.rems.get(self.summary(index.row()).id, "")
        if role == Qt.ItemDataRole.DisplayRole:
            return label
        if role == Qt.ItemDataRole.ForegroundRole and label.endswith("overdue"):
            return QColor(_OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.UserRole:
            return self.summary(index.row()).id
        return None


class _RemsBrowse:
    """The review service's browse, with each row's REMS label worked out and the REMS filter."""

    def __init__(
        self, inner: ReviewService, labels: RemsLabels, model: RemsTableModel, choice: QComboBox
    ) -> None:
        self._inner, self._labels, self._model, self._choice = inner, labels, model, choice

    def browse(self, wanted: BrowserFilter, staff_id: int | None) -> list[SessionSummary]:
        rows = self._inner.browse(wanted, staff_id)
        days = [(r.id, (r.t0 or r.checked_in_at).astimezone().date()) for r in rows]
        self._model.rems = self._labels.labels(days)
        chosen = self._choice.currentData()
        if chosen is None:
            return rows
        return [r for r in rows if _rems_matches(self._model.rems.get(r.id, ""), chosen)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def add_rems_column(browser: SessionBrowser, labels: RemsLabels) -> QComboBox:
    """Give ``browser`` the REMS form column and a "REMS form" filter; returns the filter box."""
    model = RemsTableModel(browser)
    browser.model = model
    browser.table.setModel(model)
    browser.table.setColumnWidth(model.rems_column, 190)
    choice = QComboBox()
    for label, value in REMS_FILTERS:
        choice.addItem(label, value)
    row = QHBoxLayout()
    row.addWidget(QLabel(REMS_TITLE))
    row.addWidget(choice)
    row.addStretch(1)
    layout = browser.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertLayout(layout.indexOf(browser.table), row)
    browser._service = cast(ReviewService, _RemsBrowse(browser._service, labels, model, choice))
    choice.currentIndexChanged.connect(lambda _index: browser.refresh())
    if browser.isVisible():
        browser.refresh()
    return choice
