"""Accounts (user name, password, lockout), the audit trail's hash chain, supervisor reviews.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 21:30:00

Existing audit entries join the chain in the order they were written. The hash is a frozen copy
of ``console.domain.audit.entry_hash`` as it was at this revision, so later code changes cannot
change what this migration wrote.
"""

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from console.store.types import UTCDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GENESIS = "0" * 64


def _hash(seq: int, uid: str, row: sa.Row[tuple[object, ...]], prev: str) -> str:
    at: datetime = row.at
    when = at.replace(tzinfo=at.tzinfo or UTC).astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(
        [seq, uid, when, row.actor_id, row.action, row.entity, row.entity_id, row.detail, prev],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("password_hash", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("locked_until", UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_staff_username"), ["username"])

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("prev_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("hash", sa.String(length=64), server_default="", nullable=False)
        )

    bind = op.get_bind()
    audit = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("uid", sa.String()),
        sa.column("seq", sa.Integer()),
        sa.column("at", UTCDateTime()),
        sa.column("actor_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("detail", sa.Text()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    prev = _GENESIS
    for seq, row in enumerate(bind.execute(sa.select(audit).order_by(audit.c.id)).all(), 1):
        uid = str(uuid.uuid4())
        digest = _hash(seq, uid, row, prev)
        bind.execute(
            audit.update()
            .where(audit.c.id == row.id)
            .values(uid=uid, seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("uid", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_uid"), ["uid"])
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_seq"), ["seq"])

    op.create_table(
        "session_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("printed_name", sa.String(length=80), nullable=False),
        sa.Column("meaning", sa.String(length=40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["reviewer_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
    )
    with op.batch_alter_table("session_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_review_session_id"), ["session_id"])


def downgrade() -> None:
    with op.batch_alter_table("session_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_review_session_id"))
    op.drop_table("session_review")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_seq"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_audit_event_uid"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.drop_column("uid")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_staff_username"), type_="unique")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("username")
