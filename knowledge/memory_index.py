"""`InMemoryProductIndex`: the same search semantics as the hybrid index, with nothing on disk.

For tests of other parts and quick experiments: numpy brute-force vectors (when an embedder is given) plus BM25,
the same fusion, filters, stock preference and relevance threshold (`knowledge.ranking`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from knowledge.embeddings import QueryEmbeddingCache
from knowledge.models import Product, QueryFilters, SearchHit, SearchMode, UpsertSummary
from knowledge.money import NO_RATES, ExchangeRates
from knowledge.protocols import Embedder, KeywordExtractor
from knowledge.ranking import DEFAULT_PARAMS, RankingParams, rank, split_tokens
from knowledge.simple_tokens import SimpleKeywordExtractor
from knowledge.snapshot import Snapshot, SnapshotReads, apply_deletes, apply_upserts, check_mode


class InMemoryProductIndex(SnapshotReads):
    """A `ProductIndex` held in process memory; without an embedder it ranks by keywords only."""

    def __init__(
        self,
        extractor: KeywordExtractor | None = None,
        embedder: Embedder | None = None,
        params: RankingParams = DEFAULT_PARAMS,
        rates: ExchangeRates = NO_RATES,
    ) -> None:
        self.rates = rates
        self.extractor = extractor or SimpleKeywordExtractor()
        self.embedder = embedder
        self.params = params
        self._queries = QueryEmbeddingCache(embedder) if embedder else None
        self._snap = Snapshot.empty(embedder.dimension if embedder else None)
        self._write = threading.Lock()

    def upsert(self, products: Sequence[Product]) -> UpsertSummary:
        with self._write:
            embed = self.embedder.embed if self.embedder else None
            changes = apply_upserts(self._snap, products, self.extractor, embed)
            self._snap = changes.snapshot
            return changes.summary

    def delete(self, skus: Sequence[str]) -> int:
        with self._write:
            self._snap, removed = apply_deletes(self._snap, skus)
            return len(removed)

    def embed_query(self, text: str) -> np.ndarray | None:
        """The (cached) query vector of `text`, or None without an embedder."""
        return self._queries.embed_query(text) if self._queries is not None and text.strip() else None

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        filters: QueryFilters | None = None,
        mode: SearchMode = "hybrid",
        include_weak: bool = False,
    ) -> list[SearchHit]:
        check_mode(mode)
        snap = self._snap
        vector = (
            self._queries.embed_query(query) if self._queries and mode != "bm25" and query.strip() else None
        )
        return rank(
            snap,
            tokens=self.extractor.tokenize(query),
            split=split_tokens(self.extractor, query),
            query_vector=vector,
            k=k,
            filters=filters,
            mode=mode,
            include_weak=include_weak,
            params=self.params,
            rates=self.rates,
        )
