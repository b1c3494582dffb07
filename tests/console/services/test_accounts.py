"""The account service over a real store: sign-in, lockout, idle lock, switch, signatures, audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, profiles

from console.clock import FakeClock
from console.domain.accounts import clock_time
from console.domain.audit import AuditEntry
from console.domain.people import StaffRole
from console.errors import AuthenticationFailed, PermissionDenied, ValidationFailed
from console.services.access import Access
from console.services.accounts import (
    LOCK_BY_HAND,
    LOCK_IDLE,
    AccountService,
    PasswordSigner,
    default_hasher,
)
from console.store.account_repository import AccountRepository
from console.store.audit_repository import AuditQuery, detail_of
from console.store.spool import Spool
from console.store.writer import DurableWriter

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)  # the suite stays fast
ADMIN_PW = "admin pass 123"
NURSE_PW = "nurse pass 456"
THERAPIST_PW = "therapy pass 789"


@dataclass
class Rig:
    service: AccountService
    access: Access
    repo: AccountRepository
    clinic: object
    clock: FakeClock
    admin_id: int
    nurse_id: int
    therapist_id: int

    def entries(self, action: str) -> list[AuditEntry]:
        return self.clinic.audit.search(AuditQuery(action=action))  # type: ignore[attr-defined]

    def count(self, action: str) -> int:
        return self.clinic.audit.count(action)  # type: ignore[attr-defined]


def build(clinic, store, clock, tmp_path, **options) -> tuple[AccountService, Access]:
    writer = DurableWriter(clinic.targets, Spool(tmp_path / "spool.jsonl"))
    access = clinic.access(writer)
    service = AccountService(clock, AccountRepository(store), access, hasher=CHEAP, **options)
    return service, access


@pytest.fixture
def rig(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    c = sqlite_clinic
    repo = AccountRepository(sqlite_store)
    admin = repo.create("root", "Robin Hale", StaffRole.ADMIN, CHEAP.hash(ADMIN_PW))
    repo.give_account(c.nurse.id, "jordan", CHEAP.hash(NURSE_PW))
    repo.give_account(c.therapist.id, "alex", CHEAP.hash(THERAPIST_PW))
    service, access = build(c, sqlite_store, clock, tmp_path)
    yield Rig(service, access, repo, c, clock, admin.staff.id, c.nurse.id, c.therapist.id)
    service.stop()
    service.deleteLater()


def failed_count(rig: Rig, staff_id: int) -> int:
    found = rig.repo.get(staff_id)
    assert found is not None
    return found.account.failed_logins


# ---- sign-in -------------------------------------------------------------------------------
def test_signing_in_sets_the_current_user_and_is_audited(qtbot, rig):
    with (
        qtbot.waitSignal(rig.service.signedIn) as signed,
        qtbot.waitSignal(rig.access.userChanged) as changed,
    ):
        staff = rig.service.sign_in(" Jordan ", NURSE_PW)
    assert staff.id == rig.nurse_id and staff.role is StaffRole.NURSE
    assert signed.args == [staff] and changed.args == [staff]
    assert rig.service.current == staff and rig.access.current == staff
    assert rig.service.username == "jordan" and not rig.service.is_locked
    assert rig.service.idle_polling
    [login] = rig.entries("login")
    assert (login.actor_id, login.entity, login.entity_id) == (rig.nurse_id, "account", "jordan")
    assert detail_of(login)["via"] == "sign-in"
    assert rig.count("login-failed") == 0


def test_a_wrong_password_or_user_name_fails_alike_and_is_audited(qtbot, rig):
    with qtbot.assertNotEmitted(rig.service.signedIn):
        with pytest.raises(AuthenticationFailed) as wrong_password:
            rig.service.sign_in("jordan", "not the password")
        with pytest.raises(AuthenticationFailed) as wrong_name:
            rig.service.sign_in("jordn", NURSE_PW)
    assert str(wrong_password.value) == str(wrong_name.value) == "Wrong user name or password."
    assert rig.service.current is None and rig.access.current is None
    reasons = {e.entity_id: detail_of(e)["reason"] for e in rig.entries("login-failed")}
    assert reasons == {"jordan": "wrong password", "jordn": "unknown user name"}
    assert all(e.actor_id is None for e in rig.entries("login-failed"))
    assert failed_count(rig, rig.nurse_id) == 1


def test_empty_fields_are_named_and_not_audited(rig):
    with pytest.raises(ValidationFailed) as failed:
        rig.service.sign_in("  ", "")
    assert {e.field for e in failed.value.errors} == {"username", "password"}
    assert rig.count("login-failed") == 0


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(rig, clock):
    for _ in range(4):
        with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
            rig.service.sign_in("jordan", "wrong password")
    until = clock.now() + timedelta(minutes=15)
    with pytest.raises(AuthenticationFailed, match=f"locked until {clock_time(until)}"):
        rig.service.sign_in("jordan", "wrong password")
    [locked] = rig.entries("account-locked")
    assert locked.entity_id == "jordan" and detail_of(locked)["until"] == until.isoformat()
    # while locked even the right password is refused (and not checked)
    clock.advance(timedelta(minutes=14, seconds=59))
    with pytest.raises(AuthenticationFailed, match="locked until"):
        rig.service.sign_in("jordan", NURSE_PW)
    assert detail_of(rig.entries("login-failed")[0])["reason"] == "locked"
    assert rig.service.current is None
    clock.advance(timedelta(seconds=1))
    assert rig.service.sign_in("jordan", NURSE_PW).id == rig.nurse_id
    found = rig.repo.get(rig.nurse_id)
    assert found is not None
    assert (found.account.failed_logins, found.account.locked_until) == (0, None)
    assert rig.count("login-failed") == 6 and rig.count("account-locked") == 1


def test_a_good_sign_in_resets_the_count(rig):
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            rig.service.sign_in("jordan", "wrong password")
    rig.service.sign_in("jordan", NURSE_PW)
    assert failed_count(rig, rig.nurse_id) == 0
    rig.service.sign_out()
    for _ in range(4):
        with pytest.raises(AuthenticationFailed, match="Wrong"):
            rig.service.sign_in("jordan", "wrong password")
    assert rig.count("account-locked") == 0


def test_an_inactive_account_says_so_only_with_the_right_password(rig):
    rig.repo.set_active(rig.nurse_id, False)
    with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
        rig.service.sign_in("jordan", "wrong password")
    with pytest.raises(AuthenticationFailed, match="no longer active"):
        rig.service.sign_in("jordan", NURSE_PW)
    assert failed_count(rig, rig.nurse_id) == 0
    assert detail_of(rig.entries("login-failed")[0])["reason"] == "inactive"


def test_a_changed_hash_cost_rehashes_on_sign_in(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
):
    repo = AccountRepository(sqlite_store)
    repo.give_account(sqlite_clinic.nurse.id, "jordan", CHEAP.hash(NURSE_PW))
    stronger = PasswordHasher(time_cost=2, memory_cost=64, parallelism=1)
    service = AccountService(
        clock,
        repo,
        sqlite_clinic.access(DurableWriter(sqlite_clinic.targets, Spool(tmp_path / "s"))),
        hasher=stronger,
    )
    service.sign_in("jordan", NURSE_PW)
    found = repo.get(sqlite_clinic.nurse.id)
    assert found is not None and "m=64,t=2,p=1" in found.password_hash
    stronger.verify(found.password_hash, NURSE_PW)
    service.stop()


def test_the_production_hasher_is_argon2id_at_owasp_cost():
    hashed = default_hasher().hash("a long password")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


# ---- idle lock, lock by hand, unlock, switch, sign-out ----------------------------------
def test_the_idle_lock_comes_after_ten_minutes_and_not_before(qtbot, rig, clock):
    rig.service.sign_in("jordan", NURSE_PW)
    clock.advance(timedelta(minutes=9, seconds=59))
    with qtbot.assertNotEmitted(rig.service.lockedChanged):
        assert not rig.service.check_idle()
    clock.advance(timedelta(seconds=1))
    with qtbot.waitSignal(rig.service.lockedChanged) as changed:
        assert rig.service.check_idle()
    assert changed.args == [True]
    assert rig.service.is_locked and rig.service.lock_reason == LOCK_IDLE
    assert rig.service.current is not None  # still the signed-in user, behind the lock
    [locked] = rig.entries("screen-locked")
    assert locked.actor_id == rig.nurse_id and detail_of(locked)["reason"] == "idle"


def test_activity_restarts_the_idle_time(rig, clock):
    rig.service.sign_in("jordan", NURSE_PW)
    clock.advance(timedelta(minutes=9))
    rig.service.touch()
    clock.advance(timedelta(minutes=9))
    assert not rig.service.check_idle()
    clock.advance(timedelta(minutes=1))
    assert rig.service.check_idle()


def test_the_timer_polls_the_clock_and_locks(qtbot, rig, clock):
    rig.service.sign_in("jordan", NURSE_PW)
    clock.advance(timedelta(minutes=10))  # no tick is counted: the poll reads the clock
    with qtbot.waitSignal(rig.service.lockedChanged, timeout=3000) as changed:
        pass
    assert changed.args == [True] and rig.service.lock_reason == LOCK_IDLE


def test_nobody_signed_in_never_locks(rig, clock):
    clock.advance(timedelta(hours=1))
    assert not rig.service.check_idle()
    assert not rig.service.lock()
    assert rig.count("screen-locked") == 0


def test_locking_by_hand_and_unlocking_with_the_password(qtbot, rig):
    rig.service.sign_in("jordan", NURSE_PW)
    assert rig.service.lock()
    assert rig.service.lock_reason == LOCK_BY_HAND
    assert detail_of(rig.entries("screen-locked")[0])["reason"] == "by hand"
    with pytest.raises(AuthenticationFailed, match="not right"):
        rig.service.unlock("wrong password")
    with pytest.raises(ValidationFailed):
        rig.service.unlock("")
    assert rig.service.is_locked
    with qtbot.waitSignal(rig.service.lockedChanged) as changed:
        rig.service.unlock(NURSE_PW)
    assert changed.args == [False] and not rig.service.is_locked
    assert detail_of(rig.entries("login")[0])["via"] == "unlock"
    assert detail_of(rig.entries("login-failed")[0])["via"] == "unlock"


def test_switching_user_signs_the_previous_one_out(qtbot, rig):
    rig.service.sign_in("jordan", NURSE_PW)
    rig.service.lock()
    with pytest.raises(AuthenticationFailed):
        rig.service.switch_user("alex", "wrong password")
    assert rig.service.current.id == rig.nurse_id and rig.service.is_locked
    with (
        qtbot.assertNotEmitted(rig.service.signedOut),
        qtbot.waitSignal(rig.service.signedIn) as signed,
        qtbot.waitSignal(rig.service.lockedChanged) as unlocked,
    ):
        rig.service.switch_user("alex", THERAPIST_PW)
    assert signed.args[0].id == rig.therapist_id and unlocked.args == [False]
    assert rig.access.current.id == rig.therapist_id and not rig.service.is_locked
    [logout] = rig.entries("logout")
    assert logout.actor_id == rig.nurse_id and detail_of(logout)["reason"] == "user switch"
    login = rig.entries("login")[0]
    assert login.actor_id == rig.therapist_id
    assert detail_of(login) == {"via": "switch", "previous_staff_id": rig.nurse_id}


def test_signing_out_is_audited_and_clears_the_user(qtbot, rig):
    rig.service.sign_in("jordan", NURSE_PW)
    with (
        qtbot.waitSignal(rig.service.signedOut),
        qtbot.waitSignal(rig.access.userChanged) as changed,
    ):
        rig.service.sign_out()
    assert changed.args == [None] and rig.service.current is None
    assert not rig.service.idle_polling
    [logout] = rig.entries("logout")
    assert logout.actor_id == rig.nurse_id and detail_of(logout)["reason"] == "signed out"


# ---- signatures --------------------------------------------------------------------------
def test_a_signature_needs_the_account_password(rig, clock):
    signer = PasswordSigner(rig.service)
    assert signer.has_secret(rig.nurse_id)
    signature = signer.sign(rig.nurse_id, NURSE_PW, "discharged by", clock.now())
    assert (signature.staff_id, signature.printed_name, signature.meaning, signature.at) == (
        rig.nurse_id,
        "Jordan Lee",
        "discharged by",
        clock.now(),
    )
    [sign] = rig.entries("sign")
    assert sign.actor_id == rig.nurse_id
    assert detail_of(sign)["meaning"] == "discharged by"
    with pytest.raises(ValidationFailed) as failed:
        signer.sign(rig.nurse_id, "not my password", "discharged by", clock.now())
    assert [(e.field, e.message) for e in failed.value.errors] == [
        ("pin", "That password is not right.")
    ]
    [sign_failed] = rig.entries("sign-failed")
    assert detail_of(sign_failed)["meaning"] == "discharged by"
    assert failed_count(rig, rig.nurse_id) == 1
    with pytest.raises(ValidationFailed, match="Enter your password"):
        signer.sign(rig.nurse_id, "", "discharged by", clock.now())


def test_wrong_signature_passwords_lock_the_account(rig, clock):
    signer = PasswordSigner(rig.service)
    for _ in range(4):
        with pytest.raises(ValidationFailed, match="not right"):
            signer.sign(rig.nurse_id, "wrong password", "override by", clock.now())
    with pytest.raises(ValidationFailed, match="locked until") as locked:
        signer.sign(rig.nurse_id, "wrong password", "override by", clock.now())
    assert locked.value.errors[0].field == "pin"
    with pytest.raises(ValidationFailed, match="locked until"):
        signer.sign(rig.nurse_id, NURSE_PW, "override by", clock.now())
    with pytest.raises(AuthenticationFailed, match="locked until"):
        rig.service.sign_in("jordan", NURSE_PW)  # the same lock for signing in
    assert rig.count("sign") == 0 and rig.count("account-locked") == 1


def test_only_active_staff_with_an_account_can_sign(rig, clock):
    signer = PasswordSigner(rig.service)
    no_account = rig.clinic.people.add_staff("Dr. Priya Nair", StaffRole.PHYSICIAN)
    assert not signer.has_secret(no_account.id)
    with pytest.raises(ValidationFailed, match="no account yet") as failed:
        signer.sign(no_account.id, "whatever it is", "discharged by", clock.now())
    assert failed.value.errors[0].field == "pin"
    rig.repo.set_active(rig.nurse_id, False)
    assert not signer.has_secret(rig.nurse_id)
    with pytest.raises(ValidationFailed) as inactive:
        signer.sign(rig.nurse_id, NURSE_PW, "discharged by", clock.now())
    assert inactive.value.errors[0].field == "signer"
    assert not signer.has_secret(12345)


# ---- account management ------------------------------------------------------------------
def test_a_non_admin_may_not_create_accounts(rig):
    with pytest.raises(PermissionDenied, match=r"Jordan Lee \(nurse\) may not manage staff"):
        rig.service.create_account(
            "sam", "Sam Rivera", StaffRole.THERAPIST, "sam pass 1234", rig.nurse_id
        )
    [denied] = rig.entries("denied")
    assert denied.actor_id == rig.nurse_id and denied.entity_id == "sam"
    assert rig.repo.find("sam") is None
    with pytest.raises(PermissionDenied, match="Sign in"):
        rig.service.create_account("sam", "Sam Rivera", StaffRole.THERAPIST, "sam pass 1234", None)
    assert rig.count("denied") == 2


def test_an_admin_creates_an_account_that_can_sign_in(qtbot, rig):
    with qtbot.waitSignal(rig.service.accountsChanged):
        sam = rig.service.create_account(
            "Sam", "Sam Rivera", StaffRole.THERAPIST, "sam pass 1234", rig.admin_id
        )
    assert sam.role is StaffRole.THERAPIST
    [created] = rig.entries("account-create")
    assert (created.actor_id, created.entity_id) == (rig.admin_id, "sam")
    assert detail_of(created)["role"] == "therapist"
    assert rig.access.staff(sam.id) == sam
    assert rig.service.sign_in("sam", "sam pass 1234") == sam


def test_account_input_is_checked_after_the_permission(rig):
    with pytest.raises(ValidationFailed) as failed:
        rig.service.create_account("x", "", StaffRole.NURSE, "short", rig.admin_id, repeat="other")
    assert {e.field for e in failed.value.errors} == {"name", "username", "password", "repeat"}
    with pytest.raises(ValidationFailed, match="taken"):
        rig.service.create_account(
            "jordan", "Jordan Two", StaffRole.NURSE, "a long password", rig.admin_id
        )


def test_the_admin_resets_unlocks_deactivates_and_reactivates(rig, clock):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            rig.service.sign_in("jordan", "wrong password")
    rig.service.unlock_account(rig.nurse_id, rig.admin_id)
    assert rig.service.sign_in("jordan", NURSE_PW).id == rig.nurse_id
    rig.service.sign_out()
    rig.service.reset_password(rig.nurse_id, "brand new pass", rig.admin_id)
    with pytest.raises(AuthenticationFailed):
        rig.service.sign_in("jordan", NURSE_PW)
    assert rig.service.sign_in("jordan", "brand new pass").id == rig.nurse_id
    rig.service.sign_out()
    rig.service.deactivate(rig.nurse_id, rig.admin_id)
    assert rig.access.staff(rig.nurse_id) is None  # roles are read again
    with pytest.raises(AuthenticationFailed, match="no longer active"):
        rig.service.sign_in("jordan", "brand new pass")
    rig.service.reactivate(rig.nurse_id, rig.admin_id)
    assert rig.service.sign_in("jordan", "brand new pass").id == rig.nurse_id
    changes = [detail_of(e)["change"] for e in reversed(rig.entries("account-change"))]
    assert changes == ["unlocked", "password reset", "deactivated", "reactivated"]
    assert all(e.actor_id == rig.admin_id for e in rig.entries("account-change"))
    with pytest.raises(PermissionDenied):
        rig.service.reset_password(rig.therapist_id, "brand new pass", rig.nurse_id)


def test_ones_own_account_stays_active(rig):
    with pytest.raises(ValidationFailed, match="own account"):
        rig.service.deactivate(rig.admin_id, rig.admin_id)
    other = rig.service.create_account(
        "kim", "Kim Ops", StaffRole.ADMIN, "kim pass 1234", rig.admin_id
    )
    rig.service.deactivate(rig.admin_id, other.id)  # another admin can
    with pytest.raises(PermissionDenied):  # and the deactivated admin can no longer act
        rig.service.reactivate(rig.admin_id, rig.admin_id)


def test_the_first_admin_is_created_only_once(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path):
    service, _ = build(sqlite_clinic, sqlite_store, clock, tmp_path)
    assert not service.has_accounts()
    with pytest.raises(ValidationFailed) as failed:
        service.create_first_admin("root", "Robin Hale", "short", "short")
    assert {e.field for e in failed.value.errors} == {"password"}
    admin = service.create_first_admin("root", "Robin Hale", ADMIN_PW, ADMIN_PW)
    assert admin.role is StaffRole.ADMIN and service.has_accounts()
    [created] = sqlite_clinic.audit.search(AuditQuery(action="account-create"))
    assert created.actor_id == admin.id and detail_of(created)["first_admin"] is True
    with pytest.raises(PermissionDenied, match="Accounts exist already"):
        service.create_first_admin("root2", "Someone Else", ADMIN_PW, ADMIN_PW)
    assert sqlite_clinic.audit.count("denied") == 1
    assert service.sign_in("root", ADMIN_PW) == admin
    service.stop()


# ---- a caller-supplied staff id never outranks the signed-in account ----------------------
def test_a_staff_id_other_than_the_signed_in_users_is_refused(qtbot, rig):
    rig.service.sign_in("jordan", NURSE_PW)
    with pytest.raises(PermissionDenied, match=r"is not the signed-in user: Jordan Lee \(nurse\)"):
        rig.service.reset_password(rig.therapist_id, "taken over 123", rig.admin_id)
    found = rig.repo.get(rig.therapist_id)
    assert found is not None
    CHEAP.verify(found.password_hash, THERAPIST_PW)  # unchanged
    with pytest.raises(PermissionDenied, match="is not the signed-in user"):
        rig.service.accounts(rig.admin_id)
    denied = rig.entries("denied")
    assert [e.actor_id for e in denied] == [rig.nurse_id, rig.nurse_id]
    rig.service.sign_in("root", ADMIN_PW)
    rig.service.reset_password(rig.therapist_id, "a new one 123", rig.admin_id)  # as before
    assert rig.access.acting(rig.nurse_id) == rig.admin_id
