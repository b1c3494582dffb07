"""`vigil station`: PostgreSQL only (a clear sentence on SQLite), its options, who may open it."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from console.cli_station import NEEDS_POSTGRES, add_station_parser, station_options, station_problem
from console.clock import SystemClock
from console.domain.people import StaffRole
from console.domain.permissions import Permission, allows
from console.settings import AppPaths, Settings
from console.station.heartbeat import Heartbeat
from widgets.station_app import run_station


def test_sqlite_is_refused_with_a_sentence_and_postgresql_is_taken():
    assert station_problem("sqlite:////tmp/vigil.sqlite3") == NEEDS_POSTGRES
    assert station_problem("postgresql+psycopg://vigil@db.clinic/vigil") is None


def test_the_command_says_why_it_cannot_run_on_sqlite(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--theme")
    add_station_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["--db", f"sqlite:///{tmp_path / 'v.sqlite3'}", "station", "--user", "casey"]
    )
    assert run_station(args, AppPaths.default(tmp_path)) == 1
    assert "shared PostgreSQL database" in capsys.readouterr().err
    assert not (tmp_path / "v.sqlite3").exists()  # nothing was opened or created


def test_sound_is_off_at_night_by_default_and_acknowledging_needs_the_clinic():
    night = station_options(Settings(), None, night=True)
    day = station_options(Settings(), None, night=False)
    assert (night.sounds, day.sounds) == (False, True)
    assert night.acknowledge is False
    assert night.not_reporting_after == timedelta(seconds=30)
    clinic = Settings(
        extra={"station_acknowledge": True, "station_sound": "on", "station_not_reporting_s": 12}
    )
    chosen = station_options(clinic, None, night=True)
    assert (chosen.sounds, chosen.acknowledge) == (True, True)
    assert chosen.not_reporting_after == timedelta(seconds=12)


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda r: r.value)
def test_who_may_open_the_station(role):
    expected = role in (StaffRole.NURSE, StaffRole.PHYSICIAN, StaffRole.SUPERVISOR)
    assert allows(role, Permission.VIEW_STATION) is expected


def test_a_sqlite_console_writes_no_heartbeat(sqlite_store, qtbot):
    beat = Heartbeat(sqlite_store, SystemClock(), [1], "console-a", interval_ms=100)
    beat.start()
    assert beat.enabled is False
    qtbot.wait(250)
    from console.store.station_repository import StationRepository

    assert StationRepository(sqlite_store).beats() == []
    beat.stop()


@pytest.mark.postgres
def test_a_therapist_may_not_open_the_station(postgres_url, tmp_path, monkeypatch, capsys, qapp):
    import io

    from argon2 import PasswordHasher, profiles

    from console.store.account_repository import AccountRepository
    from console.store.database import Store
    from tests.conftest import Clinic

    store = Store.open(postgres_url)
    clinic = Clinic(store, SystemClock())
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    AccountRepository(store).give_account(clinic.therapist.id, "alex", cheap.hash("pw for alex 1"))
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--theme")
    add_station_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--db", postgres_url, "station", "--user", "alex"])
    monkeypatch.setattr("sys.stdin", io.StringIO("pw for alex 1\n"))
    try:
        assert run_station(args, AppPaths.default(tmp_path)) == 1
    finally:
        store.close()
    assert "may not open the clinic station" in capsys.readouterr().err
