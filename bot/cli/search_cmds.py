"""`xiaoer search "query" [--k N] [--explain]`: see exactly what the bot would retrieve for a customer query.

Output is fixed (scripts read it): one hit per line starting with its SKU, then the price and the title;
`--explain` appends the BM25 rank, vector rank, fused score and the filters applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.knowledge_cmds import EXIT_STORE_UNAVAILABLE, open_index
from bot.ops.settings import load_settings
from knowledge.errors import StoreUnavailable
from knowledge.models import QueryFilters, SearchHit
from knowledge.protocols import KeywordExtractor


def parse_query(text: str, extractor: KeywordExtractor, data_dir: Path) -> tuple[str, QueryFilters | None]:
    """Filters from the query parser (price, brand, category, colour/size, stock) and the text left to search."""
    try:
        from knowledge.query import QueryParser
        from knowledge.vocabulary import Vocabulary
    except ImportError:  # pragma: no cover - the parser ships with the knowledge package
        return text, None
    parser = QueryParser(Vocabulary.load(data_dir / "vocabulary.json"), extractor)
    parsed = parser.parse(text)
    remaining = " ".join(parsed.keywords) or text
    return remaining, None if parsed.filters.is_empty() else parsed.filters


def format_hit(hit: SearchHit, explain: bool) -> str:
    product = hit.product
    line = f"{product.sku}  {product.price_text() or '-'}  {product.title}"
    if product.stock == 0:
        line += "  [out of stock]"
    if explain:
        info = hit.explain
        bm25 = f"#{hit.bm25_rank}" if hit.bm25_rank else "-"
        vector = f"#{hit.vector_rank}" if hit.vector_rank else "-"
        line += (
            f"  | bm25 {bm25} ({info.get('bm25_score')})  vector {vector} (distance {info.get('vector_distance')})"
            f"  fused {hit.score:.4f}  relevance {info.get('relevance')}"
            f"{'  weak' if info.get('weak') else ''}  filters: {info.get('filters')}"
        )
    return line


def search(
    query: Annotated[str, typer.Argument(help="What a customer would type, e.g. '500以内的跑鞋'.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="How many hits.")] = 5,
    explain: Annotated[bool, typer.Option("--explain", help="Show ranks, scores and filters.")] = False,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, bm25 or dense.")] = "hybrid",
    weak: Annotated[
        bool, typer.Option("--weak", help="Also show hits below the relevance threshold.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Search the text as is, without parsing filters.")
    ] = False,
) -> None:
    """Search the product store the way the bot does (query parsing, hybrid retrieval, filters, threshold)."""
    if mode not in ("hybrid", "bm25", "dense"):
        typer.echo(f"error: --mode must be hybrid, bm25 or dense, not {mode!r}", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    try:
        index = open_index(settings)
        if index.count() == 0:
            typer.echo(
                "no results: the product store is empty (run `xiaoer ingest PATH` or `xiaoer ingest --sample`)"
            )
            return
        text, filters = (query, None) if raw else parse_query(query, index.extractor, settings.data_dir)
        hits = index.search(text, k=k, filters=filters, mode=mode, include_weak=weak)  # type: ignore[arg-type]
    except StoreUnavailable as exc:
        typer.echo(f"error: the product store is unavailable: {exc}", err=True)
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from None
    if not hits:
        typer.echo(f"no results for {query!r}")
        return
    for hit in hits:
        typer.echo(format_hit(hit, explain))


def register(app: typer.Typer) -> None:
    """Add `xiaoer search` to the app."""
    app.command("search")(search)
