"""`vigil station`: the clinic station's command line — who may open it, on which database, how.

The window itself is built by ``widgets.station_app`` (the core never imports widgets); main.py
registers the subcommand with ``add_station_parser`` and runs ``widgets.station_app.run_station``.
"""

from __future__ import annotations

import argparse
import socket
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from console.domain.permissions import Permission
from console.domain.station import NOT_REPORTING_AFTER
from console.station.service import StationOptions

if TYPE_CHECKING:
    from console.domain.people import Staff
    from console.services.access import Access
    from console.settings import Settings

NEEDS_POSTGRES = (
    "The clinic station shows every room from the clinic's shared PostgreSQL database; a SQLite "
    "database belongs to one console. Start it with --db postgresql+psycopg://USER@SERVER/vigil "
    "(the same URL the room consoles use)."
)
SOUND_CHOICES = ("day", "on", "off")


def add_station_parser(sub: Any) -> None:
    """Register `vigil station` on main.py's subparsers."""
    station = sub.add_parser(
        "station", help="the clinic station: every room on one screen (PostgreSQL only)"
    )
    station.add_argument(
        "--user", dest="station_user", required=True, help="who opens it (password asked)"
    )
    station.add_argument(
        "--sound",
        dest="station_sound",
        choices=SOUND_CHOICES,
        help="alarm sound at the station: day (silent in the night theme; the default), on, off",
    )


def station_problem(url: str) -> str | None:
    """Why the station cannot run on ``url`` (a sentence), or None for a PostgreSQL database."""
    if make_url(url).get_backend_name() != "postgresql":
        return NEEDS_POSTGRES
    return None


def station_identity() -> str:
    """How the station names itself in the audit trail."""
    return f"station@{socket.gethostname()}"


def require_station(access: Access, staff_id: int | None) -> Staff:
    """The staff member opening the station, or PermissionDenied (audited)."""
    return access.require(
        Permission.VIEW_STATION, staff_id, entity="station", entity_id=station_identity()
    )


def station_options(
    settings: Settings, args: argparse.Namespace | None, night: bool
) -> StationOptions:
    """The station's options from the settings file (``station_*`` keys) and the command line.

    ``station_sound`` ("day", "on", "off"), ``station_acknowledge`` (false unless the clinic
    turns it on), ``station_not_reporting_s`` (30).
    """
    extra = settings.extra
    sound = getattr(args, "station_sound", None) or str(extra.get("station_sound", "day"))
    seconds = extra.get("station_not_reporting_s", NOT_REPORTING_AFTER.total_seconds())
    try:
        after = timedelta(seconds=max(1.0, float(seconds)))
    except (TypeError, ValueError):
        after = NOT_REPORTING_AFTER
    return StationOptions(
        not_reporting_after=after,
        sound=sound if sound in SOUND_CHOICES else "day",
        acknowledge=extra.get("station_acknowledge") is True,
        night=night,
        schedule=settings.schedule(),
    )
