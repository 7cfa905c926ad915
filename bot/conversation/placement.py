"""Where a message's blocking step runs: inline on the event loop when it has been quick, else in a thread.

Why: `asyncio.to_thread` keeps the loop free while a step waits (a remote encoder, a 100k-SKU search), but
for a step that is pure Python and short, the hop buys nothing and costs CPU: the worker holds the GIL until
the step ends or the switch interval (`sys.getswitchinterval()`, 5 ms) passes, so the loop runs no sooner
than after an inline call, while the hop adds a submit, a thread wake-up, a GIL hand-over each way and the
loop's wake-up — 25–150 µs of CPU per hop on this machine, more when the replica is busy (`bench/load.py`:
thread-pool hops were 4–8 % of a replica's CPU at 0.8 hops per message).

How: each step (keyed by its function) keeps a moving average of its wall time, measured wherever it ran.
A step runs inline once that average is under `INLINE_BELOW_S`; the first runs, slow steps and steps that
wait (their wall time holds the wait) go to the default thread pool as before. A step that ever ran longer
than `BLOCKING_S` inline is not run inline again (in this process): a wait on the loop happens at most once.
Results, exceptions and context variables are the same either way (`asyncio.to_thread` copies the context).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

INLINE_BELOW_S = 0.001  # a step whose recent runs averaged less runs inline
BLOCKING_S = 0.020  # an inline run this long: the step may wait (I/O) — never inline again
WEIGHT = 0.2  # of the latest run in the moving average
FIRST_RUNS = 3  # runs in a thread before a step may run inline (start-up work is slow and unrepresentative)

_average: dict[object, float] = {}
_runs: dict[object, int] = {}
_pinned: set[object] = set()


def _key(fn: Callable[..., Any]) -> object:
    return getattr(fn, "__func__", fn)  # a bound method: its function (a new bound object per access)


def _note(key: object, seconds: float, inline: bool) -> None:
    before = _average.get(key)
    _average[key] = seconds if before is None else before + WEIGHT * (seconds - before)
    _runs[key] = _runs.get(key, 0) + 1
    if inline and seconds > BLOCKING_S:
        _pinned.add(key)


def runs_inline(fn: Callable[..., Any]) -> bool:
    """Whether the next call of `fn` runs on the loop (see the module docstring)."""
    key = _key(fn)
    return (
        key not in _pinned
        and _runs.get(key, 0) >= FIRST_RUNS
        and _average.get(key, INLINE_BELOW_S) < INLINE_BELOW_S
    )


async def run_step(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)`: inline when it has been quick, else `asyncio.to_thread`; returns its result and
    raises what it raises."""
    key = _key(fn)
    if runs_inline(fn):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _note(key, time.perf_counter() - started, inline=True)

    def timed() -> T:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _note(key, time.perf_counter() - started, inline=False)

    return await asyncio.to_thread(timed)
