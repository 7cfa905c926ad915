"""Orders gain the customer's/merchant's free-text `note` and the `cancelled_at` / `refunded_at` times.

The note is shown to agents only (fenced on the after-sales card and `/order`); the end times let a reply
say when an order was cancelled or refunded. Existing rows get "" (no note, time unknown).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 20:05:33.985915
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made with `create_all` from today's models (tests/test_migrations.py adopts one) has them.
    have = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("orders")}
    columns = [
        sa.Column("cancelled_at", sa.String(length=40), server_default="", nullable=False),
        sa.Column("refunded_at", sa.String(length=40), server_default="", nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
    ]
    missing = [column for column in columns if column.name not in have]
    if not missing:
        return
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in missing:
            batch_op.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("refunded_at")
        batch_op.drop_column("cancelled_at")
