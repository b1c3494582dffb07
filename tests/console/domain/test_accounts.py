from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.domain.accounts import (
    IDLE_LOCK_DEFAULT,
    MIN_PASSWORD_LENGTH,
    LockoutPolicy,
    clock_time,
    idle_expired,
    locked_message,
    normalize_username,
    validate_new_account,
    validate_password,
    validate_username,
)

NOW = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)


def fields(errors) -> dict[str, str]:
    return {e.field: e.message for e in errors}


def test_user_names_are_matched_without_case_or_spaces():
    assert normalize_username("  Jordan.Lee ") == "jordan.lee"


@pytest.mark.parametrize("name", ["jordan", "j.lee", "r_n-2", "AB"])
def test_plain_user_names_are_valid(name):
    assert validate_username(name) == []


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "Enter a user name"),
        ("j", "2 to 40"),
        ("x" * 41, "2 to 40"),
        ("jordan lee", "no spaces"),
        (".jordan", "starting with a letter"),
        ("jördan!", "letters, digits"),
    ],
)
def test_bad_user_names_say_why(name, why):
    assert why in fields(validate_username(name))["username"]


def test_a_password_needs_ten_characters_and_says_why():
    assert MIN_PASSWORD_LENGTH == 10
    message = fields(validate_password("short1234"))["password"]
    assert "at least 10 characters" in message and "guess" in message
    assert validate_password("ten chars!") == []
    assert validate_password("abc", min_length=3) == []


def test_passwords_too_easy_or_equal_to_the_user_name_are_refused():
    assert "repeated" in fields(validate_password("a" * 12))["password"]
    assert "spaces only" in fields(validate_password(" " * 12))["password"]
    assert (
        "user name" in fields(validate_password("Jordan.Lee1", username="jordan.lee1"))["password"]
    )
    assert "200" in fields(validate_password("x" * 201 + "y"))["password"]


def test_the_repeat_must_match_and_is_reported_beside_its_own_field():
    errors = fields(validate_password("a long password", repeat="a long passw0rd"))
    assert set(errors) == {"repeat"}
    assert validate_password("a long password", repeat="a long password") == []


def test_a_new_account_names_every_bad_field():
    errors = fields(validate_new_account(" ", "  ", "short", repeat="other"))
    assert set(errors) == {"name", "username", "password", "repeat"}
    assert validate_new_account("jordan", "Jordan Lee, RN", "pass phrase 1", "pass phrase 1") == []


def test_five_wrong_passwords_in_a_row_lock_for_fifteen_minutes():
    policy = LockoutPolicy()
    count = 0
    for _ in range(4):
        outcome = policy.after_failure(count, NOW)
        assert not outcome.locked
        count = outcome.failed_logins
    assert count == 4
    fifth = policy.after_failure(count, NOW)
    assert fifth.locked and fifth.locked_until == NOW + timedelta(minutes=15)
    assert fifth.failed_logins == 0  # after the lock ends, five tries again
    assert policy.is_locked(fifth.locked_until, NOW + timedelta(minutes=14, seconds=59))
    assert not policy.is_locked(fifth.locked_until, NOW + timedelta(minutes=15))
    assert not policy.is_locked(None, NOW)


def test_the_policy_can_be_set_by_the_clinic():
    policy = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=5))
    assert policy.after_failure(2, NOW).locked_until == NOW + timedelta(minutes=5)


def test_the_idle_lock_comes_after_ten_minutes_and_not_before():
    assert timedelta(minutes=10) == IDLE_LOCK_DEFAULT
    last = NOW
    assert not idle_expired(last, NOW + timedelta(minutes=9, seconds=59), IDLE_LOCK_DEFAULT)
    assert idle_expired(last, NOW + timedelta(minutes=10), IDLE_LOCK_DEFAULT)
    assert not idle_expired(last, NOW - timedelta(hours=1), IDLE_LOCK_DEFAULT)  # clock set back


def test_the_locked_message_gives_the_local_time():
    until = NOW + timedelta(minutes=15)
    message = locked_message(until, LockoutPolicy())
    assert f"locked until {clock_time(until)}" in message
    assert clock_time(until) == until.astimezone().strftime("%H:%M")
    assert "5 wrong passwords" in message and "admin" in message
