"""Ingest a catalog file into the product index: load, upsert, optionally prune, refresh the vocabulary.

Safety first: a file that is not a catalog changes nothing; `prune` never deletes a SKU whose row was rejected
in this file, and is skipped entirely when a rejected row's SKU could not be read (it might be any product).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.catalog import CatalogLoad, load_catalog
from knowledge.models import Product, RowError, UpsertSummary
from knowledge.protocols import ProductIndex

if TYPE_CHECKING:
    from knowledge.vocabulary import Vocabulary

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
    encoding: str = "utf-8"  # "gb18030" when the file was a legacy Chinese-Windows export
    blank_rows: int = 0  # rows with no value at all (",,," from a spreadsheet), skipped
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (load, upsert, vocabulary_*)

    def summary(self) -> str:
        blank = f", skipped {self.blank_rows} blank rows" if self.blank_rows else ""
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.removed}, rejected {self.rejected}{blank}"
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
    """Rebuild the catalog vocabulary from every product now in the index (not only one file)."""
    products = [product for sku in sorted(index.skus()) if (product := index.get(sku)) is not None]
    _build_vocabulary(products).save(Path(data_dir) / VOCABULARY_FILE)


def _build_vocabulary(products: list[Product]) -> Vocabulary:
    from knowledge.keywords import build_vocabulary  # jieba loads lazily; keep it off the import path

    return build_vocabulary(products)


def _after_ingest(index: ProductIndex, load: CatalogLoad, doomed: set[str]) -> tuple[list[Product], bool]:
    """The index's products once this ingest is done, and whether anything will change at all."""
    current = {sku: product for sku in index.skus() if (product := index.get(sku)) is not None}
    changes = bool(doomed) or any(current.get(product.sku) != product for product in load.products)
    final = dict(current)
    final.update((product.sku, product) for product in load.products)
    for sku in doomed:
        final.pop(sku, None)
    return [final[sku] for sku in sorted(final)], changes


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
    """Load `path` and bring the index up to date; raises CatalogFormatError before touching anything.

    The vocabulary of the resulting catalog is built in a worker thread while the index embeds (numpy releases
    the GIL), and saved only after the upsert succeeded.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    load = load_catalog(Path(path), fmt=fmt, mapping=dict(mapping) if mapping else None)
    timings["load"] = time.perf_counter() - started
    data_dir = Path(data_dir)
    doomed, skipped = prune_plan(index.skus(), load) if prune else (set(), None)
    final, changes = _after_ingest(index, load, doomed)
    rebuild = changes or not (data_dir / VOCABULARY_FILE).exists()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaoer-vocabulary") as pool:
        vocabulary = pool.submit(_timed, _build_vocabulary, final) if rebuild else None
        mark = time.perf_counter()
        summary = _upsert(index, load.products, progress) if load.products else UpsertSummary()
        timings["upsert"] = time.perf_counter() - mark
        removed = index.delete(sorted(doomed)) if doomed else 0
        if vocabulary is not None:
            mark = time.perf_counter()
            built, timings["vocabulary_build"] = vocabulary.result()
            timings["vocabulary_wait"] = time.perf_counter() - mark
            data_dir.mkdir(parents=True, exist_ok=True)
            built.save(data_dir / VOCABULARY_FILE)
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
        encoding=load.encoding,
        blank_rows=load.blank_rows,
        timings=timings,
    )


def _timed(
    function: Callable[[list[Product]], Vocabulary], products: list[Product]
) -> tuple[Vocabulary, float]:
    mark = time.perf_counter()
    return function(products), time.perf_counter() - mark
