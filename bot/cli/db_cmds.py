"""`xiaoer db upgrade|current|revision|purge`: the SQL database's schema (upgrades also run at every start-up)
and the retention purge (also run by the bot at start-up and daily).

The database is `XIAOER_DATABASE_URL`, else SQLite in `XIAOER_DATA_DIR` (settings are read here only).
"""

from __future__ import annotations

from typing import Annotated

import typer

EXIT_DATABASE_UNAVAILABLE = 3
EXIT_SCHEMA = 4

db_app = typer.Typer(
    name="db",
    help="The SQL database: schema migrations (they also run automatically at start-up) and maintenance.",
    no_args_is_help=True,
)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"xiaoer db: {message}", err=True)
    return typer.Exit(code)


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision (default: this release's newest).")
    ] = "head",
) -> None:
    """Upgrade the database's schema (a v0.1.0 database is adopted first); safe to run again."""
    from bot.ops.settings import load_settings
    from bot.storage.db import Database
    from bot.storage.errors import DatabaseUnavailable, SchemaError
    from bot.storage.migrate import upgrade_schema

    try:
        database = Database.open(load_settings().resolved_database_url)
        try:
            result = upgrade_schema(database, revision)
        finally:
            database.dispose()
    except DatabaseUnavailable as exc:
        raise _fail(f"the database is unavailable: {exc}", EXIT_DATABASE_UNAVAILABLE) from None
    except SchemaError as exc:
        raise _fail(str(exc), EXIT_SCHEMA) from None
    if result.legacy:
        done = f"adopted the database of Xiaoer v0.1.0; now at revision {result.after}"
    elif result.before is None:
        done = f"created the schema at revision {result.after}"
    elif result.changed:
        done = f"upgraded from revision {result.before} to {result.after}"
    else:
        done = f"already at revision {result.after}; nothing to do"
    typer.echo(f"{database.url}: {done}")


@db_app.command("current")
def current() -> None:
    """Print the database's schema revision and this release's newest one (changes nothing)."""
    from bot.ops.settings import load_settings
    from bot.storage.db import Database
    from bot.storage.errors import DatabaseUnavailable
    from bot.storage.migrate import current_revision, head_revision

    try:
        database = Database.open(load_settings().resolved_database_url)
        try:
            revision, legacy = current_revision(database)
        finally:
            database.dispose()
    except DatabaseUnavailable as exc:
        raise _fail(f"the database is unavailable: {exc}", EXIT_DATABASE_UNAVAILABLE) from None
    head = head_revision()
    if legacy:
        state = "made by Xiaoer v0.1.0 (no revision yet): the next start-up or `xiaoer db upgrade` adopts it"
    elif revision is None:
        state = "empty: the next start-up or `xiaoer db upgrade` creates the schema"
    elif revision == head:
        state = "up to date"
    else:
        state = "behind: the next start-up or `xiaoer db upgrade` upgrades it"
    typer.echo(f"database: {database.url}\nrevision: {revision or '-'} (newest: {head}) — {state}")


@db_app.command("revision")
def revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration changes.")],
) -> None:
    """(Developers) write the next migration from the models' changes into bot/storage/migrations/versions."""
    from bot.storage.migrate import write_revision
    from bot.wiring import load_sql_models

    load_sql_models()
    path = write_revision(message)
    if path is None:
        typer.echo("the models match the newest migration: nothing to write")
        return
    typer.echo(f"wrote {path} — review it, then run the migration tests (tests/test_migrations.py)")


@db_app.command("purge")
def purge(
    days: int | None = typer.Option(
        None, "--days", min=1, help="Retention in days (default: XIAOER_RETENTION_DAYS, 180)."
    ),
) -> None:
    """Delete conversation turns, handoff transcripts, insights rows and the web widget's message log older than
    the retention window."""
    from bot.ops.settings import load_settings
    from bot.wiring import open_retention

    settings = load_settings()
    if days is not None:
        settings = settings.model_copy(update={"retention_days": days})
    if settings.retention_days <= 0:
        typer.echo("XIAOER_RETENTION_DAYS is 0: transcripts are kept; nothing purged.")
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    retention, database = open_retention(settings)
    try:
        removed = retention.purge_once()
    finally:
        database.dispose()
    total = sum(removed.values())
    details = ", ".join(f"{name}: {count}" for name, count in removed.items())
    typer.echo(f"purged {total} rows older than {settings.retention_days} days ({details})")


def register(app: typer.Typer) -> None:
    """Add `xiaoer db …` to the `xiaoer` app."""
    app.add_typer(db_app)
