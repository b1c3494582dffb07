"""The session review screen: whole-session plots, the timeline, the discharge record, sign-off."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from console import palette
from console.domain.discharge import ItemSource, SignedDischarge, checklist
from console.domain.review import (
    Review,
    SessionDossier,
    SessionFlag,
    TimelineEntry,
    TimelineKind,
)
from console.domain.scales import ScaleDefinition
from console.domain.timeline import build_timeline
from console.services.rems import RemsService
from console.services.review import ReviewService
from widgets.forms import FORM, CommandRunner, FieldErrors, show_message
from widgets.review_plots import ReviewPlots
from widgets.session_browser import FlagChips, is_dark, style_table
from widgets.theme import named
from widgets.vitals.tiles import DAY, NIGHT

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Time", "T+", "What", "Entry", "By")
# the "What" column's colour per kind: day, then night
_KIND_COLOURS: dict[bool, dict[TimelineKind, str]] = {
    False: {
        TimelineKind.ALARM: palette.ALARM_TEXT,
        TimelineKind.ADVERSE_EVENT: palette.ADVERSE,
        TimelineKind.OVERRIDE: palette.OVERRIDE,
        TimelineKind.AMENDMENT: palette.AMENDMENT,
        TimelineKind.DOSE: palette.DOSE_BLUE,
        TimelineKind.REVIEW: palette.SIGNED_GREEN,
        TimelineKind.DISCHARGE: palette.SIGNED_GREEN,
        TimelineKind.VITALS: palette.MUTED_SLATE,
    },
    True: {
        TimelineKind.ALARM: "#ef6b6b",
        TimelineKind.ADVERSE_EVENT: "#f0a060",
        TimelineKind.OVERRIDE: "#b89be0",
        TimelineKind.AMENDMENT: "#d8b255",
        TimelineKind.DOSE: "#6fb3e0",
        TimelineKind.REVIEW: "#6fcf8f",
        TimelineKind.DISCHARGE: "#6fcf8f",
        TimelineKind.VITALS: "#8796a5",
    },
}


def _local(at: datetime, with_date: bool = False) -> str:
    return at.astimezone().strftime("%d %b %Y %H:%M" if with_date else "%H:%M")


def t_plus(at: datetime, t0: datetime | None) -> str:
    """Minutes from the dose: "T+35", "T−5"; empty before a dose was given."""
    if t0 is None:
        return ""
    minutes = round((at - t0).total_seconds() / 60)
    return f"T{'+' if minutes >= 0 else '−'}{abs(minutes)}"


class TimelineModel(QAbstractTableModel):
    """The timeline as a table; ``set_kind`` narrows it to one kind of entry."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._all: list[TimelineEntry] = []
        self._rows: list[TimelineEntry] = []
        self._t0: datetime | None = None
        self._kind: TimelineKind | None = None
        self._colours = _KIND_COLOURS[False]
        self._bold = QFont()
        self._bold.setBold(True)

    def set_entries(self, entries: list[TimelineEntry], t0: datetime | None) -> None:
        self.beginResetModel()
        self._all, self._t0 = entries, t0
        self._rows = self._filtered()
        self.endResetModel()

    def set_dark(self, dark: bool) -> None:
        self._colours = _KIND_COLOURS[dark]
        if self._rows:
            self.dataChanged.emit(self.index(0, 2), self.index(len(self._rows) - 1, 2))

    def set_kind(self, kind: TimelineKind | None) -> None:
        self.beginResetModel()
        self._kind = kind
        self._rows = self._filtered()
        self.endResetModel()

    def _filtered(self) -> list[TimelineEntry]:
        if self._kind is None:
            return list(self._all)
        return [e for e in self._all if e.kind is self._kind]

    def entry(self, row: int) -> TimelineEntry:
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
        entry = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return entry.at.astimezone().strftime("%H:%M:%S")
            if column == 1:
                return t_plus(entry.at, self._t0)
            if column == 2:
                return entry.kind.value.capitalize()
            if column == 3:
                return entry.text
            return entry.by
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            colour = self._colours.get(entry.kind)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.FontRole and column == 2:
            return self._bold
        return None


