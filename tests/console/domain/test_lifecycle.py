from __future__ import annotations

import pytest

from console.domain.lifecycle import SessionState, allowed_targets, check_transition
from console.errors import IllegalTransition

S = SessionState


@pytest.mark.parametrize(
    ("current", "target", "dosed"),
    [
        (S.CHECKED_IN, S.BASELINE, False),
        (S.BASELINE, S.MONITORING, True),
        (S.MONITORING, S.RECOVERY, True),
        (S.RECOVERY, S.DISCHARGED, True),
    ],
)
def test_forward_steps_are_allowed(current, target, dosed):
    check_transition(current, target, dosed=dosed)
    assert allowed_targets(current) == [target, S.ABORTED]


def test_skipping_a_step_is_refused_with_the_allowed_step_named():
    with pytest.raises(IllegalTransition, match="only to baseline"):
        check_transition(S.CHECKED_IN, S.MONITORING, dosed=True)
    with pytest.raises(IllegalTransition, match="only to recovery"):
        check_transition(S.MONITORING, S.DISCHARGED, dosed=True)


def test_monitoring_needs_a_dose():
    with pytest.raises(IllegalTransition, match="record the dose"):
        check_transition(S.BASELINE, S.MONITORING, dosed=False)


@pytest.mark.parametrize("state", [S.CHECKED_IN, S.BASELINE, S.MONITORING, S.RECOVERY])
def test_abort_from_any_open_state_needs_a_reason(state):
    with pytest.raises(IllegalTransition, match="needs a reason"):
        check_transition(state, S.ABORTED, dosed=True, reason="  ")
    check_transition(state, S.ABORTED, dosed=True, reason="patient declined")


@pytest.mark.parametrize("state", [S.DISCHARGED, S.ABORTED])
def test_closed_sessions_never_change(state):
    assert allowed_targets(state) == []
    with pytest.raises(IllegalTransition, match="closed"):
        check_transition(state, S.RECOVERY, dosed=True)


def test_same_state_is_refused():
    with pytest.raises(IllegalTransition, match="already in baseline"):
        check_transition(S.BASELINE, S.BASELINE, dosed=False)
