"""Column types shared by every table: one UTC timestamp type for SQLite and PostgreSQL alike.

Why: PostgreSQL's `timestamptz` returns instants in the session's time zone (a shop's server often runs in
`Asia/Shanghai`), while SQLite keeps no offset at all and returns naive values. `UTCDateTime` makes both
behave the same: it accepts only aware datetimes, stores them as UTC, and always returns aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` whose values are always timezone-aware UTC on the way in and out.

    DDL is unchanged (`TIMESTAMP WITH TIME ZONE` on PostgreSQL, `DATETIME` text on SQLite), so existing
    databases need no migration. Binding a naive datetime raises `ValueError`: its instant is ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given for a UTC timestamp column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # SQLite returns what was stored (UTC, without an offset); PostgreSQL the session's time zone.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
