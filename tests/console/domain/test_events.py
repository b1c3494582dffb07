from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.domain.events import AdverseEvent, Severity, validate_adverse_event

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def event(**changes):
    base = dict(
        uid="u",
        session_id=1,
        at=NOW,
        kind="nausea / vomiting",
        severity=Severity.MILD,
        action="",
        author_id=1,
    )
    return AdverseEvent(**{**base, **changes})


def test_a_plain_event_is_valid():
    assert validate_adverse_event(event(), NOW) == []


def test_rescue_medication_needs_dose_and_time():
    errors = {
        e.field: e.message for e in validate_adverse_event(event(rescue_drug="ondansetron"), NOW)
    }
    assert errors == {
        "rescue_dose_mg": "Enter the rescue dose in mg.",
        "rescue_at": "Enter when the rescue medication was given.",
    }
    orphan = {e.field for e in validate_adverse_event(event(rescue_dose_mg=4.0), NOW)}
    assert orphan == {"rescue_drug"}


def test_times_in_the_future_and_empty_kind_are_refused():
    errors = {
        e.field for e in validate_adverse_event(event(kind=" ", at=NOW + timedelta(minutes=1)), NOW)
    }
    assert errors == {"kind", "at"}
