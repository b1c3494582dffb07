"""Typed settings with defaults, kept as JSON where the platform expects, with a schema version."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from console.domain.doses import DEFAULT_LIMIT_MG, DEFAULT_LIMIT_MG_PER_KG, DoseLimits
from console.domain.predose import BpGate
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
    gate_window_min: int = 15  # the BP gate judges the latest full pre-dose set of these minutes
    # dose slip guard: session limits per "drug/route" (placeholders until the medical director
    # sets them); above one, a dose needs a confirmation with a reason
    dose_limit_mg_per_kg: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_LIMIT_MG_PER_KG)
    )
    dose_limit_mg: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LIMIT_MG))
    alarm_volume: float = 0.5  # the alarm tones' volume, 0.05..1 (never off)
    # a device time outside these years is not believed: the arrival time is used (and flagged)
    device_years_from: int = 2000
    device_years_to: int = 2100
    rooms: tuple[int, ...] = ()  # the room ids this console watches; empty: every room
    extra: dict[str, Any] = field(default_factory=dict)

    def schedule(self) -> ScheduleConfig:
        return ScheduleConfig(
            min_monitoring=timedelta(minutes=self.min_monitoring_min),
            first_check=timedelta(minutes=self.first_check_min),
            interval=timedelta(minutes=self.check_interval_min),
            grace=timedelta(minutes=self.check_grace_min),
        )

    def bp_gate(self) -> BpGate:
        return BpGate(
            self.gate_warn_sys,
            self.gate_warn_dia,
            self.gate_hold_sys,
            self.gate_hold_dia,
            timedelta(minutes=self.gate_window_min),
        )

    def dose_limits(self) -> DoseLimits:
        """The slip guard's limits; unknown "drug/route" keys and bad numbers are skipped."""
        return DoseLimits.from_settings(self.dose_limit_mg_per_kg, self.dose_limit_mg)


#: the range each number setting must be in (the same as the clinic settings screen allows)
RANGES: dict[str, tuple[float, float]] = {
    "schema": (1, SETTINGS_SCHEMA),
    "min_monitoring_min": (60, 480),
    "idle_lock_min": (1, 120),
    "first_check_min": (5, 120),
    "check_interval_min": (5, 60),
    "check_grace_min": (0, 30),
    "hl7_port": (1, 65535),
    "gate_warn_sys": (100, 250),
    "gate_hold_sys": (100, 250),
    "gate_warn_dia": (50, 150),
    "gate_hold_dia": (50, 150),
    "gate_window_min": (5, 60),
    "alarm_volume": (0.05, 1.0),
    "device_years_from": (1990, 2100),
    "device_years_to": (2000, 2200),
}
CHOICES: dict[str, tuple[str, ...]] = {"theme": ("day", "night")}
TEXT_MAX = 200  # names and phone numbers
GEOMETRY_MAX = 20_000  # the window's saved geometry and state (base64)


def load_settings(path: Path) -> Settings:
    """Read settings; a missing, corrupt or partly wrong file gives defaults for what is wrong."""
    return load_settings_checked(path)[0]


