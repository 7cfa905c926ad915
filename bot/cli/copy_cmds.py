"""`xiaoer copy`: bulk marketing copy for a catalog into JSONL/CSV (the interface other tools read).

Reads settings here at the edge: with `OPENAI_*` / `XIAOER_LLM_MODEL` set it writes with the LLM (bounded
concurrency), otherwise with the offline composer. Resumable, durable per row, exit code 1 when some rows
failed (2 when the catalog is not a catalog, 3 for a bad platform/tone, 130 when interrupted).
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.ops.settings import load_settings

if TYPE_CHECKING:
    from bot.copywriting.bulk import BulkReport
    from bot.copywriting.service import CopyService

EXIT_ROWS_FAILED = 1
EXIT_NOT_A_CATALOG = 2
EXIT_BAD_REQUEST = 3
EXIT_INTERRUPTED = 130


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends the run like Ctrl-C: rows in flight are dropped, finished rows are already on disk."""
    raise KeyboardInterrupt


def copy_command(
    catalog: Annotated[Path, typer.Option("--catalog", help="Catalog file (CSV/JSONL/JSON/Shopify).")],
    platform: Annotated[str, typer.Option("--platform", help="taobao, xiaohongshu, amazon, wechat, douyin.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help=(
                "Output .jsonl or .csv (appended; reruns resume). CSV holds bullets/keywords/flags as JSON lists."
            ),
        ),
    ],
    sku: Annotated[list[str] | None, typer.Option("--sku", help="Only this SKU (repeatable).")] = None,
    tone: Annotated[
        str, typer.Option("--tone", help="professional, playful, luxury, plain.")
    ] = "professional",
    variants: Annotated[int, typer.Option("--variants", min=1, max=5, help="Variants per SKU.")] = 1,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=32, help="Parallel LLM calls.")] = 4,
) -> None:
    """Write platform copy for every SKU (or the --sku ones) of a catalog, checked and resumable."""
    # Imported here so other `xiaoer` commands don't pay for the LLM client and jieba at start-up.
    from bot.copywriting.platforms import CopyLibrary
    from bot.copywriting.service import CopyService
    from bot.wiring import make_chat_model
    from knowledge.catalog import load_catalog
    from knowledge.errors import CatalogFormatError
    from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary

    console = Console(stderr=True)
    settings = load_settings()
    library = CopyLibrary.load(settings.prompts_dir)
    if library.platform(platform) is None or library.tone(tone) is None:
        console.print(
            f"[red]unknown platform {platform!r} or tone {tone!r}[/red]; platforms: "
            f"{', '.join(library.platforms)}; tones: {', '.join(library.tones)}"
        )
        raise typer.Exit(EXIT_BAD_REQUEST)
    try:
        loaded = load_catalog(catalog)
    except CatalogFormatError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_NOT_A_CATALOG) from exc
    for error in loaded.errors[:10]:
        console.print(f"[yellow]catalog {error}[/yellow]")
    products = loaded.products
    missing: list[str] = []
    if sku:
        by_sku = {p.sku: p for p in products}
        missing = [s for s in dict.fromkeys(sku) if s not in by_sku]
        products = [by_sku[s] for s in dict.fromkeys(sku) if s in by_sku]
    llm = make_chat_model(settings, temperature=0.7)
    service = CopyService(
        library, extractor=JiebaKeywordExtractor(build_vocabulary(loaded.products)), llm=llm
    )
    console.print(
        f"{len(products)} products × {variants} variants → {out} "
        f"({'LLM ' + settings.llm_model if llm else 'offline composer'})"
    )
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        report = _run(
            service, products, platform, tone, variants, out, concurrency if llm else 1, missing, console
        )
    except KeyboardInterrupt:
        console.print(
            f"[yellow]interrupted: every finished row is saved in {out}; "
            "run the same command again to resume[/yellow]"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_report(report, console)
    if not report.ok:
        raise typer.Exit(EXIT_ROWS_FAILED)


def _run(
    service: CopyService,
    products: list,
    platform: str,
    tone: str,
    variants: int,
    out: Path,
    concurrency: int,
    missing: list[str],
    console: Console,
) -> BulkReport:
    from bot.copywriting.bulk import run_bulk

    columns = (
        TextColumn("[bold]copy"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("copy", total=0, last="")

        def on_start(total: int) -> None:
            progress.update(task, total=total)

        def on_row(sku: str, variant: int, result: object, error: str | None) -> None:
            if error:
                progress.console.print(f"[red]{sku} v{variant}: {error}[/red]")
            progress.update(task, advance=1, last=f"{sku} v{variant}")

        return asyncio.run(
            run_bulk(
                service,
                products,
                platform=platform,
                tone=tone,
                variants=variants,
                out=out,
                concurrency=concurrency,
                missing=missing,
                on_start=on_start,
                on_row=on_row,
            )
        )


def _print_report(report: BulkReport, console: Console) -> None:
    console.print(
        f"written {report.written}, already done {report.skipped}, failed {len(report.failed)} "
        f"in {report.seconds:.1f}s"
        + (" (a torn last row from an interruption was redone)" if report.repaired_tail else "")
    )
    for sku, variant, error in report.failed:
        console.print(f"[red]failed {sku} v{variant}: {error}[/red]")
    table = Table(title="compliance report (this run)")
    table.add_column("flag type")
    table.add_column("count", justify="right")
    for flag_type, count in sorted(report.flag_counts.items()):
        table.add_row(flag_type, str(count))
    if not report.flag_counts:
        table.add_row("(nothing to fix)", "0")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the `xiaoer` app."""
    app.command("copy")(copy_command)
