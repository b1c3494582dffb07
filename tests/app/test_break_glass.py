"""`vigil break-glass`: the explicit way back in when no admin can sign in; audited, announced."""

from __future__ import annotations

import os
from datetime import timedelta

from PySide6.QtCore import Qt

from console.cli_accounts import create_admin
from console.cli_break_glass import break_glass
from console.store.account_repository import AccountRepository
from console.store.audit_repository import AuditQuery, AuditRepository, detail_of
from tests.app.test_cli import run_with_input
from tests.widgets.conftest import _CHEAP, PASSWORD, give_accounts, open_console


def test_break_glass_from_the_command_line_needs_the_key_file(tmp_path, sqlite_clinic, clock):
    url = f"sqlite:///{tmp_path / 'vigil.sqlite3'}"
    create_admin(sqlite_clinic.store, clock, "root", "Robin Hale", "admin pass 123", hasher=_CHEAP)
    os.environ["VIGIL_AUDIT_KEY"], kept = (
        str(tmp_path / "no" / "audit.key"),
        os.environ["VIGIL_AUDIT_KEY"],
    )
    try:
        refused = run_with_input(
            "--db", url, "break-glass", "--username", "root",
            "--reason", "Robin left the clinic", home=tmp_path, stdin="fresh admin 123\n",
        )  # fmt: skip
    finally:
        os.environ["VIGIL_AUDIT_KEY"] = kept
    assert refused.returncode == 1 and "audit key: Break-glass needs" in refused.stderr
    done = run_with_input(
        "--db", url, "break-glass", "--username", "root",
        "--reason", "Robin left the clinic", home=tmp_path, stdin="fresh admin 123\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "admin password reset" in done.stdout
    found = AccountRepository(sqlite_clinic.store).find("root")
    assert found is not None
    _CHEAP.verify(found.password_hash, "fresh admin 123")
    [entry] = AuditRepository(sqlite_clinic.store).search(AuditQuery(action="break-glass"))
    assert detail_of(entry)["reason"] == "Robin left the clinic" and detail_of(entry)["os_user"]


def test_the_next_sign_in_announces_a_break_glass_reset_once(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    give_accounts(sqlite_clinic)
    create_admin(sqlite_store, clock, "root", "Robin Hale", "admin pass 123", hasher=_CHEAP)
    with open_console(qtbot, sqlite_store, clock, tmp_path, "nurse") as app:
        window, accounts = app.window, app.services.accounts
        assert accounts.sign_in_notice == ""
        window.sign_out()
        clock.advance(timedelta(minutes=5))
        break_glass(
            sqlite_store, clock, "root", "Robin is away for a month", "fresh admin 123",
            os_user="ops", hasher=_CHEAP,
        )  # fmt: skip
        clock.advance(timedelta(minutes=5))
        screen = window.login_screen
        with qtbot.waitSignal(screen.noticeShown) as shown:
            qtbot.keyClicks(screen.username_edit, "nurse")
            qtbot.keyClicks(screen.password_edit, PASSWORD)
            qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
        assert "Break-glass: the admin account root was reset" in shown.args[0]
        assert "Robin is away for a month" in shown.args[0] and "ops" in shown.args[0]
        assert not window.banner.isHidden() and "Break-glass" in window.banner.text()
        window.sign_out()
        clock.advance(timedelta(minutes=1))
        accounts.sign_in("nurse", PASSWORD)
        assert accounts.sign_in_notice == ""  # announced once to each user
        accounts.sign_in("therapist", PASSWORD)
        assert "Break-glass" in accounts.sign_in_notice  # not yet seen by this one
