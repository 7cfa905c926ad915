"""Baseline: the schema of Xiaoer v0.1.0 (commit 953f945), the last release that used `create_all`.

v0.1.0 created its tables lazily, store by store, so a database it made may hold only some of them. This
revision therefore creates each table (with its indexes) only when it is missing: on an empty database it
is the plain baseline, on a v0.1.0 database it adopts what is there and adds the rest. Later revisions are
ordinary ones. The DDL matches `tests/data/schema_v0_1_0.*.sql` (checked by tests/test_migrations.py).

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _table(
    name: str, *columns: sa.Column | sa.Constraint, indexes: Sequence[tuple[str, list[str]]] = ()
) -> None:
    """CREATE TABLE `name` and its (non-unique) indexes, unless a v0.1.0 start-up made it already."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for index, on in indexes:
        op.create_index(index, name, on, unique=False)


def upgrade() -> None:
    # Conversation memory (bot.conversation.store_sql).
    _table(
        "conv_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("skus", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[
            ("ix_conv_turns_at", ["at"]),
            ("ix_conv_turns_chat_id", ["chat_id"]),
            ("ix_conv_turns_user_id", ["user_id"]),
        ],
    )
    _table(
        "conv_chat_state",
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
        indexes=[("ix_conv_chat_state_user_id", ["user_id"])],
    )
    _table(
        "conv_user_interests",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("keyword", sa.String(length=128), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "keyword"),
    )
    # Human handoff (bot.handoff.store_sql); times are epoch seconds.
    _table(
        "handoffs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("user_name", sa.String(length=256), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("support_chat_id", sa.String(length=128), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("card_message_id", sa.String(length=64), nullable=True),
        sa.Column("agent_id", sa.String(length=128), nullable=True),
        sa.Column("agent_name", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("claimed_at", sa.Float(), nullable=True),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("note_pending", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[
            ("ix_handoffs_chat_id", ["chat_id"]),
            ("ix_handoffs_created_at", ["created_at"]),
            ("ix_handoffs_status", ["status"]),
            ("ix_handoffs_thread_id", ["thread_id"]),
        ],
    )
    _table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", sa.String(length=32), nullable=False),
        sa.Column("who", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("attachment_kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        indexes=[("ix_handoff_messages_handoff_id", ["handoff_id"])],
    )
    _table(
        "handoff_links",
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("handoff_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
        indexes=[("ix_handoff_links_handoff_id", ["handoff_id"])],
    )
    # Insights records (bot.insights.store_sql).
    _table(
        "insight_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user", sa.String(length=32), nullable=False),
        sa.Column("chat", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("skus", sa.JSON(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("top_score", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes=[
            ("ix_insight_turns_at", ["at"]),
            ("ix_insight_turns_chat", ["chat"]),
            ("ix_insight_turns_user", ["user"]),
        ],
    )
    _table(
        "insight_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chat", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[("ix_insight_events_at", ["at"]), ("ix_insight_events_chat", ["chat"])],
    )
    # Coordination across replicas (bot.coordination.ledger, bot.coordination.ratelimit_sql).
    _table(
        "xiaoer_processed_updates",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.Float(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("channel", "update_id"),
        indexes=[("ix_xiaoer_updates_chat", ["channel", "chat_key", "status"])],
    )
    _table(
        "xiaoer_rate_hits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[("ix_xiaoer_rate_hits_key_at", ["key", "at"])],
    )
    _table(
        "xiaoer_rate_warnings",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    for name in (
        "xiaoer_rate_warnings",
        "xiaoer_rate_hits",
        "xiaoer_processed_updates",
        "insight_events",
        "insight_turns",
        "handoff_links",
        "handoff_messages",
        "handoffs",
        "conv_user_interests",
        "conv_chat_state",
        "conv_turns",
    ):
        op.drop_table(name)  # drops the table's indexes with it
