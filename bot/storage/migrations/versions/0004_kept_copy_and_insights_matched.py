"""Copy kept for fine-tuning (`copy_kept`), and whether a product request was matched (`insight_turns.matched`).

Both reached main before migrations existed: `copy_kept` by `create_all`, `matched` by a stand-in `ALTER TABLE`
in the insights store. So the table is created only when missing and the column added only when missing.
Turns recorded before this revision keep `matched` NULL ("not known"), which insights read as not a request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("copy_kept"):
        op.create_table(
            "copy_kept",
            sa.Column("copy_id", sa.String(length=128), nullable=False),
            sa.Column("sku", sa.String(length=128), nullable=False),
            sa.Column("platform", sa.String(length=32), nullable=False),
            sa.Column("tone", sa.String(length=32), nullable=False),
            sa.Column("facts", sa.Text(), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("bullets", sa.JSON(), nullable=False),
            sa.Column("kept_by", sa.String(length=128), nullable=False),
            sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("copy_id"),
        )
        op.create_index("ix_copy_kept_kept_at", "copy_kept", ["kept_at"], unique=False)
        op.create_index("ix_copy_kept_sku", "copy_kept", ["sku"], unique=False)
    if "matched" not in {column["name"] for column in inspector.get_columns("insight_turns")}:
        with op.batch_alter_table("insight_turns") as batch_op:  # a plain ADD COLUMN on both backends
            batch_op.add_column(sa.Column("matched", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("insight_turns") as batch_op:  # SQLite: the table is copied without it
        batch_op.drop_column("matched")
    op.drop_table("copy_kept")  # drops its indexes with it
