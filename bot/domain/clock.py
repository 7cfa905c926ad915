"""The one notion of "now": an aware datetime in UTC (stored and compared as such everywhere)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant as a timezone-aware `datetime` in UTC (never naive)."""
    return datetime.now(UTC)
