"""JSON and JSONL catalogs: the canonical field names, `attributes` as an object, tags as list or string.

JSON numbers are read as `Decimal`, so a price of 399.00 stays exact. Each object is reported at the
line where it starts, like a CSV row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path

from knowledge.catalog.csv_records import has_bad_bytes, read_text
from knowledge.catalog.fields import product_from_record
from knowledge.catalog.result import DEFAULT_MAX_FIELD_BYTES, CatalogLoad, LoadCollector, RowProblem
from knowledge.errors import CatalogFormatError

_DECODER = json.JSONDecoder(parse_float=Decimal)
_WHITESPACE = " \t\r\n"
_PRODUCTS_KEY = re.compile(r'"products"\s*:\s*\[')


def _renamed(obj: Mapping[str, object], mapping: Mapping[str, str] | None) -> dict[str, object]:
    if not mapping:
        return {str(key).strip().lower(): value for key, value in obj.items()}
    lookup = {key.strip().lower(): value.strip().lower() for key, value in mapping.items()}
    renamed: dict[str, object] = {}
    for key, value in obj.items():
        name = str(key).strip().lower()
        renamed[lookup.get(name, name)] = value
    return renamed


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _add_object(
    collector: LoadCollector, line: int, obj: object, mapping: Mapping[str, str] | None, max_field_bytes: int
) -> bool:
    """Validate one decoded value; returns whether it was an object at all."""
    if not isinstance(obj, dict):
        collector.reject(line, f"not a JSON object (found {type(obj).__name__})")
        return False
    record = _renamed(obj, mapping)
    sku = record.get("sku")
    sku_text = str(sku).strip() if isinstance(sku, str | int) and not has_bad_bytes([str(sku)]) else None
    if has_bad_bytes(list(_strings(record))):
        collector.reject(line, "invalid UTF-8 bytes (wrong encoding; save the file as UTF-8)", sku_text)
        return True
    try:
        collector.add(line, product_from_record(record, max_field_bytes=max_field_bytes))
    except RowProblem as problem:
        collector.reject(line, problem.reason, problem.sku)
    return True


def load_jsonl(
    path: Path, *, mapping: Mapping[str, str] | None = None, max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES
) -> CatalogLoad:
    """One JSON object per line; a broken line is reported and the rest still loads."""
    text, encoding = read_text(path)
    collector = LoadCollector(path, encoding)
    objects = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = _DECODER.decode(line)
        except json.JSONDecodeError as exc:
            collector.reject(number, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            collector.reject(number, "invalid JSON (nested too deeply)")
            continue
        objects += _add_object(collector, number, obj, mapping, max_field_bytes)
    if objects == 0:
        raise CatalogFormatError(f"{path}: not a catalog — no line holds a JSON object with product fields")
    return collector.result()


def load_json(
    path: Path, *, mapping: Mapping[str, str] | None = None, max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES
) -> CatalogLoad:
    """A JSON array of product objects (or `{"products": [...]}`); each element reported at its line."""
    text, encoding = read_text(path)
    try:
        items = list(_array_items(text))
    except json.JSONDecodeError as exc:
        raise CatalogFormatError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:  # "[" × 100k: the decoder recurses once per level (a hostile or broken file)
        raise CatalogFormatError(f"{path}: not a catalog — JSON nested too deeply") from None
    if not any(isinstance(obj, dict) for _, obj in items):
        raise CatalogFormatError(f"{path}: not a catalog — the JSON holds no product objects")
    collector = LoadCollector(path, encoding)
    for line, obj in items:
        _add_object(collector, line, obj, mapping, max_field_bytes)
    return collector.result()


def _array_items(text: str) -> Iterator[tuple[int, object]]:
    """(line, value) for each element of the top-level product array, decoded one at a time."""
    start = len(text) - len(text.lstrip(_WHITESPACE))
    if text.startswith("{", start):
        whole = _DECODER.decode(text)  # validates the whole document first
        wrapped = _PRODUCTS_KEY.search(text)
        if isinstance(whole, dict) and isinstance(whole.get("products"), list) and wrapped:
            start = wrapped.end() - 1
        else:
            yield (text.count("\n", 0, start) + 1, whole)
            return
    if not text.startswith("[", start):
        raise json.JSONDecodeError("expected a JSON array of products", text, start)
    position, line, counted = start + 1, 1, 0
    while True:
        while position < len(text) and text[position] in _WHITESPACE + ",":
            position += 1
        if position >= len(text):
            raise json.JSONDecodeError("unterminated array", text, position)
        if text[position] == "]":
            return
        line += text.count("\n", counted, position)
        counted = position
        value, position = _DECODER.raw_decode(text, position)
        yield (line, value)
