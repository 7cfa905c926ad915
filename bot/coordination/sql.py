"""Helpers the coordination stores share: stable advisory-lock keys and their own thread pool.

Why a pool of their own: a coordination call (admitting or completing an update, a heartbeat) is one short
statement; queued behind slow store or retrieval work in the default executor it would widen the window
between a reply going out and its update being marked done.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

_NAMESPACE = b"xiaoer-chat:"
T = TypeVar("T")
_COORDINATION = ThreadPoolExecutor(max_workers=8, thread_name_prefix="xiaoer-coordination")


async def offload(fn: Callable[..., T], *args: Any) -> T:
    """Run a short blocking coordination call (one SQL statement or two) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_COORDINATION, functools.partial(fn, *args))


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks (Python's hash() differs per process)."""
    digest = hashlib.blake2b(_NAMESPACE + name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
