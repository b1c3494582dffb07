"""Structured rating scales: their definitions, loading them from files, and checking a rating.

The built-in scales (MOAA/S, RASS, dissociation intensity, pain, nausea) live in
``resources/scales/builtin.json``. A clinic adds its own scales, or replaces a built-in one, with
definition files of the same schema; licensed instruments (CADSS and the like) are never shipped
with Vigil, a clinic that holds a licence adds them this way.

Definition file schema (JSON, UTF-8)::

    {
      "schema": 1,                      # required; the only version this code reads is 1
      "scales": [                       # required; a list of scale definitions
        {
          "id": "moaas",                # required; unique within the file: a-z, 0-9, "_" or "-"
          "name": "MOAA/S",             # required; short label shown on buttons and alarms
          "description": "...",         # optional, default ""; one or two plain sentences
          "min": 0,                     # required; whole number
          "max": 5,                     # required; whole number, greater than min
          "step": 1,                    # optional, default 1; whole number >= 1 that divides
                                        #   max - min, so both ends can be chosen
          "anchors": {"5": "...", ...}, # optional, default {}; value (as a JSON string key,
                                        #   "-2" for negatives) -> short description; every
                                        #   key must be an allowed value of the scale
          "alarm_at_or_below": 1,       # optional, default null; a rating <= this raises an alarm
          "alarm_at_or_above": null,    # optional, default null; a rating >= this raises an alarm
          "alarm_priority": "high"      # "high", "medium" or "low"; required when either alarm
                                        #   limit is set, and must be null/absent otherwise
        }
      ]
    }

Unknown keys are errors (they are most often a misspelt field). Loading order: the built-ins
first, then each clinic file in the order given; a scale whose id is already loaded replaces the
earlier definition, so a clinic can reword or re-limit a built-in scale. Within one file an id may
appear only once. Any problem raises ``ScaleFileError`` naming the file and what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.domain.text import check_text
from console.errors import FieldError, ValidationFailed, VigilError

SCHEMA_VERSION = 1
BUILTIN_PATH = Path(__file__).resolve().parents[2] / "resources" / "scales" / "builtin.json"
ALARM_PRIORITIES = ("high", "medium", "low")
MAX_RATING_NOTE_LENGTH = 2000

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_REQUIRED_KEYS = ("id", "name", "min", "max")
_KNOWN_KEYS = frozenset(
    {
        "id",
        "name",
        "description",
        "min",
        "max",
        "step",
        "anchors",
        "alarm_at_or_below",
        "alarm_at_or_above",
        "alarm_priority",
    }
)
_MINUS = "\u2212"  # the typographic minus sign, shown for negative ratings (RASS −3)


class ScaleFileError(VigilError):
    """A scale definition file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class ScaleDefinition:
    """One rating scale: whole-number values from ``min`` to ``max`` in steps of ``step``."""

    id: str
    name: str
    description: str
    min: int
    max: int
    step: int = 1
    anchors: Mapping[int, str] = field(default_factory=dict)  # value → short plain description
    alarm_at_or_below: int | None = None
    alarm_at_or_above: int | None = None
    alarm_priority: str | None = None  # "high", "medium" or "low" when an alarm limit is set

    @property
    def values(self) -> tuple[int, ...]:
        """Every value a rating may take, lowest first."""
        return tuple(range(self.min, self.max + 1, self.step))

    def allows(self, value: int) -> bool:
        """True when ``value`` is within the range and on the step."""
        return self.min <= value <= self.max and (value - self.min) % self.step == 0

    def format_value(self, value: int) -> str:
        """The value as shown: signed ("+2", "−3") on a scale that goes below zero."""
        if value < 0:
            return f"{_MINUS}{-value}"
        if value > 0 and self.min < 0:
            return f"+{value}"
        return str(value)

    def anchor(self, value: int) -> str | None:
        """The short description of ``value``, if the scale describes it."""
        return self.anchors.get(value)


@dataclass(frozen=True, slots=True)
class Rating:
    """One structured rating as recorded: which scale, the value, and an optional note."""

    scale_id: str
    value: int
    note: str = ""


