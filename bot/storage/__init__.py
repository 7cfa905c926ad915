"""SQL storage shared by the stores: the `Database` handle, the declarative `Base`, the UTC timestamp type.

Schema changes are Alembic migrations (`bot/storage/migrations/`, applied by `bot.storage.migrate`).
"""

from bot.storage.db import Base, Database
from bot.storage.types import UTCDateTime

__all__ = ["Base", "Database", "UTCDateTime"]
