"""A shop's catalog as the query parser and keyword-only in-memory index the unit tests search (no encoder)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.query import QueryParser


@cache
def keyword_shop(catalog: Path) -> tuple[QueryParser, InMemoryProductIndex]:
    """(parser, index) over the canonical catalog file `catalog`, built once per path and process."""
    products = load_catalog(catalog).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index
