from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.domain.doses import DoseDraft, Drug, Route, mg_per_kg, validate_dose
from console.domain.predose import BpGate, GateLevel, PreDoseChecks, validate_ride

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def fields(errors):
    return {e.field: e.message for e in errors}


@pytest.mark.parametrize(
    ("sys_", "dia", "level"),
    [
        (140, 90, GateLevel.OK),
        (141, 80, GateLevel.WARN),
        (130, 91, GateLevel.WARN),
        (160, 100, GateLevel.WARN),
        (161, 95, GateLevel.HOLD),
        (150, 101, GateLevel.HOLD),
    ],
)
def test_the_bp_gate_warns_above_140_90_and_holds_above_160_100(sys_, dia, level):
    verdict, text = BpGate().check(sys_, dia)
    assert verdict is level
    assert f"{sys_}/{dia}" in text


def test_the_gate_is_configurable():
    assert BpGate(hold_sys=150).check(155, 80)[0] is GateLevel.HOLD


def test_pre_dose_concerns_are_listed_in_plain_words():
    checks = PreDoseChecks(True, False, False, True, fasted_food=False, fasted_liquids=True)
    assert checks.concerns() == [
        "took a benzodiazepine recently",
        "takes an MAOI",
        "ate within the last 2 hours",
        "no ride home arranged",
    ]
    arranged = PreDoseChecks(
        False, False, False, False, True, True, "Sam Lee", "555 123 4567", "partner"
    )
    assert arranged.ride_arranged and arranged.concerns() == []


def test_a_ride_needs_a_driver_and_a_phone_number():
    assert set(fields(validate_ride("", "12"))) == {"ride_driver", "ride_phone"}
    assert validate_ride("Sam Lee", "+1 (555) 123-4567") == []


def test_a_valid_im_dose_and_mg_per_kg():
    draft = DoseDraft(Drug.KETAMINE, Route.IM, 50, NOW - timedelta(minutes=1))
    assert validate_dose(draft, NOW) == []
    assert mg_per_kg(50, 72.5) == 0.69


def test_dose_bad_input_messages():
    errors = fields(validate_dose(DoseDraft(Drug.KETAMINE, Route.IV_INFUSION, None, None), NOW))
    assert errors == {
        "amount_mg": "Enter the amount in mg.",
        "started_at": "Enter when the dose was started.",
        "ended_at": "For an infusion, enter the end time or the rate.",
    }
    future = DoseDraft(Drug.KETAMINE, Route.IM, 5000, NOW + timedelta(minutes=5))
    assert fields(validate_dose(future, NOW)) == {
        "amount_mg": "5000 mg is not a possible dose.",
        "started_at": "The start time is in the future.",
    }
    backwards = DoseDraft(
        Drug.KETAMINE,
        Route.IV_INFUSION,
        40,
        NOW - timedelta(minutes=5),
        NOW - timedelta(minutes=10),
    )
    assert (
        fields(validate_dose(backwards, NOW))["ended_at"]
        == "The end time must be after the start time."
    )


def test_esketamine_is_intranasal_28_mg_a_device():
    ok = DoseDraft(Drug.ESKETAMINE, Route.INTRANASAL, 56, NOW, lot="ESK-1", device_count=2)
    assert validate_dose(ok, NOW) == []
    wrong = DoseDraft(Drug.ESKETAMINE, Route.IM, 60, NOW, device_count=2)
    assert fields(validate_dose(wrong, NOW)) == {
        "route": "Esketamine is given intranasally.",
        "amount_mg": "2 device(s) give 56 mg, not 60 mg.",
        "lot": "Enter the lot number: the esketamine REMS form asks for it.",
    }


def test_dose_limits_from_settings_skip_unknown_keys_and_bad_numbers():
    from console.domain.doses import DoseLimits

    limits = DoseLimits.from_settings(
        {
            "ketamine/im": 2,
            "ketamine/by_mouth": 5,
            "ketamine/oral": -1,
            "ketamine/iv_infusion": True,
        },
        {"esketamine/intranasal": 56.0, "esketamine/im": "84"},
    )
    assert dict(limits.mg_per_kg) == {"ketamine/im": 2.0}
    assert dict(limits.mg) == {"esketamine/intranasal": 56.0}


def test_the_slip_guard_queries_limits_jumps_and_early_boosters():
    from console.domain.doses import DoseLimits, EarlierDose, dose_concerns

    earlier = [EarlierDose(Drug.KETAMINE, Route.IM, 36, NOW - timedelta(minutes=30))]
    plain = DoseDraft(Drug.KETAMINE, Route.IM, 36, NOW)
    assert dose_concerns(plain, earlier, 72.5, DoseLimits()) == []
    soon = DoseDraft(Drug.KETAMINE, Route.IM, 20, NOW - timedelta(minutes=21))
    assert dose_concerns(soon, earlier, 72.5, DoseLimits()) == [
        "This booster follows the last dose by 9 min (less than 10 min)."
    ]
    esketamine = DoseDraft(Drug.ESKETAMINE, Route.INTRANASAL, 84, NOW, device_count=3)
    given = [EarlierDose(Drug.ESKETAMINE, Route.INTRANASAL, 56, NOW - timedelta(minutes=40))]
    assert dose_concerns(esketamine, given, 72.5, DoseLimits()) == [
        "The session total of esketamine Intranasal would be 140 mg, "
        "above the clinic's limit of 84 mg."
    ]
    first = DoseDraft(Drug.KETAMINE, Route.IV_INFUSION, 80, NOW)  # 1.10 mg/kg IV, no earlier
    assert dose_concerns(first, [], 72.5, DoseLimits()) == [
        "The session total of ketamine IV infusion would be 80 mg (1.10 mg/kg), "
        "above the clinic's limit of 1 mg/kg."
    ]


def test_the_opioid_answer_is_a_concern_and_may_be_unknown_on_older_records():
    older = PreDoseChecks(False, False, False, False, True, True, "Sam", "5550101", "partner")
    assert older.opioids is None and older.concerns() == []
    taking = PreDoseChecks(
        False, False, False, False, True, True, "Sam", "5550101", "partner", opioids=True
    )
    assert taking.concerns() == ["takes or recently took an opioid"]
