"""Several alarm-limit changes made together (a patient's or the clinic's), checked as one."""

from __future__ import annotations

from console.domain.alarms import Bound, LimitSet, effective_limits, validate_limit_change
from console.domain.vitals import Parameter
from console.errors import FieldError

#: Several limit changes made together: (parameter, bound) → the new value (None = off).
LimitChanges = dict[tuple[Parameter, Bound], float | None]


def check_limit_changes(current: LimitSet, changes: LimitChanges) -> list[FieldError]:
    """The problems of making all ``changes`` to ``current`` at once, each on a changed field
    ("<parameter>.<bound>"), judged against the other changes as well.
    """
    errors: list[FieldError] = []
    for key, value in changes.items():
        others = effective_limits(current, {}, {k: v for k, v in changes.items() if k != key})
        for error in validate_limit_change(others, key[0], key[1], value):
            if error not in errors:
                errors.append(error)
    return errors
