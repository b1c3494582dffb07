"""Outbound HL7 interface and REMS submissions.

``outbound_config`` holds the one outbound interface's settings; ``outbound_message`` is the
store-and-forward queue (a message is queued in the transaction that stores its data);
``outbound_mark`` keeps the last minute a device value of each parameter was queued, so device
values leave at most once a minute; ``rems_submission`` records an esketamine REMS form marked
submitted (date and confirmation number).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbound_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("host", sa.String(length=255), server_default="", nullable=False),
        sa.Column("port", sa.Integer(), server_default="2575", nullable=False),
        sa.Column("sending_application", sa.String(length=40), nullable=False),
        sa.Column("sending_facility", sa.String(length=40), nullable=False),
        sa.Column("receiving_application", sa.String(length=40), nullable=False),
        sa.Column("receiving_facility", sa.String(length=40), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["changed_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("control_id", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_code", sa.String(length=2), server_default="", nullable=False),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("control_id"),
    )
    op.create_index("ix_outbound_message_state_id", "outbound_message", ["state", "id"])
    op.create_table(
        "outbound_mark",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=20), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.PrimaryKeyConstraint("session_id", "parameter"),
    )
    op.create_table(
        "rems_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("confirmation", sa.String(length=60), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id"),
    )


def downgrade() -> None:
    op.drop_table("rems_submission")
    op.drop_table("outbound_mark")
    op.drop_index("ix_outbound_message_state_id", table_name="outbound_message")
    op.drop_table("outbound_message")
    op.drop_table("outbound_config")
