"""Typed settings with defaults, kept as JSON where the platform expects, with a schema version."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from console.domain.schedule import ScheduleConfig

log = logging.getLogger(__name__)

SETTINGS_SCHEMA = 1
APP_NAME = "vigil"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """Where Vigil keeps its database, settings and spool."""

    data_dir: Path
    config_dir: Path

    @classmethod
    def default(cls, override: Path | None = None) -> AppPaths:
        """The platform's user folders, or one folder for everything when ``override`` is given."""
        if override is None and os.environ.get("VIGIL_HOME"):
            override = Path(os.environ["VIGIL_HOME"])
        if override is not None:
            return cls(override / "data", override / "config")
        return cls(
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        )

    @property
    def database(self) -> Path:
        return self.data_dir / "vigil.sqlite3"

    @property
    def demo_database(self) -> Path:
        return self.data_dir / "vigil-demo.sqlite3"

    @property
    def settings(self) -> Path:
        return self.config_dir / "settings.json"

    def spool(self, database_url: str) -> Path:
        """The spool for one database, so entries never land in the wrong one."""
        import hashlib

        digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
        return self.data_dir / "spool" / f"{digest}.jsonl"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a clinic or a user can set; unknown or bad values fall back to defaults."""

    schema: int = SETTINGS_SCHEMA
    theme: str = "day"  # "day" or "night"
    window_geometry: str = ""  # base64 of QWidget.saveGeometry()
    window_state: str = ""  # base64 of QMainWindow.saveState()
    min_monitoring_min: int = 120
    idle_lock_min: int = 10  # the screen locks after this many minutes without input
    first_check_min: int = 40
    check_interval_min: int = 15
    check_grace_min: int = 5
    hl7_port: int = 2575
    clinic_name: str = ""
    clinic_phone: str = ""
    after_hours_phone: str = ""
    crisis_line: str = "988"
    scale_files: list[str] = field(default_factory=list)  # a clinic's own rating scales (JSON)
    gate_warn_sys: int = 140
    gate_warn_dia: int = 90
    gate_hold_sys: int = 160
    gate_hold_dia: int = 100
    rooms: tuple[int, ...] = ()  # the room ids this console watches; empty: every room
    extra: dict[str, Any] = field(default_factory=dict)

    def schedule(self) -> ScheduleConfig:
        return ScheduleConfig(
            min_monitoring=timedelta(minutes=self.min_monitoring_min),
            first_check=timedelta(minutes=self.first_check_min),
            interval=timedelta(minutes=self.check_interval_min),
            grace=timedelta(minutes=self.check_grace_min),
        )


def load_settings(path: Path) -> Settings:
    """Read settings; a missing, corrupt or partly wrong file gives defaults for what is wrong."""
    if not path.exists():
        return Settings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as error:
        log.warning("settings file %s unreadable (%s): using defaults", path, error)
        return Settings()
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.name not in raw:
            continue
        value, default = raw[f.name], getattr(defaults, f.name)
        if f.name == "rooms":
            rooms = _room_ids(value)
            if rooms is None:
                log.warning("setting %s has a bad value %r: default used", f.name, value)
            else:
                values[f.name] = rooms
        elif isinstance(value, type(default)):
            values[f.name] = value
        else:
            log.warning("setting %s has a bad value %r: default used", f.name, value)
    values["schema"] = SETTINGS_SCHEMA
    return Settings(**values)


def _room_ids(value: Any) -> tuple[int, ...] | None:
    """A JSON list of room ids (positive integers) as a tuple without repeats, or None if bad."""
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        return None
    return tuple(dict.fromkeys(value))


def save_settings(path: Path, settings: Settings) -> None:
    """Write settings atomically (a kill mid-write leaves the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(dataclasses.asdict(settings), indent=2), encoding="utf-8")
    temporary.replace(path)
