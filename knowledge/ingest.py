"""Ingest a catalog file into the product index: load, upsert, optionally prune, refresh the vocabulary.

Safety first: a file that is not a catalog changes nothing; `prune` never deletes a SKU whose row was rejected
in this file, and is skipped entirely when a rejected row's SKU could not be read (it might be any product).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.catalog import CatalogLoad, load_catalog
from knowledge.models import Product, RowError, UpsertSummary
from knowledge.protocols import ProductIndex

Progress = Callable[[int, int], None]
VOCABULARY_FILE = "vocabulary.json"


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did; `rejected` rows are listed in `errors` as `line N: reason`."""

    added: int
    updated: int
    unchanged: int
    removed: int
    rejected: int
    errors: list[RowError]
    seconds: float
    rows_seen: int = 0
    prune_skipped: str | None = None  # why `prune` deleted nothing although it was asked for
    vocabulary_updated: bool = False

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.removed}, rejected {self.rejected}"
        )


def _upsert(index: ProductIndex, products: list[Product], progress: Progress | None) -> UpsertSummary:
    """Upsert in one call (the index persists once); pass `progress` when the index reports it."""
    upsert = index.upsert
    if progress is not None and "progress" in inspect.signature(upsert).parameters:
        return upsert(products, progress=progress)  # type: ignore[call-arg]
    if progress is not None:
        progress(0, len(products))
    summary = upsert(products)
    if progress is not None:
        progress(len(products), len(products))
    return summary


def prune_plan(index_skus: set[str], load: CatalogLoad) -> tuple[set[str], str | None]:
    """SKUs to delete for `--prune`, or none and the reason it would be unsafe."""
    if not load.products:
        return set(), "the file has no valid rows"
    if load.unidentified_rejects:
        return set(), (
            f"{load.unidentified_rejects} rejected row(s) have no readable SKU; fix them and ingest again to prune"
        )
    keep = {product.sku for product in load.products} | set(load.rejected_skus)
    return index_skus - keep, None


def refresh_vocabulary(index: ProductIndex, data_dir: Path) -> None:
    """Rebuild the catalog vocabulary from every product now in the index (not only this file)."""
    from knowledge.vocabulary import Vocabulary  # jieba loads lazily; keep it off the import path

    products = [product for sku in sorted(index.skus()) if (product := index.get(sku)) is not None]
    data_dir.mkdir(parents=True, exist_ok=True)
    Vocabulary.from_products(products).save(data_dir / VOCABULARY_FILE)


def ingest_path(
    path: Path,
    *,
    index: ProductIndex,
    data_dir: Path,
    prune: bool = False,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Load `path` and bring the index up to date; raises CatalogFormatError before touching anything."""
    started = time.perf_counter()
    load = load_catalog(Path(path), fmt=fmt, mapping=dict(mapping) if mapping else None)
    summary = _upsert(index, load.products, progress) if load.products else UpsertSummary()
    removed, skipped = 0, None
    if prune:
        doomed, skipped = prune_plan(index.skus(), load)
        if doomed:
            removed = index.delete(sorted(doomed))
    data_dir = Path(data_dir)
    rebuild = bool(summary.added or summary.updated or removed) or not (data_dir / VOCABULARY_FILE).exists()
    if rebuild:
        refresh_vocabulary(index, data_dir)
    return IngestReport(
        added=summary.added,
        updated=summary.updated,
        unchanged=summary.unchanged,
        removed=removed,
        rejected=len(load.errors),
        errors=list(load.errors),
        seconds=time.perf_counter() - started,
        rows_seen=load.rows_seen,
        prune_skipped=skipped,
        vocabulary_updated=rebuild,
    )
