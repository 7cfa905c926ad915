"""Bench-only meter (bench/load.py puts this folder on the bot processes' PYTHONPATH): counts thread-pool
hand-offs — every `ThreadPoolExecutor.submit`, which is what `asyncio.to_thread` and `run_in_executor` do.

On SIGUSR1 the process writes its count so far to `$XIAOER_BENCH_HOPS_DIR/<pid>`; the bench signals before and
after its measured window and divides the difference by the messages answered. Nothing of Xiaoer is changed:
the wrapper only counts, then calls the standard library's own `submit`.
"""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import thread as _thread

_DIR = os.environ.get("XIAOER_BENCH_HOPS_DIR")
if _DIR:
    _count = [0]
    _lock = threading.Lock()
    _submit = _thread.ThreadPoolExecutor.submit

    def _counting_submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _lock:
            _count[0] += 1
        return _submit(self, fn, *args, **kwargs)

    def _report(signum, frame):  # type: ignore[no-untyped-def]
        path = os.path.join(_DIR, str(os.getpid()))
        with open(path + ".tmp", "w") as handle:
            handle.write(str(_count[0]))
        os.replace(path + ".tmp", path)

    _thread.ThreadPoolExecutor.submit = _counting_submit  # type: ignore[method-assign]
    signal.signal(signal.SIGUSR1, _report)
