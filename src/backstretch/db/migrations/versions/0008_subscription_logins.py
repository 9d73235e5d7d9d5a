"""Push subscriptions note the login that last saved them, so logging out on a browser stops
that browser's reminders (and only that browser's).

Subscriptions kept before this note none: logging out leaves them until the browser saves its
subscription again (the reminders page does so whenever it is opened).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.add_column(sa.Column("login_token_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_push_subscriptions_login_token_hash", ["login_token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.drop_index("ix_push_subscriptions_login_token_hash")
        batch.drop_column("login_token_hash")
