"""A patient's own alarm limits per session, and the flag of a device time not believed.

* ``session_alarm_limit`` (new, append-only): the limits changed for one session's patient, one
  row per (parameter, bound) of a change; the rows of one change share its ``change_uid`` and are
  stored together. Replayed in order they rebuild the session's limits after a restart.
* ``vital_sample`` gains ``device_time_rejected``: the device stamped a time outside the plausible
  years, so it was dropped and the arrival time stands (false for every older sample).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_alarm_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_uid", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=20), nullable=False),
        sa.Column("bound", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_session_alarm_limit_session_id"), "session_alarm_limit", ["session_id"]
    )
    op.create_index(
        op.f("ix_session_alarm_limit_change_uid"), "session_alarm_limit", ["change_uid"]
    )
    # a plain ADD COLUMN with a constant default: no copy of a large table, on SQLite too
    op.add_column(
        "vital_sample",
        sa.Column("device_time_rejected", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("vital_sample") as batch:
        batch.drop_column("device_time_rejected")
    op.drop_index(op.f("ix_session_alarm_limit_change_uid"), table_name="session_alarm_limit")
    op.drop_index(op.f("ix_session_alarm_limit_session_id"), table_name="session_alarm_limit")
    op.drop_table("session_alarm_limit")
