"""The session state machine: checked-in → baseline → monitoring → recovery → discharged, or aborted."""

from __future__ import annotations

import enum

from console.domain.text import check_text
from console.errors import IllegalTransition


class SessionState(enum.StrEnum):
    """Where a dosing session stands; the value is what the database stores."""

    CHECKED_IN = "checked_in"
    BASELINE = "baseline"
    MONITORING = "monitoring"  # dosed: T0 is set
    RECOVERY = "recovery"
    DISCHARGED = "discharged"
    ABORTED = "aborted"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (SessionState.DISCHARGED, SessionState.ABORTED)


_LABELS = {
    SessionState.CHECKED_IN: "Checked in",
    SessionState.BASELINE: "Baseline",
    SessionState.MONITORING: "Dosed · monitoring",
    SessionState.RECOVERY: "Recovery",
    SessionState.DISCHARGED: "Discharged",
    SessionState.ABORTED: "Aborted",
}

_NEXT: dict[SessionState, SessionState] = {
    SessionState.CHECKED_IN: SessionState.BASELINE,
    SessionState.BASELINE: SessionState.MONITORING,
    SessionState.MONITORING: SessionState.RECOVERY,
    SessionState.RECOVERY: SessionState.DISCHARGED,
}


def allowed_targets(state: SessionState) -> list[SessionState]:
    """The states a session in ``state`` may move to, forward step first."""
    if not state.is_open:
        return []
    return [_NEXT[state], SessionState.ABORTED]


def check_transition(
    current: SessionState, target: SessionState, *, dosed: bool, reason: str = ""
) -> None:
    """Raise IllegalTransition with a message saying why, unless ``current`` → ``target`` is allowed."""
    if not current.is_open:
        raise IllegalTransition(
            f"The session is {current.label.lower()} and closed; its record can no longer change."
        )
    if target == current:
        raise IllegalTransition(f"The session is already in {current.label.lower()}.")
    if target == SessionState.ABORTED:
        if not reason.strip():
            raise IllegalTransition("Aborting a session needs a reason.")
        for error in check_text("reason", reason):  # shown beside the reason field
            raise IllegalTransition(f"The reason: {error.message}")
        return
    expected = _NEXT[current]
    if target != expected:
        raise IllegalTransition(
            f"A session in {current.label.lower()} can move only to {expected.label.lower()} "
            f"(or be aborted), not to {target.label.lower()}."
        )
    if target == SessionState.MONITORING and not dosed:
        raise IllegalTransition("Monitoring starts with the first dose: record the dose first.")
