"""Errors of the knowledge layer; the bot translates them into polite replies."""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base of every expected knowledge-layer failure."""


class CatalogFormatError(KnowledgeError):
    """The file is not a catalog at all (wrong format, no header, unreadable): one clear error."""


class StoreUnavailable(KnowledgeError):
    """The vector store (embedded or server) or the BM25 index cannot be used right now."""
