"""What Xiaoer knows: the catalog, keywords, embeddings, the vector store and retrieval.

A synchronous library; it never imports `bot`.
"""

from knowledge.models import (
    Mention,
    ParsedQuery,
    PolicyDoc,
    PolicyHit,
    Product,
    QueryFilters,
    RowError,
    SearchHit,
    SearchMode,
    UpsertSummary,
)
from knowledge.protocols import Embedder, KeywordExtractor, ProductIndex

__all__ = [
    "Embedder",
    "KeywordExtractor",
    "Mention",
    "ParsedQuery",
    "PolicyDoc",
    "PolicyHit",
    "Product",
    "ProductIndex",
    "QueryFilters",
    "RowError",
    "SearchHit",
    "SearchMode",
    "UpsertSummary",
]
