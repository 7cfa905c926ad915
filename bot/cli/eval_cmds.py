"""`xiaoer eval retrieval`: score bm25 / dense / hybrid / plain LangChain on a catalog with judged queries.

The JSON output format is fixed (see `knowledge.eval`); the table is for people.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.ops.settings import load_settings

EXIT_BAD_INPUT = 2


def render_table(result: dict, k: int) -> Table:
    """One row per mode, metrics then latency."""
    table = Table(title=f"retrieval eval ({result['queries']} judged queries)")
    table.add_column("mode")
    for name in (f"ndcg@{k}", f"recall@{k}", f"mrr@{k}", "p50_ms", "p95_ms"):
        table.add_column(name, justify="right")
    for mode, scores in result["modes"].items():
        table.add_row(
            mode,
            *(f"{scores[name]:.4f}" for name in (f"ndcg@{k}", f"recall@{k}", f"mrr@{k}")),
            f"{scores['p50_ms']:.2f}",
            f"{scores['p95_ms']:.2f}",
        )
    return table


def register(app: typer.Typer) -> None:
    """Add the `xiaoer eval` command group."""
    group = typer.Typer(help="Evaluate retrieval quality.", no_args_is_help=True)
    app.add_typer(group, name="eval")

    @group.command("retrieval")
    def retrieval(
        catalog: Annotated[Path, typer.Option("--catalog", help="Catalog in any supported format.")],
        queries: Annotated[Path, typer.Option("--queries", help="qid<TAB>query text")],
        qrels: Annotated[Path, typer.Option("--qrels", help="qid<TAB>sku<TAB>grade (grade ≥ 1 relevant)")],
        k: Annotated[int, typer.Option("--k", min=1, help="Cut-off for nDCG, recall and MRR.")] = 10,
        as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
    ) -> None:
        """Ingest CATALOG into a fresh temporary store and score each retrieval mode."""
        from knowledge.embeddings import make_embedder
        from knowledge.errors import KnowledgeError
        from knowledge.eval import EvalFormatError, evaluate_retrieval

        for path in (catalog, queries, qrels):
            if not path.is_file():
                typer.echo(f"error: {path} is not a file", err=True)
                raise typer.Exit(EXIT_BAD_INPUT)
        settings = load_settings()
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        embedder = make_embedder(settings.embedding_model, settings.openai_base_url, key)
        status = Console(stderr=True)
        try:
            result = evaluate_retrieval(
                catalog,
                queries,
                qrels,
                k=k,
                embedder=embedder,
                progress=None if as_json else lambda message: status.print(f"[dim]{message}[/dim]"),
            )
        except (EvalFormatError, KnowledgeError, UnicodeDecodeError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from exc
        if as_json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            return
        Console().print(render_table(result, k))
