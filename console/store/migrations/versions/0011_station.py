"""The clinic station: console heartbeats and, on PostgreSQL, NOTIFY triggers for the station.

Room consoles report every ~10 s in ``console_heartbeat``. On PostgreSQL, triggers send one
notice on channel ``vigil_station`` per committed batch of vital samples or alarm events (per
session), per session change, per dose or note, and per heartbeat; the station LISTENs and reads
only what changed. SQLite gets the table only (the station needs the clinic's shared database).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "vigil_station"

# one notice per transaction and session: a batch written as many INSERT statements (the driver's
# executemany) fires the statement trigger once per statement; a transaction-local flag keeps the
# first notice only, and it names the batch's first row id so the station reads from there.
_BATCH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION vigil_station_batch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    item record;
    flag text;
BEGIN
    FOR item IN SELECT session_id, min(id) AS first_id FROM new_rows
                WHERE session_id IS NOT NULL GROUP BY session_id LOOP
        flag := 'vigil.station_' || TG_ARGV[0] || '_' || item.session_id;
        IF coalesce(current_setting(flag, true), '') <> 'sent' THEN
            PERFORM set_config(flag, 'sent', true);
            PERFORM pg_notify('{CHANNEL}', json_build_object(
                'schema', current_schema(), 'kind', TG_ARGV[0],
                'session', item.session_id, 'from', item.first_id)::text);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
"""

_ROW_FUNCTION = f"""
CREATE OR REPLACE FUNCTION vigil_station_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', json_build_object(
        'schema', current_schema(), 'kind', TG_ARGV[0],
        'session', NEW.session_id)::text);
    RETURN NULL;
END $$;
"""

_SESSION_FUNCTION = f"""
CREATE OR REPLACE FUNCTION vigil_station_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', json_build_object(
        'schema', current_schema(), 'kind', 'session', 'session', NEW.id,
        'room', NEW.room_id)::text);
    RETURN NULL;
END $$;
"""

_BEAT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION vigil_station_beat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', json_build_object(
        'schema', current_schema(), 'kind', 'beat', 'console', NEW.console_id,
        'room', NEW.room_id)::text);
    RETURN NULL;
END $$;
"""

_TRIGGERS = (
    ("vigil_station_vitals", "vital_sample", "INSERT", "batch", "vitals"),
    ("vigil_station_alarms", "alarm_event", "INSERT", "batch", "alarm"),
    ("vigil_station_session", "session", "INSERT OR UPDATE", "session", "session"),
    ("vigil_station_dose", "dose", "INSERT OR UPDATE", "row", "detail"),
    ("vigil_station_note", "observation", "INSERT", "row", "detail"),
    ("vigil_station_beat", "console_heartbeat", "INSERT OR UPDATE", "beat", "beat"),
)


def _create_trigger(name: str, table: str, events: str, style: str, kind: str) -> str:
    if style == "batch":
        return (
            f'CREATE TRIGGER {name} AFTER {events} ON "{table}" REFERENCING NEW TABLE AS new_rows '
            f"FOR EACH STATEMENT EXECUTE FUNCTION vigil_station_batch('{kind}')"
        )
    function = {"beat": "vigil_station_beat", "session": "vigil_station_session"}.get(
        style, "vigil_station_row"
    )
    return (
        f'CREATE TRIGGER {name} AFTER {events} ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {function}('{kind}')"
    )


def upgrade() -> None:
    op.create_table(
        "console_heartbeat",
        sa.Column("console_id", sa.String(length=120), nullable=False),
        sa.Column("room_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("console_id", "room_id"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in (_BATCH_FUNCTION, _ROW_FUNCTION, _SESSION_FUNCTION, _BEAT_FUNCTION):
        op.execute(function)
    for trigger in _TRIGGERS:
        op.execute(_create_trigger(*trigger))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, *_ in _TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
        for function in (
            "vigil_station_batch",
            "vigil_station_row",
            "vigil_station_session",
            "vigil_station_beat",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("console_heartbeat")
