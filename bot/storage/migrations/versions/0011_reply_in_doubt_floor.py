"""Message id floors to resolve a reply in doubt: the journal's `after_id`, the ledger's `last_message_id`.

A replica SIGKILLed after Telegram accepted a reply and before it was recorded leaves the reply in doubt; the
replica taking the update over probes the message ids above this floor with identical edits
(`bot.channels.telegram.probe`) instead of sending the reply again. `xiaoer_processed_updates.last_message_id` (the highest message id an
update's replies got in its chat, set by its completion) keeps the probe above every earlier reply of the chat,
whichever replica sent it. Nullable: older rows have no floor (their reply in doubt is sent again, as before).

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


ADDED = (("xiaoer_update_replies", "after_id"), ("xiaoer_processed_updates", "last_message_id"))


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, column in ADDED:
        if column in {c["name"] for c in inspector.get_columns(table)}:
            continue  # a database made by `create_all` (adopted at 0001) already has it
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column(column, sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table, column in ADDED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(column)
