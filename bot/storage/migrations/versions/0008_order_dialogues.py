"""Order dialogues: the order conversation's state per (chat, user) (`bot.orders.dialogue_sql`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database that main made with `create_all` (tests/test_migrations.py adopts one) may have it already.
    if sa.inspect(op.get_bind()).has_table("order_dialogues"):
        return
    op.create_table(
        "order_dialogues",
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id"),
    )
    op.create_index("ix_order_dialogues_updated_at", "order_dialogues", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_order_dialogues_updated_at", table_name="order_dialogues")
    op.drop_table("order_dialogues")
