"""Concurrent query embeddings share encoder calls, results stay per caller, and failures reach every waiter."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from knowledge.batching import EmbeddingBatcher
from knowledge.embeddings import QueryEmbeddingCache, USEEmbedder


class GatedEncoder:
    """Encodes texts by their length; the first call waits until every caller has queued."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.gate.wait(5)
        return np.array([[float(len(t)), 1.0] for t in texts])


def test_concurrent_callers_share_batches_and_get_their_own_vectors() -> None:
    gate = threading.Event()
    encoder = GatedEncoder(gate)
    batcher = EmbeddingBatcher(encoder, max_batch=8)
    texts = ["x" * n for n in range(1, 21)]
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(batcher.embed_one, t) for t in texts]
        for _ in range(500):  # until every caller has queued (the leader's first batch is held at the gate)
            if len(batcher._pending) + sum(len(c) for c in encoder.calls) == 20:
                break
            threading.Event().wait(0.01)
        gate.set()
        results = [f.result(5) for f in futures]
    assert [r[0] for r in results] == [float(n) for n in range(1, 21)]
    assert sum(len(c) for c in encoder.calls) == 20 and len(encoder.calls) <= 4
    assert max(len(c) for c in encoder.calls) <= 8


def test_a_failing_encoder_fails_every_waiter_and_the_next_call_recovers() -> None:
    calls = {"n": 0}

    def flaky(texts: Sequence[str]) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("encoder down")
        return np.ones((len(texts), 2))

    batcher = EmbeddingBatcher(flaky)
    with pytest.raises(RuntimeError):
        batcher.embed_one("a")
    assert batcher.embed_one("b").tolist() == [1.0, 1.0]


def test_batched_query_vectors_equal_single_encodings() -> None:
    use = USEEmbedder()
    cache = QueryEmbeddingCache(use)
    queries = [f"有没有{n}码的跑鞋" for n in range(36, 46)] + ["wireless earbuds under $50"]
    with ThreadPoolExecutor(8) as pool:
        vectors = list(pool.map(cache.embed_query, queries))
    for query, vector in zip(queries, vectors, strict=True):
        assert np.allclose(vector, use.embed([query])[0], atol=1e-5)
