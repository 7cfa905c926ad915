"""CLI commands of the orders feature: `xiaoer orders import FILE` (and `--sample`).

Output and exit codes are those of `xiaoer ingest`: one `line N: reason` per rejected row, then the summary
line `added A, updated U, unchanged C, removed 0, rejected R`; exit 0 when every row loaded, 1 when any row was
rejected, 2 when the file is not an orders file (nothing changed), 3 when the catalog or the database cannot
be opened. Unit prices and titles come from the catalog in the product index, so ingest the catalog first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from bot.cli.knowledge_cmds import EXIT_NOT_A_CATALOG, EXIT_ROWS_REJECTED, EXIT_STORE_UNAVAILABLE, open_index
from bot.ops.settings import load_settings
from bot.orders.carriers import default_carriers
from bot.orders.errors import OrderFileError, OrderSourceUnavailable
from bot.orders.importer import SAMPLE_ORDERS, OrderImportReport, import_orders
from bot.orders.order_row import RowContext
from bot.orders.store_sql import SqlOrderStore
from bot.storage.errors import DatabaseUnavailable, SchemaError
from knowledge.errors import StoreUnavailable

orders_app = typer.Typer(
    name="orders", help="Orders for order-status and after-sales support.", no_args_is_help=True
)


def _print_report(report: OrderImportReport, max_errors: int) -> None:
    if report.encoding != "utf-8":
        typer.echo(f"note: the file is not UTF-8; it was read as {report.encoding.upper()}")
    if report.ignored_columns:
        typer.echo(f"note: ignored columns: {', '.join(report.ignored_columns)}")
    for error in report.errors[:max_errors]:
        typer.echo(str(error))
    if len(report.errors) > max_errors:
        typer.echo(f"… and {len(report.errors) - max_errors} more rejected rows")
    typer.echo(report.summary())


@orders_app.command("import")
def import_command(
    path: Annotated[Path | None, typer.Argument(help="Orders file: canonical CSV or JSONL.")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Import the bundled demo orders.")] = False,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: detect).")] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Timezone for times written without a UTC offset, e.g. Asia/Shanghai."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Accepted for symmetry with ingest.")] = False,
    max_errors: Annotated[int, typer.Option("--max-errors", help="Rejected rows to print.")] = 200,
) -> None:
    """Load orders into the local order store (exit 1 when rows were rejected, 2 when it is not an orders file)."""
    source = SAMPLE_ORDERS if sample else path
    if source is None:
        typer.echo("error: give an orders FILE or --sample", err=True)
        raise typer.Exit(EXIT_NOT_A_CATALOG)
    try:
        zone = ZoneInfo(tz) if tz else None
    except (ZoneInfoNotFoundError, ValueError):
        typer.echo(f"error: unknown timezone {tz!r} (use a name such as Asia/Shanghai)", err=True)
        raise typer.Exit(EXIT_NOT_A_CATALOG) from None
    from bot.wiring import open_database  # the schema is upgraded before the import writes

    settings = load_settings()
    try:
        index = open_index(settings)
        store = SqlOrderStore(open_database(settings))
        context = RowContext(catalog=index.get, carriers=default_carriers(), default_tz=zone)
        report = import_orders(source, store=store, context=context, fmt=fmt)
    except OrderFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_NOT_A_CATALOG) from None
    except StoreUnavailable as exc:
        typer.echo(f"error: the product store is unavailable: {exc}", err=True)
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from None
    except (OrderSourceUnavailable, SchemaError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from None
    except DatabaseUnavailable as exc:
        typer.echo(f"error: the order database is unavailable: {exc}", err=True)
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from None
    _print_report(report, max_errors)
    if report.rejected:
        raise typer.Exit(EXIT_ROWS_REJECTED)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the `xiaoer` app."""
    app.add_typer(orders_app)
