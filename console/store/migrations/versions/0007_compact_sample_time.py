"""A vital sample's arrival time as whole microseconds since 1970 (UTC) instead of text.

The time of every sample is kept twice (the row and the session/time index); as 26 characters of
text it was a quarter of an 8-hour room's database. As a 64-bit integer it is exact to the
microsecond, orders the same, and the database converts it to seconds without parsing.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# exact: whole seconds from the text, the microseconds from its fraction (SQLAlchemy writes
# "YYYY-MM-DD HH:MM:SS.ffffff"); PostgreSQL's EXTRACT gives an exact numeric
_TO_MICROS = {
    "sqlite": (
        "CAST(strftime('%s', host_time) AS INTEGER) * 1000000"
        " + CAST(substr(substr(host_time, 21) || '000000', 1, 6) AS INTEGER)"
    ),
    "postgresql": "CAST(EXTRACT(EPOCH FROM host_time) * 1000000 AS BIGINT)",
}
_FROM_MICROS = {
    "sqlite": (
        "datetime(host_us / 1000000, 'unixepoch') || '.' || printf('%06d', host_us % 1000000)"
    ),
    "postgresql": "to_timestamp(host_us / 1000000.0)",
}


def _swap(new_type: sa.types.TypeEngine, convert: dict[str, str]) -> None:
    bind = op.get_bind()
    op.add_column("vital_sample", sa.Column("host_us", new_type, nullable=True))
    op.execute(f"UPDATE vital_sample SET host_us = {convert[bind.dialect.name]}")
    op.drop_index("ix_vital_sample_session_time", table_name="vital_sample")
    with op.batch_alter_table("vital_sample", schema=None) as batch_op:
        batch_op.drop_column("host_time")
    with op.batch_alter_table("vital_sample", schema=None) as batch_op:
        batch_op.alter_column(
            "host_us", new_column_name="host_time", existing_type=new_type, nullable=False
        )
    op.create_index("ix_vital_sample_session_time", "vital_sample", ["session_id", "host_time"])


def upgrade() -> None:
    _swap(sa.BigInteger(), _TO_MICROS)


def downgrade() -> None:
    # the text form again; the value column is renamed first so the conversion can read it
    op.drop_index("ix_vital_sample_session_time", table_name="vital_sample")
    with op.batch_alter_table("vital_sample", schema=None) as batch_op:
        batch_op.alter_column("host_time", new_column_name="host_us", existing_type=sa.BigInteger())
    bind = op.get_bind()
    op.add_column("vital_sample", sa.Column("host_time", sa.DateTime(timezone=True), nullable=True))
    op.execute(f"UPDATE vital_sample SET host_time = {_FROM_MICROS[bind.dialect.name]}")
    with op.batch_alter_table("vital_sample", schema=None) as batch_op:
        batch_op.drop_column("host_us")
    with op.batch_alter_table("vital_sample", schema=None) as batch_op:
        batch_op.alter_column("host_time", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(
            "ix_vital_sample_session_time", ["session_id", "host_time"], unique=False
        )
