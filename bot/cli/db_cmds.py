"""`xiaoer db purge`: delete transcripts older than the retention window now (the bot also does it daily)."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


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
    retention, engine = open_retention(settings)
    try:
        removed = retention.purge_once()
    finally:
        engine.dispose()
    total = sum(removed.values())
    details = ", ".join(f"{name}: {count}" for name, count in removed.items())
    typer.echo(f"purged {total} rows older than {settings.retention_days} days ({details})")


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the `xiaoer` app."""
    app.add_typer(db_app, name="db")
