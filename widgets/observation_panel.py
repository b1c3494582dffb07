"""The observation log: one keystroke to a timestamped note, and the session's notes so far."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.sessions import Observation, ObservationCategory
from console.services.sessions import SessionService
from console.store.entry_state import EntryState
from widgets.forms import CommandRunner, error_label, show_message
from widgets.theme import named, placeholder_edit, set_invalid

NOT_STORED = "○ not stored yet"  # the note is held in memory (the disk is full), retried
SET_ASIDE = "○ not stored: set aside"  # the database refused it: in the quarantine file
NOT_STORED_TIP = (
    "This note is not in the record yet: the disk is full. Vigil keeps it in memory and "
    "stores it once space is freed. Do not close Vigil."
)
SET_ASIDE_TIP = (
    "The database refused this note. It is kept in the quarantine file beside the spool; "
    "the banner says more."
)
_LABEL = Qt.ItemDataRole.UserRole + 1  # the category column's text without a mark

QUICK_PHRASES = (
    "Eyes closed, resting calmly",
    "Talking about the experience",
    "Tearful, settled with support",
    "Reassured; breathing slowed",
    "Asked for music change",
)


class ObservationPanel(QFrame):
    """Notes for the active session; the author comes from ``author`` (the acting staff member)."""

    def __init__(
        self,
        sessions: SessionService,
        author: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._sessions = sessions
        self._author = author
        self.category = QComboBox()
        for category in ObservationCategory:
            self.category.addItem(category.label, category.value)
        self.note_edit = placeholder_edit("Observation — Enter saves it with the time")
        self.note_edit.returnPressed.connect(self._on_note_edit_return)
        self.save_button = QPushButton("Save note")
        self.save_button.clicked.connect(self._on_note_edit_return)
        self.amend_button = named(QPushButton("Amend selected  (F3)"), "secondary")
        self.amend_button.clicked.connect(self._on_amend_clicked)
        self.amending_label = QLabel("")
        self.amending_label.setWordWrap(True)
        self.amending_label.hide()
        self._amending: str | None = None  # uid of the note being corrected
        self.error_label = error_label(wrap=False)
        self._runner = CommandRunner(self._on_invalid, self._show_error)
        self.log = QTreeWidget()
        self.log.setColumnCount(3)
        self.log.setHeaderLabels(["Time", "Category", "Note"])
        self.log.setRootIsDecorated(False)
        self.log.setItemsExpandable(False)
        self.log.setAlternatingRowColors(True)
        self.log.setColumnWidth(0, 80)
        self.log.setColumnWidth(1, 150)
        self.phrases = QToolButton()
        self.phrases.setText("Quick phrase ▾")
        self.phrases.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.phrases)
        for phrase in QUICK_PHRASES:
            action = menu.addAction(phrase)
            action.setData(phrase)
        menu.triggered.connect(self._on_phrases_triggered)
        self.phrases.setMenu(menu)

        title = QHBoxLayout()
        title.addWidget(named(QLabel("Observations  (Ctrl+N)"), "panelTitle"), 1)
        title.addWidget(self.category)
        title.addWidget(self.phrases)
        entry = QHBoxLayout()
        entry.addWidget(self.note_edit, 1)
        entry.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(title)
        layout.addLayout(entry)
        layout.addWidget(self.amending_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.log, 1)
        amend_row = QHBoxLayout()
        amend_row.addStretch(1)
        amend_row.addWidget(self.amend_button)
        layout.addLayout(amend_row)
        sessions.observationAdded.connect(self._on_sessions_observation_added)
        sessions.sessionChanged.connect(self._on_sessions_session_changed)
        sessions.noteStoreChanged.connect(self._on_sessions_note_store_changed)
        if sessions.active is not None:  # a bed's view shows its session from the start
            self._on_sessions_session_changed(sessions.active)

    def focus_entry(self) -> None:
        """Put the cursor in the note field (the one-keystroke shortcut)."""
        self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.note_edit.selectAll()

    def _show_error(self, text: str) -> None:
        show_message(self.error_label, text)
        set_invalid(self.note_edit, bool(text))

    def _on_invalid(self, messages: dict[str, str]) -> None:
        """The note is the one field: show the first message."""
        self._show_error(next(iter(messages.values()), ""))

    def _on_phrases_triggered(self, action: QAction) -> None:
        phrase = str(action.data())
        current = self.note_edit.text().strip()
        self.note_edit.setText(f"{current}; {phrase}" if current else phrase)
        self.note_edit.setFocus()

    def _on_note_edit_return(self) -> None:
        author = self._author()
        if author is None:
            self._show_error("Choose who is recording (Acting as, in the status bar).")
            return
        category = ObservationCategory(self.category.currentData())
        if not self._runner.attempt(
            lambda: self._sessions.add_note(
                category, self.note_edit.text(), author, amends_uid=self._amending
            )
        ):
            return
        self._show_error("")
        self.note_edit.clear()
        self._set_amending(None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._amending is not None:
            self._set_amending(None)
            self.note_edit.clear()
            return
        super().keyPressEvent(event)

    def _on_amend_clicked(self) -> None:
        self.amend_selected()

    def amend_selected(self) -> None:
        """Start correcting the note selected in the log (the F3 shortcut)."""
        item = self.log.currentItem()
        if item is None:
            self._show_error("Select the note to amend in the log first.")
            return
        parent = item.parent()
        while parent is not None:  # an amendment row: amend the original note
            item, parent = parent, parent.parent()
        self._set_amending(str(item.data(0, Qt.ItemDataRole.UserRole)), item)
        self.note_edit.setText(item.text(2))
        self.focus_entry()

    def _set_amending(self, uid: str | None, item: QTreeWidgetItem | None = None) -> None:
        self._amending = uid
        if uid is None or item is None:
            self.amending_label.hide()
            self.save_button.setText("Save note")
            return
        self.amending_label.setText(
            f"Amending the {item.text(0)} note: the original stays as it was. "
            "Enter saves the correction, Esc cancels."
        )
        self.amending_label.show()
        self.save_button.setText("Save amendment")

    def _on_sessions_observation_added(self, observation: Observation) -> None:
        self._append(observation)

    def _on_sessions_session_changed(self, _record: object) -> None:
        self.log.clear()
        for observation in self._sessions.observations():
            self._append(observation)

    def not_stored_text(self, uid: str) -> str:
        """The mark beside the note ``uid`` ("○ not stored yet"), or "" when it is stored."""
        item = self._item(uid)
        if item is None:
            return ""
        label = str(item.data(1, _LABEL) or "")
        return item.text(1)[len(label) :].strip() if label else ""

    def _on_sessions_note_store_changed(self, uid: str, state: EntryState) -> None:
        item = self._item(uid)
        if item is not None:
            self._mark(item, state)

    def _mark(self, item: QTreeWidgetItem, state: EntryState | None) -> None:
        """Show beside the note whether it is stored (nothing) or not yet (a calm mark)."""
        label = item.data(1, _LABEL)
        if label is None:
            label = item.text(1)
            item.setData(1, _LABEL, label)
        if state is EntryState.HELD:
            item.setText(1, f"{label}  {NOT_STORED}")
            item.setToolTip(1, NOT_STORED_TIP)
        elif state is EntryState.QUARANTINED:
            item.setText(1, f"{label}  {SET_ASIDE}")
            item.setToolTip(1, SET_ASIDE_TIP)
        else:
            item.setText(1, str(label))
            item.setToolTip(1, "")

    def _append(self, observation: Observation) -> None:
        at = observation.at.astimezone().strftime("%H:%M:%S")
        if observation.amends_uid is not None:
            original = self._find(observation.amends_uid)
            if original is not None:
                child = QTreeWidgetItem(["", "↳ amended " + at[:5], observation.text])
                child.setData(0, Qt.ItemDataRole.UserRole, observation.uid)
                self._mark(child, self._sessions.note_state(observation.uid))
                original.addChild(child)
                original.setExpanded(True)
                self.log.scrollToItem(child)
                return
        item = QTreeWidgetItem([at, observation.category.label, observation.text])
        item.setData(0, Qt.ItemDataRole.UserRole, observation.uid)
        self._mark(item, self._sessions.note_state(observation.uid))
        self.log.addTopLevelItem(item)
        self.log.scrollToItem(item)

    def _item(self, uid: str) -> QTreeWidgetItem | None:
        """The row of the note ``uid``, an original or an amendment."""
        for index in range(self.log.topLevelItemCount()):
            item = self.log.topLevelItem(index)
            if item is None:
                continue
            if item.data(0, Qt.ItemDataRole.UserRole) == uid:
                return item
            for child_index in range(item.childCount()):
                child = item.child(child_index)
                if child is not None and child.data(0, Qt.ItemDataRole.UserRole) == uid:
                    return child
        return None

    def _find(self, uid: str) -> QTreeWidgetItem | None:
        for index in range(self.log.topLevelItemCount()):
            item = self.log.topLevelItem(index)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == uid:
                return item
        return None
