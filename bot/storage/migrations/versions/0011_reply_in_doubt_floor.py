"""The reply journal keeps the message id floor of the send in progress (`after_id`), to resolve a reply in doubt.

A replica SIGKILLed after Telegram accepted a reply and before it was recorded leaves the reply in doubt; the
replica taking the update over probes the message ids above this floor with identical edits
(`bot.channels.telegram.probe`) instead of sending the reply again. Nullable: older rows have no floor (their
reply in doubt is sent again, as before).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("xiaoer_update_replies")}
    if "after_id" in columns:  # a database made by `create_all` (adopted at 0001) already has it
        return
    with op.batch_alter_table("xiaoer_update_replies") as batch_op:
        batch_op.add_column(sa.Column("after_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("xiaoer_update_replies") as batch_op:
        batch_op.drop_column("after_id")
