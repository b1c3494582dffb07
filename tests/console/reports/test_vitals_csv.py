"""The vitals CSV: every sample, parsed back with the csv module, in UTF-8, streamed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from console.domain.vitals import Parameter, VitalPoint
from console.reports.vitals_csv import HEADER, vitals_rows, write_vitals_csv

START = datetime(2026, 3, 8, 6, 55, tzinfo=UTC)  # New York moves its clocks at 07:00 UTC
NEW_YORK = ZoneInfo("America/New_York")


def points() -> list[VitalPoint]:
    out = [
        VitalPoint(
            Parameter.HR,
            70.0 + i % 7,
            START + timedelta(seconds=i),
            "masimo",
            device="/dev/ttyUSB0",
        )
        for i in range(600)
    ]
    out.append(
        VitalPoint(
            Parameter.NIBP_SYS,
            128.0,
            START + timedelta(minutes=3),
            "ivy",
            measurement_key="c-17",
            device="/dev/ttyUSB1",
        )
    )
    out.append(
        VitalPoint(
            Parameter.TEMP,
            36.75,
            START + timedelta(minutes=5, milliseconds=250),
            "manual",
            entered_by_id=2,
        )
    )
    out.append(
        VitalPoint(Parameter.SPO2, 97.0, START + timedelta(minutes=5), "manual", entered_by_id=9)
    )
    return out


def test_every_sample_is_a_row_that_parses_back_to_the_same_values(tmp_path):
    path = tmp_path / "vitals.csv"
    stored = points()
    with path.open("w", encoding="utf-8", newline="") as stream:
        count = write_vitals_csv(stream, stored, {2: "Jordan Lee"}, zone=NEW_YORK)
    assert count == len(stored) == 603
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == list(HEADER)
    assert len(rows) == len(stored)
    for row, point in zip(rows, stored, strict=True):
        assert datetime.fromisoformat(row["time_utc"].replace("Z", "+00:00")) == point.at
        local = datetime.fromisoformat(row["time_local"])
        assert local == point.at and local.utcoffset() == point.at.astimezone(NEW_YORK).utcoffset()
        assert row["parameter"] == point.parameter.value
        assert float(row["value"]) == point.value
        assert row["source"] == point.source
        assert row["device"] == point.device
    assert sum(1 for r in rows if r["parameter"] == "hr") == 600
    cuff = rows[600]
    assert (cuff["label"], cuff["value"], cuff["unit"], cuff["device"]) == (
        "SYS",
        "128",
        "mmHg",
        "/dev/ttyUSB1",
    )
    assert (rows[299]["time_utc"], rows[299]["time_local"]) == (
        "2026-03-08T06:59:59Z",
        "2026-03-08T01:59:59-05:00",
    )
    assert rows[300]["time_local"] == "2026-03-08T03:00:00-04:00"  # daylight saving began
    temp = rows[601]
    assert temp["time_utc"] == "2026-03-08T07:00:00.250Z"
    assert temp["time_local"] == "2026-03-08T03:00:00.250-04:00"
    assert (temp["value"], temp["unit"], temp["source"], temp["entered_by"]) == (
        "36.75",
        "°C",
        "manual",
        "Jordan Lee",
    )
    assert rows[602]["entered_by"] == "staff #9"  # an unknown id is still named
    assert rows[0]["entered_by"] == "" and rows[0]["time_utc"] == "2026-03-08T06:55:00Z"


def test_the_file_is_utf8_without_a_byte_order_mark(tmp_path):
    path = tmp_path / "vitals.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_vitals_csv(stream, points()[-2:], {2: "Zoë Ångström"})
    data = path.read_bytes()
    assert data.startswith(b"time_utc,time_local,")
    assert "°C".encode() in data and "Zoë Ångström".encode() in data
    assert data.count(b"\r\n") == 3  # header and two rows, RFC 4180 line ends


def test_rows_are_produced_one_at_a_time_from_the_points_given():
    taken: list[int] = []

    def source():
        for index, point in enumerate(points()):
            taken.append(index)
            yield point

    rows = vitals_rows(source(), lambda staff_id: f"#{staff_id}")
    assert next(rows) == HEADER
    first = next(rows)
    assert first[2:6] == ("hr", "HR", "70", "/min")
    assert taken == [0]  # nothing read ahead: a long session is never held twice in memory


def test_text_with_commas_quotes_and_new_lines_survives_the_round_trip():
    buffer = io.StringIO(newline="")
    point = VitalPoint(Parameter.RR, 14.0, START, "manual", entered_by_id=1)
    write_vitals_csv(buffer, [point], {1: 'Lee, "Jo"\nnight shift'})
    buffer.seek(0)
    rows = list(csv.DictReader(buffer))
    assert rows[0]["entered_by"] == 'Lee, "Jo"\nnight shift'
