"""Bench-only meters (bench/load.py puts this folder on the bot processes' PYTHONPATH): counts thread-pool
hand-offs — every `ThreadPoolExecutor.submit`, which is what `asyncio.to_thread` and `run_in_executor` do —
and garbage collections (passes per generation and their CPU time, from `gc.callbacks`).

On SIGUSR1 the process writes its counts so far as JSON to `$XIAOER_BENCH_HOPS_DIR/<pid>`
(`{"hops": n, "gc": [gen0, gen1, gen2], "gc_ms": cpu ms}`); the bench signals before and after its measured
window and divides the differences by the messages answered. Nothing of Xiaoer is changed: the wrappers only
count, then call the standard library's own `submit`.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import threading
import time
from concurrent.futures import thread as _thread

_DIR = os.environ.get("XIAOER_BENCH_HOPS_DIR")
if _DIR:
    _count = [0]
    _gc = [0, 0, 0]
    _gc_ns = [0, 0]  # total, start of the pass in progress
    _lock = threading.Lock()
    _submit = _thread.ThreadPoolExecutor.submit

    def _counting_submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _lock:
            _count[0] += 1
        return _submit(self, fn, *args, **kwargs)

    def _gc_pass(phase, info):  # type: ignore[no-untyped-def]
        if phase == "start":
            _gc_ns[1] = time.thread_time_ns()
        else:
            _gc[info["generation"]] += 1
            _gc_ns[0] += time.thread_time_ns() - _gc_ns[1]

    def _report(signum, frame):  # type: ignore[no-untyped-def]
        path = os.path.join(_DIR, str(os.getpid()))
        with open(path + ".tmp", "w") as handle:
            json.dump({"hops": _count[0], "gc": _gc, "gc_ms": _gc_ns[0] / 1e6}, handle)
        os.replace(path + ".tmp", path)

    _thread.ThreadPoolExecutor.submit = _counting_submit  # type: ignore[method-assign]
    gc.callbacks.append(_gc_pass)
    signal.signal(signal.SIGUSR1, _report)
