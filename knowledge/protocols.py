"""The seams of the knowledge layer, as small protocols.

Each has a real implementation (Chroma + BM25, jieba, the offline encoder) and an in-memory one for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from knowledge.models import Mention, Product, QueryFilters, SearchHit, SearchMode, UpsertSummary


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` identifies the model in stored collections."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int:
        """Vector size (0 until known, for API embedders that learn it from the first response)."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class KeywordExtractor(Protocol):
    """Chinese-aware tokenisation and keyword extraction."""

    def tokenize(self, text: str) -> list[str]:
        """Tokens for BM25: words (jieba for Chinese, lower-cased English) plus Chinese char bigrams."""
        ...

    def keywords(self, text: str, top_k: int = 8, *, surface: bool = False) -> list[str]:
        """The most informative words of a text, best first (TF-IDF with the catalog's own IDF).

        `surface=True` returns them as people read them (the text's own spelling, whole words only), for
        SEO keywords; the default form is the one matching and insights compare.
        """
        ...


@runtime_checkable
class ProductIndex(Protocol):
    """Where products live and how they are found. Returned hits are relevant: empty = nothing found."""

    def upsert(self, products: Sequence[Product]) -> UpsertSummary: ...

    def delete(self, skus: Sequence[str]) -> int: ...

    def get(self, sku: str) -> Product | None: ...

    def skus(self) -> set[str]: ...

    def count(self) -> int: ...

    def find_mentions(self, text: str, k: int = 5) -> list[Mention]:
        """Products the text names ("pegasus 41", "Momentum 4"), best first; empty when it names none."""
        ...

    def find_named(self, text: str) -> list[Product]:
        """Products a reply's text names beyond doubt (the whole model name, or most of a title with no other
        model's word run on: "Sony WH-1000XM5" yes, "WH-1000XM6" no), in the order written; the truth guard's
        entity linking."""
        ...

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        filters: QueryFilters | None = None,
        mode: SearchMode = "hybrid",
        include_weak: bool = False,
    ) -> list[SearchHit]:
        """Top-k products for a query after filters; `include_weak` also returns below-threshold hits."""
        ...
