"""Query understanding at 1k / 10k (/ 100k) synthetic SKUs: normalisation + parsing, product mentions, policy bullets.

Prints figures next to baselines measured in the same run, asserts nothing. Per size: build times (vocabulary,
`TextNormalizer`, `MentionIndex`), then p50/p99 over distinct customer messages of every kind (Simplified,
Traditional, pinyin, typos, emoji, English, negation, vague amounts, model numbers):
- `QueryParser.parse` with normalisation vs the same parser with `normalize=False` (the baseline);
- `TextNormalizer.normalize` alone;
- `MentionIndex.find`;
- understanding as the conversation layer would run it (parse + mentions), the 10 ms p99 budget of issue 12;
and once, over the sample policies: `PolicyBook.find_bullets` (BM25 + the offline encoder, query encoding
included) vs the keyword-list `find` it replaces.

    .venv/bin/python bench/understanding_bench.py [--100k] [--queries 400]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from retrieval_bench import BRANDS, KINDS, percentiles, synthetic_products

from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.mentions import MentionIndex
from knowledge.models import Product
from knowledge.normalize import TextNormalizer
from knowledge.policies import PolicyBook
from knowledge.query import QueryParser
from knowledge.spelling import pinyin_keys
from knowledge.traditional import to_traditional


def messages(products: list[Product], n: int) -> list[str]:
    """Distinct messages of every kind; a per-message number keeps caches from answering twice."""
    out: list[str] = []
    for i in range(n):
        product = products[(i * 7919) % len(products)]
        _, zh, en = KINDS[i % len(KINDS)]
        brand = BRANDS[i % len(BRANDS)]
        model = product.title.split()[1]
        forms = [
            f"{i}号 500以内的{zh}",
            to_traditional(f"有没有适合送人的{zh}，预算两三百 {i}"),
            f"{pinyin_keys(''.join(c for c in zh if '一' <= c <= '鿿')[-2:])[0]} tuijian {i}",
            f"不要{brand}的{zh}，{i}块以内",
            f"{en} under ${i % 90 + 10}",
            f"{brand} {model} 多少钱 {i}",
            f"🎧 {zh} 女款 {i}码",
            f"几百块的{zh}，除了{brand} {i}",
        ]
        out.append(forms[i % len(forms)])
    return out


def timed(fn: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def run_size(n: int, n_queries: int) -> None:
    products = synthetic_products(n)
    start = time.perf_counter()
    vocabulary = build_vocabulary(products)
    vocabulary_s = time.perf_counter() - start
    extractor = JiebaKeywordExtractor(vocabulary)
    extractor.warm_up()
    start = time.perf_counter()
    normalizer = TextNormalizer(vocabulary, known_word=extractor.is_word)
    normalizer_s = time.perf_counter() - start
    start = time.perf_counter()
    mentions = MentionIndex.build(products)
    mentions_s = time.perf_counter() - start
    parser = QueryParser(vocabulary, extractor, normalizer=normalizer)
    baseline = QueryParser(vocabulary, extractor, normalize=False)
    texts = messages(products, n_queries)
    for text in texts[:30]:  # warm up jieba, the readings cache, regexes
        parser.parse(text + " 预热")
        baseline.parse(text + " 预热")
        mentions.find(text)
    print(
        f"\n{n:,} SKUs: vocabulary {vocabulary_s:.2f} s, normaliser {normalizer_s * 1000:.0f} ms "
        f"({len(normalizer.spelling._index):,} pinyin keys), mention index {mentions_s * 1000:.0f} ms; "
        f"{len(texts)} distinct messages"
    )
    rows = [
        ("baseline: parse, normalize=False", baseline.parse),
        ("normalize only", normalizer.normalize),
        ("parse (normalize + rules)", parser.parse),
        ("mentions", mentions.find),
        ("understanding: parse + mentions", lambda t: (parser.parse(t), mentions.find(t))),
    ]
    print(f"  {'path':38s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for label, fn in rows:
        p50, p99 = timed(fn, texts)
        print(f"  {label:38s} {p50:8.3f} {p99:8.3f}")


def run_policies(n_queries: int) -> None:
    from knowledge.embeddings import USEEmbedder

    extractor = JiebaKeywordExtractor()
    embedder = USEEmbedder()
    embedder.embed(["warm"])
    book = PolicyBook.load(SAMPLE_POLICIES_DIR, extractor=extractor, embedder=embedder)
    start = time.perf_counter()
    index = book.bullet_index()
    build_s = time.perf_counter() - start
    questions = [
        f"{q} {i}"
        for i, q in enumerate(
            [
                "几点有客服",
                "运费怎么算",
                "顺丰要加钱吗",
                "寄到成都要几天",
                "吃的拆了能退吗",
                "How long is the warranty?",
            ]
            * (n_queries // 6 + 1)
        )
    ][:n_queries]
    print(f"\npolicy bullets: {len(index.bullets)} bullets encoded in {build_s * 1000:.0f} ms")
    print(f"  {'path':38s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for label, fn in (
        ("baseline: keyword-list find (docs)", book.find),
        ("find_bullets (BM25 + encoder)", book.find_bullets),
    ):
        p50, p99 = timed(fn, questions)
        print(f"  {label:38s} {p50:8.3f} {p99:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--100k", dest="big", action="store_true", help="also run 100k SKUs")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    sizes = [1_000, 10_000] + ([100_000] if args.big or os.environ.get("XIAOER_BENCH_100K") else [])
    print(
        f"understanding bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, sizes {sizes}"
    )
    for n in sizes:
        run_size(n, args.queries)
    run_policies(args.queries)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak_mb:,.0f} MB; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
