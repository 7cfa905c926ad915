"""The canonical CSV loader (and any CSV whose columns are renamed by a mapping).

The canonical format is fixed: `sku,title,brand,category,price,currency,stock,description,image_url,url,
tags,attr_<name>…`, UTF-8 with a header row. Header names are matched case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from knowledge.catalog.csv_records import has_bad_bytes, iter_records, read_text, sniff_delimiter, split_lines
from knowledge.catalog.fields import is_catalog_column, product_from_record
from knowledge.catalog.result import DEFAULT_MAX_FIELD_BYTES, CatalogLoad, LoadCollector, RowProblem
from knowledge.errors import CatalogFormatError


def header_columns(
    raw: list[str], mapping: Mapping[str, str] | None, path: Path
) -> tuple[list[str | None], tuple[str, ...]]:
    """Canonical name per column (None = ignored) after the mapping, plus the ignored column names."""
    lookup = {key.strip().lower(): value.strip().lower() for key, value in (mapping or {}).items()}
    if has_bad_bytes(raw):
        raise CatalogFormatError(f"{path}: the header row is not valid UTF-8; save the file as UTF-8")
    columns: list[str | None] = []
    ignored: list[str] = []
    for cell in raw:
        name = cell.strip().lower()
        name = lookup.get(name, name)
        if is_catalog_column(name):
            if name in columns:
                raise CatalogFormatError(f"{path}: column {name!r} appears twice in the header")
            columns.append(name)
        else:
            columns.append(None)
            if cell.strip():
                ignored.append(cell.strip())
    missing = [name for name in ("sku", "title") if name not in columns]
    if missing:
        shown = ", ".join(cell.strip() for cell in raw[:12] if cell.strip()) or "(nothing)"
        raise CatalogFormatError(
            f"{path}: not a product catalog — the header has no {' or '.join(missing)} column "
            f"(found: {shown}). Use the canonical columns or a column mapping (--map)."
        )
    return columns, tuple(ignored)


def load_csv(
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES,
) -> CatalogLoad:
    """Load a canonical (or mapped) CSV; every bad row becomes `line N: reason`."""
    text, encoding = read_text(path)
    clean = not has_bad_bytes([text])  # one C-speed pass; then rows need no per-field check
    lines = split_lines(text)
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise CatalogFormatError(f"{path}: the file is empty")
    delimiter = sniff_delimiter(lines[header_index])
    header = next(iter_records(lines, delimiter=delimiter, width=0, start=header_index), None)
    if header is None or header.problem:
        raise CatalogFormatError(f"{path}: the header row cannot be read as CSV")
    columns, ignored = header_columns(header.fields, mapping, path)
    width = len(columns)
    wanted = [(position, name) for position, name in enumerate(columns) if name]
    collector = LoadCollector(path, encoding)
    body_start = header.line  # header.line is 1-based, so this is the 0-based index of the next line
    for record in iter_records(lines, delimiter=delimiter, width=width, start=body_start):
        if record.blank:
            collector.blank_rows += 1
            continue
        if record.problem:
            collector.reject(record.line, record.problem)
            continue
        fields = _fit_width(record.fields, width)
        if not clean and has_bad_bytes(fields):
            reason = "invalid UTF-8 bytes (wrong encoding; save the file as UTF-8)"
            collector.reject(record.line, reason, _sku_guess(fields, columns))
            continue
        if len(fields) != width:
            collector.reject(
                record.line, f"expected {width} fields, found {len(fields)}", _sku_guess(fields, columns)
            )
            continue
        row = {name: fields[position] for position, name in wanted}
        try:
            collector.add(record.line, product_from_record(row, max_field_bytes=max_field_bytes))
        except RowProblem as problem:
            collector.reject(record.line, problem.reason, problem.sku)
    return collector.result(ignored)


def _fit_width(fields: list[str], width: int) -> list[str]:
    """Spreadsheets add or drop trailing empty cells: trim blank extras, pad a short row with blanks.

    A row with a non-blank value beyond the header keeps its length and is rejected by the width check."""
    if len(fields) > width and not any(f.strip() for f in fields[width:]):
        return fields[:width]
    if len(fields) < width:
        return fields + [""] * (width - len(fields))
    return fields


def _sku_guess(fields: list[str], columns: list[str | None]) -> str | None:
    """The row's SKU when it is readable, so a rejected row still protects its SKU from pruning."""
    if "sku" not in columns:
        return None
    position = columns.index("sku")
    if position >= len(fields) or has_bad_bytes([fields[position]]):
        return None
    return fields[position].strip() or None
