"""The SQL database shared by the conversation, handoff and insights stores.

SQLite in the data directory by default; PostgreSQL (psycopg 3) via `XIAOER_DATABASE_URL`. All stores
declare their tables on the one `Base` so `create_schema` makes everything at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, sessionmaker


def utcnow() -> datetime:
    """Timestamps are stored in UTC everywhere."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base for every table Xiaoer owns."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so several processes can share it."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


_SCHEMA_LOCK = 0x5849414F4552  # "XIAOER": serialises DDL of replicas starting at the same time


def create_schema(engine: Engine, tables: Sequence[Table] | None = None) -> None:
    """Create every table declared on `Base` so far, or just `tables` (idempotent); stores call it after import.

    On PostgreSQL an advisory lock makes replicas that start together take turns: two concurrent
    CREATE TABLEs of the same name would otherwise fail on the catalog's unique index."""
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
                Base.metadata.create_all(conn, tables=list(tables) if tables is not None else None)
            return
        except OperationalError as exc:
            # SQLite has no DDL lock: a process starting at the same moment may create the table between
            # our existence check and our CREATE. Checking again then finds it.
            if "already exists" not in str(exc) or attempt == 2:
                raise


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
