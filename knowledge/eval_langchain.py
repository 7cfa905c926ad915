"""The plain-LangChain baseline for the retrieval eval: `Chroma.similarity_search` on OUR embedding.

It answers "does our hybrid retrieval beat what LangChain gives out of the box with the same vectors?".
langchain_chroma is imported only here. Vectors are computed once and shared with the index under test
(`RecordingEmbedder`), so the baseline costs no second encoding pass.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from knowledge.models import Product
from knowledge.protocols import Embedder

BATCH = 1000  # below Chroma's maximum batch size


class RecordingEmbedder:
    """An `Embedder` that remembers every vector it made, keyed by text (the eval embeds each text once)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:  # OpenAI embedders learn theirs from the first response
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self.inner.embed(missing)
            with self._lock:
                self._cache.update(zip(missing, vectors, strict=True))
        with self._lock:
            return np.vstack([self._cache[t] for t in texts]) if texts else self.inner.embed([])


class EmbedderEmbeddings(Embeddings):
    """Our `Embedder` as a LangChain `Embeddings`."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts).astype(float).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].astype(float).tolist()


class LangChainBaseline:
    """Products in a LangChain `Chroma` store (product search text as documents, SKU as id)."""

    def __init__(self, embedder: Embedder, directory: Path, products: Sequence[Product]) -> None:
        self._store = Chroma(
            collection_name="xiaoer_eval_langchain",
            embedding_function=EmbedderEmbeddings(embedder),
            persist_directory=str(directory),
        )
        for start in range(0, len(products), BATCH):
            batch = products[start : start + BATCH]
            self._store.add_texts(
                texts=[p.search_text() for p in batch],
                metadatas=[{"sku": p.sku} for p in batch],
                ids=[p.sku for p in batch],
            )

    def search(self, text: str, k: int) -> list[str]:
        return [str(doc.metadata["sku"]) for doc in self._store.similarity_search(text, k=k)]

    def close(self) -> None:
        """Release the embedded Chroma client before its temporary directory is removed."""
        with contextlib.suppress(Exception):  # best effort clean-up of a temporary store
            self._store.delete_collection()
