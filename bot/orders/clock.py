"""The clock the orders feature reads: injected everywhere, so tests fix "now" and nothing calls now() deep inside."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Wall time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always reads `moment` (must be timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("a clock must return timezone-aware datetimes")
    return lambda: moment
