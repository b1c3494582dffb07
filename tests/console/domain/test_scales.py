from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.domain.scales import (
    BUILTIN_PATH,
    Rating,
    ScaleDefinition,
    ScaleFileError,
    alarm_for,
    crossed_limit,
    load_definitions,
    parse_rating,
    validate_rating,
)
from console.errors import ValidationFailed

BUILTINS = load_definitions([])
MOAAS = BUILTINS["moaas"]
RASS = BUILTINS["rass"]
EVEN = ScaleDefinition("even", "Even", "", 0, 10, step=2)


def messages(definition: ScaleDefinition, raw: str, note: str = "") -> dict[str, str]:
    return {e.field: e.message for e in validate_rating(definition, raw, note)}


def write(path: Path, scales: list[dict[str, object]], schema: object = 1) -> Path:
    path.write_text(json.dumps({"schema": schema, "scales": scales}), encoding="utf-8")
    return path


def test_the_builtin_scales_are_shipped_with_the_agreed_ranges():
    assert BUILTIN_PATH.is_file()
    assert set(BUILTINS) == {"moaas", "rass", "dissociation", "pain", "nausea"}
    ranges = {d.id: (d.min, d.max, d.step) for d in BUILTINS.values()}
    assert ranges == {
        "moaas": (0, 5, 1),
        "rass": (-5, 4, 1),
        "dissociation": (0, 4, 1),
        "pain": (0, 10, 1),
        "nausea": (0, 3, 1),
    }
    assert MOAAS.alarm_at_or_below == 1 and MOAAS.alarm_priority == "high"
    assert BUILTINS["dissociation"].anchor(4) == "Extreme"
    assert BUILTINS["nausea"].anchor(3) == "Vomiting"
    assert RASS.anchor(0) == "Alert and calm"
    for definition in BUILTINS.values():  # every value described, shortly
        assert set(definition.anchors) == set(definition.values)
        assert all(len(text) <= 60 for text in definition.anchors.values())


def test_no_licensed_instrument_is_shipped():
    text = BUILTIN_PATH.read_text(encoding="utf-8").lower()
    assert "cadss" not in text


def test_a_valid_rating_has_no_errors_and_parses():
    assert messages(MOAAS, " 4 ") == {}
    assert parse_rating(RASS, "−3", " drowsy ") == Rating("rass", -3, "drowsy")
    assert parse_rating(RASS, "+2", "") == Rating("rass", 2, "")


def test_an_empty_rating_asks_for_a_value_with_the_range():
    assert messages(RASS, "  ") == {"value": "Choose a RASS value (−5 to +4)."}


def test_a_rating_that_is_not_a_whole_number_is_refused():
    assert messages(MOAAS, "2.5") == {"value": "MOAA/S must be a whole number, not “2.5”."}
    assert messages(MOAAS, "two") == {"value": "MOAA/S must be a whole number, not “two”."}


def test_a_rating_out_of_range_is_refused():
    assert messages(MOAAS, "6") == {"value": "MOAA/S 6 is outside 0 to 5."}
    assert messages(RASS, "-6") == {"value": "RASS −6 is outside −5 to +4."}


def test_a_rating_off_the_step_is_refused():
    assert messages(EVEN, "4") == {}
    assert messages(EVEN, "3") == {
        "value": "Even goes in steps of 2 from 0; 3 is not one of its values."
    }


def test_an_overlong_note_is_refused_and_parse_raises():
    assert set(messages(MOAAS, "3", "x" * 2001)) == {"note"}
    with pytest.raises(ValidationFailed) as caught:
        parse_rating(MOAAS, "", "")
    assert caught.value.errors[0].field == "value"


def test_moaas_alarms_at_one_and_zero_but_not_two():
    assert alarm_for(MOAAS, 1) == "MOAA/S 1 ≤ 1"
    assert alarm_for(MOAAS, 0) == "MOAA/S 0 ≤ 1"
    assert alarm_for(MOAAS, 2) is None
    assert alarm_for(BUILTINS["pain"], 10) is None


def test_an_upper_alarm_limit_is_reported_with_its_sign():
    agitation = ScaleDefinition(
        "agit", "RASS", "", -5, 4, alarm_at_or_above=3, alarm_priority="medium"
    )
    assert alarm_for(agitation, 3) == "RASS +3 ≥ +3"
    assert alarm_for(agitation, 2) is None
    assert (crossed_limit(agitation, 4), crossed_limit(agitation, 2)) == (3, None)
    assert (crossed_limit(MOAAS, 0), crossed_limit(MOAAS, 2)) == (1, None)


