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
    """Structured constraints parsed from a query; every field optional.

    Money: `min_price`/`max_price` are in `currency` (an ISO code such as "CNY" or "USD"); None means the
    catalog's own (most common) currency. A product priced in another currency passes a price bound only
    through a configured exchange rate (`knowledge.money.ExchangeRates`), never as a bare number.
    Exclusions ("不要李宁的", "not white", "除了耳机") remove products; they are never positive keywords.
    `exclude_attributes` holds (attribute key, value) pairs in the catalog's spelling, e.g. ("color", "白色");
    `exclude_terms` holds other negated catalog words ("碳板") matched in titles, tags and attribute values.
    Gender is an attribute filter: `attributes["gender"]` in the catalog's spelling ("女", "women");
    unisex products pass a male or female filter.
    """

    min_price: Decimal | None = None
    max_price: Decimal | None = None
    category: str | None = None
    brand: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # e.g. {"color": "黑色", "size": "42"}
    in_stock: bool = False
    currency: str | None = None
    exclude_brands: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    exclude_attributes: tuple[tuple[str, str], ...] = ()
    exclude_terms: tuple[str, ...] = ()
    material: str | None = None  # "纯棉" (only cotton), "羊毛" (contains wool): see knowledge.materials

    def has_price(self) -> bool:
        return self.min_price is not None or self.max_price is not None

    def has_exclusions(self) -> bool:
        return bool(
            self.exclude_brands or self.exclude_categories or self.exclude_attributes or self.exclude_terms
        )

    def is_empty(self) -> bool:
        return (
            not self.has_price()
            and not self.category
            and not self.brand
            and not self.attributes
            and not self.material
            and not self.in_stock
            and not self.has_exclusions()
        )

    def exclusions_only(self) -> QueryFilters:
        """Only what the customer ruled out: the filters of a "closest match" search (a relaxed search may
        drop budget, size or category, never show what was excluded)."""
        return QueryFilters(
            exclude_brands=self.exclude_brands,
            exclude_categories=self.exclude_categories,
            exclude_attributes=self.exclude_attributes,
            exclude_terms=self.exclude_terms,
        )


@dataclass(frozen=True)
class ParsedQuery:
    """What query understanding makes of a message: keywords for retrieval plus filters.

    `text` is the message as written; `normalized` what was parsed (NFKC, Simplified script, pinyin and
    obvious typos mapped to catalog words, emoji mapped or dropped). `traditional` says the customer wrote
    Traditional Chinese (answer in that script); `corrections` lists (written, understood) replacements.
    """

    text: str
    keywords: list[str]
    filters: QueryFilters
    language: Literal["zh", "en"] = "zh"
    normalized: str = ""
    traditional: bool = False
    corrections: tuple[tuple[str, str], ...] = ()


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


@dataclass(frozen=True)
class PolicyHit:
    """One policy bullet that answers a question: quote `text` (in `language`) under the doc's `topic`.

    `label` is the bullet's bold lead ("客服电话"), `score` the fused relevance (≥ the book's threshold),
    `index` the bullet's position in its document (the same index in the other language is its translation).
    """

    topic: str
    title: str
    text: str
    language: str
    score: float
    label: str = ""
    index: int = 0


@dataclass(frozen=True)
class Mention:
    """A product named in a message: `sku` matched by `text` at `start:end` of the message as written.

    `score` is 0..1: the share of the product's distinctive name (brand, series, model number) the mention
    covers; two products with the same score are equally named (e.g. the men's and women's Pegasus 41).
    `exact` is True when the whole model name (every distinctive atom of the title's name part) matched.
    """

    sku: str
    score: float
    start: int
    end: int
    text: str
    exact: bool = False
