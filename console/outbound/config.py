"""The outbound interface's settings (where the clinic's interface engine listens) and their checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from console.errors import FieldError, ValidationFailed

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-:]*[A-Za-z0-9])?$")
_NAME = re.compile(r"^[A-Za-z0-9 _.\-]*$")
NAME_FIELDS = (
    "sending_application",
    "sending_facility",
    "receiving_application",
    "receiving_facility",
)


@dataclass(frozen=True, slots=True)
class OutboundConfig:
    """Host and port of the receiver, the four MSH names, and whether sending is on."""

    enabled: bool = False
    host: str = ""
    port: int = 2575
    sending_application: str = "VIGIL"
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""

    def changed_fields(self, other: OutboundConfig) -> list[str]:
        """The names of the settings that differ from ``other`` (for the audit entry)."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


def validate_config(config: OutboundConfig) -> list[FieldError]:
    """Problems with the settings, each for its field; an interface that is off may be blank."""
    errors: list[FieldError] = []
    host = config.host.strip()
    if config.enabled and not host:
        errors.append(FieldError("host", "Enter the interface engine's host name or address."))
    elif host and (len(host) > 255 or not _HOST.match(host)):
        errors.append(FieldError("host", "A host is a name or an address, without spaces."))
    if not 1 <= config.port <= 65535:
        errors.append(FieldError("port", "The port is a number from 1 to 65535."))
    for name in NAME_FIELDS:
        value = getattr(config, name)
        if len(value) > 40 or not _NAME.match(value):
            errors.append(
                FieldError(name, "Up to 40 letters, digits, spaces, dots, dashes or underscores.")
            )
    if not config.sending_application.strip():
        errors.append(FieldError("sending_application", "Name this console (e.g. VIGIL)."))
    return errors


def checked(config: OutboundConfig) -> OutboundConfig:
    """The settings with spaces trimmed; ValidationFailed listing every bad field."""
    trimmed = OutboundConfig(
        enabled=config.enabled,
        host=config.host.strip(),
        port=config.port,
        **{name: getattr(config, name).strip() for name in NAME_FIELDS},
    )
    errors = validate_config(trimmed)
    if errors:
        raise ValidationFailed(errors)
    return trimmed
