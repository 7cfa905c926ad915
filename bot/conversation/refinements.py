"""Refinements of a shown list that say what to change, not what to add ("换个牌子", "还有别的吗", "换个大一点的").

- another brand ("换个牌子", "别的品牌的呢", "a different brand") → the same search without the brands just shown;
- more ("还有别的吗", "还有吗", "any others?", "show me more") → the same search without the products already
  shown (the next ones, never a repeat);
- bigger / smaller ("换个大一点的", "有没有更小的", "a bigger one") → the same kind with a larger (smaller) size or
  capacity than the one in focus, compared as numbers in one unit ("30cm" < "32cm"; "10000mAh" < "20000mAh").

Pure functions over Simplified text and catalog values (zh + en).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from knowledge.models import Product

_OTHER_BRAND = re.compile(
    r"(?:换|别|其他|其它|另外)(?:个|一个|的|家)?(?:牌子|品牌|家)|不同(?:的)?(?:牌子|品牌)|"
    r"\b(?:other|another|different)\s+brands?\b",
    re.IGNORECASE,
)
_MORE = re.compile(
    r"^(?:那|那么)?(?:还有|还有没有|有没有)(?:别的|其他|其它|更多)?(?:的|款|款式)?(?:吗|嘛|呢|没有)?$|"
    r"^(?:再|多)(?:来|推荐|给我看|看)(?:几|一)?(?:款|个|些|点)?(?:吧|呢)?$|^(?:别的|其他的|其它的)(?:呢|还有吗)$|"
    r"^(?:any\s+(?:others?|more)|anything\s+else|show\s+me\s+more|more(?:\s+options)?|what\s+else"
    r"(?:\s+do\s+you\s+have)?|others?)\??$",
    re.IGNORECASE,
)
# "换个" / "换一批" / "换几个看看" / "something else": other products than the ones shown (read like "还有别的吗")
_CHANGE = re.compile(
    r"^(?:那|那就|帮我|给我)?换(?:个|一个|几个|一批|批|一些|些|点|一下|几款|一款|一组)?(?:别的|其他的?|其它的?)?"
    r"(?<=[个批些点下款组的他它])(?:吧|呢|看看|试试)?$"
    r"|^(?:(?:show|give)\s+me\s+)?(?:something|anything)\s+else(?:\s+please)?\??$"
    r"|^(?:show\s+me\s+)?(?:different|other)\s+ones\??$",
    re.IGNORECASE,
)
# "再便宜点" / "有没有更便宜一些的" / "还便宜点的呢": cheaper products than a shown list — not a bargain
_CHEAPER_ITEMS = re.compile(
    r"^(?:那|那么)?(?:有没有|还有|来点|看看)?(?:再|更|还)便宜(?:一)?(?:点|些)?(?:的)?(?:吗|呢|吧|嘛|没有)?$"
)
_BIGGER = re.compile(r"(?:大一点|大点|大一些|更大|再大|大一号|大号|大些|bigger|larger)", re.IGNORECASE)
_SMALLER = re.compile(r"(?:小一点|小点|小一些|更小|再小|小一号|小号|小些|smaller)", re.IGNORECASE)
_MEASURE = re.compile(r"(\d+(?:\.\d+)?)\s*(cm|mm|l|ml|mah|寸|升|毫升|g|kg|qt)\b", re.IGNORECASE)
_SAME_UNIT = {"升": "l", "毫升": "ml"}
_PUNCT = re.compile(r"[\s，,。！!？?～~]+")


def asks_other_brand(text: str) -> bool:
    """True for "换个牌子" / "别的品牌有吗" / "a different brand"."""
    return bool(_OTHER_BRAND.search(text))


def asks_more(text: str) -> bool:
    """True for a bare "还有别的吗" / "再推荐几款" / "换个" / "any others?" (no new kind or constraint in it)."""
    plain = _PUNCT.sub("", text) if not text.isascii() else text.strip().lower()
    return bool(_MORE.match(plain) or _CHANGE.match(plain))


def asks_cheaper_items(text: str) -> bool:
    """True for a bare "再便宜点" / "有没有更便宜的": after a list it asks for cheaper products, not a discount."""
    return bool(_CHEAPER_ITEMS.match(_PUNCT.sub("", text)))


def size_step(text: str) -> int:
    """+1 for "换个大一点的" / "a bigger one", -1 for "小一点的", 0 otherwise."""
    if _BIGGER.search(text):
        return 1
    return -1 if _SMALLER.search(text) else 0


def measure(product: Product) -> tuple[Decimal, str] | None:
    """The product's size or capacity as (number, unit) from its attributes, then its title ("30cm" →
    (30, "cm"), "20000mAh" → (20000, "mah")); None when it states none."""
    texts = [v for k, v in product.attributes.items() if k.lower() not in ("color", "颜色")] + [product.title]
    for text in texts:
        m = _MEASURE.search(text)
        if m:
            try:
                return Decimal(m.group(1)), _SAME_UNIT.get(m.group(2), m.group(2).lower())
            except InvalidOperation:
                continue
    return None


def sized_from(seed: Product, candidates: Iterable[Product], step: int) -> list[Product]:
    """Products of `seed`'s category sized beyond it in the direction of `step` (+1 bigger, -1 smaller), the
    nearest first; empty when `seed` states no size or nothing is bigger (smaller)."""
    mine = measure(seed)
    if mine is None or step == 0:
        return []
    value, unit = mine
    found: list[tuple[Decimal, Product]] = []
    for p in candidates:
        theirs = measure(p) if p.sku != seed.sku and p.category == seed.category else None
        if theirs is not None and theirs[1] == unit and (theirs[0] - value) * step > 0:
            found.append((abs(theirs[0] - value), p))
    return [p for _, p in sorted(found, key=lambda pair: pair[0])]


def shown_brands(shown: Sequence[Product]) -> tuple[str, ...]:
    """The brands of the products shown, in order, once each."""
    return tuple(dict.fromkeys(p.brand for p in shown if p.brand))
