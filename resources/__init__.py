"""Packaged resources: Qt style sheets for the day and night themes (and later sounds, icons)."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent


def theme_path(name: str) -> Path:
    """Path of a theme's style sheet."""
    return RESOURCES / "themes" / f"{name}.qss"
