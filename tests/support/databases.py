"""SQL databases for tests, schema made the way production makes it: through the Alembic migrations.

Stores no longer create tables, so every test database goes through `upgrade_schema` (≈ 20 ms on a fresh
SQLite file, a few ms when already current) — the same path as start-up and `xiaoer db upgrade`.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
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


def upgrade_worker(url: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    """A replica's start-up in a spawned process: wait for the signal, upgrade, report (ok?, changed?).

    Lives here, not in a test module, so the child imports only storage (not the whole bot)."""
    database = Database.open(url)
    start.wait(30)
    try:
        out.put(("ok", upgrade_schema(database).changed))
    except Exception as exc:
        out.put((f"{type(exc).__name__}: {exc}", False))
    finally:
        database.dispose()
