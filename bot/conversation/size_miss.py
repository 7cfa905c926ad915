"""A search that fails only on its size ("有没有35码的男款篮球鞋"): say which constraint fails and the sizes there
are — never "没有符合「篮球鞋」" when the shop sells basketball shoes, just none in size 35.

Pure functions over catalog values: the size filter a search carries, and the sizes the products that pass
every other filter come in (numbers in numeric order, then letter sizes as listed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from knowledge.models import Product
from knowledge.vocabulary import split_values

_SIZE_KEYS = ("size", "尺码", "尺寸")  # a capacity (容量) is no size one is out of
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def size_filter(attributes: Mapping[str, str]) -> tuple[str, str] | None:
    """(key, value) of the size a search asks for ("size" → "35"), or None."""
    return next(((k, v) for k, v in attributes.items() if k.lower() in _SIZE_KEYS), None)


def sizes_offered(products: Sequence[Product], key: str) -> list[str]:
    """Every size the products come in under attribute `key`, once each: numbers ascending, then the rest in
    the order first listed ("39", "40", … "45"; "S", "M", "L")."""
    found: list[str] = []
    for product in products:
        raw = next((v for k, v in product.attributes.items() if k.lower() == key.lower()), "")
        found += [v for v in split_values(raw) if v not in found]
    numbers = sorted((v for v in found if _NUMBER.match(v)), key=float)
    return numbers + [v for v in found if not _NUMBER.match(v)]
