"""Migration 0008: records written before the clinical guards still open, unchanged, in force."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseCorrection
from console.store.database import Store
from console.store.dose_repository import DoseRepository
from console.store.engine import create_store_engine
from console.store.migrate import alembic_config
from console.store.workflow_repository import WorkflowRepository

_AT = "2026-03-08 06:30:00+00:00"
_OLD_RECORDS = (
    "INSERT INTO staff (id, name, role) VALUES (1, 'Old Hand', 'nurse')",
    "INSERT INTO room (id, name) VALUES (1, 'Room 1')",
    "INSERT INTO patient (id, display_name, chart_id, date_of_birth, weight_kg, created_at)"
    f" VALUES (1, 'J. D.', 'MRN-1', '1986-04-12', 72.5, '{_AT}')",
    "INSERT INTO session (id, uid, patient_id, room_id, therapist_id, checked_in_at, state, t0)"
    f" VALUES (1, 'u-1', 1, 1, 1, '{_AT}', 'monitoring', '{_AT}')",
    "INSERT INTO dose (uid, session_id, drug, route, amount_mg, started_at, lot, given_by_id,"
    f" recorded_at) VALUES ('d-1', 1, 'ketamine', 'im', 50, '{_AT}', 'K-1', 1, '{_AT}')",
    "INSERT INTO predose_check (session_id, benzodiazepines, other_sedatives, stimulants, maoi,"
    " fasted_food, fasted_liquids, ride_driver, ride_phone, ride_relationship, recorded_by_id,"
    f" recorded_at) VALUES (1, false, false, false, false, true, true, 'Sam', '5550101',"
    f" 'partner', 1, '{_AT}')",
    "INSERT INTO adverse_event (uid, session_id, at, kind, severity, action, rescue_drug,"
    " rescue_route, author_id) VALUES ('a-1', 1, "
    f"'{_AT}', 'desaturation', 'mild', 'chin lift', '', '', 1)",
)


def test_older_doses_checks_and_events_open_after_the_upgrade(store_url: str):
    engine = create_store_engine(store_url)
    command.upgrade(alembic_config(engine), "0007")
    with engine.begin() as connection:
        for statement in _OLD_RECORDS:
            connection.execute(text(statement))
    engine.dispose()
    store = Store.open(store_url)  # upgrades to the head
    try:
        doses = DoseRepository(store).doses(1)
        assert [(d.uid, d.drug, d.route, d.amount_mg, d.lot) for d in doses] == [
            ("d-1", Drug.KETAMINE, Route.IM, 50, "K-1")
        ]
        assert doses[0].in_force and doses[0].confirm_reason == ""
        workflow = WorkflowRepository(store)
        checks = workflow.predose(1)
        assert checks is not None and checks.opioids is None  # asked before the question
        (event,) = workflow.adverse_events(1)
        assert (event.kind, event.action) == ("desaturation", "chin lift")
        assert event.oxygen_l_min is None and event.treatments == [] and event.detail == ""
        # a correction is a new row beside the dose, which stays as it was
        signed = datetime(2026, 3, 8, 7, tzinfo=UTC)
        correction = DoseCorrection("c-1", "d-1", "wrong chart", 1, "Old Hand", signed)
        DoseRepository(store).add_correction(1, correction)
        DoseRepository(store).add_correction(1, correction)  # the same uid twice: stored once
        (dose,) = DoseRepository(store).doses(1)
        assert dose.correction == correction and dose.amount_mg == 50
    finally:
        store.close()


def test_the_guards_migration_goes_down_keeping_the_doses(store_url: str):
    engine = create_store_engine(store_url)
    config = alembic_config(engine)
    command.upgrade(config, "0007")
    with engine.begin() as connection:
        for statement in _OLD_RECORDS:
            connection.execute(text(statement))
    command.upgrade(config, "0008")
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        assert "dose_correction" in tables
    command.downgrade(config, "0007")
    with engine.connect() as connection:
        assert "dose_correction" not in inspect(connection).get_table_names()
        columns = {c["name"] for c in inspect(connection).get_columns("dose")}
        assert "confirm_reason" not in columns
        assert connection.execute(text("SELECT amount_mg FROM dose")).scalar() == 50
    engine.dispose()
