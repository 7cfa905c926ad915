"""Micro-batching of concurrent embedding calls.

Encoding one short query costs the offline encoder about as much as encoding several at once (measured here:
5.8 ms for one query, 0.9 ms per query in batches of 16), and the bot embeds queries from many worker threads
at the same time. The first caller becomes the leader and encodes whatever has queued up, batch after batch,
until nothing waits; a lone caller pays no extra latency because nobody waits on a timer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import numpy as np


class EmbeddingBatcher:
    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], max_batch: int = 32) -> None:
        self._embed = embed
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[tuple[str, Future[np.ndarray]]] = []
        self._leading = False
        self.batches = 0  # how many encoder calls served how many texts: for benchmarks and tests
        self.texts = 0

    def embed_one(self, text: str) -> np.ndarray:
        future: Future[np.ndarray] = Future()
        with self._lock:
            self._pending.append((text, future))
            lead = not self._leading
            self._leading = True
        if lead:
            self._drain()
        return future.result()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                if not batch:
                    self._leading = False
                    return
            try:
                vectors = self._embed([text for text, _ in batch])
            except BaseException as exc:  # every waiter gets the failure, none hangs
                for _, future in batch:
                    future.set_exception(exc)
                continue
            self.batches += 1
            self.texts += len(batch)
            for (_, future), vector in zip(batch, vectors, strict=True):
                future.set_result(vector)
