"""Blocking steps of a message run inline once they have been quick, in a thread otherwise
(bot/conversation/placement.py)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.conversation import placement
from bot.conversation.placement import FIRST_RUNS, run_step, runs_inline


async def _threads_of(step: object, times: int) -> list[bool]:
    """For each of `times` runs: whether it ran off the loop's thread."""
    loop_thread = threading.get_ident()
    seen: list[bool] = []
    for _ in range(times):
        seen.append(await run_step(step) != loop_thread)  # type: ignore[arg-type]
    return seen


async def test_a_quick_step_runs_in_a_thread_first_then_inline() -> None:
    def quick() -> int:
        return threading.get_ident()

    seen = await _threads_of(quick, FIRST_RUNS + 3)
    assert seen == [True] * FIRST_RUNS + [False] * 3


async def test_a_slow_or_waiting_step_stays_in_a_thread() -> None:
    def waits() -> int:
        time.sleep(0.002)  # a wait (I/O) or a long computation: 2 ms > INLINE_BELOW_S
        return threading.get_ident()

    assert await _threads_of(waits, FIRST_RUNS + 3) == [True] * (FIRST_RUNS + 3)


async def test_a_step_that_once_blocked_the_loop_never_runs_inline_again() -> None:
    slow = [False]

    def sometimes_waits() -> int:
        if slow[0]:
            time.sleep(placement.BLOCKING_S + 0.005)  # e.g. a cache miss that asks a remote service
        return threading.get_ident()

    assert await _threads_of(sometimes_waits, FIRST_RUNS + 1) == [True] * FIRST_RUNS + [False]
    slow[0] = True
    assert await _threads_of(sometimes_waits, 1) == [False]  # the one wait on the loop …
    slow[0] = False
    for _ in range(50):  # … however quick it is afterwards
        await run_step(sometimes_waits)
    assert not runs_inline(sometimes_waits)


async def test_results_exceptions_and_context_are_the_same_inline_and_in_a_thread() -> None:
    from contextvars import ContextVar

    who: ContextVar[str] = ContextVar("who", default="nobody")
    who.set("customer 7")

    class Parser:
        def parse(self, text: str, *, upper: bool = False) -> str:
            if not text:
                raise ValueError("empty")
            return f"{who.get()}: {text.upper() if upper else text}"

    parser = Parser()
    answers = [await run_step(parser.parse, "耳机", upper=True) for _ in range(FIRST_RUNS + 2)]
    assert answers == ["customer 7: 耳机"] * (FIRST_RUNS + 2)
    assert runs_inline(parser.parse)  # bound methods share their function's record
    with pytest.raises(ValueError, match="empty"):
        await run_step(parser.parse, "")
    assert await asyncio.gather(*(run_step(parser.parse, t) for t in "ab")) == [
        "customer 7: a",
        "customer 7: b",
    ]
