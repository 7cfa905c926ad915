"""The immutable in-process view of a catalog: products, vectors, BM25 tokens and filter facets, row-aligned.

Searches read one snapshot reference (atomic in CPython) and never lock; an ingest batch builds the next snapshot
and swaps it in. That is how concurrent `search` calls from worker threads stay safe during ingestion.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from knowledge.bm25 import KeywordIndex
from knowledge.facets import Facets
from knowledge.mentions import MentionIndex
from knowledge.models import Mention, Product, UpsertSummary
from knowledge.protocols import KeywordExtractor

Tokens = list[str]


def product_tokens(extractor: KeywordExtractor, product: Product) -> Tokens:
    """BM25 tokens of a product; the title is counted twice (a cheap title-field boost)."""
    title = extractor.tokenize(product.title)
    rest = product.search_text()[len(product.title) :]  # search_text() starts with the title
    return title + title + extractor.tokenize(rest)


STATS_SAMPLE = 4096


def _sample_rows(vectors: np.ndarray | None) -> np.ndarray:
    if vectors is None or vectors.shape[0] == 0:
        return np.zeros((0, 0 if vectors is None else vectors.shape[1]), dtype=np.float32)
    return np.ascontiguousarray(vectors[:: max(1, vectors.shape[0] // STATS_SAMPLE)])


@dataclass(frozen=True)
class Snapshot:
    products: tuple[Product, ...]
    hashes: tuple[str, ...]
    tokens: tuple[Tokens, ...]
    vectors: np.ndarray | None  # (n, d) L2-normalised, or None without an embedder
    keywords: KeywordIndex
    facets: Facets
    rows: dict[str, int]
    stats_vectors: (
        np.ndarray
    )  # a fixed, contiguous sample of rows: the query's cosine mean/std over the catalog
    _mentions: list[MentionIndex] = field(default_factory=list, compare=False, repr=False)
    _mentions_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def mentions(self) -> MentionIndex:
        """The product-mention index of this snapshot, built on first use (≈2 ms per 100 SKUs) and kept."""
        if not self._mentions:
            with self._mentions_lock:
                if not self._mentions:
                    self._mentions.append(MentionIndex.build(self.products))
        return self._mentions[0]

    def built_mentions(self) -> MentionIndex | None:
        """The mention index when it was built already, else None (never builds it)."""
        return self._mentions[0] if self._mentions else None

    @classmethod
    def build(
        cls,
        products: Sequence[Product],
        hashes: Sequence[str],
        tokens: Sequence[Tokens],
        vectors: np.ndarray | None,
        keywords: KeywordIndex | None = None,
    ) -> Snapshot:
        if vectors is not None:
            vectors.setflags(write=False)
        return cls(
            products=tuple(products),
            hashes=tuple(hashes),
            tokens=tuple(tokens),
            vectors=vectors,
            keywords=keywords if keywords is not None else KeywordIndex.build(tokens),
            facets=Facets.build(products),
            rows={product.sku: row for row, product in enumerate(products)},
            stats_vectors=_sample_rows(vectors),
        )

    @classmethod
    def empty(cls, dimension: int | None) -> Snapshot:
        vectors = None if dimension is None else np.zeros((0, max(dimension, 0)), dtype=np.float32)
        return cls.build([], [], [], vectors)

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(product.sku for product in self.products)


@dataclass(frozen=True)
class Changes:
    """What an upsert batch changes: the new snapshot plus the rows a persistent store must write."""

    snapshot: Snapshot
    summary: UpsertSummary
    changed: list[Product]
    changed_vectors: np.ndarray | None


def apply_upserts(
    snap: Snapshot,
    products: Sequence[Product],
    extractor: KeywordExtractor,
    embed: Callable[[list[str]], np.ndarray] | None,
) -> Changes:
    """Classify by content hash, embed and tokenise only new/changed SKUs, rebuild BM25 once for the batch."""
    latest: dict[str, Product] = {product.sku: product for product in products}  # last row of a SKU wins
    digests = {sku: product.content_hash() for sku, product in latest.items()}
    added: list[Product] = []
    updated: list[Product] = []
    for sku, product in latest.items():
        row = snap.rows.get(sku)
        if row is None:
            added.append(product)
        elif snap.hashes[row] != digests[sku]:
            updated.append(product)
    changed = updated + added
    unchanged = len(latest) - len(changed)
    summary = UpsertSummary(added=len(added), updated=len(updated), unchanged=unchanged)
    if not changed:
        return Changes(snap, summary, [], None)
    new_vectors = embed([product.search_text() for product in changed]) if embed else None
    all_products = list(snap.products)
    all_hashes = list(snap.hashes)
    all_tokens = list(snap.tokens)
    vectors = snap.vectors
    if vectors is not None and new_vectors is not None:
        if vectors.shape[0] == 0:
            vectors = np.zeros((0, new_vectors.shape[1]), dtype=np.float32)
        vectors = np.vstack([vectors, new_vectors[len(updated) :]])
    for offset, product in enumerate(changed):
        tokens = product_tokens(extractor, product)
        row = snap.rows.get(product.sku)
        if row is None:
            all_products.append(product)
            all_hashes.append(digests[product.sku])
            all_tokens.append(tokens)
        else:
            all_products[row], all_hashes[row], all_tokens[row] = product, digests[product.sku], tokens
            if vectors is not None and new_vectors is not None:
                vectors[row] = new_vectors[offset]
    return Changes(
        Snapshot.build(all_products, all_hashes, all_tokens, vectors), summary, changed, new_vectors
    )


def apply_deletes(snap: Snapshot, skus: Sequence[str]) -> tuple[Snapshot, list[str]]:
    """The snapshot without these SKUs (unknown ones are ignored) and the SKUs actually removed."""
    doomed = {sku for sku in skus if sku in snap.rows}
    if not doomed:
        return snap, []
    keep = [row for row, product in enumerate(snap.products) if product.sku not in doomed]
    vectors = None if snap.vectors is None else snap.vectors[keep]
    return (
        Snapshot.build(
            [snap.products[r] for r in keep],
            [snap.hashes[r] for r in keep],
            [snap.tokens[r] for r in keep],
            vectors,
        ),
        sorted(doomed),
    )


MODES = ("bm25", "dense", "hybrid")


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")


class SnapshotReads:
    """The reads every snapshot-backed index answers the same way, lock-free from the current snapshot."""

    _snap: Snapshot

    def get(self, sku: str) -> Product | None:
        snap = self._snap
        row = snap.rows.get(sku)
        return None if row is None else snap.products[row]

    def skus(self) -> set[str]:
        return set(self._snap.rows)

    def count(self) -> int:
        return len(self._snap.products)

    def mention_index(self) -> MentionIndex:
        """The current snapshot's mention index (groups of mentions, kinds of product; see `knowledge.mentions`)."""
        return self._snap.mentions()

    def warm_up(self) -> None:
        """Build the current snapshot's lazily built parts now (mention index, material masks): for a
        background thread at start-up, so no customer's message pays for them."""
        snap = self._snap
        snap.mentions()
        snap.facets.warm_materials()

    def built_mention_index(self) -> MentionIndex | None:
        """The current snapshot's mention index if it was built already, else None (a quick check that never
        builds it: callers on the event loop decide with it whether the build must go to a thread)."""
        return self._snap.built_mentions()

    def find_mentions(self, text: str, k: int = 5) -> list[Mention]:
        """Products the text names by title, model number or brand (see `knowledge.mentions`), best first."""
        return self._snap.mentions().find(text, k)

    def find_named(self, text: str) -> list[Product]:
        """Products a reply names beyond doubt (`MentionIndex.find_named`), in the order written, once each."""
        skus = dict.fromkeys(m.sku for m in self._snap.mentions().find_named(text))
        return [p for p in map(self.get, skus) if p is not None]
