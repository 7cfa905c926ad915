"""Bring a database's schema to the migrations' head: at start-up and by `xiaoer db upgrade`.

Why here and not in the stores: a shop upgrading Xiaoer keeps its conversations, handoffs and insights, so
the schema changes through reviewed Alembic revisions (`bot/storage/migrations/versions/`, shipped as
package data), applied once, in one transaction, before any store touches the database.

- A database made by v0.1.0 (tables from `create_all`, no `alembic_version` table) is recognised as
  *legacy*; the baseline revision adopts its tables as they are (creating only those it lacks) and the
  upgrade continues from there.
- Replicas starting together take turns: on PostgreSQL a transaction-scoped advisory lock, on SQLite the
  database's write lock (`BEGIN IMMEDIATE`). The second one finds the schema current and does nothing.
- On SQLite foreign keys are switched off for the upgrade (batch `ALTER`s copy tables; with them on, a
  dropped parent table would cascade-delete its children) and checked with `PRAGMA foreign_key_check`
  before the commit.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.storage.db import Base, Database
from bot.storage.errors import DatabaseUnavailable, SchemaError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BASELINE = "0001"  # the schema of v0.1.0, the last release that made its tables with `create_all`
# Tables v0.1.0 created; finding any of them without `alembic_version` means a legacy database.
LEGACY_TABLES = frozenset(
    {
        "conv_turns",
        "conv_chat_state",
        "conv_user_interests",
        "handoffs",
        "handoff_messages",
        "handoff_links",
        "insight_turns",
        "insight_events",
        "xiaoer_processed_updates",
        "xiaoer_rate_hits",
        "xiaoer_rate_warnings",
    }
)
_SCHEMA_LOCK = 0x5849414F4552  # "XIAOER": the same advisory key v0.1.0 used around its create_all


@dataclass(frozen=True)
class SchemaUpgrade:
    """What `upgrade_schema` did: revision before (None = no `alembic_version`), revision after, and whether
    the database was a legacy v0.1.0 one adopted at the baseline."""

    before: str | None
    after: str
    legacy: bool

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(connection: Connection | None = None, target_metadata: MetaData | None = None) -> Config:
    """An in-memory Alembic config on the packaged migrations (no alembic.ini); `env.py` runs on
    `connection` and compares against `target_metadata` when autogenerating."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = target_metadata
    return config


def head_revision() -> str:
    """The newest revision this release ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "bot/storage/migrations/versions has no revisions"
    return head


def current_revision(database: Database) -> tuple[str | None, bool]:
    """(revision recorded in the database or None when it has none, whether it is a legacy v0.1.0 one).

    Raises `DatabaseUnavailable` when the database cannot be reached."""
    try:
        with database.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision(), is_legacy(conn)
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnavailable(f"{database.url}: {_reason(exc)}") from exc


def is_legacy(conn: Connection) -> bool:
    """True for a database made by v0.1.0: some of its tables, and no `alembic_version`."""
    tables = set(inspect(conn).get_table_names())
    return "alembic_version" not in tables and bool(tables & LEGACY_TABLES)


def upgrade_schema(database: Database, revision: str = "head") -> SchemaUpgrade:
    """Upgrade `database` to `revision` in one transaction, serialised across processes; idempotent.

    Raises `DatabaseUnavailable` when the database cannot be reached (nothing changed), `SchemaError` when
    it is at a revision this release does not know (a newer Xiaoer upgraded it) or the upgrade left broken
    foreign keys on SQLite (rolled back); other driver errors propagate (rolled back too)."""
    try:
        return _upgrade(database, revision)
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnavailable(f"{database.url}: {_reason(exc)}") from exc


def _upgrade_locked(database: Database, conn: Connection, revision: str) -> tuple[str | None, str, bool]:
    """The upgrade itself, inside the caller's transaction and lock: (before, after, legacy)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    before = MigrationContext.configure(conn).get_current_revision()
    if before is not None and before not in {s.revision for s in scripts.walk_revisions()}:
        raise SchemaError(
            f"{database.url} is at schema revision {before!r}, which this Xiaoer does not know "
            f"(it knows up to {scripts.get_current_head()!r}): run the newer Xiaoer that upgraded it, "
            "or restore a backup taken before that upgrade"
        )
    legacy = before is None and is_legacy(conn)
    if legacy:
        log.warning(
            "%s has Xiaoer's tables but no schema revision (made by create_all, as v0.1.0 did): adopting it at %s",
            database.url,
            BASELINE,
        )
    command.upgrade(alembic_config(conn), revision)
    after = MigrationContext.configure(conn).get_current_revision()
    if after is None:
        raise SchemaError(f"{database.url}: no schema revision recorded after upgrading to {revision!r}")
    if database.dialect == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise SchemaError(f"the upgrade left rows with broken foreign keys: {broken[:5]}")
    return before, after, legacy


