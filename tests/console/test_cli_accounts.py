"""`vigil create-admin` and `vigil staff ...` account jobs, and the demo accounts."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from console.cli_accounts import (
    AdminProof,
    add_account,
    create_admin,
    describe_errors,
    give_account,
    list_accounts,
    read_new_password,
    reset_password,
    set_active,
    unlock,
)
from console.cli_break_glass import break_glass
from console.demo import DEMO_PASSWORD, DEMO_USERNAMES, demo_accounts, seed_demo
from console.domain.accounts import LockoutPolicy, validate_password
from console.domain.people import StaffRole
from console.errors import ValidationFailed
from console.store.account_repository import AccountRepository
from console.store.audit_repository import AuditQuery, AuditRepository, detail_of
from console.store.repositories import PeopleRepository, SessionRepository

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)


def test_create_admin_makes_an_audited_admin_account(sqlite_store, clock):
    message = create_admin(
        sqlite_store, clock, "Root", "Robin Hale", "admin pass 123", hasher=CHEAP
    )
    assert message == "created admin account root for Robin Hale (staff id 1)"
    found = AccountRepository(sqlite_store).find("root")
    assert found is not None and found.account.staff.role is StaffRole.ADMIN
    CHEAP.verify(found.password_hash, "admin pass 123")
    [entry] = AuditRepository(sqlite_store).search(AuditQuery(action="account-create"))
    assert entry.actor_id is None and detail_of(entry)["via"] == "command line"
    # a second admin needs an admin's word; the same user name is refused
    root = AdminProof("root", "admin pass 123")
    create_admin(
        sqlite_store, clock, "root2", "Kim Ops", "admin pass 456", hasher=CHEAP, admin=root
    )
    with pytest.raises(ValidationFailed) as taken:
        create_admin(
            sqlite_store, clock, "ROOT", "Robin Two", "admin pass 789", hasher=CHEAP, admin=root
        )
    assert describe_errors(taken.value) == "user name: That user name is taken: choose another."


def test_bad_input_is_described_field_by_field(sqlite_store, clock):
    with pytest.raises(ValidationFailed) as failed:
        create_admin(sqlite_store, clock, "r", "", "short", "other", hasher=CHEAP)
    text = describe_errors(failed.value)
    assert "name: Enter the name" in text and "user name: A user name is 2 to 40" in text
    assert "password: Use at least 10" in text and "repeated password: " in text


def test_staff_jobs_reset_unlock_and_deactivate(sqlite_clinic, sqlite_store, clock):
    nurse = sqlite_clinic.nurse
    assert "no account" in list_accounts(sqlite_store, clock)
    give_account(sqlite_store, clock, nurse.id, "jordan", "nurse pass 456", hasher=CHEAP)
    add_account(
        sqlite_store, clock, "root", "Robin Hale", StaffRole.ADMIN, "admin pass 1", hasher=CHEAP
    )
    repo = AccountRepository(sqlite_store)
    for _ in range(5):
        repo.record_failure(nurse.id, LockoutPolicy(), clock.now())
    assert "locked until" in list_accounts(sqlite_store, clock)
    root = AdminProof("root", "admin pass 1")
    assert unlock(sqlite_store, clock, "jordan", admin=root) == "jordan (Jordan Lee) is unlocked"
    assert "locked" not in list_accounts(sqlite_store, clock)
    reset_password(sqlite_store, clock, "jordan", "another pass 1", hasher=CHEAP, admin=root)
    found = repo.find("jordan")
    assert found is not None
    CHEAP.verify(found.password_hash, "another pass 1")
    assert set_active(sqlite_store, clock, "jordan", False, admin=root).endswith("deactivated")
    assert "inactive" in list_accounts(sqlite_store, clock)
    with pytest.raises(ValidationFailed, match="last active admin"):
        set_active(sqlite_store, clock, "root", False, admin=root)
    with pytest.raises(ValidationFailed, match="no account nobody"):
        unlock(sqlite_store, clock, "nobody", admin=root)
    assert sqlite_clinic.audit.count("account-change") == 3


def test_passwords_are_asked_twice_at_a_terminal_and_once_from_a_pipe():
    answers = iter(["first password", "second password"])
    assert read_new_password(interactive=True, ask=lambda _prompt: next(answers)) == (
        "first password",
        "second password",
    )
    assert read_new_password(interactive=False, read_line=lambda: "piped pass 1\n") == (
        "piped pass 1",
        None,
    )


def test_the_demo_staff_get_accounts_with_the_demo_password(sqlite_store, clock):
    assert validate_password(DEMO_PASSWORD) == []
    people, accounts = PeopleRepository(sqlite_store), AccountRepository(sqlite_store)
    assert seed_demo(clock, people, SessionRepository(sqlite_store)) is not None
    assert not accounts.has_accounts()  # without the repository: as before
    # a demo database from before accounts gets them on the next start
    assert seed_demo(clock, people, SessionRepository(sqlite_store), accounts=accounts) is None
    listed = {a.username: a for a in accounts.accounts()}
    assert set(listed) == {*DEMO_USERNAMES.values(), "admin"}
    assert listed["admin"].staff.role is StaffRole.ADMIN
    found = accounts.find("jordan")
    assert found is not None
    PasswordHasher().verify(found.password_hash, DEMO_PASSWORD)
    assert not demo_accounts(people, accounts)  # only once
    assert people.signer(found.account.staff.id)[1]  # the PIN stand-in still works


def _clinic_with_admin_and_supervisor(store, clock) -> None:
    create_admin(store, clock, "root", "Robin Hale", "admin pass 123", hasher=CHEAP)
    add_account(
        store,
        clock,
        "casey",
        "Casey Brooks",
        StaffRole.SUPERVISOR,
        "supervisor pass 1",
        hasher=CHEAP,
        admin=AdminProof("root", "admin pass 123"),
    )


def test_once_an_admin_exists_account_jobs_need_an_admins_password(sqlite_store, clock):
    _clinic_with_admin_and_supervisor(sqlite_store, clock)
    audit = AuditRepository(sqlite_store)
    with pytest.raises(ValidationFailed) as refused:
        create_admin(sqlite_store, clock, "mallory", "Mal Lory", "mallory pass 1", hasher=CHEAP)
    assert "--admin USER" in describe_errors(refused.value)
    with pytest.raises(ValidationFailed) as taken_over:
        reset_password(sqlite_store, clock, "casey", "taken over 123", hasher=CHEAP)
    assert describe_errors(taken_over.value).startswith("admin: An active admin exists")
    with pytest.raises(ValidationFailed, match="admin user name or password is not right"):
        reset_password(
            sqlite_store,
            clock,
            "casey",
            "taken over 123",
            hasher=CHEAP,
            admin=AdminProof("root", "guess guess 1"),
        )
    with pytest.raises(ValidationFailed, match="casey is not an active admin"):
        unlock(sqlite_store, clock, "root", admin=AdminProof("casey", "supervisor pass 1"))
    accounts = AccountRepository(sqlite_store)
    found = accounts.find("casey")
    assert found is not None
    CHEAP.verify(found.password_hash, "supervisor pass 1")  # unchanged
    assert {a.username for a in accounts.accounts()} == {"root", "casey"}
    root = accounts.find("root")
    assert root is not None and root.account.failed_logins == 1  # the wrong guess counts
    assert audit.count("denied") == 3 and audit.count("login-failed") == 1
    reset_password(
        sqlite_store,
        clock,
        "casey",
        "new supervisor 1",
        hasher=CHEAP,
        admin=AdminProof("ROOT", "admin pass 123"),
    )
    [entry] = audit.search(AuditQuery(action="account-change"))
    assert entry.actor_id == root.account.staff.id


def test_break_glass_needs_the_key_file_and_a_reason_and_is_audited(sqlite_store, clock, tmp_path):
    from console.store.audit_key import AuditKey

    _clinic_with_admin_and_supervisor(sqlite_store, clock)
    missing = AuditKey(tmp_path / "nowhere" / "audit.key")
    with pytest.raises(ValidationFailed) as refused:
        break_glass(sqlite_store, clock, "root", "short", "fresh admin 1", key=missing)
    text = describe_errors(refused.value)
    assert "reason: Say why" in text and "audit key: Break-glass needs" in text
    with pytest.raises(ValidationFailed, match="casey is not an admin account"):
        break_glass(sqlite_store, clock, "casey", "lost the admin password", "fresh admin 1")
    accounts = AccountRepository(sqlite_store)
    root = accounts.find("root")
    assert root is not None
    accounts.set_active(root.account.staff.id, False)
    message = break_glass(
        sqlite_store,
        clock,
        "root",
        "Robin left, nobody knows the password",
        "fresh admin 1",
        os_user="ops",
        hasher=CHEAP,
    )
    assert "admin password reset" in message
    again = accounts.find("root")
    assert again is not None and again.account.active
    CHEAP.verify(again.password_hash, "fresh admin 1")
    [entry] = AuditRepository(sqlite_store).search(AuditQuery(action="break-glass"))
    assert detail_of(entry)["reason"] == "Robin left, nobody knows the password"
    assert detail_of(entry)["os_user"] == "ops"
    assert AuditRepository(sqlite_store).verify()[1] is None
