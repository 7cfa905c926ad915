"""The right to erasure (PIPL art. 47, GDPR art. 17) as one seam: every store that keeps what a customer wrote
registers how to erase it, and `/forget` runs them all.

The conversation core erases its own turns, profile and insights rows; the stores below the features layer
(handoff transcripts and relay links, after-sales reasons and photos, order verifications, the reply
journal) are registered by the composition root (`bot.wiring`) on one `ErasureRegistry` passed to
`SupportBot`. An eraser is `fn(channel, chat_id, user_id) -> rows erased`; it is blocking (call it off the
event loop). A failing eraser is logged and the others still run: one broken store must not keep the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Eraser = Callable[[str, str, str], int]


class ErasureRegistry:
    """Named erasers, run in registration order by `erase`."""

    def __init__(self) -> None:
        self._erasers: list[tuple[str, Eraser]] = []

    def add(self, name: str, eraser: Eraser) -> None:
        """Register `eraser` under `name` ("handoff transcripts", …)."""
        self._erasers.append((name, eraser))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self._erasers)

    def erase(self, channel: str, chat_id: str, user_id: str) -> dict[str, int]:
        """Rows erased per store for this customer (a store that failed is logged and reported as -1)."""
        erased: dict[str, int] = {}
        for name, eraser in self._erasers:
            try:
                erased[name] = eraser(channel, chat_id, user_id)
            except Exception:
                log.exception("erasure of %s failed", name)
                erased[name] = -1
        return erased
