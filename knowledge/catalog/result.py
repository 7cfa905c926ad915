"""What a catalog load returns, and the per-row problem loaders raise internally.

Loaders never stop at a bad row: each becomes a `RowError` and the good rows still come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.models import Product, RowError

DEFAULT_MAX_FIELD_BYTES = 64 * 1024  # a single cell larger than this is rejected as a "huge field"


@dataclass(frozen=True)
class CatalogLoad:
    """The outcome of reading one catalog file: good products, rejected rows, and what was seen."""

    products: list[Product]
    errors: list[RowError]
    source: Path
    rows_seen: int
    # SKUs of rejected rows (when they could be read): pruning must never delete them.
    rejected_skus: frozenset[str] = frozenset()
    # Rejected rows whose SKU could not be read at all (bad encoding, broken quoting).
    unidentified_rejects: int = 0
    ignored_columns: tuple[str, ...] = field(default=())
    encoding: str = "utf-8"  # "gb18030" when a legacy Chinese-Windows file was recognised
    blank_rows: int = 0  # rows with no value at all (",,," saved by a spreadsheet): skipped, not errors

    @property
    def ok(self) -> bool:
        return not self.errors


class RowProblem(ValueError):
    """One row cannot become a product; `sku` is set when the row's SKU was readable."""

    def __init__(self, reason: str, sku: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sku = sku


class LoadCollector:
    """Accumulates products and row errors while a loader walks a file (rejects later duplicate SKUs)."""

    def __init__(self, source: Path, encoding: str = "utf-8") -> None:
        self.source = source
        self.encoding = encoding
        self.products: list[Product] = []
        self.errors: list[RowError] = []
        self.rejected_skus: set[str] = set()
        self.unidentified = 0
        self.rows_seen = 0
        self.blank_rows = 0
        self._first_line: dict[str, int] = {}

    def add(self, line: int, product: Product) -> None:
        self.rows_seen += 1
        first = self._first_line.get(product.sku)
        if first is not None:
            self.errors.append(RowError(line, f"duplicate SKU {product.sku!r} (first seen on line {first})"))
            return
        self._first_line[product.sku] = line
        self.products.append(product)

    def reject(self, line: int, reason: str, sku: str | None = None) -> None:
        self.rows_seen += 1
        self.errors.append(RowError(line, reason))
        if sku:
            self.rejected_skus.add(sku)
        else:
            self.unidentified += 1

    def result(self, ignored_columns: tuple[str, ...] = ()) -> CatalogLoad:
        errors = sorted(self.errors, key=lambda error: error.line)
        return CatalogLoad(
            products=self.products,
            errors=errors,
            source=self.source,
            rows_seen=self.rows_seen,
            rejected_skus=frozenset(self.rejected_skus),
            unidentified_rejects=self.unidentified,
            ignored_columns=ignored_columns,
            encoding=self.encoding,
            blank_rows=self.blank_rows,
        )
