from __future__ import annotations

import json

from console.settings import SETTINGS_SCHEMA, AppPaths, Settings, load_settings, save_settings


def test_settings_round_trip_with_a_schema_version(tmp_path):
    path = tmp_path / "settings.json"
    save_settings(path, Settings(theme="night", rooms=(7,), check_interval_min=10))
    loaded = load_settings(path)
    assert loaded.theme == "night" and loaded.rooms == (7,)
    assert loaded.schedule().interval.total_seconds() == 600
    assert json.loads(path.read_text())["schema"] == SETTINGS_SCHEMA


def test_a_corrupt_or_partly_wrong_file_falls_back_to_defaults(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert load_settings(path) == Settings()
    path.write_text(json.dumps({"theme": "night", "min_monitoring_min": "lots", "unknown": 1}))
    loaded = load_settings(path)
    assert loaded.theme == "night" and loaded.min_monitoring_min == 120


def test_one_home_folder_holds_everything_when_asked(tmp_path):
    paths = AppPaths.default(tmp_path)
    assert paths.database == tmp_path / "data" / "vigil.sqlite3"
    assert paths.settings == tmp_path / "config" / "settings.json"
    assert paths.spool("sqlite:///a") != paths.spool("sqlite:///b")


def test_the_watched_rooms_round_trip_and_default_to_every_room(tmp_path):
    path = tmp_path / "settings.json"
    assert Settings().rooms == ()
    save_settings(path, Settings(rooms=(3, 1)))
    assert json.loads(path.read_text())["rooms"] == [3, 1]
    assert load_settings(path).rooms == (3, 1)
    path.write_text(json.dumps({"rooms": [2, 2, 5]}))
    assert load_settings(path).rooms == (2, 5)


def test_bad_watched_rooms_fall_back_to_every_room(tmp_path, caplog):
    path = tmp_path / "settings.json"
    for bad in ([0], [-2], ["1"], [1.5], [True], 3, "1,2", {"1": 1}, None, [[1]]):
        path.write_text(json.dumps({"theme": "night", "rooms": bad}))
        caplog.clear()
        loaded = load_settings(path)
        assert loaded.rooms == () and loaded.theme == "night", bad
        assert "setting rooms has a bad value" in caplog.text


def test_a_file_from_before_beds_still_loads(tmp_path):
    path = tmp_path / "settings.json"  # it remembered the one session on screen; beds need not
    path.write_text(json.dumps({"schema": 1, "theme": "night", "last_session_id": 7}))
    assert load_settings(path) == Settings(theme="night")


def test_every_number_setting_has_a_range_and_every_setting_a_type_checked_on_load(tmp_path):
    import dataclasses

    from console.settings import RANGES, load_settings_checked

    path = tmp_path / "settings.json"
    for f in dataclasses.fields(Settings):
        default = getattr(Settings(), f.name)
        if isinstance(default, int | float) and not isinstance(default, bool):
            assert f.name in RANGES, f"{f.name} has no range"
        if f.name == "schema":
            continue
        path.write_text(json.dumps({f.name: {"a wrong": "type"}}))
        settings, problems = load_settings_checked(path)
        if f.name != "extra":  # extra is the one free-form object
            assert getattr(settings, f.name) == default and problems, f.name
    path.write_text(json.dumps({"gate_warn_sys": 170, "gate_hold_sys": 160}))
    settings, problems = load_settings_checked(path)
    assert (settings.gate_warn_sys, settings.gate_hold_sys) == (140, 160) and problems
    path.write_bytes(b"\xff\xfe not utf-8")
    settings, problems = load_settings_checked(path)
    assert settings == Settings() and "unreadable" in problems[0]
