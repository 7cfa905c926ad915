"""`load_catalog`: pick the format (given, or detected from the name and first bytes) and load the file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path

from knowledge.catalog.csv_loader import load_csv
from knowledge.catalog.csv_records import sniff_delimiter
from knowledge.catalog.json_loader import load_json, load_jsonl
from knowledge.catalog.result import DEFAULT_MAX_FIELD_BYTES, CatalogLoad
from knowledge.catalog.shopify import is_shopify_header, load_shopify
from knowledge.errors import CatalogFormatError

FORMATS = ("csv", "jsonl", "json", "shopify")
_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_JSON_ARRAY = re.compile(r"\[\s*[{\]]")  # "[{" or "[]": not an INI/TOML section header


def detect_format(path: Path) -> str:
    """Guess csv / jsonl / json / shopify from the file name and its first line."""
    text = _head(path)
    stripped = text.lstrip()
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if _JSON_ARRAY.match(stripped) or (stripped.startswith("[") and suffix == ".json"):
        return "json"
    if stripped.startswith("{"):
        first = stripped.splitlines()[0].strip()
        # One complete object on the first line means JSON Lines; otherwise a (pretty) JSON document.
        return "jsonl" if first.endswith("}") and suffix != ".json" else "json"
    if suffix == ".json":
        return "json"
    header_line = stripped.splitlines()[0] if stripped else ""
    try:
        header = next(csv.reader(io.StringIO(header_line), delimiter=sniff_delimiter(header_line)))
    except (csv.Error, StopIteration):
        return "csv"
    return "shopify" if is_shopify_header(header) else "csv"


def _head(path: Path, size: int = 65536) -> str:
    """The start of the file (enough to detect the format); full checks happen in the loaders."""
    try:
        with path.open("rb") as handle:
            data = handle.read(size)
    except OSError as exc:
        raise CatalogFormatError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")


def load_catalog(
    path: Path,
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES,
) -> CatalogLoad:
    """Load any supported catalog; bad rows are reported, a non-catalog raises CatalogFormatError."""
    path = Path(path)
    if not path.exists():
        raise CatalogFormatError(f"{path}: no such file")
    if path.is_dir():
        raise CatalogFormatError(f"{path}: is a directory, not a catalog file")
    chosen = (fmt or detect_format(path)).lower()
    if chosen not in FORMATS:
        raise CatalogFormatError(f"unknown catalog format {fmt!r} (choose one of {', '.join(FORMATS)})")
    if chosen == "jsonl":
        return load_jsonl(path, mapping=mapping, max_field_bytes=max_field_bytes)
    if chosen == "json":
        return load_json(path, mapping=mapping, max_field_bytes=max_field_bytes)
    if chosen == "shopify":
        return load_shopify(path, max_field_bytes=max_field_bytes)
    return load_csv(path, mapping=mapping, max_field_bytes=max_field_bytes)
