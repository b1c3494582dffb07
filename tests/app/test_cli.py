"""The `vigil` command line: database jobs and a clear refusal of a newer database."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import text

from console.store.database import Store
from console.store.migrate import SCHEMA_HEAD
from tests.conftest import PROJECT


def run(*args: str, home) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT / "main.py"), "--home", str(home), *args],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_db_upgrade_and_status(tmp_path):
    result = run("db", "upgrade", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"schema {SCHEMA_HEAD}" in result.stdout
    assert (tmp_path / "data" / "vigil.sqlite3").exists()


def test_a_newer_database_is_refused_with_a_message_and_exit_code_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    store = Store.open(url)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    store.close()
    result = run("--db", url, "--script", home=tmp_path)
    assert result.returncode == 2
    assert "written by a newer version of Vigil" in result.stderr
    assert "Traceback" not in result.stderr


def test_vigil_replay_decodes_a_capture_to_json_lines(tmp_path, device_fixture):
    import json

    capture = device_fixture("ivy_450c_ansar_b/Ivy450C.1.data")
    result = run("replay", "--protocol", "ivy", str(capture), home=tmp_path)
    assert result.returncode == 0, result.stderr
    readings = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"t_device", "parameter", "value", "unit", "flags"} <= set(readings[0])
    assert {r["value"] for r in readings if r["parameter"] == "nibp_sys"} == {121}
    assert "good" in result.stderr.lower()
    missing = run("replay", "--protocol", "ivy", str(tmp_path / "nope.bin"), home=tmp_path)
    assert missing.returncode != 0


def test_staff_and_rooms_are_set_up_from_the_command_line(tmp_path):
    assert run("staff", "add", "Alex Morgan", "--role", "therapist", home=tmp_path).returncode == 0
    assert run("room", "add", "Room 1", home=tmp_path).returncode == 0
    listed = run("staff", "list", home=tmp_path)
    assert "Alex Morgan  (therapist)" in listed.stdout
    assert "Room 1" in run("room", "list", home=tmp_path).stdout
    no_role = run("staff", "add", "Sam", home=tmp_path)
    assert no_role.returncode == 1 and "--role" in no_role.stderr
    empty = run("room", "add", home=tmp_path)
    assert empty.returncode == 1 and "Enter the room's name." in empty.stderr


def datetime_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_audit_verify_names_a_row_changed_directly_in_the_database(tmp_path):
    from datetime import UTC, datetime

    from console.store.audit_repository import AuditRepository

    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    store = Store.open(url)
    audit = AuditRepository(store)
    for n in range(4):
        audit.append(
            at=datetime(2026, 11, 21, 9, n, tzinfo=UTC),
            actor_id=None,
            action="create",
            entity="observation",
            entity_id=str(n),
        )
    intact = run("--db", url, "audit", "verify", home=tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert "audit trail intact: 4 entries checked" in intact.stdout
    target = next(e for e in audit.entries() if e.seq == 2)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET entity_id = '99' WHERE seq = 2"))
    store.close()
    broken = run("--db", url, "audit", "verify", home=tmp_path)
    assert broken.returncode == 4
    assert f"BROKEN at entry id {target.id} (number 2)" in broken.stderr
    assert "the row was changed" in broken.stderr


def run_with_input(*args: str, home, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT / "main.py"), "--home", str(home), *args],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_admin_then_accounts_and_an_export_that_is_audited_or_refused(tmp_path):
    import json
    import uuid
    from datetime import UTC, datetime, timedelta

    from console.clock import SystemClock
    from console.domain.lifecycle import SessionState
    from console.domain.people import StaffRole
    from console.store.audit_repository import AuditRepository
    from tests.conftest import Clinic

    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    made = run_with_input(
        "--db", url, "create-admin", "--username", "robin", "--name", "Robin Hale",
        home=tmp_path, stdin="admin password 1\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    store = Store.open(url)
    clinic = Clinic(store, SystemClock())
    supervisor = clinic.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    start = datetime.now(UTC) - timedelta(hours=3)
    session_id = clinic.check_in(start)
    clinic.sessions.apply_transition(
        uid=str(uuid.uuid4()), session_id=session_id, from_state=SessionState.CHECKED_IN,
        to_state=SessionState.ABORTED, at=start + timedelta(minutes=5),
        by_staff_id=clinic.nurse.id, reason="felt unwell before the dose",
    )  # fmt: skip
    unvouched = run_with_input(
        "--db", url, "staff", "give-account", str(supervisor.id), "--username", "casey",
        home=tmp_path, stdin="supervisor pass 1\n",
    )  # fmt: skip
    assert unvouched.returncode == 1 and "--admin USER" in unvouched.stderr
    given = run_with_input(
        "--db", url, "staff", "give-account", str(supervisor.id), "--username", "casey",
        "--admin", "robin", home=tmp_path, stdin="admin password 1\nsupervisor pass 1\n",
    )  # fmt: skip
    assert given.returncode == 0, given.stderr
    second = run_with_input(
        "--db", url, "create-admin", "--username", "mallory", "--name", "Mal Lory",
        home=tmp_path, stdin="mallory pass 1\n",
    )  # fmt: skip
    assert second.returncode == 1 and "An active admin exists" in second.stderr
    takeover = run_with_input(
        "--db", url, "staff", "reset-password", "casey", "--admin", "robin",
        home=tmp_path, stdin="not the admin's\ntaken over 123\n",
    )  # fmt: skip
    assert takeover.returncode == 1 and "admin user name or password" in takeover.stderr
    listed = run("--db", url, "staff", "accounts", home=tmp_path)
    assert "casey" in listed.stdout and "robin" in listed.stdout

    out = tmp_path / "session.json"
    refused = run_with_input(
        "--db", url, "export", "--session", str(session_id), "--format", "fhir",
        "--out", str(out), "--user", "robin", home=tmp_path, stdin="admin password 1\n",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "may not export session records: a supervisor can" in refused.stderr
    assert not out.exists()
    wrong = run_with_input(
        "--db", url, "export", "--session", str(session_id), "--format", "fhir",
        "--out", str(out), "--user", "casey", home=tmp_path, stdin="not it at all\n",
    )  # fmt: skip
    assert wrong.returncode == 1 and "Wrong user name or password" in wrong.stderr
    done = run_with_input(
        "--db", url, "export", "--session", str(session_id), "--format", "fhir",
        "--out", str(out), "--user", "casey", home=tmp_path, stdin="supervisor pass 1\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["resourceType"] == "Bundle"
    actions = [(e.action, e.actor_id) for e in AuditRepository(store).entries()]
    assert ("denied", None) not in [  # the export refusal names who was refused
        (e.action, e.actor_id) for e in AuditRepository(store).entries() if e.entity != "account"
    ]
    assert ("export", supervisor.id) in actions
    assert [a for a, _ in actions].count("login-failed") == 2  # the export and the takeover
    assert AuditRepository(store).verify()[1] is None
    store.close()


def test_demo_mode_never_seeds_a_clinic_database(tmp_path):
    """`vigil --demo --db <clinic>` refuses: no demo staff, patients or accounts go into it."""
    from console.domain.people import StaffRole
    from console.store.account_repository import AccountRepository
    from console.store.repositories import PeopleRepository

    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    store = Store.open(url)
    PeopleRepository(store).add_staff("Robin Hale", StaffRole.ADMIN)
    store.close()
    refused = run("--db", url, "--demo", "--script", "--no-simulator", home=tmp_path)
    assert refused.returncode == 2
    assert "is a clinic database, not the demo's" in refused.stderr
    store = Store.open(url)
    try:
        assert [s.name for s in PeopleRepository(store).staff()] == ["Robin Hale"]
        assert not AccountRepository(store).has_accounts()
    finally:
        store.close()
