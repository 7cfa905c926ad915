"""CLI commands of the knowledge feature: `xiaoer ingest` (search, keywords and eval register here too).

Each command is a small function added in `register(app)`; the data directory and store come from settings,
read here at the edge and passed down as plain values.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.ops.settings import Settings, load_settings
from knowledge.catalog import FORMATS, SAMPLE_CATALOG, combine, load_mapping_file, parse_map_flags
from knowledge.errors import CatalogFormatError, StoreUnavailable
from knowledge.factory import open_product_index
from knowledge.hybrid import HybridProductIndex
from knowledge.ingest import IngestReport, ingest_path
from knowledge.money import ExchangeRates

EXIT_ROWS_REJECTED = 1
EXIT_NOT_A_CATALOG = 2
EXIT_STORE_UNAVAILABLE = 3


def open_index(settings: Settings) -> HybridProductIndex:
    """The product index on the configured data directory (Chroma server when XIAOER_CHROMA_URL is set)."""
    from knowledge.embeddings import make_embedder

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    embedder = make_embedder(settings.embedding_model, settings.openai_base_url, key)
    rates = ExchangeRates.parse(settings.exchange_rates)
    return open_product_index(
        settings.data_dir, chroma_url=settings.chroma_url, embedder=embedder, rates=rates
    )


def _mapping(values: list[str]) -> dict[str, str] | None:
    """`--map` takes a mapping file (YAML/JSON) or `source=target` pairs; pairs win over the file."""
    file_mapping: dict[str, str] = {}
    pairs: list[str] = []
    for value in values:
        candidate = Path(value)
        if candidate.is_file():
            file_mapping.update(load_mapping_file(candidate))
        elif "=" in value:
            pairs.append(value)
        else:
            raise CatalogFormatError(f"--map {value!r}: neither a mapping file nor source=target")
    return combine(file_mapping, parse_map_flags(pairs))


def _print_report(report: IngestReport, max_errors: int) -> None:
    if report.encoding != "utf-8":
        typer.echo(f"note: the file is not UTF-8; it was read as {report.encoding.upper()}")
    for error in report.errors[:max_errors]:
        typer.echo(str(error))
    if len(report.errors) > max_errors:
        typer.echo(f"… and {len(report.errors) - max_errors} more rejected rows")
    if report.prune_skipped:
        typer.echo(f"prune skipped: {report.prune_skipped}")
    typer.echo(report.summary())


def ingest(
    path: Annotated[
        Path | None, typer.Argument(help="Catalog file (canonical CSV, JSON/JSONL, Shopify CSV).")
    ] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Delete SKUs that are not in the file.")] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: detect).")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="Column mapping: a YAML/JSON file, or 'source=target' (repeatable)."),
    ] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Ingest the bundled demo catalog.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    max_errors: Annotated[int, typer.Option("--max-errors", help="Rejected rows to print.")] = 200,
) -> None:
    """Load a catalog into the product store (exit 1 when rows were rejected, 2 when it is not a catalog)."""
    source = SAMPLE_CATALOG if sample else path
    if source is None:
        typer.echo("error: give a catalog PATH or --sample", err=True)
        raise typer.Exit(EXIT_NOT_A_CATALOG)
    settings = load_settings()
    try:
        columns = _mapping(mapping or [])
        index = open_index(settings)
        show_bar = not quiet and sys.stdout.isatty()
        bar = Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(),
            transient=True,
        )
        with bar if show_bar else nullcontext():
            task = bar.add_task("ingest", total=None)
            report = ingest_path(
                source,
                index=index,
                data_dir=settings.data_dir,
                prune=prune,
                fmt=fmt,
                mapping=columns,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except CatalogFormatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_NOT_A_CATALOG) from None
    except StoreUnavailable as exc:
        typer.echo(f"error: the product store is unavailable: {exc}", err=True)
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from None
    _print_report(report, max_errors)
    if report.rejected:
        raise typer.Exit(EXIT_ROWS_REJECTED)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the `xiaoer` app."""
    app.command("ingest")(ingest)
