"""Who may do what: the one permission table, checked by the services (not only by the widgets)."""

from __future__ import annotations

import enum

from console.domain.people import StaffRole


class Permission(enum.StrEnum):
    """An action that only some roles may take; the value reads as "may not <value>"."""

    CHECK_IN = "check a patient in"
    ADVANCE_SESSION = "move a session to its next step"
    RECORD_OBSERVATION = "record observations, ratings or adverse events"
    RECORD_VITALS = "record vital signs by hand"
    PREDOSE_CHECKS = "record pre-dose checks"
    RECORD_DOSE = "record doses or rescue medication"
    ACKNOWLEDGE_ALARM = "acknowledge alarms"
    BIND_DEVICE = "connect a monitor to a patient or move it"
    OVERRIDE = "override a gate or discharge item"
    DISCHARGE_CHECKLIST = "fill in the discharge checklist"
    SIGN_DISCHARGE = "sign a discharge"
    CHANGE_LIMITS = "change alarm limits"
    CHANGE_PATIENT_LIMITS = "change a patient's alarm limits for the session"
    CHANGE_SETTINGS = "change settings"
    MANAGE_ACCOUNTS = "manage staff accounts"
    BROWSE_SESSIONS = "open past sessions"
    REVIEW = "sign a supervisor's review"
    VIEW_AUDIT = "view the audit trail"
    EXPORT = "export session records"
    VIEW_STATION = "open the clinic station"


_T, _N, _P = StaffRole.THERAPIST, StaffRole.NURSE, StaffRole.PHYSICIAN
_S, _A = StaffRole.SUPERVISOR, StaffRole.ADMIN
_CARE = frozenset({_T, _N, _P})
_MEDICAL = frozenset({_N, _P})

PERMISSIONS: dict[Permission, frozenset[StaffRole]] = {
    Permission.CHECK_IN: _CARE,
    Permission.ADVANCE_SESSION: _CARE,
    Permission.RECORD_OBSERVATION: _CARE,
    Permission.RECORD_VITALS: _MEDICAL,
    Permission.PREDOSE_CHECKS: _MEDICAL,
    Permission.RECORD_DOSE: _MEDICAL,
    Permission.ACKNOWLEDGE_ALARM: _CARE,
    Permission.BIND_DEVICE: _CARE,
    Permission.OVERRIDE: _MEDICAL,
    Permission.DISCHARGE_CHECKLIST: _CARE,
    Permission.SIGN_DISCHARGE: _MEDICAL,
    Permission.CHANGE_LIMITS: frozenset({_A}),
    Permission.CHANGE_PATIENT_LIMITS: _MEDICAL,
    Permission.CHANGE_SETTINGS: frozenset({_A}),
    Permission.MANAGE_ACCOUNTS: frozenset({_A}),
    Permission.BROWSE_SESSIONS: frozenset({_T, _N, _P, _S}),
    Permission.REVIEW: frozenset({_S}),
    Permission.VIEW_AUDIT: frozenset({_S, _A}),
    Permission.EXPORT: frozenset({_S}),
    Permission.VIEW_STATION: frozenset({_N, _P, _S}),
}

_ROLE_NAMES = {
    _T: "therapist",
    _N: "nurse",
    _P: "physician",
    _S: "supervisor",
    _A: "admin",
}


def allows(role: StaffRole, permission: Permission) -> bool:
    return role in PERMISSIONS[permission]


def refusal(name: str, role: StaffRole, permission: Permission) -> str:
    """The message for a refused action: who, why, and who can."""
    allowed = [_ROLE_NAMES[r] for r in StaffRole if r in PERMISSIONS[permission]]
    who = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]
    return f"{name} ({_ROLE_NAMES[role]}) may not {permission.value}: a {who} can."


def markdown_table() -> str:
    """The permission table as Markdown (the README shows it; a test keeps them in step)."""
    roles = list(StaffRole)
    head = "| action | " + " | ".join(_ROLE_NAMES[r] for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {p.value} | " + " | ".join("✔" if r in PERMISSIONS[p] else "" for r in roles) + " |"
        for p in Permission
    ]
    return "\n".join([head, rule, *rows])
