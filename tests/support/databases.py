"""SQL databases for tests, schema made the way production makes it: through the Alembic migrations.

Stores no longer create tables, so every test database goes through `upgrade_schema` (≈ 30 ms of CPU on a
fresh SQLite file, a few ms when already current) — the same path as start-up and `xiaoer db upgrade`. New
SQLite files start as a copy of one file those migrations built in this process, then are upgraded as usual.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.synchronize
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.storage.db import Database
from bot.storage.migrate import upgrade_schema

_SQLITE_HEAD: Path | None = None  # this test process's SQLite file migrated to head (see migrated_database)


def _sqlite_at_head() -> Path:
    """A SQLite file upgraded from nothing to head by the migrations, once per test process."""
    global _SQLITE_HEAD
    if _SQLITE_HEAD is None:
        directory = Path(tempfile.mkdtemp(prefix="xiaoer-schema-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        path = directory / "head.db"
        database = Database.open(sqlite_url(path))
        try:
            upgrade_schema(database)
        finally:
            database.dispose()
        assert not path.with_name("head.db-wal").exists(), "the template must be one self-contained file"
        _SQLITE_HEAD = path
    return _SQLITE_HEAD


def migrated_database(url: str) -> Database:
    """A `Database` on `url` (SQLAlchemy URL) with the schema at the migrations' head.

    A new SQLite file starts as a copy of one file the migrations built (once per process) and is then
    upgraded like any other database (a no-op check at head): ~5 ms instead of ~30 ms of CPU each."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite" and target.database not in (None, "", ":memory:"):
        path = Path(target.database)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)  # as Database.open does
            shutil.copyfile(_sqlite_at_head(), path)
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
