"""The hard rule, in code: an LLM reply may state only prices, SKUs, models, stock and promises we know.

`GroundingFacts` is what the reply may draw on (the retrieved/shown products, the policy texts, the
customer's own budget); `check_reply` lists every claim in the text that is not backed by those facts.
A non-empty list means the reply is not sent (the core regenerates once, then uses the offline composer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import regex

from knowledge.models import PolicyDoc, Product
from knowledge.numbers import CN_NUMERAL_CHARS, parse_chinese_numeral
from knowledge.script import HAN

# Words that promise something the shop must have granted in a policy.
PROMISE_WORDS: tuple[str, ...] = (
    "优惠券",
    "优惠码",
    "折扣",
    "打折",
    "折上折",
    "赠品",
    "赠送",
    "送你",
    "免单",
    "返现",
    "红包",
    "满减",
    "立减",
    "包退",
    "免费送",
    "特价",
    "coupon",
    "discount",
    "promo code",
    "free gift",
    "cashback",
    "cash back",
    "voucher",
    "complimentary",
    "% off",
    "percent off",
)
_DISCOUNT_RX = re.compile(
    r"(\d+(?:\.\d+)?\s*折(?!叠))|(\d{1,3}\s*%\s*off)|(half price)|(半价)", re.IGNORECASE
)
_NEGATION_RX = re.compile(
    r"(没有|没|不|无|暂无|不能|无法|不提供|no|not|don't|do not|cannot|can't|isn't)\W{0,3}\S{0,6}$",
    re.IGNORECASE,
)
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
_PRICE_RXS = (
    re.compile(r"(?:¥|￥|RMB\s?|CNY\s?|\$|USD\s?|€|£)\s?" + _NUM, re.IGNORECASE),
    regex.compile(_NUM + rf"\s?(?:元|块钱|块(?!{HAN})|rmb|yuan|dollars?|usd)", regex.IGNORECASE),
)
_CN_PRICE_RX = regex.compile(rf"([{CN_NUMERAL_CHARS}]+)\s?(?:元|块钱|块(?!{HAN}))")
_SKU_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,6}[-_]?\d{2,}[A-Za-z0-9\-_]*(?<![-_])")
_STOCK_COUNT_RX = re.compile(
    r"(?:库存|还剩|仅剩|只剩|剩余|stock of|only)\s?(\d+)\s?(?:件|双|个|台|瓶|盒|包|left|units?|in stock)?",
    re.IGNORECASE,
)
_IN_STOCK_RX = re.compile(r"有货|现货|库存充足|in stock|available now", re.IGNORECASE)
_SENTENCE_RX = re.compile(r"[^。！？!?\n；;]+")


def _amount(whole: str, cents: str | None) -> Decimal | None:
    try:
        return Decimal(whole.replace(",", "") + ("." + cents if cents else ""))
    except InvalidOperation:
        return None


def extract_prices(text: str) -> list[Decimal]:
    """Every money amount stated in a text (¥399, 399元, $25.50, 300块, 八百九十九元)."""
    found: list[Decimal] = []
    for rx in _PRICE_RXS:
        for match in rx.finditer(text):
            value = _amount(match.group(1), match.group(2))
            if value is not None:
                found.append(value)
    for match in _CN_PRICE_RX.finditer(text):
        number = parse_chinese_numeral(match.group(1))
        if number is not None:
            found.append(Decimal(number))
    return found


@dataclass(frozen=True)
class GroundingFacts:
    """What a reply may state: these products, these policies, the customer's own numbers."""

    products: tuple[Product, ...] = ()
    policies: tuple[PolicyDoc, ...] = ()
    allowed_amounts: frozenset[Decimal] = frozenset()  # e.g. the customer's budget ("500以内")
    known_sku: Callable[[str], bool] | None = None  # catalog lookup for SKUs not in `products`
    secret_lines: tuple[str, ...] = ()  # distinctive system-prompt lines that must never leak

    def prices(self) -> set[Decimal]:
        return (
            {p.price for p in self.products if p.price is not None}
            | set(self.allowed_amounts)
            | {amount for doc in self.policies for amount in extract_prices(doc.text)}
        )

    def policy_text(self) -> str:
        return "\n".join(f"{doc.title}\n{doc.text}" for doc in self.policies).lower()

    def product_text(self) -> str:
        return "\n".join(
            " ".join([p.sku, p.title, p.brand, *p.tags, *p.attributes.values(), p.description])
            for p in self.products
        ).lower()


@dataclass(frozen=True)
class Violation:
    kind: str  # "price" | "sku" | "promise" | "stock" | "leak"
    claim: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.claim}"


@dataclass
class _Checker:
    facts: GroundingFacts
    violations: list[Violation] = field(default_factory=list)

    def prices(self, text: str) -> None:
        known = self.facts.prices()
        for value in extract_prices(text):
            if not any(value == k for k in known):
                self.violations.append(Violation("price", str(value)))

    def skus(self, text: str) -> None:
        known = {p.sku.lower() for p in self.facts.products}
        product_text = self.facts.product_text()
        for match in _SKU_LIKE.finditer(text):
            token = match.group(0)
            low = token.lower()
            if low in known or low in product_text or low in self.facts.policy_text():
                continue
            if self.facts.known_sku is not None and self.facts.known_sku(token):
                continue
            self.violations.append(Violation("sku", token))

    def promises(self, text: str) -> None:
        policy = self.facts.policy_text()
        lowered = text.lower()
        hits = [(m.start(), m.group(0)) for m in _DISCOUNT_RX.finditer(lowered)]
        for word in PROMISE_WORDS:
            start = lowered.find(word)
            while start >= 0:
                hits.append((start, word))
                start = lowered.find(word, start + 1)
        for start, word in hits:
            if word.strip() in policy or _NEGATION_RX.search(lowered[max(0, start - 12) : start]):
                continue
            self.violations.append(Violation("promise", word.strip()))

    def stock(self, text: str) -> None:
        stocks = {p.stock for p in self.facts.products if p.stock is not None}
        for match in _STOCK_COUNT_RX.finditer(text):
            if int(match.group(1)) not in stocks:
                self.violations.append(Violation("stock", match.group(0)))
        for sentence in _SENTENCE_RX.findall(text):
            if not _IN_STOCK_RX.search(sentence) or _NEGATION_RX.search(
                sentence[: _IN_STOCK_RX.search(sentence).start()]
            ):
                continue
            for product in self.facts.products:
                named = product.sku in sentence or (len(product.title) >= 4 and product.title in sentence)
                if named and product.stock == 0:
                    self.violations.append(Violation("stock", f"{product.sku} in stock"))

    def leak(self, text: str) -> None:
        for line in self.facts.secret_lines:
            if line and line[:24] in text:
                self.violations.append(Violation("leak", line[:40]))


def check_reply(text: str, facts: GroundingFacts) -> list[Violation]:
    """Every unsupported claim in `text` (empty list = grounded)."""
    checker = _Checker(facts)
    checker.prices(text)
    checker.skus(text)
    checker.promises(text)
    checker.stock(text)
    checker.leak(text)
    return checker.violations


def secret_lines(system_prompt: str, min_chars: int = 16) -> tuple[str, ...]:
    """The distinctive lines of a system prompt (long enough that quoting them can only be a leak)."""
    lines = (line.strip() for line in system_prompt.splitlines())
    return tuple(line for line in lines if len(line) >= min_chars and "{" not in line)


def amounts(values: Iterable[Decimal | None]) -> frozenset[Decimal]:
    return frozenset(v for v in values if v is not None)
