"""What can go wrong with the SQL database before any store runs, as our own error types (no driver types)."""

from __future__ import annotations


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or opened (server down, wrong credentials, unreadable file)."""


class SchemaError(RuntimeError):
    """The schema cannot be brought to this release's head; the message says why and what to do."""
