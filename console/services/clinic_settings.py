"""Clinic settings that change care (limits, times, contacts): an admin's, checked and audited.

A console's own preferences (theme, window geometry, last session) are not clinic settings and
need no role; they are saved by main.py directly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.errors import FieldError, ValidationFailed
from console.services.access import Access
from console.settings import Settings, save_settings

PREFERENCES = frozenset({"schema", "theme", "window_geometry", "window_state", "rooms"})
_MINUTES = {
    "min_monitoring_min": (60, 480),
    "idle_lock_min": (1, 120),
    "first_check_min": (5, 120),
    "check_interval_min": (5, 60),
    "check_grace_min": (0, 30),
}


def check_changes(current: Settings, changes: dict[str, Any]) -> list[FieldError]:
    """Each unknown, personal or out-of-range setting, with the reason."""
    names = {f.name for f in dataclasses.fields(Settings)} - PREFERENCES
    errors = []
    for name, value in changes.items():
        if name not in names:
            errors.append(FieldError(name, "This is not a clinic setting."))
        elif not isinstance(value, type(getattr(current, name))):
            errors.append(FieldError(name, f"Expected a {type(getattr(current, name)).__name__}."))
        elif name in _MINUTES and not _MINUTES[name][0] <= value <= _MINUTES[name][1]:
            low, high = _MINUTES[name]
            errors.append(FieldError(name, f"Between {low} and {high} minutes."))
    return errors


class ClinicSettings(QObject):
    """Holds the settings; ``update`` is for admins and writes a settings-change audit entry."""

    # the settings after a change (Settings)
    changed = Signal(object)

    def __init__(
        self,
        settings: Settings,
        path: Path,
        access: Access,
        parent: QObject | None = None,
        *,
        save: Callable[[Path, Settings], None] = save_settings,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._path = path
        self._access = access
        self._save = save

    @property
    def current(self) -> Settings:
        return self._settings

    def update(self, staff_id: int | None, **changes: Any) -> Settings:
        """Change clinic settings (PermissionDenied unless admin; ValidationFailed if bad)."""
        self._access.require(Permission.CHANGE_SETTINGS, staff_id, entity="settings")
        errors = check_changes(self._settings, changes)
        if errors:
            raise ValidationFailed(errors)
        before = {name: getattr(self._settings, name) for name in changes}
        updated = dataclasses.replace(self._settings, **changes)
        self._save(self._path, updated)
        self._settings = updated
        self._access.audit.record(
            AuditAction.SETTINGS_CHANGE,
            "settings",
            ",".join(sorted(changes)),
            staff_id,
            {"before": before, "after": changes},
        )
        self.changed.emit(updated)
        return updated
