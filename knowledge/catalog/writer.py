"""The canonical CSV writer: what other tools (and our benchmarks) produce for `xiaoer ingest`."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from knowledge.catalog.fields import ATTR_PREFIX, CANONICAL_COLUMNS
from knowledge.models import Product


def product_row(product: Product) -> dict[str, str]:
    """One product as canonical column values (attributes as `attr_<name>`)."""
    row = {
        "sku": product.sku,
        "title": product.title,
        "brand": product.brand,
        "category": product.category,
        "price": "" if product.price is None else str(product.price),
        "currency": product.currency,
        "stock": "" if product.stock is None else str(product.stock),
        "description": product.description,
        "image_url": product.image_url,
        "url": product.url,
        "tags": ";".join(product.tags),
    }
    for name, value in product.attributes.items():
        row[ATTR_PREFIX + name] = value
    return row


def write_catalog_csv(products: Iterable[Product], path: Path) -> None:
    """Write products as canonical CSV (UTF-8, header row, attribute columns sorted by name)."""
    rows = [product_row(product) for product in products]
    attribute_columns = sorted({name for row in rows for name in row if name.startswith(ATTR_PREFIX)})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=[*CANONICAL_COLUMNS, *attribute_columns], restval="", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
