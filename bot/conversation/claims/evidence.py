"""The other side of the ledger: the same claims, extracted from the facts a reply may draw on.

A reply's claim is allowed when an equal claim (same kind, same normalised value) is in the evidence.
Policies are evidence for everything (they are the shop's own terms and contacts). A product is evidence
for its price, stock, URL and for offers written in its structured fields or its description — but the
description is read only after `bot.conversation.sanitize` has cut instruction-like spans and every link
or contact that is not the product's own `url` (an injected "加微信 …" never becomes evidence).
Evidence is cached per policy set and per product: the checker runs on every streamed sentence.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import regex

from bot.conversation.claims.extract import (
    Claim,
    ClaimKind,
    canonical_url,
    extract_claims,
    extract_money,
    term_evidence,
)
from bot.conversation.sanitize import catalog_text, neutralise
from bot.privacy.phones import normalise
from knowledge.models import PolicyDoc, Product
from knowledge.script import HAN, HAN_RUN

_DESCRIBED_GIFTS = frozenset({"gift"})
# What a description says is in the box: a gift of that sentence is the product's own accessory.
_IN_THE_BOX = regex.compile(
    r"附赠|附送|随附|随机附|随盒|内含|包装内|盒内|配有|标配|\bcomes?\s+with\b|\bincludes?\b|\bincluded\b|\bin\s+the\s+box\b",
    regex.I,
)
_DESCRIPTION_SENTENCE = regex.compile(r"[^。！？!?\n；;]+[。！？!?\n；;]?")
_TERMS = (ClaimKind.RETURNS, ClaimKind.WARRANTY, ClaimKind.DELIVERY)
_ORIGINAL_PRICE_KEYS = re.compile(
    r"原价|划线价|市场价|吊牌价|list.?price|original.?price|compare.?at|msrp|rrp", re.I
)
_COMMON_WORDS = frozenset(
    ["pro", "max", "plus", "mini", "lite", "light", "air", "new", "men", "women", "mens", "womens", "man", "woman", "kids", "the", "and", "for", "with", "set", "pack", "shoe", "shoes", "black", "white", "blue", "red", "green", "size", "edition", "series", "model", "version", "ultra", "classic"]
)  # fmt: skip


@dataclass
class Evidence:
    """Normalised claim values a reply may repeat (see the module docstring)."""

    amounts: set[tuple[Decimal, str]] = field(default_factory=set)
    discounts: set[object] = field(default_factory=set)
    gifts: set[str] = field(default_factory=set)
    coupons: set[str] = field(default_factory=set)
    promises: set[str] = field(default_factory=set)
    terms: dict[ClaimKind, set[object]] = field(default_factory=lambda: {k: set() for k in _TERMS})
    urls: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    messengers: set[str] = field(default_factory=set)
    payments: set[object] = field(default_factory=set)
    text: str = ""  # lower-cased source text, for word-level offers ("优惠券" written in a policy)

    def add_text(self, text: str, *, contacts: bool) -> None:
        """Every claim of `text` (terms by policy line) becomes evidence; contacts only when `contacts`."""
        self.add_claims(extract_claims(text), contacts=contacts)
        for kind, value in term_evidence(text):
            self.terms[kind].add(value)
        self.text += text.lower() + "\n"

    def add_claims(self, claims: Iterable[Claim], *, contacts: bool) -> None:
        for claim in claims:
            if claim.negated:
                continue
            kind, value = claim.kind, claim.value
            if kind is ClaimKind.MONEY:
                self.amounts.add(value)  # type: ignore[arg-type]
            elif kind is ClaimKind.DISCOUNT:
                self.discounts.add(value)
            elif kind is ClaimKind.GIFT:
                self.gifts.add(str(value))
            elif kind is ClaimKind.COUPON:
                self.coupons.add(str(value))
            elif kind is ClaimKind.PROMISE:
                self.promises.add(str(value))
            elif kind in self.terms:
                self.terms[kind].add(value)
            elif not contacts:
                continue
            elif kind is ClaimKind.URL:
                self.urls.add(str(value))
            elif kind is ClaimKind.PHONE:
                self.phones.add(str(value))
            elif kind is ClaimKind.EMAIL:
                self.emails.add(str(value))
            elif kind is ClaimKind.MESSENGER and not str(value).startswith("ask:"):
                self.messengers.add(str(value))
            elif kind is ClaimKind.PAYMENT:
                self.payments.add(value)


@lru_cache(maxsize=64)
def _policy_evidence(texts: tuple[str, ...]) -> Evidence:
    evidence = Evidence()
    for text in texts:
        evidence.add_text(neutralise(normalise(text)), contacts=True)
    return evidence


def policy_evidence(docs: Iterable[PolicyDoc]) -> Evidence:
    """Evidence from the shop's policies (every kind, contacts included)."""
    return _policy_evidence(tuple(f"{doc.title}\n{doc.text}" for doc in docs))


