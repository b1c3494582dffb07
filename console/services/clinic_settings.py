"""Clinic settings that change care (limits, times, contacts): an admin's, checked and audited.

A console's own preferences (theme, window geometry) are not clinic settings and need no role;
``remember`` keeps them in the same file without an audit entry. The clinic's alarm limits live in
the database (newest change of each limit in force); they apply to sessions opened afterwards.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.domain.alarms import DEFAULT_LIMITS, Bound, LimitSet, effective_limits
from console.domain.audit import AuditAction
from console.domain.permissions import Permission
from console.domain.vitals import Parameter
from console.errors import FieldError, ValidationFailed
from console.services.access import Access
from console.services.limit_changes import LimitChanges, check_limit_changes
from console.settings import Settings, save_settings

PREFERENCES = frozenset({"schema", "theme", "window_geometry", "window_state", "rooms"})
_MINUTES = {
    "min_monitoring_min": (60, 480),
    "idle_lock_min": (1, 120),
    "first_check_min": (5, 120),
    "check_interval_min": (5, 60),
    "check_grace_min": (0, 30),
}
_PRESSURES = {  # mmHg: a BP gate limit outside these is a typing slip
    "gate_warn_sys": (100, 250),
    "gate_hold_sys": (100, 250),
    "gate_warn_dia": (50, 150),
    "gate_hold_dia": (50, 150),
}
_PHONES = ("clinic_phone", "after_hours_phone", "crisis_line")
_PHONE = re.compile(r"[0-9+()\-. /]{3,30}")
_TEXT_MAX = 80


def check_changes(current: Settings, changes: dict[str, Any]) -> list[FieldError]:
    """Each unknown, personal or out-of-range setting, with the reason (field = setting name)."""
    names = {f.name for f in dataclasses.fields(Settings)} - PREFERENCES
    errors: list[FieldError] = []
    for name, value in changes.items():
        if name not in names:
            errors.append(FieldError(name, "This is not a clinic setting."))
            continue
        expected = type(getattr(current, name))
        if isinstance(value, bool) or not isinstance(value, expected):
            errors.append(FieldError(name, f"Expected a {expected.__name__}."))
            continue
        problem = _problem(name, value)
        if problem:
            errors.append(FieldError(name, problem))
    bad = {e.field for e in errors}
    merged = dataclasses.replace(current, **{k: v for k, v in changes.items() if k not in bad})
    for kind in ("sys", "dia"):
        warn, hold = getattr(merged, f"gate_warn_{kind}"), getattr(merged, f"gate_hold_{kind}")
        if warn >= hold:
            field = f"gate_warn_{kind}" if f"gate_warn_{kind}" in changes else f"gate_hold_{kind}"
            errors.append(
                FieldError(field, f"The warning level ({warn}) must be below the hold ({hold}).")
            )
    return errors


def _problem(name: str, value: Any) -> str:
    """Why one value cannot be used ("" when it can)."""
    if name in _MINUTES and not _MINUTES[name][0] <= value <= _MINUTES[name][1]:
        return f"Between {_MINUTES[name][0]} and {_MINUTES[name][1]} minutes."
    if name in _PRESSURES and not _PRESSURES[name][0] <= value <= _PRESSURES[name][1]:
        return f"Between {_PRESSURES[name][0]} and {_PRESSURES[name][1]} mmHg."
    if name == "alarm_volume" and not (math.isfinite(value) and 0.05 <= value <= 1.0):
        return "Between 5 % and 100 % (alarm tones cannot be turned off here)."
    if name == "hl7_port" and not 1 <= value <= 65535:
        return "A port number between 1 and 65535."
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _TEXT_MAX:
            return f"At most {_TEXT_MAX} characters."
        if name == "crisis_line" and not text:
            return "The escort sheet needs a crisis line."
        if name in _PHONES and text and not _PHONE.fullmatch(text):
            return "Digits, spaces and + ( ) - . / only."
    if name == "scale_files":
        if not all(isinstance(p, str) for p in value):
            return "Expected a list of file names."
        missing = [p for p in value if not Path(p).is_file()]
        if missing:
            return f"No such file: {missing[0]}"
    return ""


class ClinicLimitStore(Protocol):
    """Where the clinic's alarm limits are kept (WorkflowRepository)."""

    def limit_overrides(
        self, patient_id: int | None
    ) -> dict[tuple[Parameter, Bound], float | None]: ...

    def add_limit_change(
        self,
        *,
        patient_id: int | None,
        parameter: Parameter,
        bound: Bound,
        value: float | None,
        old_value: float | None,
        by_staff_id: int,
        at: datetime,
    ) -> None: ...


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
        limits: ClinicLimitStore | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._path = path
        self._access = access
        self._save = save
        self._limits = limits
        self._clock = clock

    @property
    def current(self) -> Settings:
        return self._settings

    def can_change(self, staff_id: int | None = None) -> bool:
        """Whether the signed-in user (or ``staff_id``) may change clinic settings."""
        return self._access.can(Permission.CHANGE_SETTINGS, staff_id)

    def update(self, staff_id: int | None, **changes: Any) -> Settings:
        """Change clinic settings (PermissionDenied unless admin; ValidationFailed if bad)."""
        return self.update_all(staff_id, changes, {})

    def remember(self, **preferences: Any) -> Settings:
        """Keep this console's own preferences (theme, geometry): no role, no audit entry."""
        unknown = set(preferences) - PREFERENCES
        if unknown:
            raise ValueError(f"not a preference: {', '.join(sorted(unknown))}")
        self._settings = dataclasses.replace(self._settings, **preferences)
        self._save(self._path, self._settings)
        return self._settings

    # ---- the clinic's alarm limits ------------------------------------------------------------
    def clinic_limits(self) -> LimitSet:
        """The limits a new session starts from: the defaults with the clinic's changes."""
        overrides = self._limits.limit_overrides(None) if self._limits is not None else {}
        return effective_limits(DEFAULT_LIMITS, overrides, {})

    def check_all(self, settings: dict[str, Any], limits: LimitChanges) -> list[FieldError]:
        """Every problem of a set of setting and clinic-limit changes (nothing is changed)."""
        errors = check_changes(self._settings, settings)
        if limits:
            errors.extend(check_limit_changes(self.clinic_limits(), limits))
        return errors

    def update_all(
        self, staff_id: int | None, settings: dict[str, Any], limits: LimitChanges
    ) -> Settings:
        """Change settings and clinic limits together: all of them, or (on any problem) none.

        Each changed limit is stored and audited (old → new); the settings change is one entry.
        """
        self._access.require(Permission.CHANGE_SETTINGS, staff_id, entity="settings")
        assert staff_id is not None  # require() refuses nobody
        errors = self.check_all(settings, limits)
        if errors:
            raise ValidationFailed(errors)
        if limits and (self._limits is None or self._clock is None):
            raise ValidationFailed([FieldError("limits", "Clinic limits cannot be kept here.")])
        current = self.clinic_limits() if limits else LimitSet()
        limit_changes = []
        for (parameter, bound), value in limits.items():
            held = current.get(parameter)
            old = held.get(bound) if held is not None else None
            if old != value:
                limit_changes.append((parameter, bound, old, value))
        if settings:
            before = {name: getattr(self._settings, name) for name in settings}
            updated = dataclasses.replace(self._settings, **settings)
            self._save(self._path, updated)
            self._settings = updated
            self._access.audit.record(
                AuditAction.SETTINGS_CHANGE,
                "settings",
                ",".join(sorted(settings)),
                staff_id,
                {"before": before, "after": settings},
            )
        for parameter, bound, old, value in limit_changes:
            assert self._limits is not None and self._clock is not None
            at = self._clock.now()
            self._limits.add_limit_change(
                patient_id=None,
                parameter=parameter,
                bound=bound,
                value=value,
                old_value=old,
                by_staff_id=staff_id,
                at=at,
            )
            self._access.audit.record(
                AuditAction.LIMIT_CHANGE,
                "alarm-limit",
                parameter.value,
                staff_id,
                {"scope": "clinic", "bound": bound.value, "old": old, "new": value},
                at=at,
            )
        if settings or limit_changes:
            self.changed.emit(self._settings)
        return self._settings
