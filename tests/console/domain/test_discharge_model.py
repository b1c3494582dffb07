"""The typed discharge record (old shapes read, today's written back unchanged) and ``evaluate``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from console.domain.discharge import (
    Ambulation,
    DischargeDraft,
    ItemId,
    NauseaControl,
    RideHome,
    SignedDischarge,
    evaluate,
    validate_item_override,
    validate_override,
    validate_ride_home,
)
from console.domain.events import RatingEntry
from console.domain.lifecycle import SessionState
from console.domain.sessions import SessionRecord
from console.domain.vitals import Parameter, VitalPoint

T0 = datetime(2026, 3, 8, 14, 25, tzinfo=UTC)

# A signed record exactly as the console wrote it before the typed record (sort_keys JSON).
SIGNED_TODAY = json.loads(
    """{"answers": {"crisis_line": {"at": "2026-03-08T16:20:00+00:00", "by": 2, "done": true},
 "instructions": {"at": "2026-03-08T16:20:00+00:00", "by": 2, "done": true},
 "nausea_controlled": {"at": "2026-03-08T16:21:00+00:00", "by": 2, "done": true},
 "oriented": {"at": "2026-03-08T16:21:00+00:00", "by": 2, "done": true,
   "override": {"against": "active rating alarm: MOAA/S 3", "reason": "Rated before the alarm",
     "uid": "5c1f"}},
 "steady_gait": {"at": "2026-03-08T16:22:00+00:00", "by": 2, "done": false},
 "vitals_stable": {"at": "2026-03-08T16:22:00+00:00", "by": 2, "done": true}},
 "esketamine": true,
 "integration": {"at": "2026-03-08T16:23:00+00:00", "by": 2, "when": "2026-03-10T10:00:00+00:00"},
 "open_items": ["Steady gait not yet confirmed."],
 "override_uid": "9a7e",
 "padss": {"ambulation": {"at": "2026-03-08T16:10:00+00:00", "by": 2, "value": 2},
   "nausea": {"at": "2026-03-08T16:11:00+00:00", "by": 2, "value": 1},
   "vitals": {"at": "2026-03-08T16:12:00+00:00", "baseline": {"hr": 70.0, "nibp_sys": 120.0},
     "by": 2, "latest": {"hr": 72.0, "nibp_sys": 122.0}, "score": 2,
     "summary": "SBP 120 → 122 (+1.7 %); HR 70 → 72 (+2.9 %)"}},
 "padss_total": 9,
 "ready": {"at": "2026-03-08T16:24:00+00:00", "by": 2, "when": "2026-03-08T16:05:00+00:00"},
 "rems": {"ready_minutes": 100, "total_minutes": 125},
 "ride": {"at": "2026-03-08T16:15:00+00:00", "by": 2, "confirmed_at": "2026-03-08T16:15:00+00:00",
   "driver_name": "Chris D.", "phone": "555 0100 200", "relationship": "partner"},
 "signature": {"at": "2026-03-08T16:30:00+00:00", "meaning": "discharged by",
   "name": "Jordan Lee"},
 "version": 1}"""
)


def test_a_signed_record_written_today_opens_typed_and_writes_back_unchanged():
    signed = SignedDischarge.from_json(SIGNED_TODAY)
    assert signed.padss_total == 9
    assert signed.open_items == ("Steady gait not yet confirmed.",)
    assert (signed.rems_total_minutes, signed.rems_ready_minutes) == (125, 100)
    assert signed.override_uid == "9a7e"
    assert (signed.signature_name, signed.signature_meaning) == ("Jordan Lee", "discharged by")
    draft = signed.draft
    assert draft.esketamine is True
    assert draft.ride.driver_name == "Chris D." and draft.ride.mark is not None
    assert draft.ambulation is not None and draft.ambulation.value == Ambulation.STEADY
    assert draft.vitals is not None and draft.vitals.baseline == {
        Parameter.HR: 70.0,
        Parameter.NIBP_SYS: 120.0,
    }
    oriented = draft.answer("oriented")
    assert oriented is not None and oriented.override is not None
    assert oriented.override.reason == "Rated before the alarm"
    # the same dict back: the audit digest of a stored record stays verifiable
    assert signed.to_json() == SIGNED_TODAY


def test_an_older_draft_without_version_or_confirmed_numbers_still_opens():
    old = {
        "answers": {"oriented": {"done": True}},
        "padss": {"vitals": {"summary": "SBP 120 → 122 (+1.7 %)", "score": 2}},
        "ride": {"driver_name": "Chris D.", "relationship": "partner"},
    }
    draft = DischargeDraft.from_json(old)
    assert draft.version == 1 and draft.esketamine is False
    assert draft.vitals is not None and draft.vitals.baseline is None
    assert draft.vitals.score == 2 and draft.vitals.mark is None
    assert draft.ride.phone == "" and draft.ride.confirmed_at is None
    answer = draft.answer("oriented")
    assert answer is not None and answer.done and answer.mark is None
    # and malformed parts read as absent rather than failing
    broken = DischargeDraft.from_json({"answers": [], "padss": "x", "ride": None, "ready": 5})
    assert broken == DischargeDraft()


def vitals(at: datetime, hr: float, sys: float) -> list[VitalPoint]:
    values = {Parameter.HR: hr, Parameter.NIBP_SYS: sys, Parameter.NIBP_DIA: 80}
    values |= {Parameter.SPO2: 98, Parameter.RR: 14}
    return [VitalPoint(p, v, at, "manual") for p, v in values.items()]


def test_evaluate_is_pure_and_reads_the_draft_the_record_the_vitals_and_the_pain():
    record = SessionRecord(
        1, "u", 5, 1, 1, 2, T0 - timedelta(minutes=20), SessionState.RECOVERY, T0, None
    )
    points = vitals(T0 - timedelta(minutes=10), 70, 120) + vitals(
        T0 + timedelta(minutes=90), 72, 150
    )
    pain = RatingEntry("r1", 1, "pain", 2, "", T0 + timedelta(minutes=80), 2)
    draft = DischargeDraft.from_json(
        {
            "padss": {
                "ambulation": {"value": 2, "by": 2, "at": T0.isoformat()},
                "nausea": {"value": 0, "by": 2, "at": T0.isoformat()},
            },
            "answers": {"nausea_controlled": {"done": True, "by": 2, "at": T0.isoformat()}},
        }
    )
    now = T0 + timedelta(minutes=100)
    result = evaluate(draft, record, points, [pain], now)
    items = {item.id: item for item in result.items}
    assert items[ItemId.MONITORING_TIME].problem.startswith(
        "Minimum monitoring not met: 100 of 120"
    )
    # SBP +25 % proposed but not confirmed; the PADSS is not scored yet
    assert result.padss.vitals is not None and result.padss.vitals.score == 1
    assert result.padss.score is None and result.padss.pain_rating == 2
    assert result.padss.nausea is NauseaControl.NOT_CONTROLLED
    # the nausea answer contradicts the tick: open, saying why
    assert not items[ItemId.NAUSEA_CONTROLLED].done
    assert "ticked, but the PADSS nausea answer" in items[ItemId.NAUSEA_CONTROLLED].problem
    assert result.blockers == tuple(i.problem for i in result.items if i.problem)
    assert result.rems is None
    # the same inputs give the same answer; once signed, the kept open items are the blockers
    assert evaluate(draft, record, points, [pain], now) == result
    signed = evaluate(draft, record, points, [pain], now, signed_open_items=["kept"])
    assert signed.blockers == ("kept",)
    assert (
        signed.items[[i.id for i in signed.items].index(ItemId.NAUSEA_CONTROLLED)].contradiction
        == ""
    )


def test_the_free_text_fields_refuse_control_characters():
    ride = RideHome("Chris\x07 D.", "555 0100\x1b200", "part\x00ner", T0)
    fields = {e.field for e in validate_ride_home(ride, T0 + timedelta(minutes=1))}
    assert fields == {"driver_name", "phone", "relationship"}
    assert [e.field for e in validate_override("Stable\x1b[31m, seen by the doctor")] == ["reason"]
    errors = validate_item_override("Rated before\x08 the alarm", "active rating alarm")
    assert [e.field for e in errors] == ["item_reason"]
    assert "control character" in errors[0].message
    # line breaks and tabs are fine; so is plain text
    assert validate_override("Stable,\n\tseen by the doctor") == []
    assert validate_item_override("Rated before the alarm", "x") == []
