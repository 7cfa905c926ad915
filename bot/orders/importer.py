"""`xiaoer orders import`: read an orders file (canonical CSV or JSONL), check every row, upsert the good ones.

Same contract as the catalog ingest: a file that is not an orders file raises `OrderFileError` before anything
changes (exit 2); each bad row is reported as `line N: reason` (the header is line 1) and the rest still load
(exit 1 when any row was rejected); re-importing is incremental by order number (added / updated / unchanged).
CSV reading reuses the catalog's robust record reader (physical line numbers, broken quoting, bad bytes,
GB18030 fallback).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.orders.errors import OrderFileError
from bot.orders.order import Order, normalise_order_number
from bot.orders.order_row import (
    KNOWN_COLUMNS,
    REQUIRED_COLUMNS,
    RowContext,
    RowProblem,
    order_from_fields,
)
from bot.orders.source import OrderStore
from knowledge.catalog import SAMPLE_CATALOG
from knowledge.catalog.csv_records import has_bad_bytes, iter_records, read_text, sniff_delimiter, split_lines
from knowledge.errors import CatalogFormatError
from knowledge.models import RowError

_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
# The demo orders beside the demo catalog (made-up people; same canonical format).
SAMPLE_ORDERS: Path = SAMPLE_CATALOG.parent / "orders.csv"


@dataclass
class OrderLoad:
    """The valid orders of a file and its rejected rows."""

    orders: list[Order] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_seen: int = 0
    encoding: str = "utf-8"
    ignored_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderImportReport:
    """What one import did; printed exactly like `xiaoer ingest`'s report."""

    added: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowError]
    seconds: float
    rows_seen: int = 0
    encoding: str = "utf-8"
    ignored_columns: tuple[str, ...] = ()
    removed: int = 0  # orders are never pruned by an import; kept so the summary line reads like ingest's

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.removed}, rejected {self.rejected}"
        )


def _records_csv(path: Path, text: str) -> Iterator[tuple[int, Mapping[str, str] | str]]:
    """(line, fields by column) per record, or (line, problem) for records that cannot be read."""
    lines = split_lines(text)
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise OrderFileError(f"{path}: the file is empty")
    delimiter = sniff_delimiter(lines[header_index])
    header = next(iter_records(lines, delimiter=delimiter, width=0, start=header_index), None)
    if header is None or header.problem:
        raise OrderFileError(f"{path}: the header row cannot be read as CSV")
    if has_bad_bytes(header.fields):
        raise OrderFileError(f"{path}: the header row is not valid UTF-8; save the file as UTF-8")
    columns = [cell.strip().lower() for cell in header.fields]
    _check_columns(path, columns)
    width = len(columns)
    for record in iter_records(lines, delimiter=delimiter, width=width, start=header.line):
        if record.problem:
            yield record.line, record.problem
        elif has_bad_bytes(record.fields):
            yield record.line, "invalid UTF-8 bytes (wrong encoding; save the file as UTF-8)"
        elif len(record.fields) != width:
            yield record.line, f"expected {width} fields, found {len(record.fields)}"
        else:
            yield record.line, dict(zip(columns, record.fields, strict=True))


def _check_columns(path: Path, columns: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing or ("phone" not in columns and "email" not in columns):
        shown = ", ".join(name for name in columns[:14] if name) or "(nothing)"
        wanted = ", ".join(missing) if missing else "phone or email"
        raise OrderFileError(
            f"{path}: not an orders file — the header has no {wanted} column (found: {shown})"
        )
    duplicated = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicated:
        raise OrderFileError(f"{path}: column {duplicated[0]!r} appears twice in the header")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # items as a list of "SKU*qty" strings or {sku, qty, unit_price} objects
        return ";".join(_item_text(entry) for entry in value)
    if isinstance(value, bool | dict):
        raise RowProblem(f"unexpected value {json.dumps(value, ensure_ascii=False)[:60]}")
    return str(value)


def _item_text(entry: Any) -> str:
    if isinstance(entry, dict):
        text = f"{entry.get('sku', '')}*{entry.get('qty', entry.get('quantity', ''))}"
        price = entry.get("unit_price")
        return f"{text}@{price}" if price not in (None, "") else text
    return str(entry)


def _records_jsonl(path: Path, text: str) -> Iterator[tuple[int, Mapping[str, str] | str]]:
    objects = 0
    keyed = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            if objects == 0 and number == _first_line(text):
                raise OrderFileError(f"{path}: not an orders file — line {number} is not JSON") from None
            yield number, f"not valid JSON ({exc.msg})"
            continue
        if not isinstance(value, dict):
            if objects == 0:
                raise OrderFileError(f"{path}: not an orders file — expected one JSON object per line")
            yield number, "not a JSON object"
            continue
        objects += 1
        lowered = {str(key).strip().lower(): item for key, item in value.items()}
        if "order_id" in lowered:
            keyed += 1
        try:
            yield number, {key: _cell(item) for key, item in lowered.items()}
        except RowProblem as exc:
            yield number, str(exc)
    if objects and not keyed:
        raise OrderFileError(f"{path}: not an orders file — no line has an order_id")


def _first_line(text: str) -> int:
    return next((n for n, line in enumerate(text.splitlines(), start=1) if line.strip()), 0)


def load_orders(path: Path, context: RowContext, fmt: str | None = None) -> OrderLoad:
    """Every row checked; raises OrderFileError when the file is not an orders file (nothing is kept)."""
    path = Path(path)
    if not path.is_file():
        raise OrderFileError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        text, encoding = read_text(path)
    except CatalogFormatError as exc:
        raise OrderFileError(str(exc).replace("CSV/JSON catalog", "orders file")) from None
    chosen = (fmt or _detect(path, text)).lower()
    if chosen not in ("csv", "jsonl"):
        raise OrderFileError(f"unknown orders format {fmt!r} (csv or jsonl)")
    records = _records_jsonl(path, text) if chosen == "jsonl" else _records_csv(path, text)
    load = OrderLoad(encoding=encoding)
    first_seen: dict[str, int] = {}
    ignored: set[str] = set()
    for line, record in records:
        load.rows_seen += 1
        if isinstance(record, str):
            _reject(load, line, record)
            continue
        ignored.update(name for name in record if name and name not in KNOWN_COLUMNS)
        key = normalise_order_number(record.get("order_id", ""))
        if key and key in first_seen:
            _reject(load, line, f"duplicate order id {key!r} (first seen on line {first_seen[key]})")
            continue
        if key:
            first_seen[key] = line
        try:
            load.orders.append(order_from_fields(record, context))
        except RowProblem as exc:
            _reject(load, line, str(exc))
    load.ignored_columns = tuple(sorted(ignored))
    return load


def _reject(load: OrderLoad, line: int, reason: str) -> None:
    load.errors.append(RowError(line, reason))


def _detect(path: Path, text: str) -> str:
    if path.suffix.lower() in _JSONL_SUFFIXES or text.lstrip().startswith("{"):
        return "jsonl"
    return "csv"


def import_orders(
    path: Path, *, store: OrderStore, context: RowContext, fmt: str | None = None
) -> OrderImportReport:
    """Load `path` and upsert its valid orders into `store` (one transaction); see the module docstring."""
    started = time.perf_counter()
    load = load_orders(path, context, fmt)
    counts = store.upsert(load.orders)
    return OrderImportReport(
        added=counts.added,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=len(load.errors),
        errors=load.errors,
        seconds=time.perf_counter() - started,
        rows_seen=load.rows_seen,
        encoding=load.encoding,
        ignored_columns=load.ignored_columns,
    )
