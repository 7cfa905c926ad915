"""Query understanding with memory: what is being asked, about which products, with which filters.

Fresh questions go through the knowledge layer's `QueryParser`; follow-ups resolve against the products
last shown in the chat ("第二个多少钱", "the cheaper one", "那黑色的呢", "有没有更便宜的", "这两款有什么区别").
Pure functions over plain values, so every rule is testable without a bot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol

from bot.conversation.intents import Intent
from bot.conversation.store import ChatState
from knowledge.models import ParsedQuery, Product, QueryFilters


class QueryParsing(Protocol):
    def parse(self, text: str) -> ParsedQuery: ...


_ZH_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_ORD = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
}
_ORD_ZH = re.compile(
    r"第\s*([一二两三四五六七八九十]|\d{1,2})\s*(?:个|款|双|件|种|条|台|只|瓶|部|套|样|支|盒|包)?"
)
_ORD_EN = re.compile(r"\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\b", re.IGNORECASE)
_ORD_NUM = re.compile(r"(?:#|No\.?\s?)\s*(\d)\b|(\d)\s*号", re.IGNORECASE)
_LAST = re.compile(r"最后(?:一|那)(?:个|款|双|件)|\bthe last( one)?\b|\blast one\b", re.IGNORECASE)
_CHEAPER_REF = re.compile(
    r"(?:便宜|实惠)的?那(?:个|款|双|件|一款|一个)|最便宜的(?:那|一)|\bthe (?:cheaper|cheapest)(?: one)?\b",
    re.IGNORECASE,
)
_PRICIER_REF = re.compile(
    r"贵的?那(?:个|款|双|件|一款|一个)|最贵的(?:那|一)|\bthe (?:pricier|more expensive|most expensive)(?: one)?\b",
    re.IGNORECASE,
)
_CHEAPER_SEARCH = re.compile(
    r"(?:更|再|还)便宜|便宜(?:一点|点|些)的|cheaper (?:ones?|options?|alternatives?)|anything cheaper|something cheaper"
    r"|less expensive|any cheaper|lower price",
    re.IGNORECASE,
)
_DEMONSTRATIVE = re.compile(
    r"这(?:个|款|双|件|种|条|台|只|瓶|部|套|一款)|^它|\b(?:this|that) one\b|\bit\b", re.IGNORECASE
)
_BOTH = re.compile(
    r"这两|那两|两(?:款|个|双|件|种)|\bboth\b|\bthese two\b|\bthe two\b|\bthem\b", re.IGNORECASE
)
_SIZE = re.compile(
    r"(\d{2}(?:\.5)?)\s*(?:码|号)|\bsize\s*(\d{1,2}(?:\.5)?)\b|\b(X{0,3}[SML]|XXL)\b(?=\s*(?:码|号)?)",
    re.IGNORECASE,
)
_ASKS: dict[str, re.Pattern[str]] = {
    "price": re.compile(r"多少钱|价格|价钱|几块|多少米|贵不贵|how much|\bprice\b|\bcost", re.IGNORECASE),
    "stock": re.compile(r"有货|有库存|库存|现货|还有吗|卖完|缺货|in stock|available|sold out", re.IGNORECASE),
    "size": re.compile(r"\d{2}(?:\.5)?\s*码|尺码|码数|尺寸|\bsizes?\b", re.IGNORECASE),
    "colour": re.compile(r"颜色|什么色|几种色|colou?rs?", re.IGNORECASE),
    "details": re.compile(
        r"介绍|详情|参数|规格|材质|特点|怎么样|details|specs?|material|tell me|about it|features",
        re.IGNORECASE,
    ),
}


# Attribute questions ("SPF多少", "what's the battery life"): catalog attribute name → words that ask for it.
ATTRIBUTE_WORDS: dict[str, tuple[str, ...]] = {
    "spf": ("spf", "防晒指数", "防晒值"),
    "weight": ("重量", "多重", "几克", "weight", "how heavy"),
    "material": ("材质", "面料", "什么料", "material", "made of"),
    "battery": ("续航", "电池", "battery"),
    "capacity": ("容量", "多大容量", "capacity"),
    "waterproof": ("防水", "waterproof"),
    "shelf_life": ("保质期", "shelf life"),
    "origin": ("产地", "哪里产", "origin", "made in"),
    "flavor": ("口味", "味道", "flavor", "flavour"),
    "power": ("功率", "wattage", "power"),
    "skin_type": ("肤质", "skin type"),
    "noise_cancelling": ("降噪", "noise cancel"),
    "connectivity": ("蓝牙", "连接", "bluetooth", "connectivity"),
}


def attribute_asks(text: str) -> frozenset[str]:
    lowered = text.lower()
    return frozenset(
        f"attr:{name}" for name, words in ATTRIBUTE_WORDS.items() if any(w in lowered for w in words)
    )


@dataclass(frozen=True)
class Understanding:
    """The resolved request: its intent, the products it is about, or the search to run."""

    intent: Intent
    text: str
    targets: tuple[Product, ...] = ()
    search_text: str = ""
    filters: QueryFilters = field(default_factory=QueryFilters)
    keywords: tuple[str, ...] = ()
    asks: frozenset[str] = frozenset()
    size: str | None = None
    colour: str | None = None
    mode: str = "fresh"  # fresh | cheaper | refined | reference | context | no_context
    out_of_range: int = 0  # an ordinal beyond the shown list ("第五个" when 3 were shown)


def ordinal_indices(text: str) -> list[int]:
    """1-based positions named in the text, in order ("第一款和第三款" → [1, 3])."""
    found: list[tuple[int, int]] = []
    for m in _ORD_ZH.finditer(text):
        raw = m.group(1)
        found.append((m.start(), int(raw) if raw.isdigit() else _ZH_NUM[raw]))
    found += [(m.start(), _EN_ORD[m.group(1).lower()]) for m in _ORD_EN.finditer(text)]
    found += [(m.start(), int(m.group(1) or m.group(2))) for m in _ORD_NUM.finditer(text)]
    return list(dict.fromkeys(n for _, n in sorted(found)))


def asked_size(text: str) -> str | None:
    m = _SIZE.search(text)
    return next((g for g in m.groups() if g), None) if m else None


def asks_in(text: str) -> frozenset[str]:
    return frozenset(name for name, rx in _ASKS.items() if rx.search(text)) | attribute_asks(text)


def resolve_references(text: str, shown: Sequence[Product], focus: str = "") -> tuple[list[Product], int]:
    """Products the text points at among those shown; second value = an out-of-range ordinal, else 0."""
    if not shown:
        return [], 0
    picks: list[Product] = []
    for n in ordinal_indices(text):
        if n > len(shown):
            return [], n
        picks.append(shown[n - 1])
    priced = [p for p in shown if p.price is not None]
    if _CHEAPER_REF.search(text) and priced:
        picks.append(min(priced, key=lambda p: p.price or Decimal(0)))
    if _PRICIER_REF.search(text) and priced:
        picks.append(max(priced, key=lambda p: p.price or Decimal(0)))
    if _LAST.search(text):
        picks.append(shown[-1])
    if not picks and _BOTH.search(text) and len(shown) >= 2:
        picks = list(shown[:2])
    if not picks and _DEMONSTRATIVE.search(text):
        picks.append(next((p for p in shown if p.sku == focus), shown[0]))
    return list({p.sku: p for p in picks}.values()), 0


def filters_to_state(filters: QueryFilters) -> dict[str, str]:
    data = {f"attr:{k}": v for k, v in filters.attributes.items()}
    for name in ("min_price", "max_price", "category", "brand"):
        value = getattr(filters, name)
        if value not in (None, ""):
            data[name] = str(value)
    if filters.in_stock:
        data["in_stock"] = "1"
    return data


def filters_from_state(data: dict[str, str]) -> QueryFilters:
    return QueryFilters(
        min_price=Decimal(data["min_price"]) if data.get("min_price") else None,
        max_price=Decimal(data["max_price"]) if data.get("max_price") else None,
        category=data.get("category") or None,
        brand=data.get("brand") or None,
        attributes={k[5:]: v for k, v in data.items() if k.startswith("attr:")},
        in_stock=data.get("in_stock") == "1",
    )


def merge_filters(base: QueryFilters, new: QueryFilters) -> QueryFilters:
    """A follow-up's filters on top of the previous query's (the newer value wins)."""
    return QueryFilters(
        min_price=new.min_price if new.min_price is not None else base.min_price,
        max_price=new.max_price if new.max_price is not None else base.max_price,
        category=new.category or base.category,
        brand=new.brand or base.brand,
        attributes={**base.attributes, **new.attributes},
        in_stock=new.in_stock or base.in_stock,
    )


def colour_of(filters: QueryFilters) -> str | None:
    return next((v for k, v in filters.attributes.items() if k.lower() in ("color", "colour", "颜色")), None)


_NOISE = re.compile(
    r"^[\d.]+|码|号|多少|价格|钱|有货|库存|颜色|尺码|size|price|stock|colou?r|cheap|便宜|贵|区别|对比|推荐|有没有|"
    r"^(一|个|款|双|件|这|那|呢|吗|的|它|第.*)$|^(one|ones|it|this|that|the|first|second|third|last|which|them|both)$"
)


def content_keywords(keywords: Sequence[str], filters: QueryFilters) -> list[str]:
    """Keywords that name a kind of product, not a number, filter value or question word."""
    values = {str(v).lower() for v in filters.attributes.values()}
    return [k for k in keywords if k.lower() not in values and not _NOISE.search(k.lower())]


def _names_filter(parser: QueryParsing | None, word: str, filters: QueryFilters) -> bool:
    """True when a keyword is just the name of an attribute filter already applied ("black" → 黑色)."""
    if parser is None or not filters.attributes:
        return False
    alone = parser.parse(word).filters.attributes
    return bool(alone) and all(filters.attributes.get(k) == v for k, v in alone.items())


def _parse(parser: QueryParsing | None, text: str) -> ParsedQuery:
    if parser is None:
        return ParsedQuery(
            text=text, keywords=[w for w in re.split(r"\W+", text) if w], filters=QueryFilters()
        )
    return parser.parse(text)


def understand(
    text: str, intent: Intent, state: ChatState, shown: Sequence[Product], parser: QueryParsing | None
) -> Understanding:
    """Resolve a cleaned message against the chat's state into targets or a search."""
    parsed = _parse(parser, text)
    query = " ".join(parsed.keywords) or text  # price/stock phrases are already out of the keywords
    base = Understanding(
        intent=intent,
        text=text,
        search_text=query,
        filters=parsed.filters,
        keywords=tuple(parsed.keywords),
        asks=asks_in(text),
        size=asked_size(text),
        colour=colour_of(parsed.filters),
    )
    refs, out_of_range = resolve_references(text, shown, state.focus_sku)
    if not shown and intent is not Intent.COMPARISON and (ordinal_indices(text) or _CHEAPER_REF.search(text)):
        return replace(
            base, intent=Intent.PRODUCT_QUESTION, mode="no_context"
        )  # "第二个多少钱" out of the blue
    if out_of_range:
        return replace(base, intent=Intent.PRODUCT_QUESTION, out_of_range=out_of_range, mode="reference")
    content = [
        k
        for k in content_keywords(parsed.keywords, parsed.filters)
        if not _names_filter(parser, k, parsed.filters)
    ]
    attr_words = {w for name in base.asks if name.startswith("attr:") for w in ATTRIBUTE_WORDS[name[5:]]}
    if (
        intent in (Intent.UNKNOWN, Intent.RECOMMENDATION, Intent.PRODUCT_QUESTION)
        and attr_words
        and shown
        and not refs
        and all(any(w in k.lower() or k.lower() in w for w in attr_words) for k in content)
    ):
        intent = Intent.PRODUCT_QUESTION  # "SPF多少" about the product in focus
        base, content = replace(base, intent=intent), []
    if intent is Intent.COMPARISON:
        targets = refs if len(refs) >= 2 else list(shown[:2]) if len(shown) >= 2 and not content else []
        return replace(base, targets=tuple(targets), mode="reference" if targets else "fresh")
    if intent is Intent.PRODUCT_QUESTION:
        if refs:
            return replace(base, targets=tuple(refs), mode="reference")
        if shown and not content:
            focus = [p for p in shown if p.sku == state.focus_sku]
            return replace(base, targets=tuple(focus or shown), mode="context")
        intent = Intent.RECOMMENDATION
        base = replace(base, intent=intent)
    if intent not in (Intent.RECOMMENDATION, Intent.UNKNOWN) or not state.last_query:
        return base
    previous = filters_from_state(state.last_filters)
    if _CHEAPER_SEARCH.search(text) and not content:
        priced = [p.price for p in shown if p.price is not None]
        cap = (min(priced) - Decimal("0.01")) if priced else previous.max_price
        return replace(
            base,
            intent=Intent.RECOMMENDATION,
            search_text=state.last_query,
            filters=replace(previous, max_price=cap),
            mode="cheaper",
        )
    refines = (
        not parsed.filters.is_empty()
        and not content
        and (parsed.filters.category in (None, previous.category))
    )
    if refines:
        merged = merge_filters(previous, parsed.filters)
        return replace(
            base,
            intent=Intent.RECOMMENDATION,
            search_text=f"{state.last_query} {' '.join(content)}".strip(),
            filters=merged,
            colour=colour_of(merged),
            mode="refined",
        )
    return base