def _reason(exc: Exception) -> str:
    """The driver's own first line (e.g. 'connection refused'), without SQLAlchemy's help links."""
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def _upgrade(database: Database, revision: str) -> SchemaUpgrade:
    sqlite = database.dialect == "sqlite"
    with database.engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction does it apply
        try:
            if sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock: other processes wait here
            elif database.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
            before, after, legacy = _upgrade_locked(database, conn, revision)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if sqlite:  # the pooled connection goes back as every other: foreign keys enforced
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    if after != before:
        log.info("database schema upgraded from %s to %s", before or "nothing", after)
    return SchemaUpgrade(before, after, legacy)


def write_revision(message: str, versions_dir: Path | None = None) -> Path | None:
    """Autogenerate the next revision (`NNNN_<message>.py`, into `versions_dir` or the shipped
    `migrations/versions/`) from the difference between the migrations' head and the tables declared on
    `Base` — import every model module first; None (nothing written) when they already agree.

    For developers: the diff is computed on a scratch SQLite database; review the file it writes."""
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    rev_id = f"{int(head or '0') + 1:04d}"
    with tempfile.TemporaryDirectory(prefix="xiaoer-revision-") as scratch:
        database = Database.open(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade_schema(database)
            with database.engine.connect() as conn:
                config = alembic_config(conn, Base.metadata)
                _format_with_ruff(config)
                if versions_dir is not None:  # tests write elsewhere; the shipped revisions still count
                    locations = [str(MIGRATIONS_DIR / "versions"), str(versions_dir)]
                    config.set_main_option("version_locations", os.pathsep.join(locations))
                written = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    rev_id=rev_id,
                    version_path=str(versions_dir) if versions_dir is not None else None,
                    process_revision_directives=_skip_empty,
                )
        finally:
            database.dispose()
    script = (written[0] if written else None) if isinstance(written, list) else written
    return Path(script.path) if script is not None else None


def _format_with_ruff(config: Config) -> None:
    """Run `ruff check --fix` and `ruff format` on the new file when ruff is installed (dev extras)."""
    if importlib.util.find_spec("ruff") is None:
        return
    config.set_section_option("post_write_hooks", "hooks", "ruff_fix, ruff_format")
    for name, options in (("ruff_fix", "check --fix --quiet"), ("ruff_format", "format --quiet")):
        config.set_section_option("post_write_hooks", f"{name}.type", "module")
        config.set_section_option("post_write_hooks", f"{name}.module", "ruff")
        config.set_section_option(
            "post_write_hooks", f"{name}.options", f"{options} REVISION_SCRIPT_FILENAME"
        )


def _skip_empty(context: MigrationContext, revision: object, directives: list[MigrationScript]) -> None:
    """Write nothing when the models already match the head (autogenerate would write an empty file)."""
    ops = directives[0].upgrade_ops if directives else None
    if ops is not None and ops.is_empty():
        directives[:] = []
