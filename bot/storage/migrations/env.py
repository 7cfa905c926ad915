"""Alembic's entry point for Xiaoer's migrations: runs on the connection `bot.storage.migrate` hands it.

There is no alembic.ini and no URL here: `upgrade_schema` (start-up, `xiaoer db upgrade`) and
`xiaoer db revision` open the connection, take the lock and own the transaction.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from bot.storage.types import UTCDateTime

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Xiaoer's migrations run through `xiaoer db upgrade` (bot.storage.migrate), not alone")


def render_item(kind: str, item: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Write our UTC type as the plain column type it is in DDL, so revisions never import app code."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"  # the revision template imports sqlalchemy as sa
    return False


context.configure(
    connection=connection,
    target_metadata=config.attributes.get("target_metadata"),
    render_as_batch=True,  # SQLite can only ALTER by copying the table: batch mode does that for us
    render_item=render_item,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
