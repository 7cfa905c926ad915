"""Column mapping for CSV/JSON files that are not in the canonical shape.

A mapping renames source columns to canonical ones (`"Product ID" → sku`, `"Colour" → attr_color`). It comes
from a small YAML or JSON file (a flat `source: target` object, optionally under a `columns:` key) or from
`--map "Product ID=sku"` flags; flags win over the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import yaml

from knowledge.catalog.fields import is_catalog_column
from knowledge.errors import CatalogFormatError
from knowledge.yaml_data import load_yaml


def _checked(pairs: Iterable[tuple[object, object]], origin: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for source, target in pairs:
        src, dst = str(source).strip(), str(target).strip().lower()
        if not src or not dst:
            raise CatalogFormatError(f"{origin}: empty column name in mapping {source!r} → {target!r}")
        if not is_catalog_column(dst):
            raise CatalogFormatError(
                f"{origin}: mapping target {target!r} is not a catalog column "
                "(use sku, title, brand, category, price, currency, stock, description, image_url, url, tags "
                "or attr_<name>)"
            )
        mapping[src] = dst
    return mapping


def load_mapping_file(path: Path) -> dict[str, str]:
    """Read a YAML/JSON mapping file into `{source column: canonical column}`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFormatError(f"{path}: cannot read the mapping file ({exc})") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else load_yaml(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CatalogFormatError(f"{path}: the mapping file is not valid YAML/JSON ({exc})") from exc
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not data:
        raise CatalogFormatError(
            f"{path}: a mapping file must be an object of 'source column: target column'"
        )
    return _checked(data.items(), str(path))


def parse_map_flags(flags: Iterable[str]) -> dict[str, str]:
    """Parse `--map "source=target"` flags (the last `=` splits, so a source may contain `=`)."""
    pairs: list[tuple[str, str]] = []
    for flag in flags:
        source, sep, target = flag.rpartition("=")
        if not sep:
            raise CatalogFormatError(f"--map {flag!r}: expected source=target")
        pairs.append((source, target))
    return _checked(pairs, "--map")


def combine(
    file_mapping: dict[str, str] | None, flag_mapping: dict[str, str] | None
) -> dict[str, str] | None:
    """Merge a mapping file with flags (flags win); None when neither was given."""
    merged = {**(file_mapping or {}), **(flag_mapping or {})}
    return merged or None