def contact_evidence(contacts: Iterable[str]) -> Evidence:
    """Evidence from the shop's configured contact values ("400-820-0000", "wechat: shop_cs", URLs)."""
    return _policy_evidence(tuple(contacts))


@dataclass(frozen=True)
class ProductEvidence:
    sku: str
    prices: frozenset[tuple[Decimal, str]]
    stock: int | None
    names: tuple[str, ...]  # lower-case strings whose presence in a sentence names this product
    evidence: Evidence
    names_title: str = ""


def _key(product: Product) -> tuple[object, ...]:
    return (
        product.sku, product.title, product.brand, product.price, product.currency, product.stock,
        product.description, product.url, product.image_url, product.tags, tuple(sorted(product.attributes.items())),
    )  # fmt: skip


_CACHE: dict[tuple[object, ...], ProductEvidence] = {}


def product_evidence(product: Product) -> ProductEvidence:
    """Price, stock, names and offer evidence of one product (cached by its content)."""
    key = _key(product)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    keep = [u for u in (product.url, product.image_url) if u]
    fields = [product.title, *product.tags, *(f"{k}: {v}" for k, v in product.attributes.items())]
    text = "\n".join(catalog_text(part, keep) for part in fields if part)
    evidence = Evidence()
    evidence.add_text(text, contacts=False)
    # Free text backs what is in the box ("附赠6A数据线", "comes with a carry case") and nothing else: never a
    # price cut, a code, a free item, nor a term — returns, warranty and delivery promises are the policies'
    # to make (a "明天必达" or "保修三年" planted in a description is not the shop's term).
    description = catalog_text(product.description, keep)
    for sentence in _DESCRIPTION_SENTENCE.findall(description):
        if _IN_THE_BOX.search(sentence):
            described = Evidence()
            described.add_text(sentence, contacts=False)
            evidence.gifts |= described.gifts & _DESCRIBED_GIFTS
    evidence.urls |= {canonical_url(u) for u in keep}
    prices = {(product.price, product.currency.upper())} if product.price is not None else set()
    for name, value in product.attributes.items():
        if _ORIGINAL_PRICE_KEYS.search(name):
            prices |= {
                (amount, cur or product.currency.upper()) for amount, cur in extract_money(f"¥{value}")
            }
    title = normalise(product.title).lower()
    result = ProductEvidence(product.sku, frozenset(prices), product.stock, _names(product), evidence, title)
    if len(_CACHE) > 20_000:
        _CACHE.clear()
    _CACHE[key] = result
    return result


_HAN_MODEL = regex.compile(rf"{HAN}{{2,}}\d+[a-z0-9.]*")


def _names(product: Product) -> tuple[str, ...]:
    """SKU, title, the title without the brand, its model words (ASCII, ≥ 3 letters) and Han runs ≥ 4."""
    title = normalise(product.title).lower()
    brand = normalise(product.brand).lower()
    names = {product.sku.lower(), title}
    if brand and title.startswith(brand):
        names.add(title[len(brand) :].strip())
    words = re.findall(r"[a-z][a-z0-9-]{2,}|[a-z]*\d+[a-z0-9-]*", title)
    names |= {w for w in words if w not in _COMMON_WORDS and w != brand and not w.isdigit()}
    for a, b in itertools.pairwise(words):  # "pegasus 41", "xm5"
        names.add(f"{a} {b}")
    names |= {run for run in HAN_RUN.findall(title) if len(run) >= 4}
    names |= set(_HAN_MODEL.findall(title))  # "超轻21", "赤兔7", "飞电4": a series name and its number
    return tuple(sorted(n for n in names if len(n) >= 3))


def distinctive_names(products: Iterable[ProductEvidence]) -> dict[str, tuple[str, ...]]:
    """Per SKU, the names no other product of the turn shares (so a sentence names one product)."""
    items = list(products)
    result: dict[str, tuple[str, ...]] = {}
    for item in items:
        others = [o for o in items if o.sku != item.sku]
        always = {item.sku.lower(), item.names_title}
        result[item.sku] = tuple(
            name
            for name in item.names
            if name in always
            or not any(name in other.names or name in other.evidence.text for other in others)
        )
    return result
