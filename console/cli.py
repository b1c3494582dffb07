"""The command line: the argument parser and the jobs that run without a window.

Every job that needs the database goes through :func:`run_with_store`, which opens it, maps a
``VigilError`` to one ``vigil: …`` line and an exit status, and closes it again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from console import __version__
from console.errors import VigilError
from console.settings import AppPaths

if TYPE_CHECKING:
    from console.store.database import Store

EXIT_FAILED = 1  # the job was refused (bad input, no permission)
EXIT_STORE = 2
EXIT_DISPLAY = 3
EXIT_RUNNING = 4  # another console already has this database open
ACCOUNT_JOBS = (
    "accounts",
    "add-account",
    "give-account",
    "reset-password",
    "unlock",
    "deactivate",
    "reactivate",
)
STORE_JOBS = ("db", "staff", "room", "audit", "create-admin", "export", "break-glass")

Opened = TypeVar("Opened")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigil", description="Vigil, the dosing-room console for KAP clinics."
    )
    parser.add_argument("--version", action="version", version=f"vigil {__version__}")
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: SQLite in the user data folder)"
    )
    parser.add_argument(
        "--demo", action="store_true", help="demo mode: a separate demo database with sample data"
    )
    parser.add_argument(
        "--demo-reset",
        action="store_true",
        help="demo mode, with the demo database rebuilt from scratch first",
    )
    parser.add_argument(
        "--home", type=Path, help="keep data and settings in this folder (also VIGIL_HOME)"
    )
    parser.add_argument("--session", type=int, help="open this session at start")
    parser.add_argument("--theme", choices=["day", "night"], help="start with this theme")
    parser.add_argument(
        "--no-simulator", action="store_true", help="demo mode without the simulated monitor"
    )
    parser.add_argument("--script", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quit-after-paint", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")
    db = sub.add_parser("db", help="database jobs")
    db.add_argument("action", choices=["upgrade", "status"])
    sub.add_parser("replay", help="decode a monitor capture: vigil replay --protocol P FILE")
    staff = sub.add_parser("staff", help="staff members and their accounts")
    staff.add_argument("action", choices=["list", "add", *ACCOUNT_JOBS])
    staff.add_argument("name", nargs="?", help="a name, a staff id or a user name")
    staff.add_argument("--role", choices=["therapist", "nurse", "physician", "supervisor", "admin"])
    staff.add_argument("--username", default="")
    staff.add_argument("--admin", default="", help="the admin vouching (password asked)")
    admin = sub.add_parser("create-admin", help="create an admin account (password asked)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--admin", default="", help="an existing admin vouching (password asked)")
    glass = sub.add_parser(
        "break-glass",
        help="no admin can sign in: reset or create an admin account (needs the audit key file)",
    )
    glass.add_argument("--username", required=True)
    glass.add_argument("--reason", required=True)
    glass.add_argument("--name", default="", help="the new admin's name, if the account is new")
    export = sub.add_parser(
        "export", help="vigil export --session ID --format pdf|csv|fhir|rems --out FILE --user NAME"
    )
    export.add_argument("--session", dest="export_session", type=int, required=True)
    export.add_argument(
        "--format", dest="export_format", choices=["pdf", "csv", "fhir", "rems"], required=True
    )
    export.add_argument("--out", dest="export_out", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--user", dest="export_user", required=True, help="who exports (password asked)"
    )
    audit = sub.add_parser("audit", help="check the audit trail: vigil audit verify")
    audit.add_argument("action", choices=["verify"])
    room = sub.add_parser("room", help="list or add rooms")
    room.add_argument("action", choices=["list", "add"])
    room.add_argument("name", nargs="?")
    from console.cli_station import add_station_parser

    add_station_parser(sub)  # vigil station: every room live, on the clinic's PostgreSQL
    return parser


def database_url(args: argparse.Namespace, paths: AppPaths) -> str:
    if args.db:
        return str(args.db)
    demo = args.demo or getattr(args, "demo_reset", False)
    return f"sqlite:///{paths.demo_database if demo else paths.database}"


def refuse(message: object, code: int) -> int:
    """Say why a job stopped (one line on stderr) and return its exit status."""
    print(f"vigil: {message}", file=sys.stderr)
    return code


def run_opened(
    open_: Callable[[], Opened],
    close: Callable[[Opened], object],
    job: Callable[[Opened], int],
    *,
    failed: int,
) -> int:
    """Open, run ``job`` and close: a ``VigilError`` while opening exits with EXIT_STORE, one
    raised by the job with ``failed``; either is told in one line.
    """
    try:
        opened = open_()
    except VigilError as error:
        return refuse(error, EXIT_STORE)
    try:
        return job(opened)
    except VigilError as error:
        return refuse(error, failed)
    finally:
        close(opened)


def run_with_store(url: str, job: Callable[[Store], int], *, failed: int = EXIT_FAILED) -> int:
    """Run ``job`` over the database at ``url`` (opened and closed here, errors told once)."""
    from console.store.database import Store

    return run_opened(lambda: Store.open(url), Store.close, job, failed=failed)


def run_db_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil db upgrade|status`: the schema revision, upgraded first if asked."""
    from sqlalchemy.engine import Engine

    from console.store.engine import create_store_engine
    from console.store.migrate import current_revision, head_revision, upgrade_to_head

    def job(engine: Engine) -> int:
        if args.action == "upgrade":
            upgrade_to_head(engine)
        print(f"database {engine.url.render_as_string(hide_password=True)}")
        print(
            f"schema {current_revision(engine) or '(empty)'}; this Vigil knows up to {head_revision()}"
        )
        return 0

    url = database_url(args, paths)
    return run_opened(lambda: create_store_engine(url), Engine.dispose, job, failed=EXIT_STORE)