def _parse_int(text: str) -> int | None:
    cleaned = text.strip().replace(_MINUS, "-").replace("\u2013", "-")
    if not re.fullmatch(r"[+-]?\d+", cleaned):
        return None
    return int(cleaned)


def validate_rating(definition: ScaleDefinition, raw_value: str, note: str) -> list[FieldError]:
    """Every problem with a typed rating (field "value" or "note"); empty when it can be stored."""
    errors: list[FieldError] = []
    text = raw_value.strip()
    name = definition.name
    span = f"{definition.format_value(definition.min)} to {definition.format_value(definition.max)}"
    if not text:
        errors.append(FieldError("value", f"Choose a {name} value ({span})."))
    else:
        value = _parse_int(text)
        if value is None:
            errors.append(FieldError("value", f"{name} must be a whole number, not “{text}”."))
        elif not definition.min <= value <= definition.max:
            errors.append(
                FieldError("value", f"{name} {definition.format_value(value)} is outside {span}.")
            )
        elif not definition.allows(value):
            errors.append(
                FieldError(
                    "value",
                    f"{name} goes in steps of {definition.step} from "
                    f"{definition.format_value(definition.min)}; "
                    f"{definition.format_value(value)} is not one of its values.",
                )
            )
    if len(note) > MAX_RATING_NOTE_LENGTH:
        errors.append(
            FieldError("note", f"Keep the note under {MAX_RATING_NOTE_LENGTH} characters.")
        )
    else:
        errors.extend(check_text("note", note))
    return errors


def parse_rating(definition: ScaleDefinition, raw_value: str, note: str) -> Rating:
    """The checked rating; raises ``ValidationFailed`` with the errors of ``validate_rating``."""
    errors = validate_rating(definition, raw_value, note)
    if errors:
        raise ValidationFailed(errors)
    value = _parse_int(raw_value)
    assert value is not None  # validate_rating accepted it
    return Rating(definition.id, value, note.strip())


def crossed_limit(definition: ScaleDefinition, value: int) -> int | None:
    """The scale's alarm limit the rating reaches (at or below the low, at or above the high)."""
    low, high = definition.alarm_at_or_below, definition.alarm_at_or_above
    if low is not None and value <= low:
        return low
    if high is not None and value >= high:
        return high
    return None


def alarm_for(definition: ScaleDefinition, value: int) -> str | None:
    """The alarm message for a rating at or beyond the scale's limits ("MOAA/S 1 ≤ 1"), or None."""
    limit = crossed_limit(definition, value)
    if limit is None:
        return None
    sign = "≤" if limit == definition.alarm_at_or_below else "≥"
    shown, bound = definition.format_value(value), definition.format_value(limit)
    return f"{definition.name} {shown} {sign} {bound}"


