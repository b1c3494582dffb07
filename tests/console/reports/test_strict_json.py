"""Exports never hold NaN or Infinity: every JSON file reads back with a strict parser."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from console.cli_export import run_export
from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.lifecycle import SessionState
from console.domain.people import StaffRole
from console.store.dose_repository import DoseRepository
from console.store.spool import Spool
from console.store.writer import DurableWriter


def strict_loads(text: str) -> object:
    """json.loads that refuses NaN, Infinity and -Infinity (not JSON, per RFC 8259)."""

    def refuse(name: str) -> object:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_the_strict_parser_does_refuse_what_python_writes_by_default() -> None:
    with pytest.raises(ValueError, match="Infinity"):
        strict_loads(json.dumps({"rate": float("inf")}))
    with pytest.raises(ValueError, match="NaN"):
        strict_loads(json.dumps([float("nan")]))


@pytest.mark.parametrize("rate", [float("inf"), float("-inf"), float("nan")])
def test_a_stored_non_finite_infusion_rate_still_exports_valid_fhir_json(
    sqlite_store, sqlite_clinic, clock, tmp_path, rate
) -> None:
    # a rate stored before the domain refused it: the export must still be standard JSON
    c = sqlite_clinic
    sid = c.check_in(clock.now() - timedelta(hours=2))
    t0 = clock.now() - timedelta(hours=1, minutes=50)
    c.sessions.apply_transition(
        uid=str(uuid.uuid4()),
        session_id=sid,
        from_state=SessionState.CHECKED_IN,
        to_state=SessionState.BASELINE,
        at=t0 - timedelta(minutes=1),
        by_staff_id=c.nurse.id,
    )
    DoseRepository(sqlite_store).add(
        DoseRecord(
            str(uuid.uuid4()),
            sid,
            Drug.KETAMINE,
            Route.IV_INFUSION,
            35.0,
            t0,
            c.nurse.id,
            t0,
            ended_at=t0 + timedelta(minutes=40),
            rate_mg_per_h=rate,
            lot="KT-9",
        )
    )
    supervisor = c.people.add_staff("Casey Brooks", StaffRole.SUPERVISOR)
    access = c.access(DurableWriter(c.targets, Spool(tmp_path / "spool.jsonl")))
    out = tmp_path / "bundle.json"
    run_export(sqlite_store, clock, access, sid, "fhir", out, supervisor.id)
    text = out.read_text(encoding="utf-8")
    bundle = strict_loads(text)
    assert isinstance(bundle, dict) and bundle["resourceType"] == "Bundle"
    assert "Infinity" not in text and "NaN" not in text
    given = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    ]
    assert len(given) == 1
