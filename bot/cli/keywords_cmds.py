"""`xiaoer keywords "text"`: what query understanding makes of a message (keywords + parsed filters).

Uses the catalog vocabulary in the data directory when one has been ingested, so brands, categories,
colours and sizes are recognised in the catalog's own spelling.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated

import typer

from bot.ops.settings import load_settings
from knowledge.models import ParsedQuery, QueryFilters


def format_filters(filters: QueryFilters) -> str:
    """`max_price=500 currency=CNY category=运动鞋/跑步鞋 color=黑色 in_stock=yes not_brand=李宁`, or `(none)`."""
    parts: list[str] = []
    if filters.min_price is not None:
        parts.append(f"min_price={filters.min_price}")
    if filters.max_price is not None:
        parts.append(f"max_price={filters.max_price}")
    if filters.currency:
        parts.append(f"currency={filters.currency}")
    if filters.category:
        parts.append(f"category={filters.category}")
    if filters.brand:
        parts.append(f"brand={filters.brand}")
    parts += [f"{key}={value}" for key, value in sorted(filters.attributes.items())]
    if filters.in_stock:
        parts.append("in_stock=yes")
    parts += [f"not_brand={value}" for value in filters.exclude_brands]
    parts += [f"not_category={value}" for value in filters.exclude_categories]
    parts += [f"not_{key}={value}" for key, value in filters.exclude_attributes]
    parts += [f"not_word={value}" for value in filters.exclude_terms]
    return " ".join(parts) or "(none)"


def parsed_as_dict(parsed: ParsedQuery, textrank: list[str]) -> dict[str, object]:
    """JSON-ready view; prices are strings so they stay exact."""
    f = parsed.filters
    money = lambda value: None if value is None else str(value)  # noqa: E731
    return {
        "text": parsed.text,
        "normalized": parsed.normalized,
        "traditional": parsed.traditional,
        "corrections": [list(pair) for pair in parsed.corrections],
        "language": parsed.language,
        "keywords": parsed.keywords,
        "textrank": textrank,
        "filters": {
            "min_price": money(f.min_price),
            "max_price": money(f.max_price),
            "currency": f.currency,
            "category": f.category,
            "brand": f.brand,
            "attributes": dict(f.attributes),
            "in_stock": f.in_stock,
            "exclude_brands": list(f.exclude_brands),
            "exclude_categories": list(f.exclude_categories),
            "exclude_attributes": [list(pair) for pair in f.exclude_attributes],
            "exclude_terms": list(f.exclude_terms),
        },
    }


def register(app: typer.Typer) -> None:
    """Add `xiaoer keywords` to the app."""

    @app.command("keywords")
    def keywords_command(
        text: Annotated[str, typer.Argument(help="A customer message or product text.")],
        top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, help="How many keywords.")] = 8,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Print the keywords and the parsed filters (price and currency, category, brand, colour/size/gender,
        in stock, exclusions) and what normalisation understood (script, pinyin, typos)."""
        from knowledge.keywords import JiebaKeywordExtractor
        from knowledge.query import QueryParser
        from knowledge.vocabulary import Vocabulary

        settings = load_settings()
        vocabulary = Vocabulary.load(settings.data_dir / "vocabulary.json")
        extractor = JiebaKeywordExtractor(vocabulary)
        parsed = QueryParser(vocabulary, extractor, top_k=top_k).parse(text)
        ranked = extractor.textrank(text, top_k=top_k)
        if as_json:
            typer.echo(json.dumps(parsed_as_dict(parsed, ranked), ensure_ascii=False, default=_exact))
            return
        typer.echo(f"keywords: {', '.join(parsed.keywords) or '(none)'}")
        typer.echo(f"filters: {format_filters(parsed.filters)}")
        typer.echo(f"language: {parsed.language}" + (" (Traditional script)" if parsed.traditional else ""))
        if parsed.corrections:
            typer.echo("understood: " + ", ".join(f"{a} → {b}" for a, b in parsed.corrections))
        if ranked:
            typer.echo(f"textrank: {', '.join(ranked)}")
        if not vocabulary.doc_count:
            typer.echo(
                f"(no catalog vocabulary in {settings.data_dir}; run `xiaoer ingest` for catalog names)"
            )


def _exact(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
