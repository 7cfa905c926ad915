"""Process tuning of a server process (bot/ops/runtime.py): the event loop and the settled heap."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from bot.ops.runtime import GEN0_THRESHOLD, new_event_loop, settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_serving_loop_is_uvloop_when_installed_and_runs_asyncio_code() -> None:
    uvloop = pytest.importorskip("uvloop")
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)

        async def hop() -> int:  # a thread hop and a timer: what a replica's loop does all day
            await asyncio.sleep(0)
            return await asyncio.to_thread(lambda: 41) + 1

        assert loop.run_until_complete(hop()) == 42
    finally:
        loop.close()


def test_a_settled_heap_is_frozen_and_collects_young_objects_less_often(restored_gc: None) -> None:
    _, older, oldest = gc.get_threshold()
    kept = [{"sku": n} for n in range(1000)]  # long-lived data loaded at start-up
    frozen = settle_heap()
    # (not equal to the count read after: another thread of the test process may free a frozen object between)
    assert frozen >= len(kept) and gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == (GEN0_THRESHOLD, older, oldest)
    # what start-up loaded is no longer in any generation a collection walks
    assert all(o is not kept[0] for o in gc.get_objects())

    class Node:
        other: object = None

    def cycle() -> None:  # garbage made after settling is still collected
        a, b = Node(), Node()
        a.other, b.other = b, a

    cycle()
    assert gc.collect() >= 2
