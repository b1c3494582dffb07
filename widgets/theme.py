"""Applies the day or night style sheet to the whole application."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from resources import theme_path

THEMES = ("day", "night")


def apply_theme(app: QApplication, name: str) -> str:
    """Switch the application to theme ``name`` (unknown names fall back to day)."""
    if name not in THEMES:
        name = "day"
    app.setStyleSheet(theme_path(name).read_text(encoding="utf-8"))
    return name


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark a field as invalid (red border from the theme) and re-polish it."""
    widget.setProperty("invalid", "true" if invalid else "false")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give ``widget`` the object name the style sheets select on, and return it."""
    widget.setObjectName(name)
    return widget


def placeholder_edit(text: str) -> QLineEdit:
    """A line edit showing ``text`` while empty."""
    edit = QLineEdit()
    edit.setPlaceholderText(text)
    return edit
