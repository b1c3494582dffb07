"""Command-line jobs: `vigil create-admin`, `vigil staff <account job>`, `vigil export`, ….

Also `vigil break-glass` and the guard that keeps `--demo` out of a clinic database. Each does
one job over an open store, prints its outcome and returns the exit status; ``console/cli.py``
parses the arguments, opens the store and maps its errors (``run_with_store``).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli import EXIT_FAILED
from console.clock import SystemClock
from console.errors import ValidationFailed, VigilError
from console.store.database import Store

if TYPE_CHECKING:
    from console.cli_accounts import AdminProof


def _password(prompt: str) -> str:
    """A password typed at a terminal (no echo), or one line from a pipe."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def _admin_proof(admin: str) -> AdminProof | None:
    """The vouching admin (``--admin``) and their password, asked before anything else."""
    from console.cli_accounts import AdminProof

    if not admin:
        return None
    return AdminProof(admin, _password(f"Password of admin {admin}: "))


def create_admin_job(store: Store, username: str, name: str, *, admin: str = "") -> int:
    from console.cli_accounts import create_admin, describe_errors, read_new_password

    proof = _admin_proof(admin)
    password, repeat = read_new_password()
    try:
        print(create_admin(store, SystemClock(), username, name, password, repeat, admin=proof))
    except ValidationFailed as failed:
        print(describe_errors(failed), file=sys.stderr)
        return EXIT_FAILED
    return 0


def account_job(
    store: Store, action: str, name: str, *, username: str = "", role: str = "", admin: str = ""
) -> int:
    """`vigil staff accounts|add-account|give-account|reset-password|unlock|deactivate|…`."""
    from console import cli_accounts as jobs
    from console.domain.people import StaffRole

    clock = SystemClock()
    try:
        if action == "accounts":
            print(jobs.list_accounts(store, clock))
            return 0
        if action == "add-account" and (not role or not username):
            print("vigil: give --role and --username", file=sys.stderr)
            return EXIT_FAILED
        if action == "give-account" and (not name.isdigit() or not username):
            print("vigil: give the staff id and --username", file=sys.stderr)
            return EXIT_FAILED
        proof = _admin_proof(admin)
        if action == "add-account":
            password, repeat = jobs.read_new_password()
            print(
                jobs.add_account(
                    store, clock, username, name, StaffRole(role), password, repeat, admin=proof
                )
            )
        elif action == "give-account":
            password, repeat = jobs.read_new_password()
            print(
                jobs.give_account(store, clock, int(name), username, password, repeat, admin=proof)
            )
        elif action == "reset-password":
            password, repeat = jobs.read_new_password()
            print(jobs.reset_password(store, clock, name, password, repeat, admin=proof))
        elif action == "unlock":
            print(jobs.unlock(store, clock, name, admin=proof))
        else:
            print(jobs.set_active(store, clock, name, action == "reactivate", admin=proof))
    except ValidationFailed as failed:
        print(jobs.describe_errors(failed), file=sys.stderr)
        return EXIT_FAILED
    return 0


def break_glass_job(store: Store, username: str, reason: str, *, name: str = "") -> int:
    """`vigil break-glass --username U --reason ...`: reset (or create) an admin account."""
    from console.cli_accounts import describe_errors, read_new_password
    from console.cli_break_glass import break_glass

    password, repeat = read_new_password()
    try:
        print(
            break_glass(
                store,
                SystemClock(),
                username,
                reason,
                password,
                repeat,
                name=name,
                os_user=_os_user(),
            )
        )
    except ValidationFailed as failed:
        print(describe_errors(failed), file=sys.stderr)
        return EXIT_FAILED
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def demo_guard_problem(store: Store) -> str:
    """Why ``--demo`` must not seed ``store`` ("" when it is empty or already the demo's)."""
    from sqlalchemy import select

    from console.store.models import PatientRow, StaffRow

    with store.transaction() as tx:
        if tx.scalar(select(StaffRow.id).limit(1)) is None:
            return ""
        if tx.scalar(select(PatientRow.id).where(PatientRow.chart_id.like("DEMO-%")).limit(1)):
            return ""
    return (
        f"{store.url} is a clinic database, not the demo's: --demo never puts demo data or demo "
        "accounts into it. Run `vigil --demo` without --db."
    )


def export_job(
    store: Store,
    spool_path: Path,
    *,
    session_id: int,
    fmt: str,
    out: Path,
    username: str,
    clinic_name: str = "",
    scale_files: list[str] | None = None,
) -> int:
    """Sign in as ``username`` (password asked), export, audit; the outcome is printed."""
    from console.cli_export import ensure_gui_application, run_export
    from console.domain.scales import load_definitions
    from console.services.access import Access, AuditTrail
    from console.services.accounts import AccountService
    from console.services.exports import ExportOptions
    from console.store.account_repository import AccountRepository
    from console.store.repositories import PeopleRepository
    from console.store.spool import Spool
    from console.store.writer import DurableWriter, Targets

    ensure_gui_application()  # the account service's idle timer and the PDF writer need one
    clock = SystemClock()
    writer = DurableWriter(Targets.for_store(store), Spool(spool_path))
    access = Access(PeopleRepository(store), AuditTrail(clock, writer))
    accounts = AccountService(clock, AccountRepository(store), access)
    try:
        staff = accounts.sign_in(username, _password(f"Password for {username}: "))
        try:
            options = ExportOptions(
                clinic_name=clinic_name,
                scales=load_definitions([Path(p) for p in scale_files or []]),
            )
            print(run_export(store, clock, access, session_id, fmt, out, staff.id, options=options))
        finally:
            accounts.sign_out()
    except (ValidationFailed, VigilError) as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        accounts.stop()
        writer.flush()
    return 0
