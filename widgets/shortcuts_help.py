"""F1: every keyboard shortcut of the window, read from its actions (no second list to keep)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.theme import named

_KEY_HINT = re.compile(r"\s*\((?:F\d+|Ctrl[^)]*|Alt[^)]*)\)\s*$")  # "Monitoring  (F5)"


@dataclass(frozen=True)
class KeyRow:
    """One line of the list: the keys (as QKeySequence text) and what they do."""

    keys: tuple[str, ...]
    text: str

    def shown_keys(self) -> str:
        native = (
            QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in self.keys
        )
        return " or ".join(native)


def action_text(text: str) -> str:
    """A menu text as read aloud: no accelerator "&", no key hint in brackets."""
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return _KEY_HINT.sub("", text).strip()


def key_rows(actions: Iterable[QAction], shortcuts: Iterable[QShortcut] = ()) -> list[KeyRow]:
    """The actions (and described QShortcuts) that have keys, each once, in the order given."""
    rows: list[KeyRow] = []
    for action in actions:
        keys = tuple(k.toString() for k in action.shortcuts() if not k.isEmpty())
        if keys:
            rows.append(KeyRow(keys, action_text(action.text())))
    for shortcut in shortcuts:
        sequences = shortcut.keys()
        keys = tuple(k.toString() for k in sequences if not k.isEmpty())
        if keys and shortcut.whatsThis():
            rows.append(KeyRow(keys, shortcut.whatsThis()))
    unique: list[KeyRow] = []
    for row in rows:
        if row not in unique:
            unique.append(row)
    return unique


class ShortcutsHelp(QDialog):
    """A list of keys and what they do; Esc or Close shuts it."""

    def __init__(self, rows: list[KeyRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Keys", "Action"])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for row in rows:
            self.table.addTopLevelItem(QTreeWidgetItem([row.shown_keys(), row.text]))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Keyboard shortcuts"), "panelTitle"))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(560, 620)

    def rows(self) -> list[tuple[str, str]]:
        """What the list shows: (keys, action) per line."""
        items = (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
        return [(item.text(0), item.text(1)) for item in items if item is not None]
