"""SQL storage shared by the stores (conversations, handoffs, insights, update de-duplication)."""

from bot.storage.db import Base, create_schema, make_engine, make_session_factory

__all__ = ["Base", "create_schema", "make_engine", "make_session_factory"]
