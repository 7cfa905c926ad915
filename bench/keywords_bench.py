"""Keywords benchmark: tokenize throughput, query-path latency and vocabulary build time, next to baselines.

In one run, over the same texts: (1) the bare jieba `lcut` alone (the floor our tokenizer adds work to);
(2) `JiebaKeywordExtractor.tokenize` uncached (ingest path: words + bigrams + synonyms + stop words);
(3) `tokenize` on repeated queries (LRU-cached query path); (4) `QueryParser.parse` p50/p99 per query;
(5) `Vocabulary.from_products` on the catalog. Texts: the sample catalog, plus `../shared/data` titles when
present (multicpr-mini-zh, epqa-en). No assertions.

    .venv/bin/python bench/keywords_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.query import QueryParser

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
QUERIES = Path(__file__).resolve().parents[1] / "knowledge" / "sample" / "eval" / "queries.tsv"


def _rate(label: str, texts: list[str], run, repeat: int) -> None:  # type: ignore[no-untyped-def]
    best = float("inf")
    tokens = 0
    for _ in range(repeat):
        started = time.perf_counter()
        tokens = sum(len(run(text)) for text in texts)
        best = min(best, time.perf_counter() - started)
    chars = sum(map(len, texts))
    print(
        f"  {label:<34} {len(texts) / best:>10,.0f} texts/s {tokens / best:>12,.0f} tokens/s {chars / best:>12,.0f} chars/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    products = load_catalog(SAMPLE_CATALOG).products
    corpora = {"sample catalog (search text)": [p.search_text() for p in products]}
    for name in ("multicpr-mini-zh", "epqa-en"):
        path = SHARED / name / "catalog.csv"
        if path.is_file():
            corpora[f"{name} (title + description)"] = [
                f"{p.title} {p.description}" for p in load_catalog(path).products
            ]

    started = time.perf_counter()
    vocabulary = build_vocabulary(products)
    print(
        f"vocabulary from {len(products)} products: {time.perf_counter() - started:.2f} s (incl. jieba start-up)"
    )
    extractor = JiebaKeywordExtractor(vocabulary)
    started = time.perf_counter()
    JiebaKeywordExtractor(vocabulary).warm_up()
    print(
        f"second extractor start-up (shared base dictionary): {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    raw_jieba = (
        extractor._jieba().lcut
    )  # the bare jieba cut our tokenizer builds on (jieba is imported in one module)

    for name, texts in corpora.items():
        print(name)
        _rate("baseline: bare jieba lcut", texts, raw_jieba, args.repeat)
        _rate("tokenize, uncached (ingest path)", texts, extractor._tokens_uncached, args.repeat)
        _rate("keywords (TF-IDF, catalog IDF)", texts[:2000], extractor.keywords, 1)

    queries = [
        line.split("\t", 1)[1].strip() for line in QUERIES.read_text(encoding="utf-8").splitlines() if line
    ]
    _rate("queries: tokenize (LRU cached)", queries * 50, extractor.tokenize, args.repeat)
    query_parser = QueryParser(vocabulary, extractor)
    millis = []
    for text in queries * 20:
        started = time.perf_counter()
        query_parser.parse(text)
        millis.append((time.perf_counter() - started) * 1000)
    millis.sort()
    p99 = millis[int(len(millis) * 0.99) - 1]
    print(
        f"QueryParser.parse over {len(millis)} queries: p50 {statistics.median(millis):.3f} ms, p99 {p99:.3f} ms"
    )


if __name__ == "__main__":
    main()
