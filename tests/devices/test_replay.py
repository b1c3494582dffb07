"""`vigil replay`: JSON lines on stdout, summary on stderr, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devices.replay import main

PROJECT = Path(__file__).resolve().parents[2]


def test_ivy_capture(device_fixture, capsys: pytest.CaptureFixture[str]) -> None:
    path = device_fixture("ivy_450c_ansar_b/Ivy450C.1.data")
    assert main(["--protocol", "ivy", str(path)]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert len(rows) == 27 * 7
    assert rows[0] == {
        "t_device": None,
        "parameter": "hr",
        "value": 80.0,
        "unit": "/min",
        "flags": [],
    }
    assert {k: rows[4][k] for k in ("parameter", "value")} == {
        "parameter": "nibp_sys",
        "value": 121.0,
    }
    assert "good=27" in captured.err and "bad=0" in captured.err
    assert "P1" in captured.err


def test_masimo_fixture_with_time(device_fixture, capsys: pytest.CaptureFixture[str]) -> None:
    path = device_fixture("masimo_ascii/mdpnp_poxrad_example_strings.txt")
    assert main(["--protocol", "masimo", str(path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["parameter"] == "spo2" and rows[0]["value"] == 98.0
    assert rows[0]["t_device"].startswith("2005-12-01T11:56:29")
    assert rows[0]["flags"] == ["sensor_off"]


def test_unknown_protocol_lists_known(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "x.bin"
    f.write_bytes(b"")
    assert main(["--protocol", "nope", str(f)]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "masimo" in err and "nonin" in err and "hl7" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--protocol", "masimo", str(tmp_path / "absent.txt")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_garbage_file_is_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "garbage.bin"
    f.write_bytes(bytes(range(256)) * 40)
    assert main(["--protocol", "nonin", str(f)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "good=0" in captured.err


def test_runs_as_module(device_fixture, tmp_path: Path) -> None:
    path = device_fixture("nonin_format2/pufferfish_valid_packet_hr72_spo297.hex")
    capture = tmp_path / "nonin.bin"
    capture.write_bytes(bytes.fromhex(path.read_text()) * 3)
    done = subprocess.run(
        [sys.executable, "-m", "devices.replay", "--protocol", "nonin", str(capture)],
        capture_output=True,
        cwd=PROJECT,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [(r["parameter"], r["value"]) for r in rows] == [("pr", 72.0), ("spo2", 97.0)] * 3
    assert b"good=75" in done.stderr
