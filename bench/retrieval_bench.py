"""Query latency of the hybrid product index at 1k / 10k (/ 100k) synthetic SKUs, next to numpy brute force.

Prints figures, asserts nothing. Per size: open time, p50/p99 of (query parsing + hybrid retrieval) unfiltered
and filtered (price band ~50 %, brand ~5 %, in-stock + size), BM25-only, Chroma's own top-k, and numpy brute-force
top-k over the same vectors in the same run; finally the peak RSS.

Product vectors are precomputed random unit vectors (USE would need ~100 s to encode 100k texts on 2 cores and the
encoder's speed is not what is measured here); query vectors come from the real offline encoder, distinct
queries, so its cost (~2–5 ms) is inside the figures. Run: `.venv/bin/python bench/retrieval_bench.py [--100k]`
(or XIAOER_BENCH_100K=1).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.embeddings import USEEmbedder
from knowledge.hybrid import HybridProductIndex
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.models import Product, QueryFilters
from knowledge.query import QueryParser

BRANDS = [
    "Nike",
    "Adidas",
    "李宁",
    "安踏",
    "索尼",
    "小米",
    "华为",
    "兰蔻",
    "苏泊尔",
    "三只松鼠",
    "Apple",
    "美的",
    "海尔",
    "九阳",
    "欧莱雅",
    "雅诗兰黛",
    "特步",
    "鸿星尔克",
    "漫步者",
    "QCY",
]
KINDS = [
    ("运动鞋/跑步鞋", "跑步鞋", "running shoes"),
    ("数码/耳机", "蓝牙耳机", "wireless earbuds"),
    ("美妆护肤/面霜", "保湿面霜", "moisturizer"),
    ("厨房/锅具", "不粘锅", "frying pan"),
    ("零食/坚果", "每日坚果", "mixed nuts"),
    ("家电/电饭煲", "电饭煲", "rice cooker"),
    ("服装/T恤", "纯棉T恤", "cotton t-shirt"),
    ("箱包/双肩包", "双肩包", "backpack"),
    ("数码/充电器", "快充充电器", "fast charger"),
    ("家居/枕头", "记忆棉枕头", "memory foam pillow"),
]
ADJECTIVES = [
    "轻量",
    "透气",
    "缓震",
    "降噪",
    "保湿",
    "耐用",
    "大容量",
    "便携",
    "高端",
    "入门款",
    "新款",
    "经典",
]
COLOURS = ["黑色", "白色", "红色", "蓝色", "灰色", "粉色"]


class BenchEmbedder:
    """Random unit vectors for product batches; the real offline encoder for single (query) texts."""

    name = "bench-512"
    dimension = 512

    def __init__(self) -> None:
        self.query_encoder = USEEmbedder()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 1:
            return self.query_encoder.embed(texts)
        seed = int.from_bytes(hashlib.sha256("".join(texts[:3]).encode()).digest()[:8], "little")
        vectors = np.random.default_rng(seed).standard_normal((len(texts), self.dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def synthetic_products(n: int, seed: int = 7) -> list[Product]:
    rng = np.random.default_rng(seed)
    products = []
    for i in range(n):
        category, zh, en = KINDS[i % len(KINDS)]
        brand = BRANDS[int(rng.integers(len(BRANDS)))]
        adjective = ADJECTIVES[int(rng.integers(len(ADJECTIVES)))]
        model = f"{chr(65 + int(rng.integers(26)))}{int(rng.integers(10, 999))}"
        colours = ";".join(sorted(set(rng.choice(COLOURS, size=2).tolist())))
        sizes = ";".join(str(s) for s in range(int(rng.integers(36, 41)), int(rng.integers(42, 46))))
        products.append(
            Product(
                sku=f"SYN-{i:06d}",
                title=f"{brand} {model} {adjective}{zh} {en}",
                brand=brand,
                category=category,
                price=Decimal(int(rng.integers(20, 2000))) + Decimal("0.90"),
                stock=int(rng.integers(0, 4)) * 7,
                description=f"{adjective} {zh}，适合日常使用。{en} for everyday use.",
                attributes={"color": colours, "size": sizes},
            )
        )
    return products


def queries(n: int, seed: int = 11) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        _, zh, en = KINDS[int(rng.integers(len(KINDS)))]
        brand = BRANDS[int(rng.integers(len(BRANDS)))]
        tag = f"q{i}"  # a distinct word per query, so no two queries share a cached query vector
        out.append(
            [f"{brand}{zh} {tag}", f"{en} {tag}", f"{ADJECTIVES[i % len(ADJECTIVES)]}的{zh} {tag}"][i % 3]
        )
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(fn: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def run_size(n: int, n_queries: int) -> None:
    products = synthetic_products(n)
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    embedder = BenchEmbedder()
    parser = QueryParser(vocabulary, extractor)
    with tempfile.TemporaryDirectory(prefix="xiaoer-bench-") as tmp:
        start = time.perf_counter()
        HybridProductIndex(Path(tmp), embedder=embedder, extractor=extractor).upsert(products)
        build_s = time.perf_counter() - start
        gc.collect()
        start = time.perf_counter()
        index = HybridProductIndex(Path(tmp), embedder=embedder, extractor=extractor)
        open_s = time.perf_counter() - start
        texts = queries(n_queries)
        for text in texts[:20]:  # warm up jieba, BLAS, Chroma's HNSW
            index.search(text + " warm")
        vectors = np.asarray(index._snap.vectors)
        query_vectors = {text: embedder.query_encoder.embed([text])[0] for text in texts}

        def pipeline(filters: QueryFilters | None) -> Callable[[str], object]:
            def run(text: str) -> object:
                parsed = parser.parse(text)
                return index.search(" ".join(parsed.keywords) or text, k=5, filters=filters or None)

            return run

        def brute(text: str) -> object:
            sims = vectors @ query_vectors[text]
            top = np.argpartition(-sims, 5)[:5]
            return top[np.argsort(-sims[top])]

        band = QueryFilters(min_price=Decimal("500"), max_price=Decimal("1500"))  # ~50 % of SKUs
        rows = [
            ("query encoding only (USE, one text)", lambda t: embedder.query_encoder.embed([t])),
            ("numpy brute-force top-5 (vectors only)", lambda t: brute(t)),
            ("chroma top-50 (vectors only)", lambda t: index.store.query(query_vectors[t], 50)),
            (
                "parse + bm25 only",
                lambda t: index.search(" ".join(parser.parse(t).keywords) or t, mode="bm25"),
            ),
            ("parse + hybrid, unfiltered", pipeline(None)),
            ("parse + hybrid, price band (~50%)", pipeline(band)),
            ("parse + hybrid, brand (~5%)", pipeline(QueryFilters(brand="Nike"))),
            (
                "parse + hybrid, in stock + size 42",
                pipeline(QueryFilters(in_stock=True, attributes={"size": "42"})),
            ),
        ]
        print(
            f"\n{n:,} SKUs: build {build_s:.1f} s ({n / build_s:,.0f} SKUs/s incl. tokenising, no encoding), "
            f"reopen {open_s:.2f} s, {n_queries} distinct queries (query encoding included)"
        )
        print(f"  {'path':42s} {'p50 ms':>8s} {'p99 ms':>8s}")
        figures = {}
        for label, fn in rows:
            embedder.query_encoder.embed(["warm"])
            index._queries._items.clear()  # every query pays its encoding, as a fresh customer query would
            figures[label] = timed(fn, texts)
            print(f"  {label:42s} {figures[label][0]:8.2f} {figures[label][1]:8.2f}")
        unfiltered = figures["parse + hybrid, unfiltered"][1]
        worst = max(
            figures[label][1] for label in figures if "hybrid, " in label and "unfiltered" not in label
        )
        print(f"  filtered/unfiltered p99 ratio (worst filter): {worst / unfiltered:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--100k", dest="big", action="store_true", help="also run 100k SKUs (minutes)")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    sizes = [1_000, 10_000] + ([100_000] if args.big or os.environ.get("XIAOER_BENCH_100K") else [])
    print(
        f"retrieval bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
        f"(other processes inflate p99), sizes {sizes}"
    )
    for n in sizes:
        run_size(n, args.queries)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak_mb:,.0f} MB; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
