"""Shopify's product-export CSV: one row per variant (the first also carries the product), variants → SKUs.

Rows of one product share a `Handle`; later rows repeat only the variant (options, SKU, price, stock) or
just an extra image. A variant without `Variant SKU` gets `<handle>-<option values>` as its SKU.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import regex

from knowledge.catalog.csv_records import has_bad_bytes, iter_records, read_text, sniff_delimiter, split_lines
from knowledge.catalog.fields import product_from_record
from knowledge.catalog.result import DEFAULT_MAX_FIELD_BYTES, CatalogLoad, LoadCollector, RowProblem
from knowledge.errors import CatalogFormatError
from knowledge.script import HAN

SHOPIFY_MARKERS = ("handle", "variant price")
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_SLUG = regex.compile(rf"[^0-9A-Za-z{HAN}]+")
_DEFAULT_OPTION = "default title"


def is_shopify_header(names: list[str]) -> bool:
    lowered = {name.strip().lower() for name in names}
    return all(marker in lowered for marker in SHOPIFY_MARKERS)


def html_to_text(html: str) -> str:
    """Shopify descriptions are HTML; the bot quotes plain text."""
    return _SPACES.sub(" ", unescape(_TAG.sub(" ", html))).strip()


def load_shopify(path: Path, *, max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES) -> CatalogLoad:
    """Load a Shopify product export; each variant row becomes one Product."""
    text, encoding = read_text(path)
    lines = split_lines(text)
    start = next((i for i, line in enumerate(lines) if line.strip()), 0)
    delimiter = sniff_delimiter(lines[start])
    records = iter_records(lines, delimiter=delimiter, width=0, start=start)
    header = next(records, None)
    if header is None or header.problem or not is_shopify_header(header.fields):
        raise CatalogFormatError(
            f"{path}: not a Shopify product export (needs Handle and Variant Price columns)"
        )
    names = [name.strip().lower() for name in header.fields]
    collector = LoadCollector(path, encoding)
    parents: dict[str, dict[str, str]] = {}
    for record in iter_records(lines, delimiter=delimiter, width=len(names), start=header.line):
        if record.problem:
            collector.reject(record.line, record.problem)
            continue
        if has_bad_bytes(record.fields):
            collector.reject(record.line, "invalid UTF-8 bytes (wrong encoding; save the file as UTF-8)")
            continue
        if len(record.fields) != len(names):
            collector.reject(record.line, f"expected {len(names)} fields, found {len(record.fields)}")
            continue
        row = {name: value.strip() for name, value in zip(names, record.fields, strict=True)}
        handle = row.get("handle", "")
        if not handle:
            collector.reject(record.line, "missing Handle")
            continue
        if row.get("title"):
            parents[handle] = row
        parent = parents.get(handle)
        is_variant = any(row.get(key) for key in ("variant sku", "variant price", "option1 value"))
        if not is_variant:
            if parent is not None and not parent.get("image src") and row.get("image src"):
                parent["image src"] = row["image src"]
            continue  # an extra-image row
        if parent is None:
            collector.reject(record.line, f"variant of {handle!r} before its product row (no Title)")
            continue
        try:
            collector.add(
                record.line,
                product_from_record(_variant_record(parent, row), max_field_bytes=max_field_bytes),
            )
        except RowProblem as problem:
            collector.reject(record.line, problem.reason, problem.sku)
    return collector.result()


def _variant_record(parent: dict[str, str], row: dict[str, str]) -> dict[str, object]:
    options: list[tuple[str, str]] = []
    for number in (1, 2, 3):
        name = parent.get(f"option{number} name", "") or row.get(f"option{number} name", "")
        value = row.get(f"option{number} value", "")
        if name and value and value.lower() != _DEFAULT_OPTION:
            options.append((name, value))
    handle = row["handle"]
    sku = row.get("variant sku") or "-".join([handle, *(_SLUG.sub("-", v).strip("-") for _, v in options)])
    title = parent.get("title", "")
    if options:
        title = f"{title} ({' / '.join(value for _, value in options)})"
    tags = [tag.strip() for tag in parent.get("tags", "").split(",") if tag.strip()]
    record: dict[str, object] = {
        "sku": sku,
        "title": title,
        "brand": parent.get("vendor", ""),
        "category": (parent.get("product category") or parent.get("type") or "").replace(" > ", "/"),
        "price": row.get("variant price", ""),
        "stock": _stock(row.get("variant inventory qty", "")),
        "description": html_to_text(parent.get("body (html)", "")),
        "image_url": row.get("variant image") or parent.get("image src", ""),
        "tags": tags,
    }
    for name, value in options:
        record[f"attr_{name.strip().lower()}"] = value
    return record


def _stock(raw: str) -> str:
    """Shopify allows overselling (negative inventory); for a shopper that is simply out of stock."""
    return "0" if re.fullmatch(r"-\d+", raw) else raw
