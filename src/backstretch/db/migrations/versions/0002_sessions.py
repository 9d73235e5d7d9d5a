"""Sessions with their items, the remembered profile and check-ins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 03:24:17.944615
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("activities", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sessions",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("routine_name", sa.String(length=120), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("planned_seconds", sa.Integer(), nullable=False),
        sa.Column("pain_before", sa.Integer(), nullable=True),
        sa.Column("pain_after", sa.Integer(), nullable=True),
        sa.Column("stop_signal", sa.String(length=40), nullable=True),
        sa.Column("stopped_stretch", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sessions_started_at", ["started_at"], unique=False)

    op.create_table(
        "session_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_uuid", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stretch", sa.String(length=60), nullable=False),
        sa.Column("planned_seconds", sa.Integer(), nullable=False),
        sa.Column("planned_reps", sa.Integer(), nullable=False),
        sa.Column("done_seconds", sa.Integer(), nullable=False),
        sa.Column("done_reps", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["session_uuid"], ["sessions.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_uuid", "position"),
    )
    with op.batch_alter_table("session_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_items_session_uuid"), ["session_uuid"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("session_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_items_session_uuid"))

    op.drop_table("session_items")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_started_at")

    op.drop_table("sessions")
    op.drop_table("profiles")
    op.drop_table("checkins")
