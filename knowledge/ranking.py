"""Hybrid ranking over one snapshot: BM25 ∪ vector candidates, normalised-score fusion, stock preference, threshold.

Why not plain RRF: ranks throw away how *much* better the first hit is. We fuse max-normalised BM25 with the
cosine's z-score against the catalog (so "0.4" means something different for each query, as it should), add the
IDF coverage of the query, and let BM25 speak only as loudly as the catalog covers the query (an English query over
a Chinese catalog covers little, so the vectors lead). Two absolute signals — coverage and cosine — decide the
"nothing relevant" threshold, which fused scores (relative by construction) cannot.
Tuned on multicpr-mini-zh and epqa-en (see bench/README or the retrieval note): +5 % / +13 % nDCG@10 over BM25.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from knowledge.facets import Facets
from knowledge.models import Product, QueryFilters, SearchHit, SearchMode
from knowledge.money import NO_RATES, ExchangeRates
from knowledge.resources import normalise_text, synonym_groups
from knowledge.snapshot import Snapshot

DenseFn = Callable[[np.ndarray, int], list[tuple[int, float]]]


@dataclass(frozen=True)
class RankingParams:
    pool: int = 50  # candidates taken from each retriever
    bm25_weight: float = 0.5
    dense_weight: float = 0.5
    coverage_weight: float = 0.3
    coverage_full: float = 0.5  # BM25 gets its full weight once some product covers this share of the query
    broad_filter_share: float = 0.2  # filters passing at least this share of SKUs post-filter ANN candidates
    max_ann_pool: int = 1000
    out_of_stock_penalty: float = (
        0.1  # share of the best score; ranked lower, never removed (unless filtered)
    )
    # Share of a Chinese listing's keyword coverage that comes from whole words rather than shared characters:
    # "安克 充电宝" prefers the Anker power bank to an Anker 充电器 (nDCG@10 sample +0.006, multicpr −0.001).
    word_share: float = 0.5
    exact_bonus: float = 0.1  # share of the best score for an exact soft match (women's over unisex)
    # Relevance is additive evidence: coverage / full_coverage + (cosine − floor) / (full − floor), each part ≥ 0.
    # Either signal alone passes at its "full" value; two partial ones together pass too. Calibrated on the
    # sample catalog: nonsense tops out at cosine ≈ 0.27 / coverage ≈ 0.27, real paraphrases sit at ≥ 0.37 / 0.25.
    full_coverage: float = 0.5
    cosine_floor: float = 0.25
    cosine_full: float = 0.40
    threshold: float = 1.0  # relevance below this = "nothing relevant"


DEFAULT_PARAMS = RankingParams()


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > n:
        positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
    return positive[np.argsort(-scores[positive], kind="stable")]


def numpy_dense(
    vectors: np.ndarray, query: np.ndarray, n: int, mask: np.ndarray | None
) -> list[tuple[int, float]]:
    """Exact cosine top-n over the (masked) rows; copies only the rows of a narrow mask."""
    total = vectors.shape[0]
    count = total if mask is None else int(mask.sum())
    if count == 0 or n <= 0:
        return []
    if mask is not None and count * 4 < total:
        rows = np.flatnonzero(mask)
        sims = vectors[rows] @ query
    else:
        rows = np.arange(total)
        sims = vectors @ query
        if mask is not None:
            sims = np.where(mask, sims, -np.inf)
    n = min(n, count)
    best = np.argpartition(-sims, n - 1)[:n] if sims.size > n else np.arange(sims.size)
    best = best[np.argsort(-sims[best], kind="stable")]
    return [(int(rows[i]), float(sims[i])) for i in best]


def _dense_candidates(
    snap: Snapshot,
    query: np.ndarray,
    pool: int,
    mask: np.ndarray | None,
    dense: DenseFn | None,
    params: RankingParams,
) -> list[tuple[int, float]]:
    """Vector candidates under the filters, without a slow store-side `where`.

    Unfiltered or broadly filtered queries use the ANN index (Chroma) with a pool enlarged by 1/selectivity and
    filter in Python; narrow filters brute-force only the matching rows (few rows, exact, cheap).
    """
    if dense is not None:
        if mask is None:
            return dense(query, pool)
        share = float(mask.mean())
        if share >= params.broad_filter_share:
            wanted = min(params.max_ann_pool, int(pool / share * 2) + 1)
            found = [(row, cos) for row, cos in dense(query, wanted) if mask[row]][:pool]
            if len(found) >= min(pool, int(mask.sum())):
                return found
    return numpy_dense(snap.vectors, query, pool, mask)  # type: ignore[arg-type]


def describe_filters(filters: QueryFilters | None) -> str:
    if filters is None or filters.is_empty():
        return "none"
    parts = []
    if filters.has_price():
        currency = f" {filters.currency}" if filters.currency else ""
        parts.append(f"price {filters.min_price or ''}..{filters.max_price or ''}{currency}")
    parts += [f"category={filters.category}"] if filters.category else []
    parts += [f"brand={filters.brand}"] if filters.brand else []
    parts += [f"{key}={value}" for key, value in filters.attributes.items()]
    parts += ["in_stock"] if filters.in_stock else []
    parts += [f"not brand={value}" for value in filters.exclude_brands]
    parts += [f"not category={value}" for value in filters.exclude_categories]
    parts += [f"not {key}={value}" for key, value in filters.exclude_attributes]
    parts += [f"not '{value}'" for value in filters.exclude_terms]
    return ", ".join(parts)


_NO_VALUE = re.compile(r"^(?:否|无|不支持|没有|不带|no|none|not supported|false|n)$")
_WORD_CHARS = re.compile(r"[a-z0-9]")


@cache
def _term_forms(term: str) -> tuple[str, ...]:
    """A negated word and its synonyms in any language (synonyms.txt: 降噪 = ANC = noise cancelling); an English
    word also takes the groups whose phrases it is part of ("cancelling" → noise cancelling)."""
    word = normalise_text(term).strip()
    forms = [word]
    for group in synonym_groups():
        members = [normalise_text(m).strip() for m in group]
        if word in members or (
            _WORD_CHARS.match(word) and len(word) >= 4 and any(word in m.split() for m in members)
        ):
            forms += members
    return tuple(dict.fromkeys(f for f in forms if f))


def names_excluded_term(product: Product, terms: tuple[str, ...]) -> bool:
    """True when the product has a negated feature ("碳板", "降噪"/"noise cancelling"): its title, tags or an
    attribute value names the word or a synonym, or an attribute named for it (noise_cancelling) says yes. An
    attribute named for it that says no (否/no/无) clears the product, whatever its other text says."""
    text = normalise_text(" ".join([product.title, *product.tags]))
    for term in terms:
        forms = _term_forms(term)
        verdict: bool | None = None
        for key, value in product.attributes.items():
            name, said = normalise_text(key.replace("_", " ")).strip(), normalise_text(str(value)).strip()
            if any(f in said for f in forms):
                verdict = True
            elif name in forms or any(f in name for f in forms if len(f) >= 2):
                verdict = not _NO_VALUE.match(said)
            if verdict:
                break
        if verdict is None:
            verdict = any(f in text for f in forms)
        if verdict:
            return True
    return False


def passing(
    products: Sequence[Product], filters: QueryFilters | None, rates: ExchangeRates = NO_RATES
) -> list[Product]:
    """The products in hand (a shown list, a ranked scope) that pass `filters` by the same rules as a search:
    every filter, no exclusion, no negated word; in their order. No filters: all of them."""
    if filters is None or filters.is_empty() or not products:
        return list(products)
    mask = Facets.build(products).mask(filters, rates)
    kept = list(products) if mask is None else [p for p, ok in zip(products, mask, strict=True) if ok]
    if filters.exclude_terms:
        kept = [p for p in kept if not names_excluded_term(p, filters.exclude_terms)]
    return kept


def rank(
    snap: Snapshot,
    *,
    tokens: list[str],
    query_vector: np.ndarray | None,
    k: int,
    filters: QueryFilters | None,
    mode: SearchMode,
    include_weak: bool,
    dense: DenseFn | None = None,
    params: RankingParams = DEFAULT_PARAMS,
    rates: ExchangeRates = NO_RATES,
    split: tuple[list[str], list[str]] | None = None,
) -> list[SearchHit]:
    """The top-k hits of one query; `dense` (e.g. Chroma's HNSW) replaces numpy only when nothing filters.

    `split` = the query's (word tokens, character n-grams) when the extractor can tell them apart: then keyword
    scores are script-aware (see `KeywordIndex.split_scores`). Every hit passes the filters (`rates` convert price bounds between currencies); `include_weak` adds hits
    below the relevance threshold (marked `explain["weak"]`), never hits that fail a filter.
    """
    n = len(snap.products)
    if n == 0 or k <= 0:
        return []
    mask = snap.facets.mask(filters, rates)
    if mask is not None and not mask.any():
        return []
    if not tokens and query_vector is None:
        return [] if mask is None else _filter_only(snap, mask, k, filters)
    use_bm25 = mode in ("bm25", "hybrid")
    use_dense = mode in ("dense", "hybrid") and query_vector is not None and snap.vectors is not None
    pool = max(params.pool, k)

    bm25 = coverage = word_bm25 = word_coverage = None
    chinese_factor = 1.0
    if (use_bm25 or use_dense) and split is not None:
        bm25, coverage, word_bm25, word_coverage, chinese_factor = snap.keywords.split_scores(*split)
    elif use_bm25 or use_dense:
        bm25, coverage = snap.keywords.scores(tokens)
    bm25_rank: dict[int, int] = {}
    if use_bm25 and bm25 is not None:
        scored = bm25 if mask is None else np.where(mask, bm25, 0)
        top = list(_top(scored, pool))
        if word_bm25 is not None:  # products that match the query's words in another script
            words_scored = word_bm25 if mask is None else np.where(mask, word_bm25, 0)
            taken = set(top)
            top += [row for row in _top(words_scored, pool) if row not in taken]
        bm25_rank = {int(row): rank_ for rank_, row in enumerate(top, start=1)}
    vector_rank: dict[int, int] = {}
    if use_dense:
        assert query_vector is not None
        found = _dense_candidates(snap, query_vector, pool, mask, dense, params)
        vector_rank = {row: rank_ for rank_, (row, _) in enumerate(found, start=1)}

    candidates = list(dict.fromkeys([*bm25_rank, *vector_rank]))
    if filters is not None and filters.exclude_terms:
        candidates = [
            row for row in candidates if not names_excluded_term(snap.products[row], filters.exclude_terms)
        ]
    if not candidates:
        return []
    rows = np.asarray(candidates, dtype=np.int64)
    cos = np.zeros(rows.size, dtype=np.float32)
    if use_dense and snap.vectors is not None:
        cos = snap.vectors[rows] @ query_vector  # exact cosine for BM25-only candidates too
    cov = coverage[rows] if coverage is not None else np.zeros(rows.size, dtype=np.float32)
    raw_bm25 = bm25[rows] if bm25 is not None else np.zeros(rows.size, dtype=np.float32)

    b = raw_bm25 / raw_bm25.max() if raw_bm25.max() > 0 else np.zeros_like(raw_bm25)
    if word_bm25 is not None and word_coverage is not None:
        # Script-aware: a product listed in English cannot contain the query's Chinese character n-grams, so it
        # is scored on the query's words alone (synonyms and brand aliases fold across scripts) when that is better.
        latin = snap.facets.latin_title[rows]
        raw_words = word_bm25[rows]
        if latin.any() and raw_words.max() > 0:
            b = np.where(latin, np.maximum(b, raw_words / raw_words.max()), b)
        han_cov = np.minimum(cov * chinese_factor, 1.0)
        if params.word_share:  # whole-word matches count more than shared characters ("充电器" vs "充电宝")
            han_cov = (1 - params.word_share) * han_cov + params.word_share * word_coverage[rows]
        cov = np.where(latin, np.maximum(cov, word_coverage[rows]), han_cov)
    if mode == "bm25":
        fused = b
    elif mode == "dense":
        fused = cos.astype(np.float32)
    else:
        z = np.zeros(rows.size, dtype=np.float32)
        if use_dense:
            sample = snap.stats_vectors @ query_vector
            z = (cos - float(sample.mean())) / (float(sample.std()) + 1e-6)
            z = z / max(float(z.max()), 1e-6)
        bm25_weight = params.bm25_weight * min(1.0, float(cov.max()) / params.coverage_full)
        fused = bm25_weight * b + params.dense_weight * z + params.coverage_weight * cov
    cos_relevance = np.maximum(cos - params.cosine_floor, 0.0) / (params.cosine_full - params.cosine_floor)
    keyword_relevance = cov / params.full_coverage
    if mode == "bm25":
        relevance = keyword_relevance
    elif mode == "dense":
        relevance = cos_relevance
    else:
        relevance = keyword_relevance + (cos_relevance if use_dense else 0.0)
    stock = snap.facets.stock[rows]
    scale = float(np.abs(fused).max())
    exact = snap.facets.exact_rows(filters)
    if exact is not None:
        fused = np.where(exact[rows], fused + params.exact_bonus * scale, fused)
    fused = np.where(stock == 0, fused - params.out_of_stock_penalty * scale, fused)

    order = np.argsort(-fused, kind="stable")
    applied = describe_filters(filters)
    hits: list[SearchHit] = []
    for i in order:
        weak = bool(relevance[i] < params.threshold)
        if weak and not include_weak:
            continue
        row = int(rows[i])
        explain: dict[str, object] = {
            "bm25_rank": bm25_rank.get(row),
            "bm25_score": round(float(raw_bm25[i]), 4),
            "vector_rank": vector_rank.get(row),
            "vector_distance": round(1.0 - float(cos[i]), 4) if use_dense else None,
            "coverage": round(float(cov[i]), 3),
            "relevance": round(float(relevance[i]), 3),
            "fused": round(float(fused[i]), 4),
            "filters": applied,
            "weak": weak,
            "mode": mode,
        }
        hits.append(
            SearchHit(snap.products[row], float(fused[i]), bm25_rank.get(row), vector_rank.get(row), explain)
        )
        if len(hits) == k:
            break
    return hits


def _filter_only(snap: Snapshot, mask: np.ndarray, k: int, filters: QueryFilters | None) -> list[SearchHit]:
    """No words to rank by ("有哪些数码产品" after its category was read as a filter): the products passing the
    filters, exact soft matches and in-stock ones first, then in catalog order."""
    rows = np.flatnonzero(mask)
    if filters is not None and filters.exclude_terms:  # "without noise cancelling": before the top k is cut
        rows = np.asarray(
            [r for r in rows if not names_excluded_term(snap.products[int(r)], filters.exclude_terms)],
            dtype=np.int64,
        )
    exact = snap.facets.exact_rows(filters)
    stock = snap.facets.stock[rows]
    key = np.lexsort(
        (rows, stock == 0, ~exact[rows] if exact is not None else np.zeros(rows.size, dtype=bool))
    )
    applied = describe_filters(filters)
    hits = []
    for i in key[:k]:
        row = int(rows[i])
        explain: dict[str, object] = {"filters": applied, "weak": False, "mode": "filter", "relevance": None}
        hits.append(SearchHit(snap.products[row], 0.0, None, None, explain))
    return hits


def split_tokens(extractor: object, query: str) -> tuple[list[str], list[str]] | None:
    """(word tokens, character n-grams) of a query when the extractor offers `split_tokens`, else None."""
    split = getattr(extractor, "split_tokens", None)
    return split(query) if callable(split) else None
