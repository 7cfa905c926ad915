"""SQL storage shared by the stores: the `Database` handle, the declarative `Base`, the UTC timestamp type.

Schema changes are Alembic migrations (`bot/storage/migrations/`, applied by `bot.storage.migrate`, which is
imported on its own so that importing a store does not load Alembic).
"""

from bot.storage.db import Base, Database
from bot.storage.errors import DatabaseUnavailable, SchemaError
from bot.storage.types import UTCDateTime

__all__ = ["Base", "Database", "DatabaseUnavailable", "SchemaError", "UTCDateTime"]
