"""`vigil create-admin` and `vigil staff ...` account jobs, and the demo accounts."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from console.cli_accounts import (
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
    # a second admin is allowed (the way back in), the same user name is not
    create_admin(sqlite_store, clock, "root2", "Kim Ops", "admin pass 456", hasher=CHEAP)
    with pytest.raises(ValidationFailed) as taken:
        create_admin(sqlite_store, clock, "ROOT", "Robin Two", "admin pass 789", hasher=CHEAP)
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
    assert unlock(sqlite_store, clock, "jordan") == "jordan (Jordan Lee) is unlocked"
    assert "locked" not in list_accounts(sqlite_store, clock)
    reset_password(sqlite_store, clock, "jordan", "another pass 1", hasher=CHEAP)
    found = repo.find("jordan")
    assert found is not None
    CHEAP.verify(found.password_hash, "another pass 1")
    assert set_active(sqlite_store, clock, "jordan", False).endswith("is deactivated")
    assert "inactive" in list_accounts(sqlite_store, clock)
    with pytest.raises(ValidationFailed, match="last active admin"):
        set_active(sqlite_store, clock, "root", False)
    with pytest.raises(ValidationFailed, match="no account nobody"):
        unlock(sqlite_store, clock, "nobody")
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
