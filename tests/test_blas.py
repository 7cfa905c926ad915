"""knowledge.blas: once a hybrid index is open, the process's BLAS runs one thread, and products are unchanged."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from knowledge.blas import one_blas_thread


def test_one_blas_thread_limits_every_blas_library_and_is_idempotent() -> None:
    rng = np.random.default_rng(3)
    matrix, vector = (
        rng.standard_normal((4096, 512)).astype(np.float32),
        rng.standard_normal(512).astype(np.float32),
    )
    before = matrix @ vector
    assert one_blas_thread() and one_blas_thread()
    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)
    assert np.array_equal(matrix @ vector, before)  # each output row is one dot product either way