def _discharge_html(dossier: SessionDossier) -> str:
    """The discharge record (signed, or the draft), the pre-dose checks and overrides, as HTML."""
    e = html.escape
    name = dossier.name
    parts: list[str] = []
    signed = dossier.discharge
    data = signed.data if signed else (dossier.discharge_draft or {})
    record = SignedDischarge.from_json(data)  # a draft reads as a record with nothing signed
    draft = record.draft
    if signed is not None:
        parts.append(
            f"<h3>Discharge record — signed</h3><p><b>{e(signed.meaning.capitalize())} "
            f"{e(signed.printed_name)}</b>, {e(_local(signed.signed_at, True))}</p>"
        )
    elif data:
        parts.append(
            f"<h3>Discharge record — <span style='color:{palette.ALARM_TEXT}'>not signed</span></h3>"
        )
    else:
        parts.append("<h3>Discharge record</h3><p>No discharge record was started.</p>")
    if data:
        padss = record.padss_total
        if padss is not None:
            parts.append(f"<p>Modified PADSS: <b>{e(str(padss))}</b> / 10</p>")
        rows = []
        items = checklist(esketamine=draft.esketamine)
        for item in items:
            if item.source is not ItemSource.ANSWER:
                continue
            answer = draft.answer(item.id.value)
            done = answer is not None and answer.done
            who = "" if answer is None else name(answer.mark.by_id if answer.mark else None)
            mark = "✓" if done else "—"
            rows.append(f"<tr><td>{mark}</td><td>{e(item.text)}</td><td>{e(who)}</td></tr>")
        if rows:
            parts.append("<table cellspacing='4'>" + "".join(rows) + "</table>")
        ride = draft.ride
        if ride.driver_name:
            confirmed = "confirmed" if ride.confirmed_at else "not confirmed"
            parts.append(
                f"<p>Ride home: {e(ride.driver_name)} "
                f"({e(ride.relationship)}, {e(ride.phone)})"
                f" — {confirmed}</p>"
            )
        open_items = record.open_items
        if open_items:
            listed = "".join(f"<li>{e(str(item))}</li>" for item in open_items)
            parts.append(f"<p><b>Discharged with open items:</b></p><ul>{listed}</ul>")
    if dossier.overrides:
        listed = "".join(
            f"<li>{e(o.kind.value.replace('_', ' '))}: {e(o.reason)} — {e(name(o.signed_by_id))},"
            f" {e(_local(o.signed_at))}</li>"
            for o in dossier.overrides
        )
        parts.append(f"<h3>Overrides</h3><ul>{listed}</ul>")
    if dossier.adverse_events:
        events = []
        for a in dossier.adverse_events:
            rescue = ""
            if a.rescue_given:
                dose = f" {a.rescue_dose_mg:g} mg" if a.rescue_dose_mg is not None else ""
                rescue = f"; rescue: {e(a.rescue_drug)}{dose} {e(a.rescue_route)}"
            events.append(
                f"<li>{e(_local(a.at))} {e(a.kind)} ({e(a.severity.value)}): {e(a.action)}"
                f"{rescue} — {e(name(a.author_id))}</li>"
            )
        parts.append(f"<h3>Adverse events</h3><ul>{''.join(events)}</ul>")
    if dossier.predose is not None:
        p = dossier.predose
        taken = [
            label
            for key, label in (
                ("benzodiazepines", "benzodiazepine"),
                ("other_sedatives", "other sedative"),
                ("stimulants", "stimulant"),
                ("maoi", "MAOI"),
            )
            if p.get(key)
        ]
        fasted = p.get("fasted_food") and p.get("fasted_liquids")
        parts.append(
            "<h3>Pre-dose checks</h3><p>"
            + (f"Recently took: {e(', '.join(taken))}. " if taken else "No interacting drugs. ")
            + ("Fasted as asked. " if fasted else "<b>Not fasted as asked.</b> ")
            + (
                f"Ride home arranged with {e(str(p.get('ride_driver')))}."
                if p.get("ride_driver")
                else ""
            )
            + "</p>"
        )
    return "".join(parts)


_SIGN_MEANING = (
    "Your signature reads “reviewed by”, your printed name and the time. Reviews are never "
    "changed: a later review is added beside this one."
)


