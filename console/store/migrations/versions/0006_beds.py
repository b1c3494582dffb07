"""Monitors belong to a patient: who bound and released each monitor, and the patient's chair.

``session_device`` (until now unused) records each binding of a monitor's port to a session;
it gains the staff who bound and who released it. ``session`` gains the chair number in the room
(1 to 16), empty for sessions checked in before chairs were recorded.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attached_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("detached_by_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_session_device_attached_by_staff_id_staff"),
            "staff",
            ["attached_by_staff_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_session_device_detached_by_staff_id_staff"),
            "staff",
            ["detached_by_staff_id"],
            ["id"],
        )
    with op.batch_alter_table("session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chair", sa.Integer(), nullable=True))


def downgrade() -> None:
    # not a batch: recreating ``session`` on SQLite would drop a table that every session
    # table references, which its foreign keys refuse (SQLite 3.35+ drops a column in place)
    op.drop_column("session", "chair")
    with op.batch_alter_table("session_device", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_session_device_detached_by_staff_id_staff"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_session_device_attached_by_staff_id_staff"), type_="foreignkey"
        )
        batch_op.drop_column("detached_by_staff_id")
        batch_op.drop_column("attached_by_staff_id")
