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

from bot.evaluation.runner import EvalReport
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


def render_conversations(report: EvalReport) -> Table:
    """One row per category (pending groups marked), then the overall task success."""
    table = Table(title=f"conversation eval ({len(report.results)} conversations, {report.seconds:.0f} s)")
    for name, justify in (("category", "left"), ("passed", "right"), ("total", "right"), ("rate", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for name, score in sorted(report.groups().items()):
        style = "dim" if name in report.pending else ("red" if score.rate < 0.8 else "")
        table.add_row(name, str(score.passed), str(score.total), f"{score.rate:.1%}", style=style)
    scored = report.scored
    table.add_row(
        "overall", str(sum(r.passed for r in scored)), str(len(scored)), f"{report.overall:.1%}", style="bold"
    )
    return table


def register(app: typer.Typer) -> None:
    """Add the `xiaoer eval` command group."""
    group = typer.Typer(help="Evaluate retrieval and conversation quality.", no_args_is_help=True)
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

    @group.command("conversations")
    def conversations(
        cases: Annotated[Path, typer.Option("--cases", help="Conversation cases (YAML, see tests/data).")],
        catalog: Annotated[
            Path | None, typer.Option("--catalog", help="Catalog file (default: the bundled demo).")
        ] = None,
        policies: Annotated[
            Path | None, typer.Option("--policies", help="Policy directory (default: the bundled demo).")
        ] = None,
        orders: Annotated[
            Path | None, typer.Option("--orders", help="Orders CSV for the order cases.")
        ] = None,
        only: Annotated[
            str | None, typer.Option("--only", help="Run only cases whose id starts with this prefix.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every failure.")] = False,
    ) -> None:
        """Run each conversation in a fresh chat of the offline bot and print task success per category."""
        import asyncio
        import logging
        import tempfile

        from bot.evaluation.cases import CaseFormatError, load_cases
        from bot.evaluation.environment import open_environment
        from bot.evaluation.runner import run_conversations

        logging.basicConfig(level=logging.WARNING)
        for name in ("bm25s", "chromadb", "httpx", "jieba"):
            logging.getLogger(name).setLevel(logging.WARNING)
        for path in (cases, catalog, orders):
            if path is not None and not path.is_file():
                typer.echo(f"error: {path} is not a file", err=True)
                raise typer.Exit(EXIT_BAD_INPUT)
        if policies is not None and not policies.is_dir():
            typer.echo(f"error: {policies} is not a directory", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        try:
            case_file = load_cases(cases)
        except CaseFormatError as exc:
            typer.echo(f"error: {cases}: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from exc
        selected = [c for c in case_file.cases if only is None or c.id.startswith(only)]
        status = Console(stderr=True)
        with tempfile.TemporaryDirectory(prefix="xiaoer-eval-") as tmp:
            env = open_environment(
                Path(tmp), clock=case_file.clock, catalog=catalog, policies=policies, orders=orders
            )
            try:
                report = asyncio.run(
                    run_conversations(
                        env.bot,
                        selected,
                        catalog=env.products,
                        policies=env.policies,
                        orders_ready=env.orders_ready,
                        order_amounts=env.order_amounts,
                        on_result=None
                        if as_json
                        else lambda r: status.print(f"[dim]{r.id}: {'ok' if r.passed else 'FAIL'}[/dim]"),
                    )
                )
            finally:
                env.close()
        if as_json:
            sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
            return
        console = Console()
        console.print(render_conversations(report))
        console.print(f"grounding errors: {report.grounding_errors}")
        failures = [r for r in report.results if not r.passed]
        for result in failures if verbose else failures[:0]:
            console.print(
                f"[red]{result.id}[/red] ({result.group}): " + "; ".join(result.reasons + result.grounding)
            )
            console.print(f"  [dim]{result.reply[:300]!r}[/dim]")
