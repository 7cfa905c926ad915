"""`HybridProductIndex`: Chroma holds the products and their vectors; bm25s adds keywords; both are fused.

Chroma is the source of truth (embedded or server). On open the index reads it once into an immutable snapshot
(products for fast `get`, facet arrays for fast filters, vectors for exact filtered search) and loads the persisted
BM25 index when it was built for exactly these products — otherwise it rebuilds it from the per-SKU token cache,
re-tokenising only SKUs whose content changed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from knowledge.blas import one_blas_thread
from knowledge.bm25 import KeywordStore
from knowledge.chroma import ChromaVectorStore, Metadata, collection_name
from knowledge.embeddings import QueryEmbeddingCache
from knowledge.errors import StoreUnavailable
from knowledge.models import Product, QueryFilters, SearchHit, SearchMode, UpsertSummary
from knowledge.money import NO_RATES, ExchangeRates
from knowledge.protocols import Embedder, KeywordExtractor
from knowledge.ranking import DEFAULT_PARAMS, RankingParams, numpy_dense, rank, split_tokens
from knowledge.snapshot import (
    Snapshot,
    SnapshotReads,
    apply_deletes,
    apply_upserts,
    check_mode,
    product_tokens,
)

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


def product_metadata(product: Product) -> Metadata:
    """Flat scalars only (Chroma allows nothing else): the product as JSON plus a few filterable fields.

    Few keys and no `documents` on purpose: each metadata key and the documents' full-text index cost Chroma
    write time (about 3× slower ingestion with titles, brands and documents stored separately).
    """
    meta: Metadata = {"content_hash": product.content_hash(), "product": product.model_dump_json()}
    if product.price is not None:
        meta["price_cents"] = int((product.price * 100).to_integral_value())
    if product.stock is not None:
        meta["in_stock"] = product.stock > 0
    return meta


def extractor_fingerprint(extractor: KeywordExtractor) -> str:
    """Tokens cached under another dictionary are stale: an explicit `fingerprint`, else the user words' hash."""
    explicit = getattr(extractor, "fingerprint", None)
    if explicit:
        return str(explicit)
    vocabulary = getattr(extractor, "vocabulary", None)
    words = (
        sorted(vocabulary.user_words())
        if vocabulary is not None and hasattr(vocabulary, "user_words")
        else []
    )
    digest = hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()[:16]
    return f"{type(extractor).__name__}:{digest}"


class HybridProductIndex(SnapshotReads):
    """The production `ProductIndex`: Chroma vectors + bm25s keywords, fused (see `knowledge.ranking`)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        embedder: Embedder,
        extractor: KeywordExtractor,
        chroma_url: str | None = None,
        collection: str | None = None,
        params: RankingParams = DEFAULT_PARAMS,
        rates: ExchangeRates = NO_RATES,
    ) -> None:
        one_blas_thread()  # per-query products are small: BLAS worker threads only add a barrier (knowledge.blas)
        self.embedder = embedder
        self.rates = rates
        self.extractor = extractor
        self.params = params
        self.collection = collection or collection_name(embedder.name)
        self.store = ChromaVectorStore(self.collection, data_dir=Path(data_dir), url=chroma_url)
        self.keyword_store = KeywordStore(Path(data_dir) / "bm25" / self.collection)
        self._fingerprint = extractor_fingerprint(extractor)
        self._queries = QueryEmbeddingCache(embedder)
        self._write = threading.Lock()
        self._version = self.store.version()
        self._snap = self._load()

    def _load(self) -> Snapshot:
        ids, metas, vectors = self.store.load_all()
        if not ids:
            return Snapshot.empty(embedder_dimension(self.embedder))
        try:
            products = [Product.model_validate_json(str(meta["product"])) for meta in metas]
        except (KeyError, ValueError) as exc:
            raise StoreUnavailable(
                f"collection {self.collection} holds records Xiaoer did not write"
            ) from exc
        hashes = [
            str(meta.get("content_hash") or product.content_hash())
            for meta, product in zip(metas, products, strict=True)
        ]
        cache = self.keyword_store.load_tokens(self._fingerprint)
        tokens = [
            cache[p.sku][1] if p.sku in cache and cache[p.sku][0] == h else product_tokens(self.extractor, p)
            for p, h in zip(products, hashes, strict=True)
        ]
        keywords = self.keyword_store.load_index(ids, hashes, self._fingerprint)
        snap = Snapshot.build(products, hashes, tokens, vectors, keywords)
        if keywords is None:
            self._persist(snap)
        return snap

    def _persist(self, snap: Snapshot) -> None:
        try:
            self.keyword_store.save(snap.skus, snap.hashes, snap.tokens, snap.keywords, self._fingerprint)
        except OSError as exc:  # the index still works from memory; the next open rebuilds it
            log.warning("could not save the BM25 index under %s: %s", self.keyword_store.directory, exc)

    def upsert(self, products: Sequence[Product], progress: Progress | None = None) -> UpsertSummary:
        with self._write:
            total = len(products)

            def embed(texts: list[str]) -> np.ndarray:
                chunks = []
                for start in range(0, len(texts), 512):
                    chunks.append(self.embedder.embed(texts[start : start + 512]))
                    if progress:
                        progress(min(start + 512, len(texts)), total)
                return np.vstack(chunks)

            changes = apply_upserts(self._snap, products, self.extractor, embed)
            if changes.changed:
                self.store.upsert(
                    [p.sku for p in changes.changed],
                    changes.changed_vectors,  # type: ignore[arg-type]
                    [product_metadata(p) for p in changes.changed],
                )
                self._persist(changes.snapshot)
                self._snap = changes.snapshot
                self._version = self.store.bump_version()
            if progress:
                progress(total, total)
            return changes.summary

    def delete(self, skus: Sequence[str]) -> int:
        with self._write:
            snap, removed = apply_deletes(self._snap, skus)
            if removed:
                self.store.delete(removed)
                self._persist(snap)
                self._snap = snap
                self._version = self.store.bump_version()
            return len(removed)

    def refresh(self) -> bool:
        """Reload when another process (an ingest run, another replica) changed the catalog; True if it did.

        Cheap when nothing changed (one metadata read), so a bot may call it before searches or on a timer.
        """
        version = self.store.version()
        if version == self._version:
            return False
        with self._write:
            self._snap = self._load()
            self._version = version
        return True

    def embed_query(self, text: str) -> np.ndarray | None:
        """The (cached) query vector of `text`: the same one `search` uses, so callers reuse it for free."""
        return self._queries.embed_query(text) if text.strip() else None

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
        snap = self._snap  # one consistent view for this whole query

        def chroma_dense(vector: np.ndarray, n: int) -> list[tuple[int, float]]:
            try:
                found = self.store.query(vector, min(n, len(snap.products)))
            except StoreUnavailable as exc:  # the snapshot holds every vector: answer exactly, just slower
                log.warning("Chroma query failed, searching the in-memory vectors instead: %s", exc)
                return numpy_dense(snap.vectors, vector, n, None)  # type: ignore[arg-type]
            return [(snap.rows[sku], cos) for sku, cos in found if sku in snap.rows]

        vector = self._queries.embed_query(query) if mode != "bm25" and query.strip() else None
        return rank(
            snap,
            tokens=self.extractor.tokenize(query),
            split=split_tokens(self.extractor, query),
            query_vector=vector,
            k=k,
            filters=filters,
            mode=mode,
            include_weak=include_weak,
            dense=chroma_dense,
            params=self.params,
            rates=self.rates,
        )


def embedder_dimension(embedder: Embedder) -> int:
    return int(getattr(embedder, "dimension", 0) or 0)
