"""The permission table: every action has roles, the README shows the table as it is in code."""

from __future__ import annotations

import re

from console.domain.people import StaffRole
from console.domain.permissions import PERMISSIONS, Permission, allows, markdown_table, refusal
from tests.conftest import PROJECT


def test_every_permission_is_in_the_table_and_someone_holds_it():
    assert set(PERMISSIONS) == set(Permission)
    assert all(PERMISSIONS[p] for p in Permission)


def test_the_record_keeping_split_of_duties():
    assert allows(StaffRole.NURSE, Permission.RECORD_DOSE)
    assert not allows(StaffRole.THERAPIST, Permission.RECORD_DOSE)
    assert not allows(StaffRole.ADMIN, Permission.RECORD_OBSERVATION)  # IT is not clinical
    assert allows(StaffRole.ADMIN, Permission.CHANGE_LIMITS)
    assert [r for r in StaffRole if allows(r, Permission.REVIEW)] == [StaffRole.SUPERVISOR]


def test_a_refusal_names_the_person_the_action_and_who_can():
    assert refusal("Alex Morgan", StaffRole.THERAPIST, Permission.SIGN_DISCHARGE) == (
        "Alex Morgan (therapist) may not sign a discharge: a nurse or physician can."
    )


def test_the_readme_shows_the_table_from_the_code():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- permissions:start -->\n(.*?)\n<!-- permissions:end -->", readme, re.S)
    assert shown is not None
    assert shown.group(1) == markdown_table()
