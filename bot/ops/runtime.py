"""Process-level tuning of a long-running server process (a Telegram replica): its event loop and its
garbage collector. Behaviour is unchanged; only the CPU each customer message costs the process.

Event loop: uvloop (libuv under asyncio's API, a drop-in loop written in Cython) when it is installed — the
loop's own work (ready-callback scheduling, socket transports, timers) is a few percent of a replica's CPU
per message on asyncio's pure-Python loop (`bench/profile_stages.py`). Without uvloop (e.g. on Windows,
where it does not build) the standard loop is used.

Garbage collector: a replica starts with ~400k long-lived objects (catalog, jieba's dictionary, vectors,
prompts, PTB) that every full collection walks again although none of them is ever garbage — ~100–200 ms
per generation-2 pass on this machine (gc callbacks under `bench/load.py`). `settle_heap()` collects once
and moves everything alive into the permanent generation (`gc.freeze()`, Python ≥ 3.7), so later passes
walk only what the messages allocated; a larger generation-0 threshold makes the young passes fewer (the
CPython default is 700 container allocations). The same technique as Instagram's Django servers
(Python docs: gc.freeze; "Dismissing Python Garbage Collection at Instagram", 2017).
"""

from __future__ import annotations

import asyncio
import gc
import logging

log = logging.getLogger(__name__)
# Young-generation threshold (net container allocations between passes): one message of the sample shop
# allocates a few thousand, so a pass every few messages instead of several per message.
GEN0_THRESHOLD = 20_000


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A fresh event loop: uvloop's when the package is importable, else asyncio's default one."""
    try:
        import uvloop
    except ImportError:  # optional: no wheel for this platform
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def settle_heap(gen0_threshold: int = GEN0_THRESHOLD) -> int:
    """Collect once, freeze what survives (never scanned again) and raise generation 0's threshold, keeping
    the older generations' (they count passes of the younger one). Call after start-up, when the long-lived
    data is loaded. Returns the number of objects frozen."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(gen0_threshold, older, oldest)
    frozen = gc.get_freeze_count()
    log.debug("heap settled: %d objects frozen, gc thresholds %s", frozen, gc.get_threshold())
    return frozen
