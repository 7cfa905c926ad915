"""The web channel's message log and the staff console's accounts, sessions and audit log.

Like 0002, these tables reached main with `create_all` before migrations existed, so each (with its indexes)
is created only when it is missing. Times are epoch seconds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _table(
    name: str, *columns: sa.Column | sa.Constraint, indexes: Sequence[tuple[str, list[str]]] = ()
) -> None:
    """CREATE TABLE `name` and its (non-unique) indexes, unless a pre-migrations start-up made it already."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for index, on in indexes:
        op.create_index(index, name, on, unique=False)


def upgrade() -> None:
    # The widget's message log (bot.channels.web.history_sql): ids grow across replicas.
    _table(
        "xiaoer_web_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("who", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("handoff_id", sa.String(length=32), nullable=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[
            ("ix_xiaoer_web_messages_chat_id", ["chat_id", "id"]),
            ("ix_xiaoer_web_messages_handoff", ["handoff_id"]),
        ],
    )
    # Staff console (bot.staff.store_sql): accounts, sessions stored as digests, audit log.
    _table(
        "xiaoer_staff_accounts",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    _table(
        "xiaoer_console_sessions",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("token_digest"),
        indexes=[("ix_xiaoer_console_sessions_expires", ["expires_at"])],
    )
    _table(
        "xiaoer_audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[("ix_xiaoer_audit_log_at", ["at"])],
    )


def downgrade() -> None:
    for name in (
        "xiaoer_audit_log",
        "xiaoer_console_sessions",
        "xiaoer_staff_accounts",
        "xiaoer_web_messages",
    ):
        op.drop_table(name)  # drops the table's indexes with it