def test_a_clinic_file_adds_a_custom_scale(tmp_path: Path):
    clinic = write(
        tmp_path / "clinic.json",
        [
            {
                "id": "clinic-dissociation",
                "name": "Clinic DS",
                "min": 0,
                "max": 100,
                "step": 10,
                "anchors": {"0": "Not at all", "100": "Completely"},
                "alarm_at_or_above": 90,
                "alarm_priority": "medium",
            }
        ],
    )
    definitions = load_definitions([clinic])
    assert set(definitions) == set(BUILTINS) | {"clinic-dissociation"}
    custom = definitions["clinic-dissociation"]
    assert custom.description == "" and custom.values[:3] == (0, 10, 20)
    assert custom.anchor(100) == "Completely"
    assert messages(custom, "15") != {}
    assert alarm_for(custom, 90) == "Clinic DS 90 ≥ 90"


def test_a_clinic_file_replaces_a_builtin_by_id(tmp_path: Path):
    clinic = write(
        tmp_path / "moaas.json",
        [
            {
                "id": "moaas",
                "name": "Sedation",
                "description": "Our own wording.",
                "min": 0,
                "max": 5,
                "alarm_at_or_below": 2,
                "alarm_priority": "high",
            }
        ],
    )
    replaced = load_definitions([clinic])["moaas"]
    assert replaced.name == "Sedation" and replaced.anchors == {}
    assert alarm_for(replaced, 2) == "Sedation 2 ≤ 2"
    assert load_definitions([])["moaas"].name == "MOAA/S"  # the built-in file is untouched


def test_a_later_clinic_file_wins(tmp_path: Path):
    first = write(tmp_path / "a.json", [{"id": "x", "name": "First", "min": 0, "max": 1}])
    second = write(tmp_path / "b.json", [{"id": "x", "name": "Second", "min": 0, "max": 1}])
    assert load_definitions([first, second])["x"].name == "Second"


GOOD: dict[str, object] = {"id": "mood", "name": "Mood", "min": 0, "max": 4}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": None}, "scale “mood” is missing the field(s) name"),
        ({"min": 4}, "scale “mood”: min (4) must be less than max (4)"),
        ({"min": 0.5}, "scale “mood”: min must be a whole number, not 0.5"),
        ({"step": 3}, "step 3 must be at least 1 and divide max − min"),
        ({"anchors": {"5": "Too high"}}, "anchor 5 is outside the scale (0 to 4, step 1)"),
        ({"anchors": {"two": "Two"}}, "anchor key 'two' is not a whole number"),
        ({"anchors": {"2": " "}}, "anchor 2 needs a non-empty description"),
        ({"alarm_at_or_below": 1}, "alarm_priority must be one of high, medium, low"),
        ({"alarm_at_or_below": 9, "alarm_priority": "high"}, "alarm_at_or_below 9 is outside"),
        ({"alarm_priority": "high"}, "alarm_priority is set but no alarm limit is"),
        ({"colour": "red"}, "scale “mood” has unknown field(s) colour"),
        ({"id": "Bad Id"}, "scale #1: id must be"),
    ],
)
def test_a_malformed_definition_names_the_file_and_the_problem(
    tmp_path: Path, change: dict[str, object], expected: str
):
    raw = {**GOOD, **change}
    raw = {key: value for key, value in raw.items() if value is not None}
    path = write(tmp_path / "clinic-scales.json", [raw])
    with pytest.raises(ScaleFileError) as caught:
        load_definitions([path])
    assert caught.value.path == path
    assert expected in caught.value.message
    assert str(caught.value).startswith(f"{path}: ")


def test_a_duplicate_id_within_one_file_is_an_error(tmp_path: Path):
    path = write(tmp_path / "dup.json", [GOOD, GOOD])
    with pytest.raises(ScaleFileError) as caught:
        load_definitions([path])
    assert str(caught.value) == f"{path}: scale id “mood” appears more than once"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"schema": 1, "scales": [', "not valid JSON"),
        ("[]", "must hold a JSON object"),
        ('{"scales": []}', "schema field is missing"),
        ('{"schema": 2, "scales": []}', "schema 2 is not supported"),
        ('{"schema": 1}', "scales field is missing or is not a list"),
        ('{"schema": 1, "scales": [3]}', "scale #1 must be an object"),
        ('{"schema": 1, "scales": [], "extra": 1}', "unknown top-level field(s) extra"),
    ],
)
def test_a_malformed_file_is_reported_with_its_name(tmp_path: Path, text: str, expected: str):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScaleFileError) as caught:
        load_definitions([path])
    assert "broken.json" in str(caught.value)
    assert expected in caught.value.message


def test_a_missing_file_is_reported(tmp_path: Path):
    path = tmp_path / "absent.json"
    with pytest.raises(ScaleFileError) as caught:
        load_definitions([path])
    assert str(caught.value) == f"{path}: the file does not exist"
