"""Retrieval evaluation: nDCG@k, recall@k, MRR@k and query latency per search mode, on a fresh temporary store.

The output format is fixed (other tools read it):
`{"modes": {"bm25": {...}, "dense": {...}, "hybrid": {...}, "langchain": {...}}, "queries": N}` with keys
`ndcg@10`, `recall@10`, `mrr@10`, `p50_ms`, `p95_ms` (the number is `k`).
Conventions: a qrel is relevant when its grade ≥ 1; nDCG uses linear gains (grade / log2(rank + 1), as trec_eval);
query ids in the qrels but not in the queries are ignored; queries without any relevant qrel are skipped. Every
mode searches without filters and with `include_weak=True` (no relevance threshold). Latencies are measured after
one untimed warm-up pass, so they exclude the first (cached) encoding of each query and jieba's start-up.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from knowledge.models import SearchMode
from knowledge.protocols import Embedder

MODES = ("bm25", "dense", "hybrid", "langchain")
Search = Callable[[str, int], list[str]]


class EvalFormatError(ValueError):
    """A queries or qrels file that cannot be read: says which line and why."""


def _rows(path: Path, columns: tuple[int, ...]) -> list[tuple[int, list[str]]]:
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) not in columns:
            raise EvalFormatError(
                f"{path}: line {number}: expected {' or '.join(map(str, columns))} tab-separated fields"
            )
        out.append((number, fields))
    return out


def read_queries(path: Path) -> dict[str, str]:
    """`qid<TAB>query text`; a header line `qid<TAB>query` is skipped."""
    queries: dict[str, str] = {}
    for number, (qid, text) in _rows(path, (2,)):
        if number == 1 and qid.strip().lower() == "qid":
            continue
        queries[qid.strip()] = text.strip()
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """`qid<TAB>sku<TAB>grade` (or TREC's `qid<TAB>0<TAB>sku<TAB>grade`); grade ≥ 1 is relevant."""
    qrels: dict[str, dict[str, int]] = {}
    for number, fields in _rows(path, (3, 4)):
        qid, sku, grade = (
            (fields[0], fields[1], fields[2]) if len(fields) == 3 else (fields[0], fields[2], fields[3])
        )
        if number == 1 and qid.strip().lower() == "qid":
            continue
        try:
            value = int(grade.strip())
        except ValueError as exc:
            raise EvalFormatError(f"{path}: line {number}: grade {grade!r} is not an integer") from exc
        qrels.setdefault(qid.strip(), {})[sku.strip()] = value
    return qrels


def ndcg_at_k(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """Normalised discounted cumulative gain with linear gains; 0 when nothing is relevant."""
    dcg = sum(max(grades.get(sku, 0), 0) / math.log2(rank + 2) for rank, sku in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    relevant = {sku for sku, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    for rank, sku in enumerate(ranked[:k], start=1):
        if grades.get(sku, 0) > 0:
            return 1.0 / rank
    return 0.0


def score_mode(
    search: Search, queries: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]], k: int
) -> dict[str, float]:
    """Mean metrics and latency percentiles of one search function over the judged queries."""
    judged = [qid for qid in queries if any(g > 0 for g in qrels.get(qid, {}).values())]
    for qid in judged:  # warm-up: query vectors and token caches, jieba and Chroma start-up
        search(queries[qid], k)
    ndcg, recall, mrr, millis = [], [], [], []
    for qid in judged:
        started = time.perf_counter()
        ranked = search(queries[qid], k)
        millis.append((time.perf_counter() - started) * 1000)
        ndcg.append(ndcg_at_k(ranked, qrels[qid], k))
        recall.append(recall_at_k(ranked, qrels[qid], k))
        mrr.append(mrr_at_k(ranked, qrels[qid], k))
    mean = lambda values: round(float(np.mean(values)), 4) if values else 0.0  # noqa: E731
    pct = lambda q: round(float(np.percentile(millis, q)), 2) if millis else 0.0  # noqa: E731
    return {
        f"ndcg@{k}": mean(ndcg),
        f"recall@{k}": mean(recall),
        f"mrr@{k}": mean(mrr),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
    }


def evaluate_retrieval(
    catalog: Path,
    queries: Path,
    qrels: Path,
    k: int = 10,
    *,
    embedder: Embedder | None = None,
    fmt: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Ingest `catalog` into a fresh temporary store and score bm25, dense, hybrid and plain LangChain Chroma."""
    from knowledge.catalog import load_catalog
    from knowledge.embeddings import make_embedder
    from knowledge.eval_langchain import LangChainBaseline, RecordingEmbedder
    from knowledge.factory import open_product_index
    from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary

    say = progress or (lambda message: None)
    query_map, qrel_map = read_queries(queries), read_qrels(qrels)
    load = load_catalog(Path(catalog), fmt=fmt)
    products = load.products
    recording = RecordingEmbedder(embedder or make_embedder())
    with tempfile.TemporaryDirectory(prefix="xiaoer-eval-") as tmp:
        data_dir = Path(tmp)
        vocabulary = build_vocabulary(products)
        vocabulary.save(data_dir / "vocabulary.json")
        say(f"indexing {len(products)} products ({len(load.errors)} rejected rows)")
        index = open_product_index(data_dir, embedder=recording, extractor=JiebaKeywordExtractor(vocabulary))
        index.upsert(products)

        def searcher(mode: SearchMode) -> Search:
            def search(text: str, n: int) -> list[str]:
                return [h.sku for h in index.search(text, k=n, mode=mode, include_weak=True)]

            return search

        searches: dict[str, Search] = {mode: searcher(mode) for mode in ("bm25", "dense", "hybrid")}
        say("indexing the LangChain baseline (same embedding)")
        baseline = LangChainBaseline(recording, data_dir / "langchain", products)
        searches["langchain"] = baseline.search
        modes = {}
        for mode in MODES:
            say(f"scoring {mode}")
            modes[mode] = score_mode(searches[mode], query_map, qrel_map, k)
        judged = sum(1 for qid in query_map if any(g > 0 for g in qrel_map.get(qid, {}).values()))
        baseline.close()
    return {"modes": modes, "queries": judged}
