"""Accounts in the staff table, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.domain.accounts import LockoutPolicy
from console.domain.people import StaffRole
from console.errors import ValidationFailed
from console.store.account_repository import AccountRepository
from console.store.repositories import PeopleRepository


@pytest.fixture
def accounts(store) -> AccountRepository:
    return AccountRepository(store)


def test_an_account_is_a_staff_member_with_a_user_name(store, accounts):
    assert not accounts.has_accounts()
    created = accounts.create(" Jordan ", " Jordan Lee ", StaffRole.NURSE, "hash-1")
    assert accounts.has_accounts()
    assert created.username == "jordan" and created.staff.name == "Jordan Lee"
    assert created.active and created.has_password and created.failed_logins == 0
    # the same staff member everyone else sees
    assert [s.id for s in PeopleRepository(store).staff()] == [created.staff.id]
    found = accounts.find("JORDAN")
    assert found is not None and found.account == created and found.password_hash == "hash-1"
    assert accounts.get(created.staff.id) == found
    assert accounts.find("nobody") is None
    assert accounts.get(999) is None


def test_a_user_name_is_taken_once(accounts):
    accounts.create("jordan", "Jordan Lee", StaffRole.NURSE, "h")
    with pytest.raises(ValidationFailed, match="taken"):
        accounts.create("Jordan", "Another Jordan", StaffRole.THERAPIST, "h")


def test_staff_added_without_an_account_can_be_given_one(store, accounts):
    people = PeopleRepository(store)
    alex = people.add_staff("Alex Morgan", StaffRole.THERAPIST)
    assert not accounts.has_accounts()
    listed = accounts.accounts()
    assert [(a.staff.id, a.has_account, a.has_password) for a in listed] == [
        (alex.id, False, False)
    ]
    given = accounts.give_account(alex.id, "alex", "h")
    assert given.username == "alex" and given.staff == alex
    with pytest.raises(ValidationFailed, match="already"):
        accounts.give_account(alex.id, "alex2", "h")
    sam = people.add_staff("Sam Rivera", StaffRole.THERAPIST)
    with pytest.raises(ValidationFailed, match="taken"):
        accounts.give_account(sam.id, "ALEX", "h")


def test_failures_count_up_to_the_lock_and_a_reset_clears_them(accounts, clock):
    policy = LockoutPolicy()
    staff_id = accounts.create("jordan", "Jordan Lee", StaffRole.NURSE, "h").staff.id
    for expected in range(1, 5):
        after = accounts.record_failure(staff_id, policy, clock.now())
        assert (after.failed_logins, after.locked_until) == (expected, None)
    locked = accounts.record_failure(staff_id, policy, clock.now())
    assert locked.locked_until == clock.now() + timedelta(minutes=15)
    stored = accounts.get(staff_id)
    assert stored is not None and stored.account.locked_until == clock.now() + timedelta(minutes=15)
    accounts.reset_failures(staff_id)
    cleared = accounts.get(staff_id)
    assert cleared is not None
    assert (cleared.account.failed_logins, cleared.account.locked_until) == (0, None)


def test_password_and_active_flag_change(store, accounts):
    staff_id = accounts.create("jordan", "Jordan Lee", StaffRole.NURSE, "old").staff.id
    accounts.set_password(staff_id, "new")
    found = accounts.get(staff_id)
    assert found is not None and found.password_hash == "new"
    accounts.set_active(staff_id, False)
    found = accounts.find("jordan")
    assert found is not None and not found.account.active
    assert PeopleRepository(store).staff() == []  # no longer offered, still on record
    assert accounts.has_accounts()  # an inactive account still counts: no new first admin


def test_active_admins_are_counted(accounts):
    assert accounts.active_admins() == 0
    first = accounts.create("root", "Robin Hale", StaffRole.ADMIN, "h").staff.id
    accounts.create("ops", "Kim Ops", StaffRole.ADMIN, "h")
    accounts.create("jordan", "Jordan Lee", StaffRole.NURSE, "h")
    assert accounts.active_admins() == 2
    accounts.set_active(first, False)
    assert accounts.active_admins() == 1