class SignOffBox(QFrame):
    """A supervisor's sign-off: a comment and the password, errors beside each field."""

    # the comment and the password typed
    signRequested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.title = named(QLabel("Sign a review"), "panelTitle")
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("What you checked, and anything that needs doing")
        self.comment.setFixedHeight(80)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Your password")
        self.password.returnPressed.connect(self._on_sign_clicked)
        self.sign_button = QPushButton("Sign review")
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.field_errors = FieldErrors()
        self.comment_error = self.field_errors.add("comment", self.comment)
        self.password_error = self.field_errors.add("password", self.password)
        self.form_error = self.field_errors.add(FORM)  # anything else, beside the button
        form = QFormLayout()
        comment_column = QVBoxLayout()
        comment_column.addWidget(self.comment)
        comment_column.addWidget(self.comment_error)
        password_column = QVBoxLayout()
        password_column.addWidget(self.password)
        password_column.addWidget(self.password_error)
        form.addRow("Comment", comment_column)
        form.addRow("Password", password_column)
        self.meaning = named(QLabel(_SIGN_MEANING), "clockCaption")
        self.meaning.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.form_error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.meaning, 1)
        buttons.addWidget(self.sign_button)
        layout.addLayout(buttons)

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Messages by field ("comment", "password"; anything else beside the button)."""
        self.field_errors.show(errors)

    def clear(self) -> None:
        self.comment.clear()
        self.password.clear()
        self.show_errors({})

    def _on_sign_clicked(self) -> None:
        self.signRequested.emit(self.comment.toPlainText(), self.password.text())


class SessionReviewView(QWidget):
    """One closed (or open) session for review; only a supervisor sees the sign-off box.

    Built once; ``open_session`` (through the service: permission checked) or ``show_dossier``
    fill it. The plots get their arrays in one setData each, so opening paints at once.
    """

    # the user asked to go back to the session browser
    backRequested = Signal()

    def __init__(
        self,
        service: ReviewService | None = None,
        staff_id: Callable[[], int | None] = lambda: None,
        scales: Mapping[str, ScaleDefinition] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._staff_id = staff_id
        self._scales = dict(scales or {})
        self._dossier: SessionDossier | None = None
        self._dark: bool | None = None

        self.back_button = named(QPushButton("‹ Sessions"), "secondary")
        self.back_button.clicked.connect(self.backRequested)
        self.patient_label = named(QLabel("No session open"), "patientName")
        self.details_label = QLabel("")
        self.details_label.setWordWrap(True)
        self.state_label = named(QLabel(""), "stateBadge")
        self.chips = FlagChips()
        self.problem_label = named(QLabel(""), "banner")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        # room for the export buttons: shown only to a role that may export (see _arrange_exports)
        self.header_actions = QHBoxLayout()
        header = QHBoxLayout()
        header.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        first_line = QHBoxLayout()
        first_line.addWidget(self.patient_label)
        first_line.addWidget(self.state_label)
        first_line.addWidget(self.chips, 1)
        titles.addLayout(first_line)
        titles.addWidget(self.details_label)
        header.addLayout(titles, 1)
        header.addLayout(self.header_actions)

        self.plots = ReviewPlots()
        self.timeline_model = TimelineModel(self)
        self.timeline = QTableView()
        self.timeline.setModel(self.timeline_model)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setWordWrap(False)
        self.timeline.verticalHeader().hide()
        self.timeline.verticalHeader().setDefaultSectionSize(24)
        self.timeline.horizontalHeader().setStretchLastSection(False)
        for column, width in enumerate((80, 54, 92, 0, 124)):
            if width:
                self.timeline.setColumnWidth(column, width)
        self.timeline.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.timeline.selectionModel().selectionChanged.connect(self._on_timeline_selection_changed)
        self.kind_filter = QComboBox()
        self.kind_filter.addItem("Every entry", None)
        for kind in TimelineKind:
            self.kind_filter.addItem(kind.value.capitalize(), kind)
        self.kind_filter.currentIndexChanged.connect(self._on_kind_filter_changed)
        self.timeline_count = QLabel("")
        timeline_page = QWidget()
        timeline_layout = QVBoxLayout(timeline_page)
        timeline_layout.setContentsMargins(4, 6, 4, 4)
        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel("Show"))
        filter_row.addWidget(self.kind_filter)
        filter_row.addStretch(1)
        filter_row.addWidget(self.timeline_count)
        timeline_layout.addLayout(filter_row)
        timeline_layout.addWidget(self.timeline, 1)
        self.entry_detail = QLabel("Select an entry to read it whole and mark it on the plots.")
        self.entry_detail.setWordWrap(True)
        self.entry_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.entry_detail.setMinimumHeight(44)
        self.entry_detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        timeline_layout.addWidget(self.entry_detail)

        self.discharge_view = QTextBrowser()
        self.discharge_view.setOpenLinks(False)

        self.reviews_view = QTextBrowser()
        self.reviews_view.setOpenLinks(False)
        self.sign_off = SignOffBox()
        self.sign_off.signRequested.connect(self._on_sign_off_sign_requested)
        self.sign_off_note = named(QLabel(""), "placeholder")
        self.sign_off_note.setWordWrap(True)
        reviews_page = QWidget()
        reviews_layout = QVBoxLayout(reviews_page)
        reviews_layout.setContentsMargins(4, 6, 4, 4)
        reviews_layout.addWidget(self.reviews_view, 1)
        reviews_layout.addWidget(self.sign_off_note)
        reviews_layout.addWidget(self.sign_off)

        self.tabs = QTabWidget()
        self.tabs.addTab(timeline_page, "Timeline")
        self.tabs.addTab(self.discharge_view, "Discharge and events")
        self.tabs.addTab(reviews_page, "Reviews")
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.plots)
        body.addWidget(self.tabs)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 1)
        body.setSizes([660, 680])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(header)
        layout.addWidget(self.problem_label)
        layout.addWidget(body, 1)

    # ---- opening -------------------------------------------------------------------------
    @property
    def dossier(self) -> SessionDossier | None:
        return self._dossier

    def open_session(self, session_id: int) -> bool:
        """Load and show a session through the service; False (message shown) when refused."""
        if self._service is None:
            raise RuntimeError("this review view has no service to open sessions with")
        service = self._service
        opening = CommandRunner(self._on_open_invalid, self.show_problem)
        dossier = opening.run(lambda: service.open(session_id, self._staff_id()))
        if dossier is None:
            return False
        self.show_dossier(dossier)
        return True

    def show_problem(self, message: str) -> None:
        show_message(self.problem_label, message)

    def _on_open_invalid(self, messages: dict[str, str]) -> None:
        self.show_problem(" ".join(messages.values()))

    def show_dossier(self, dossier: SessionDossier) -> None:
        """Show everything in ``dossier``."""
        self._dossier = dossier
        self.show_problem("")
        record, patient = dossier.session, dossier.patient
        self.patient_label.setText(patient.display_name)
        self.state_label.setText(record.state.label)
        closed = f" – {_local(record.closed_at)}" if record.closed_at else " (open)"
        dose = f" · T0 {_local(record.t0)}" if record.t0 else " · no dose"
        staff = f"therapist {dossier.name(record.therapist_id)}"
        if record.medical_staff_id is not None:
            staff += f", medical {dossier.name(record.medical_staff_id)}"
        self.details_label.setText(
            f"{patient.chart_id} · {dossier.room} · "
            f"{_local(record.checked_in_at, True)}{closed}{dose} · {staff}"
        )
        self.chips.set_flags(dossier.flags)
        self.plots.show_dossier(dossier)
        self._show_timeline()
        self.discharge_view.setHtml(_discharge_html(dossier))
        self._show_reviews()

    def _show_timeline(self) -> None:
        assert self._dossier is not None
        entries = build_timeline(self._dossier, self._scales)
        self.timeline_model.set_entries(entries, self._dossier.session.t0)
        self._count_timeline()

    def _count_timeline(self) -> None:
        shown = self.timeline_model.rowCount()
        self.timeline_count.setText(f"{shown} entr{'y' if shown == 1 else 'ies'}")

    def _show_reviews(self) -> None:
        dossier = self._dossier
        assert dossier is not None
        reviews = dossier.reviews
        self.tabs.setTabText(2, f"Reviews ({len(reviews)})")
        if reviews:
            self.reviews_view.setHtml(
                "".join(
                    f"<p><b>{html.escape(r.meaning.capitalize())} "
                    f"{html.escape(r.printed_name)}</b>, {html.escape(_local(r.at, True))}<br>"
                    f"{html.escape(r.comment)}</p>"
                    for r in reviews
                )
            )
        else:
            self.reviews_view.setHtml("<p>Not reviewed yet.</p>")
        self._arrange_sign_off()

    def add_rems_button(self, service: RemsService, today: Callable[[], date]) -> QPushButton:
        """Add "REMS form…" (the esketamine REMS form: PDF, mark submitted) to the header actions,
        shown like the export buttons; the dialog says so for a session without esketamine.
        """
        from widgets.rems_dialog import RemsButton

        button = RemsButton(service, lambda: self._dossier, self._staff_id, today, self)
        self.header_actions.insertWidget(0, button)
        self._arrange_exports()
        return button

    def may_export(self) -> bool:
        """Whether the signed-in user may export this record (the export service checks too)."""
        return self._service is not None and self._service.can_export(self._staff_id())

    def _arrange_exports(self) -> None:
        """Show the buttons in ``header_actions`` only to those who may export: checked again
        each time the view shows, as the signed-in user may have changed while it was hidden.
        """
        may = self.may_export()
        for index in range(self.header_actions.count()):
            item = self.header_actions.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QPushButton):
                widget.setVisible(may)

    def _arrange_sign_off(self) -> None:
        self._arrange_exports()
        dossier = self._dossier
        staff_id = self._staff_id()
        may = self._service is not None and self._service.can_review(staff_id)
        closed = dossier is not None and not dossier.session.state.is_open
        self.sign_off.setVisible(may and closed)
        if self._service is None:
            note = ""
        elif not may:
            note = "Only a supervisor can sign a review."
        elif not closed:
            note = "The session is still open: it can be reviewed once it is closed."
        else:
            note = ""
        self.sign_off_note.setText(note)
        self.sign_off_note.setVisible(bool(note))

    # ---- slots ---------------------------------------------------------------------------
    def _on_kind_filter_changed(self, _index: int) -> None:
        chosen = self.kind_filter.currentData()  # Qt hands an enum back as its plain value
        self.timeline_model.set_kind(TimelineKind(chosen) if chosen else None)
        self._count_timeline()

    def _on_timeline_selection_changed(
        self, selected: QItemSelection, _deselected: QItemSelection
    ) -> None:
        rows = self.timeline.selectionModel().selectedRows()
        entry = self.timeline_model.entry(rows[0].row()) if rows else None
        self.plots.show_cursor(entry.at if entry else None)
        if entry is not None:
            when = entry.at.astimezone().strftime("%H:%M:%S")
            dose = self._dossier.session.t0 if self._dossier else None
            offset = t_plus(entry.at, dose)
            by = f" — {entry.by}" if entry.by else ""
            self.entry_detail.setText(
                f"{when}{' (' + offset + ')' if offset else ''} · {entry.kind.value}: "
                f"{entry.text}{by}"
            )

    def _on_sign_off_sign_requested(self, comment: str, password: str) -> None:
        if self._service is None or self._dossier is None:
            return
        service, session_id = self._service, self._dossier.session.id
        review = CommandRunner(self.sign_off.show_errors).run(
            lambda: service.sign_review(session_id, comment, self._staff_id(), password)
        )
        if review is None:
            return
        self.sign_off.clear()
        self._add_review(review)

    def _add_review(self, review: Review) -> None:
        assert self._dossier is not None
        self._dossier = dataclasses.replace(
            self._dossier,
            reviews=(*self._dossier.reviews, review),
            flags=self._dossier.flags - {SessionFlag.UNREVIEWED},
        )
        self.chips.set_flags(self._dossier.flags)
        self._show_timeline()
        self._show_reviews()

    # ---- theme ---------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            dark = is_dark(self)
            if dark != self._dark:
                self._dark = dark
                self.plots.set_palette(NIGHT if dark else DAY)
                self.timeline_model.set_dark(dark)
                style_table(self.timeline, dark)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._arrange_sign_off()  # the signed-in user may have changed while hidden
