"""`xiaoer insights`: the shop's trends, unanswered questions and catalog gaps, as tables, PNGs and CSVs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from bot.ops.settings import Settings
from knowledge.protocols import ProductIndex


def insights(
    since: str = typer.Option(
        "7d", "--since", help="Period to analyse, e.g. 7d, 24h, 2w (compared with the one before)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Folder for the PNG charts and CSV tables."),
    apply_dictionary_words: bool = typer.Option(
        False, "--apply-dictionary", help="Add the suggested words to the shop's jieba user dictionary."
    ),
) -> None:
    """Print the insights report; with --out also write PNG charts and CSVs."""
    # Imported here so `xiaoer --help` and other commands don't pay for matplotlib and SQLAlchemy.
    from bot.insights.analysis import parse_period
    from bot.insights.charts import render_charts
    from bot.insights.export import write_csvs
    from bot.insights.render import print_report
    from bot.insights.service import InsightsService
    from bot.insights.store_sql import SqlInsightsStore
    from bot.insights.suggestions import apply_dictionary
    from bot.ops.settings import load_settings
    from bot.prompts import load_messages
    from bot.storage.errors import DatabaseUnavailable, SchemaError
    from bot.wiring import open_database
    from knowledge.vocabulary import USER_WORDS_FILE

    console = Console()
    settings = load_settings()
    try:
        period = parse_period(since)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    try:
        store = SqlInsightsStore(open_database(settings))
    except (DatabaseUnavailable, SchemaError) as exc:
        console.print(f"[red]the database cannot be used: {exc}[/red]")
        raise typer.Exit(3) from exc
    index = _open_index_if_any(settings)
    service = InsightsService(store=store, messages=load_messages(settings.prompts_dir), index=index)
    report, suggestions = service.analyse(period)
    print_report(console, report, suggestions)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, png in render_charts(report).items():
            (out / name).write_bytes(png)
        paths = write_csvs(report, suggestions, out)
        console.print(f"Wrote {len(paths)} CSV files and 5 charts to {out}")
    if apply_dictionary_words:
        words = [word for word, _ in suggestions.dictionary_words]
        added = apply_dictionary(words, settings.data_dir / USER_WORDS_FILE)
        console.print(f"Added {len(added)} words to the user dictionary: {', '.join(added) or '—'}")


def _open_index_if_any(settings: Settings) -> ProductIndex | None:
    """The product index (for gaps and never-recommended SKUs), or None when the store can't be opened."""
    from bot.wiring import open_knowledge
    from knowledge.errors import StoreUnavailable

    try:
        return open_knowledge(settings).index
    except StoreUnavailable:
        return None


def register(app: typer.Typer) -> None:
    app.command("insights")(insights)