# --- loading -------------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _definition(raw: object, where: str) -> ScaleDefinition:
    """One definition from its JSON object; raises ValueError with a message naming ``where``."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be an object with id, name, min and max")
    label = f"scale “{raw['id']}”" if isinstance(raw.get("id"), str) else where
    missing = [key for key in _REQUIRED_KEYS if key not in raw]
    if missing:
        raise ValueError(f"{label} is missing the field(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise ValueError(f"{label} has unknown field(s) {', '.join(unknown)}")
    scale_id = raw["id"]
    if not isinstance(scale_id, str) or not _ID_PATTERN.fullmatch(scale_id):
        raise ValueError(
            f"{where}: id must be 1–40 characters of a-z, 0-9, “_” or “-”, not {scale_id!r}"
        )
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{label}: name must be a non-empty text")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"{label}: description must be a text")
    low, high, step = raw["min"], raw["max"], raw.get("step", 1)
    for key, number in (("min", low), ("max", high), ("step", step)):
        if not _is_int(number):
            raise ValueError(f"{label}: {key} must be a whole number, not {number!r}")
    if low >= high:
        raise ValueError(f"{label}: min ({low}) must be less than max ({high})")
    if step < 1 or (high - low) % step:
        raise ValueError(f"{label}: step {step} must be at least 1 and divide max − min")
    definition = ScaleDefinition(scale_id, name.strip(), description.strip(), low, high, step)

    anchors_raw = raw.get("anchors", {})
    if not isinstance(anchors_raw, dict):
        raise ValueError(f"{label}: anchors must be an object of value → description")
    anchors: dict[int, str] = {}
    for key, text in anchors_raw.items():
        value = _parse_int(key)
        if value is None:
            raise ValueError(f"{label}: anchor key {key!r} is not a whole number")
        if not definition.allows(value):
            raise ValueError(
                f"{label}: anchor {value} is outside the scale ({low} to {high}, step {step})"
            )
        if value in anchors:
            raise ValueError(f"{label}: anchor {value} is given twice")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{label}: anchor {value} needs a non-empty description")
        anchors[value] = text.strip()

    limits: dict[str, int | None] = {}
    for key in ("alarm_at_or_below", "alarm_at_or_above"):
        limit = raw.get(key)
        if limit is not None and not _is_int(limit):
            raise ValueError(f"{label}: {key} must be a whole number or null, not {limit!r}")
        if limit is not None and not low <= limit <= high:
            raise ValueError(f"{label}: {key} {limit} is outside the scale ({low} to {high})")
        limits[key] = limit
    below, above = limits["alarm_at_or_below"], limits["alarm_at_or_above"]
    if below is not None and above is not None and below >= above:
        raise ValueError(
            f"{label}: alarm_at_or_below ({below}) must be less than alarm_at_or_above ({above})"
        )
    priority = raw.get("alarm_priority")
    has_limit = below is not None or above is not None
    if has_limit and priority not in ALARM_PRIORITIES:
        raise ValueError(
            f"{label}: alarm_priority must be one of {', '.join(ALARM_PRIORITIES)} "
            f"when an alarm limit is set, not {priority!r}"
        )
    if not has_limit and priority is not None:
        raise ValueError(f"{label}: alarm_priority is set but no alarm limit is")
    return ScaleDefinition(
        scale_id,
        definition.name,
        definition.description,
        low,
        high,
        step,
        anchors,
        below,
        above,
        priority,
    )


def _read_file(path: Path) -> list[ScaleDefinition]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScaleFileError(path, "the file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaleFileError(path, f"the file cannot be read ({exc})") from None
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScaleFileError(
            path, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(document, dict):
        raise ScaleFileError(path, "the file must hold a JSON object with schema and scales")
    if "schema" not in document:
        raise ScaleFileError(path, f"the schema field is missing (use {SCHEMA_VERSION})")
    if document["schema"] != SCHEMA_VERSION or isinstance(document["schema"], bool):
        raise ScaleFileError(
            path,
            f"schema {document['schema']!r} is not supported (this Vigil reads {SCHEMA_VERSION})",
        )
    unknown = sorted(set(document) - {"schema", "scales"})
    if unknown:
        raise ScaleFileError(path, f"unknown top-level field(s) {', '.join(unknown)}")
    scales = document.get("scales")
    if not isinstance(scales, list):
        raise ScaleFileError(path, "the scales field is missing or is not a list")
    definitions: list[ScaleDefinition] = []
    seen: set[str] = set()
    for index, raw in enumerate(scales, start=1):
        try:
            definition = _definition(raw, f"scale #{index}")
        except ValueError as exc:
            raise ScaleFileError(path, str(exc)) from None
        if definition.id in seen:
            raise ScaleFileError(path, f"scale id “{definition.id}” appears more than once")
        seen.add(definition.id)
        definitions.append(definition)
    return definitions


def load_definitions(
    paths: Sequence[Path] = (), *, builtin: Path = BUILTIN_PATH
) -> dict[str, ScaleDefinition]:
    """The built-in scales, then each clinic file's, by id; a later file replaces an earlier id.

    Raises ``ScaleFileError`` for the first file that is missing, not JSON, or breaks the schema.
    """
    definitions: dict[str, ScaleDefinition] = {}
    for path in (builtin, *paths):
        for definition in _read_file(Path(path)):
            definitions[definition.id] = definition
    return definitions
