"""Every free-text field refuses control characters other than newline and tab, by its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from console.domain.accounts import validate_name, validate_new_account
from console.domain.doses import DoseDraft, Drug, Route, validate_dose
from console.domain.events import AdverseEvent, OverrideKind, Severity, validate_adverse_event
from console.domain.lifecycle import SessionState, check_transition
from console.domain.people import PatientDraft, validate_patient, validate_staff_name
from console.domain.predose import PreDoseChecks, validate_ride
from console.domain.room import validate_room_name
from console.domain.scales import ScaleDefinition, validate_rating
from console.domain.sessions import validate_note
from console.domain.text import check_text, control_characters
from console.errors import FieldError, IllegalTransition, ValidationFailed
from console.services.review import validate_comment
from tests.console.services.test_workflow_service import PIN, draft, make_rig

TODAY = date(2026, 3, 8)
PAIN = ScaleDefinition("pain", "Pain", "", 0, 10)
NOW = datetime(2026, 3, 8, 14, 0, tzinfo=UTC)


def lot(text: str) -> list[FieldError]:
    draft = DoseDraft(Drug.KETAMINE, Route.IM, 36.0, NOW - timedelta(minutes=1), lot=text)
    return validate_dose(draft, NOW)


def event(
    detail: str = "Fainted briefly", action: str = "Observed", oxygen_device: str = ""
) -> list[FieldError]:
    flow = 2.0 if oxygen_device else None
    happened = AdverseEvent(
        "u1",
        1,
        NOW - timedelta(minutes=2),
        "other",
        Severity.MILD,
        action,
        1,
        detail=detail,
        oxygen_l_min=flow,
        oxygen_device=oxygen_device,
    )
    return validate_adverse_event(happened, NOW)


def patient(name: str = "J. D.", chart: str = "MRN-1") -> PatientDraft:
    return PatientDraft(name, chart, date(1986, 4, 12), 72.5)


# (what is checked, the field its message goes beside, a validator of one typed text)
VALIDATORS: list[tuple[str, str, Callable[[str], list[FieldError]]]] = [
    ("note", "text", validate_note),
    ("account name", "name", validate_name),
    (
        "new account's name",
        "name",
        lambda text: validate_new_account("jordan", text, "a long pass phrase 1"),
    ),
    ("patient name", "display_name", lambda text: validate_patient(patient(name=text), TODAY)),
    ("chart id", "chart_id", lambda text: validate_patient(patient(chart=text), TODAY)),
    ("staff name", "name", validate_staff_name),
    ("room name", "name", validate_room_name),
    ("rating note", "note", lambda text: validate_rating(PAIN, "3", text)),
    ("review comment", "comment", validate_comment),
    ("dose lot", "lot", lot),
    ("ride driver", "ride_driver", lambda text: validate_ride(text, "555 010 4400")),
    ("adverse event detail", "detail", lambda text: event(detail=text)),
    ("adverse event action", "action", lambda text: event(action=text)),
    ("oxygen device", "oxygen_device", lambda text: event(oxygen_device=text)),
]
BAD = [
    ("NUL", "Jo\x00rdan"),
    ("escape sequence", "Jordan\x1b[2J"),
    ("bell", "Jor\x07dan"),
    ("carriage return", "Jordan\rLee"),
    ("DEL", "Jordan\x7f"),
    ("C1 control", "Jordan\x85"),
    ("line separator", "Jordan\u2028Lee"),
]


@pytest.mark.parametrize(("label", "text"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize(("what", "field", "validate"), VALIDATORS, ids=[v[0] for v in VALIDATORS])
def test_a_control_character_is_refused_beside_its_field(
    what: str, field: str, validate: Callable[[str], list[FieldError]], label: str, text: str
) -> None:
    errors = [e for e in validate(text) if e.field == field]
    assert len(errors) == 1, f"{what} took {label}"
    assert "control character" in errors[0].message
    assert control_characters(text)[0] in errors[0].message


@pytest.mark.parametrize(("what", "field", "validate"), VALIDATORS, ids=[v[0] for v in VALIDATORS])
def test_newline_tab_and_accents_are_kept(
    what: str, field: str, validate: Callable[[str], list[FieldError]]
) -> None:
    text = "Zoë\tO'Brien" if field != "text" and field != "comment" else "Zoë calm\n\tthen asleep"
    assert [e for e in validate(text) if e.field == field] == [], what


def test_the_message_names_the_characters_found_once_each() -> None:
    [error] = check_text("reason", "a\x00b\x00c\x1b")
    assert error.field == "reason"
    assert "U+0000, U+001B" in error.message and error.message.count("U+0000") == 1


def test_an_abort_reason_with_a_control_character_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="control character"):
        check_transition(
            SessionState.BASELINE, SessionState.ABORTED, dosed=False, reason="left\x00early"
        )
    check_transition(
        SessionState.BASELINE, SessionState.ABORTED, dosed=False, reason="left early\n\twell"
    )


def test_override_and_dose_reasons_refuse_control_characters_and_store_nothing(
    qtbot, sqlite_clinic, sqlite_store, clock, tmp_path
) -> None:
    rig = make_rig(sqlite_clinic, sqlite_store, clock, tmp_path / "spool.jsonl")
    rig.service.save_predose(PreDoseChecks(False, False, False, False, True, True), rig.nurse)
    rig.baseline()
    with pytest.raises(ValidationFailed) as refused:
        rig.service.override(OverrideKind.RIDE_HOME, "Partner\x00 on the way", rig.nurse, PIN)
    assert [e.field for e in refused.value.errors] == ["reason"]
    assert rig.workflow.overrides(rig.record.id) == []
    rig.service.override(OverrideKind.RIDE_HOME, "Partner on the way", rig.nurse, PIN)
    rig.clock.advance(timedelta(minutes=5))  # the baseline set is before the dose
    dose = rig.service.record_dose(draft(rig), rig.nurse)
    with pytest.raises(ValidationFailed) as refused:
        rig.service.mark_entered_in_error(dose.uid, "wrong\x1bpatient", rig.nurse, PIN)
    assert [e.field for e in refused.value.errors] == ["reason"]
    assert rig.service.doses()[0].correction is None
