"""The one module that talks to Chroma: embedded (PersistentClient) or a server (HttpClient).

Vectors are always precomputed by our own embedder (Chroma's default embedding function downloads a model),
so this adapter passes `embeddings=` / `query_embeddings=` and never `query_texts=`. Chroma's errors become
`StoreUnavailable` here, so nothing above this module knows chromadb's types.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from knowledge.errors import StoreUnavailable

Metadata = dict[str, str | int | float | bool]


def collection_name(embedder_name: str, prefix: str = "products") -> str:
    """`products_<embedder>` with only the characters Chroma accepts, 3–512 chars, alphanumeric at both ends."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{prefix}_{embedder_name}").strip("._-")
    cleaned = re.sub(r"\.\.+", ".", cleaned)
    return (cleaned or "products")[:512].rstrip("._-").ljust(3, "0")


@contextmanager
def _translated(action: str) -> Iterator[None]:
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as exc:  # chromadb raises ValueError, httpx errors, its own Error types …
        raise StoreUnavailable(f"Chroma {action} failed: {exc}") from exc


class ChromaVectorStore:
    """A Chroma collection of product vectors plus flat metadata (cosine space)."""

    def __init__(self, name: str, *, data_dir: Path | None = None, url: str | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.name = name
        self.location = url or str(data_dir)
        with _translated(f"connection to {self.location}"):
            if url:
                parsed = urlparse(url if "://" in url else f"http://{url}")
                self._client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
                self._client.heartbeat()
            else:
                if data_dir is None:
                    raise StoreUnavailable("neither a data directory nor a Chroma URL was given")
                path = Path(data_dir) / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
            self._collection = self._client.get_or_create_collection(
                name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
            self._batch = max(1, min(self._client.get_max_batch_size(), 5000))

    def version(self) -> str:
        """A token that changes whenever any process writes the collection (see `bump_version`)."""
        with _translated("read"):
            metadata = self._client.get_collection(self.name).metadata or {}
        return str(metadata.get("xiaoer_version", ""))

    def bump_version(self) -> str:
        version = uuid.uuid4().hex
        with _translated("write"):
            self._collection.modify(metadata={"xiaoer_version": version})
        return version

    def count(self) -> int:
        with _translated("count"):
            return int(self._collection.count())

    def upsert(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadatas: Sequence[Metadata],
        documents: Sequence[str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        with _translated("upsert"):
            for start in range(0, len(ids), self._batch):
                end = start + self._batch
                self._collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                    metadatas=list(metadatas[start:end]),
                    documents=list(documents[start:end]) if documents is not None else None,
                )
                if progress:
                    progress(min(end, len(ids)))

    def delete(self, ids: Sequence[str]) -> None:
        with _translated("delete"):
            for start in range(0, len(ids), self._batch):
                self._collection.delete(ids=list(ids[start : start + self._batch]))

    def load_all(self, page: int = 5000) -> tuple[list[str], list[Metadata], np.ndarray]:
        """Every id, metadata and vector (to rebuild the in-process filter/keyword state on open)."""
        ids: list[str] = []
        metas: list[Metadata] = []
        chunks: list[np.ndarray] = []
        with _translated("read"):
            offset = 0
            while True:
                got: dict[str, Any] = self._collection.get(  # type: ignore[assignment]
                    include=["metadatas", "embeddings"], limit=page, offset=offset
                )
                if not got["ids"]:
                    break
                ids.extend(got["ids"])
                metas.extend(dict(m or {}) for m in got["metadatas"])
                chunks.append(np.asarray(got["embeddings"], dtype=np.float32))
                offset += len(got["ids"])
                if len(got["ids"]) < page:
                    break
        vectors = np.vstack(chunks) if chunks else np.zeros((0, 0), dtype=np.float32)
        return ids, metas, vectors

    def query(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Nearest ids with cosine similarity (1 − Chroma's cosine distance), best first."""
        if n <= 0:
            return []
        with _translated("query"):  # n may exceed the collection's size: Chroma then returns what it has
            got = self._collection.query(
                query_embeddings=np.asarray([vector], dtype=np.float32), n_results=n, include=["distances"]
            )
        ids = got["ids"][0]
        distances = got["distances"][0] if got["distances"] else [1.0] * len(ids)
        return [(sku, 1.0 - float(dist)) for sku, dist in zip(ids, distances, strict=False)]
