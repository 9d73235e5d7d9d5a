"""Accounts: every person's data carries its owner; logins, login failures, shared secrets;
a person's own stretches and saved routines move into the database.

Rows already stored belong to the local person (account 1), who has no password.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 12:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OWNED_TABLES = (
    "screenings",
    "clearances",
    "safety_blocks",
    "profiles",
    "preferences",
    "sessions",
    "session_items",
    "checkins",
)


def _owner_column() -> sa.Column[int]:
    return sa.Column("owner_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    accounts = op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(accounts, [{"id": 1, "username": None, "created_at": now}])
    op.create_table(
        "logins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_logins_account_id", "logins", ["account_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at"])
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    for table in OWNED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("owner_id", sa.Integer(), nullable=False, server_default="1")
            )
            batch.create_foreign_key(
                f"fk_{table}_owner_id", "accounts", ["owner_id"], ["id"], ondelete="CASCADE"
            )
            batch.create_index(f"ix_{table}_owner_id", ["owner_id"])
        with op.batch_alter_table(table) as batch:
            batch.alter_column("owner_id", server_default=None)
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("identity_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("final_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "own_stretches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stretch_id", sa.String(length=60), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        _owner_column(),
        sa.ForeignKeyConstraint(["owner_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "stretch_id"),
    )
    op.create_index("ix_own_stretches_owner_id", "own_stretches", ["owner_id"])
    op.create_table(
        "routines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        _owner_column(),
        sa.ForeignKeyConstraint(["owner_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "name"),
    )
    op.create_index("ix_routines_owner_id", "routines", ["owner_id"])
    if op.get_bind().dialect.name == "postgresql":
        # The local person was inserted with an explicit id: move the sequence past it.
        op.execute("SELECT setval('accounts_id_seq', (SELECT max(id) FROM accounts))")
        # The one profile and settings row used to be stored with the explicit id 1; each
        # person's row now takes the next id, so the sequences must move past the old row.
        for table in ("profiles", "preferences"):
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}"
            )


def downgrade() -> None:
    op.drop_table("routines")
    op.drop_table("own_stretches")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("final_hash")
        batch.drop_column("identity_hash")
    for table in OWNED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_owner_id")
            batch.drop_constraint(f"fk_{table}_owner_id", type_="foreignkey")
            batch.drop_column("owner_id")
    op.drop_table("server_secrets")
    op.drop_table("login_failures")
    op.drop_table("logins")
    op.drop_table("accounts")
