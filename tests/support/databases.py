"""SQL databases for tests, schema made the way production makes it: through the Alembic migrations.

Stores no longer create tables, so every test database goes through `upgrade_schema` (≈ 20 ms on a fresh
SQLite file, a few ms when already current) — the same path as start-up and `xiaoer db upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.db import Database
from bot.storage.migrate import upgrade_schema


def migrated_database(url: str) -> Database:
    """A `Database` on `url` (SQLAlchemy URL) with the schema at the migrations' head."""
    database = Database.open(url)
    upgrade_schema(database)
    return database


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"