def run_audit_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil audit verify`: exit 0 when the chain holds; otherwise name the first broken entry."""
    from console.cli_audit import verify

    def job(store: Store) -> int:
        code, message = verify(store)
        print(message, file=sys.stdout if code == 0 else sys.stderr)
        return code

    return run_with_store(database_url(args, paths), job, failed=EXIT_STORE)


def run_account_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil create-admin`, `vigil break-glass` and `vigil export`: jobs that need a password."""
    from console.cli_jobs import break_glass_job, create_admin_job, export_job
    from console.settings import load_settings

    def job(store: Store) -> int:
        if args.command == "create-admin":
            return create_admin_job(store, args.username, args.name, admin=args.admin)
        if args.command == "break-glass":
            return break_glass_job(store, args.username, args.reason, name=args.name)
        settings = load_settings(paths.settings)
        return export_job(
            store,
            paths.spool(store.url),
            session_id=args.export_session,
            fmt=args.export_format,
            out=args.export_out,
            username=args.export_user,
            clinic_name=settings.clinic_name,
            scale_files=list(settings.scale_files),
        )

    return run_with_store(database_url(args, paths), job)


def run_people_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """`vigil staff …` and `vigil room …`: set up a clinic's staff and rooms before check-in."""
    from console.clock import SystemClock
    from console.domain.people import StaffRole
    from console.services.people import PeopleService
    from console.store.repositories import PeopleRepository

    def job(store: Store) -> int:
        people = PeopleService(SystemClock(), PeopleRepository(store))
        if args.action in ACCOUNT_JOBS:
            from console.cli_jobs import account_job

            return account_job(
                store,
                args.action,
                args.name or "",
                username=args.username,
                role=args.role or "",
                admin=args.admin,
            )
        if args.action == "add" and args.command == "staff":
            if args.role is None:
                return refuse("give the role with --role", EXIT_FAILED)
            added = people.add_staff(args.name or "", StaffRole(args.role))
            print(f"added {added.name} ({added.role.value}), id {added.id}")
        elif args.action == "add":
            room = people.add_room(args.name or "")
            print(f"added room {room.name}, id {room.id}")
        elif args.command == "staff":
            for member in people.staff():
                print(f"{member.id:4d}  {member.name}  ({member.role.value})")
        else:
            for room in people.rooms():
                print(f"{room.id:4d}  {room.name}")
        return 0

    return run_with_store(database_url(args, paths), job)


def run_store_job(args: argparse.Namespace, paths: AppPaths) -> int:
    """Run one of STORE_JOBS (the command names the job)."""
    if args.command == "db":
        return run_db_command(args, paths)
    if args.command in ("staff", "room"):
        return run_people_command(args, paths)
    if args.command == "audit":
        return run_audit_command(args, paths)
    return run_account_command(args, paths)
