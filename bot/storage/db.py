"""The SQL database shared by the conversation, handoff, insights and coordination stores.

SQLite in the data directory by default; PostgreSQL (psycopg 3) via `XIAOER_DATABASE_URL`. Every table is
declared on the one `Base`; the schema itself is made and upgraded by the Alembic migrations in
`bot.storage.migrations` (see `bot.storage.migrate.upgrade_schema`), never by the stores. Outside
`bot/storage`, `bot/coordination` and the `store_sql.py` modules code holds a `Database`, not an engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from bot.storage.aio import AsyncSql
from bot.storage.errors import DatabaseUnavailable


class Base(DeclarativeBase):
    """Declarative base for every table Xiaoer owns (the migrations' autogenerate target)."""


POOL_RECYCLE_S = 1800.0  # seconds a pooled PostgreSQL connection is reused before it is replaced


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
    # No pre-ping: it is a round trip per checkout on the hot path. A connection the server dropped fails
    # its statement instead (SQLAlchemy then recycles the whole pool); `pool_recycle` retires connections
    # before idle-timeouts of proxies or the server end them. Returning a connection rolls back only a
    # transaction still open (psycopg sends nothing for an idle connection).
    return create_engine(url, pool_pre_ping=False, pool_recycle=POOL_RECYCLE_S, pool_size=10, max_overflow=20)


class Database:
    """Our handle on one SQL database: its engine, a session factory, the dialect's name, `dispose()`.

    Made by `Database.open(url)` (URL as from `Settings.resolved_database_url`). Channels, ops and the
    composition root pass this around; only storage, coordination and `store_sql.py` modules look inside
    (`engine`, `sessions` for transactions; `autocommit` and `reads` for single statements and plain reads
    on the hot path, one round trip each)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
        # The same pool, each statement its own transaction: one round trip for a single-statement read or
        # write, where `engine.begin()` costs three (BEGIN, the statement, COMMIT).
        self.autocommit: Engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.reads: sessionmaker[Session] = sessionmaker(self.autocommit, expire_on_commit=False)
        # PostgreSQL: the reply path's fixed statements run from the event loop (see `bot.storage.aio`)
        self.aio: AsyncSql | None = None
        if engine.dialect.name == "postgresql":
            conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.aio = AsyncSql(conninfo)

    @classmethod
    def open(cls, url: str) -> Database:
        """Connect lazily to `url` (nothing is sent until first use; a SQLite file's folder is created).

        Raises `DatabaseUnavailable` when `url` is not a database URL Xiaoer can use (its text is not
        repeated: it may hold a password)."""
        try:
            return cls(make_engine(url))
        except (ArgumentError, ImportError) as exc:
            raise DatabaseUnavailable(
                "not a usable database URL (expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB): "
                + type(exc).__name__
            ) from exc

    @property
    def dialect(self) -> str:
        """`"sqlite"` or `"postgresql"`."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The URL with any password masked (safe to log)."""
        return self.engine.url.render_as_string(hide_password=True)

    def ping(self) -> str:
        """Run `SELECT 1` (blocking; raises the driver's error when the database is away); the dialect."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return self.dialect

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown; the handle reconnects if used again)."""
        self.engine.dispose()

    async def aclose(self) -> None:
        """`dispose()`, and close the async pool too (call on the event loop that used it)."""
        if self.aio is not None:
            await self.aio.close()
        self.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"