def load_settings_checked(path: Path) -> tuple[Settings, list[str]]:
    """Read settings and say, in a sentence each, what was wrong and fell back to its default
    (a wrong type, a value out of its range, a scale file that is missing).
    """
    if not path.exists():
        return Settings(), []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        message = f"The settings file {path} is unreadable ({error}): the defaults are used."
        log.warning(message)
        return Settings(), [message]
    defaults = Settings()
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in dataclasses.fields(Settings):
        if f.name not in raw:
            continue
        value, default = raw[f.name], getattr(defaults, f.name)
        checked, problem = _checked(f.name, value, default)
        if problem:
            shown = json.dumps(value, default=repr)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            message = f"Setting {f.name} = {shown} {problem}: the default is used."
            log.warning("setting %s has a bad value %s (%s): default used", f.name, shown, problem)
            problems.append(message)
        else:
            values[f.name] = checked
    values["schema"] = SETTINGS_SCHEMA
    settings = Settings(**values)
    for kind in ("sys", "dia"):
        warn, hold = f"gate_warn_{kind}", f"gate_hold_{kind}"
        if getattr(settings, warn) >= getattr(settings, hold):
            problems.append(
                f"Settings {warn} and {hold}: the warning level must be below the hold; "
                "the defaults are used for both."
            )
            settings = dataclasses.replace(
                settings, **{warn: getattr(defaults, warn), hold: getattr(defaults, hold)}
            )
    if settings.device_years_from >= settings.device_years_to:
        problems.append(
            "Settings device_years_from and device_years_to: the first year must be before the "
            "last; the defaults are used for both."
        )
        settings = dataclasses.replace(
            settings,
            device_years_from=defaults.device_years_from,
            device_years_to=defaults.device_years_to,
        )
    return settings, problems


def _checked(name: str, value: Any, default: Any) -> tuple[Any, str]:
    """The value to use, or a reason it cannot be used."""
    if name == "rooms":
        rooms = _room_ids(value)
        return (rooms, "") if rooms is not None else (None, "is not a list of room numbers")
    if name == "scale_files":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "is not a list of file names"
        missing = [v for v in value if not Path(v).is_file()]
        if missing:
            return None, f"names a scale file that is missing ({missing[0]})"
        from console.domain.scales import ScaleFileError, load_definitions

        try:
            load_definitions([Path(v) for v in value])
        except ScaleFileError as error:
            return None, f"names a scale file that cannot be used ({error})"
        return value, ""
    if isinstance(default, bool):
        return (value, "") if isinstance(value, bool) else (None, "is not true or false")
    if isinstance(default, int | float) and not isinstance(value, bool):
        expected_int = isinstance(default, int)
        if expected_int and not isinstance(value, int):
            return None, "is not a whole number"
        if not isinstance(value, int | float) or not math.isfinite(value):
            return None, "is not a number"
        low, high = RANGES.get(name, (-math.inf, math.inf))
        if not low <= value <= high:
            return None, f"is out of its range ({low:g} to {high:g})"
        return (int(value) if expected_int else float(value)), ""
    if isinstance(default, str):
        if not isinstance(value, str):
            return None, "is not text"
        limit = GEOMETRY_MAX if name.startswith("window_") else TEXT_MAX
        if len(value) > limit:
            return None, f"is longer than {limit} characters"
        if name in CHOICES and value not in CHOICES[name]:
            return None, f"is not one of {', '.join(CHOICES[name])}"
        return value, ""
    if isinstance(default, dict) and name != "extra":
        return _checked_table(name, value, default)
    if isinstance(value, type(default)) and not isinstance(value, bool):
        return value, ""
    return None, f"is not a {type(default).__name__}"


def _checked_table(name: str, value: Any, default: dict[str, Any]) -> tuple[Any, str]:
    """A table of numbers by name (dose limits): text keys, finite numbers not below 0 (and in
    the setting's range when it has one).
    """
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return None, "is not a table of names"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in default.values()):
        low, high = RANGES.get(name, (0.0, math.inf))
        for key, number in value.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                return None, f"has {key} that is not a number"
            if not math.isfinite(number) or not low <= number <= high:
                return None, f"has {key} out of its range ({low:g} to {high:g})"
    return value, ""


def _room_ids(value: Any) -> tuple[int, ...] | None:
    """A JSON list of room ids (positive integers) as a tuple without repeats, or None if bad."""
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        return None
    return tuple(dict.fromkeys(value))


def save_settings(path: Path, settings: Settings) -> None:
    """Write settings atomically (a kill mid-write leaves the old file), readable by their
    owner only.
    """
    from console.store.files import private_dir

    private_dir(path.parent)
    temporary = path.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)
    data = json.dumps(dataclasses.asdict(settings), indent=2).encode("utf-8")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    temporary.replace(path)
