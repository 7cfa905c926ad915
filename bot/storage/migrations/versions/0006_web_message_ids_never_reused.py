"""The widget's message log never reuses an id on SQLite (`AUTOINCREMENT`).

Open widget sockets follow the log by "id greater than the last one sent". SQLite's default rowid is
max(id) + 1, so after `/forget` (or retention) deletes a chat's newest rows the next message could get an id
a socket has already passed and never be shown. PostgreSQL's identity sequences never go back, so only
SQLite's table is rebuilt (alembic batch mode copies the rows).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "xiaoer_web_messages", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass


def downgrade() -> None:
    """Nothing to undo: AUTOINCREMENT only stops ids from being reused."""
