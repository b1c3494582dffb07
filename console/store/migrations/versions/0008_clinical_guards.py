"""Clinical guards: dose corrections, the slip-guard reason, opioids, adverse-event treatments.

* ``dose`` gains ``confirm_reason``: why an entry the slip guard queried went ahead ("" before).
* ``dose_correction`` (new, append-only): a signed "entered in error" amendment of one dose; the
  dose row itself never changes. Older databases have none, so every older dose stays in force.
* ``predose_check`` gains ``opioids`` (empty for checks saved before the question was asked).
* ``adverse_event`` gains the free-text detail (for "other") and the non-drug treatments:
  supplemental oxygen (L/min and device), airway manoeuvre, positioning.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dose", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirm_reason", sa.Text(), server_default="", nullable=False)
        )
    op.create_table(
        "dose_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("dose_uid", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("printed_name", sa.String(length=80), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dose_uid"], ["dose.uid"]),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.ForeignKeyConstraint(["signed_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dose_uid"),
        sa.UniqueConstraint("uid"),
    )
    with op.batch_alter_table("dose_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dose_correction_session_id"), ["session_id"], unique=False
        )
    with op.batch_alter_table("predose_check", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opioids", sa.Boolean(), nullable=True))
    with op.batch_alter_table("adverse_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("oxygen_l_min", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("oxygen_device", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("airway_manoeuvre", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("positioning", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("adverse_event", schema=None) as batch_op:
        for column in ("positioning", "airway_manoeuvre", "oxygen_device", "oxygen_l_min"):
            batch_op.drop_column(column)
        batch_op.drop_column("detail")
    with op.batch_alter_table("predose_check", schema=None) as batch_op:
        batch_op.drop_column("opioids")
    with op.batch_alter_table("dose_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dose_correction_session_id"))
    op.drop_table("dose_correction")
    with op.batch_alter_table("dose", schema=None) as batch_op:
        batch_op.drop_column("confirm_reason")
