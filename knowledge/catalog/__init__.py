"""Catalog loading: canonical CSV, JSON/JSONL, Shopify exports and mapped CSVs, with per-row errors.

The canonical CSV is `sku,title,brand,category,price,currency,stock,description,image_url,url,tags,attr_<name>…`
(UTF-8, header row). Multi-valued attributes such as sizes and colours are `;`-separated inside one value
(`attr_size` = `39;40;41`), like `tags`.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.catalog.fields import CANONICAL_COLUMNS, split_list
from knowledge.catalog.loader import FORMATS, detect_format, load_catalog
from knowledge.catalog.mapping import combine, load_mapping_file, parse_map_flags
from knowledge.catalog.result import DEFAULT_MAX_FIELD_BYTES, CatalogLoad
from knowledge.catalog.writer import write_catalog_csv

_SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"
SAMPLE_CATALOG: Path = _SAMPLE_DIR / "catalog.csv"
SAMPLE_POLICIES_DIR: Path = _SAMPLE_DIR / "policies"

__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_MAX_FIELD_BYTES",
    "FORMATS",
    "SAMPLE_CATALOG",
    "SAMPLE_POLICIES_DIR",
    "CatalogLoad",
    "combine",
    "detect_format",
    "load_catalog",
    "load_mapping_file",
    "parse_map_flags",
    "split_list",
    "write_catalog_csv",
]
