"""The reply journal (`xiaoer_update_replies`): each update's replies and how many were sent, for crash safety.

It reached main with `create_all` before migrations existed, and its `sending` column a little later (which
`create_all` never adds to an existing table), so both are created only when missing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("xiaoer_update_replies"):
        op.create_table(
            "xiaoer_update_replies",
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("outbounds", sa.Text(), nullable=False),
            sa.Column("delivered", sa.Integer(), nullable=False),
            sa.Column("sending", sa.Integer(), nullable=False),
            sa.Column("at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("channel", "update_id"),
        )
    elif "sending" not in {column["name"] for column in inspector.get_columns("xiaoer_update_replies")}:
        with op.batch_alter_table("xiaoer_update_replies") as batch_op:  # no send started for old rows
            batch_op.add_column(sa.Column("sending", sa.Integer(), nullable=False, server_default="0"))
        with op.batch_alter_table("xiaoer_update_replies") as batch_op:  # the model has no server default
            batch_op.alter_column("sending", server_default=None)


def downgrade() -> None:
    op.drop_table("xiaoer_update_replies")
