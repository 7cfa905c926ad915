"""Plain values shared by every part of the knowledge layer (and read by the bot).

Money is exact: prices are `Decimal` with a currency, never float. A product may lack a price
or a stock level; then it is searchable but never quoted with one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


class Product(BaseModel):
    """One sellable SKU. The SKU is the id everywhere (store, cards, callbacks, copy)."""

    model_config = ConfigDict(frozen=True)

    sku: str
    title: str
    brand: str = ""
    category: str = ""  # a path such as "运动鞋/跑步鞋"
    price: Decimal | None = None
    currency: str = "CNY"
    stock: int | None = None
    description: str = ""
    image_url: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()
    attributes: dict[str, str] = Field(default_factory=dict)

    @property
    def category_path(self) -> list[str]:
        return [part.strip() for part in self.category.split("/") if part.strip()]

    @property
    def in_stock(self) -> bool | None:
        """True/False when the stock level is known, None when the catalog does not say."""
        return None if self.stock is None else self.stock > 0

    def price_text(self) -> str | None:
        """The price as a customer reads it ("¥399.00"), or None when the catalog has no price."""
        if self.price is None:
            return None
        symbol = CURRENCY_SYMBOLS.get(self.currency.upper())
        amount = f"{self.price:.2f}"
        return f"{symbol}{amount}" if symbol else f"{amount} {self.currency}"

    def search_text(self) -> str:
        """The text that is embedded and BM25-indexed: everything a shopper might search by."""
        parts = [self.title, self.brand, " ".join(self.category_path), " ".join(self.tags)]
        parts += [f"{value}" for value in self.attributes.values()]
        if self.description:
            parts.append(self.description)
        return " ".join(part for part in parts if part)

    def content_hash(self) -> str:
        """Stable hash of every field, so unchanged rows are skipped on re-ingest."""
        payload = self.model_dump(mode="json")
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class RowError:
    """A rejected catalog row: reported as `line N: reason` (the header is line 1)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class QueryFilters:
    """Structured constraints parsed from a query; every field optional."""

    min_price: Decimal | None = None
    max_price: Decimal | None = None
    category: str | None = None
    brand: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # e.g. {"color": "黑色", "size": "42"}
    in_stock: bool = False

    def is_empty(self) -> bool:
        return (
            self.min_price is None
            and self.max_price is None
            and not self.category
            and not self.brand
            and not self.attributes
            and not self.in_stock
        )


@dataclass(frozen=True)
class ParsedQuery:
    """What query understanding makes of a message: keywords for retrieval plus filters."""

    text: str
    keywords: list[str]
    filters: QueryFilters
    language: Literal["zh", "en"] = "zh"


SearchMode = Literal["bm25", "dense", "hybrid"]


@dataclass(frozen=True)
class SearchHit:
    """A retrieved product with the evidence of how it was found (for `--explain`)."""

    product: Product
    score: float
    bm25_rank: int | None = None
    vector_rank: int | None = None
    explain: dict[str, object] = field(default_factory=dict)

    @property
    def sku(self) -> str:
        return self.product.sku


@dataclass(frozen=True)
class UpsertSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass(frozen=True)
class PolicyDoc:
    """A store policy section (shipping, returns, payment, warranty …) the bot may quote."""

    topic: str  # "shipping", "returns", "payment", "warranty", …
    title: str
    text: str
    language: str = "zh"
