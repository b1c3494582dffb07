"""The records page: past sessions (browser, review, export) and the audit trail."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget, QTabWidget

from console.domain.permissions import Permission
from console.errors import PermissionDenied, StoreUnavailable, VigilError
from widgets.theme import named
from widgets.window.beds import BedNavigation


class RecordsPage(BedNavigation):
    """Past sessions and the audit trail, built when first shown, tabs by role."""

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
        if self._rems is not None:
            from widgets.session_browser import add_rems_column

            add_rems_column(self.browser, self._rems)
            self.review_view.add_rems_button(
                self._rems, lambda: self._clock.now().astimezone().date()
            )
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
        self.show_overview()

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
