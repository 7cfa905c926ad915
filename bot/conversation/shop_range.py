"""What the shop sells, asked as such ("你们卖什么", "你们店都有什么", "what do you sell?").

Read as a product search, "what do you sell?" looks for a product called "sell" and finds none: a false
"we don't have that" plus a handoff. `asks_shop_range` recognises the question; `shop_range` lists the shop's
departments (top-level categories, the most stocked first) with a few kinds of each, from the catalog alone.

Pure functions over Simplified text and catalog values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal

from knowledge.models import Product
from knowledge.resources import synonym_groups

_RANGE = re.compile(
    r"^(?:请问)?(?:你们|您们|你|贵店|这家店|店里|你们店|这里|这儿|这边)(?:店里|店|这边|这里)?(?:都|主要|一般)?"
    r"(?:卖|卖的|有|有卖|经营|做)(?:些|点)?(?:什么|啥|哪些|哪些东西|什么东西|什么产品|什么商品|啥东西)"
    r"(?:东西|产品|商品|类型|种类)?(?:呀|啊|呢|吗)?[?？!！。~～]*$|"
    r"^(?:so|and|hi|hello|ok|okay)?[\s,]*(?:(?:what|which)\s+(?:do|does|can)\s+(?:you|the shop|your shop)\s+"
    r"(?:sell|have|offer|carry)(?:\s+here)?|what\s+(?:kinds?|sorts?|types?)\s+of\s+(?:things|products|stuff|items)"
    r"\s+do\s+you\s+(?:sell|have|carry)|what(?:'s| is)\s+in\s+(?:your|the)\s+(?:shop|store))\s*\??$",
    re.IGNORECASE,
)


# An open request for a recommendation that names no kind of product ("推荐点东西", "推荐一下", "有什么推荐的吗",
# "what do you recommend?", "any recommendations?"): read as a search it looked for "东西" / "what do you" and
# found nothing; the shop's range answers it (and the customer picks a department).
_OPEN_ASK = re.compile(
    r"^(?:请问|那|你好|您好|老板|亲)?[，,\s]*(?:(?:能|可以)?(?:给我|帮我|你)?(?:随便)?推荐(?:一下|下|点|些|几个|几款|一些)?(?:什么|啥)?"
    r"(?:好的|好东西|东西|商品|产品|好物|宝贝)?(?:吧|呗|呀|啊|呢|吗)?"
    r"|(?:你们|店里|有)?(?:有)?(?:什么|啥)(?:好的|值得买的|好东西|东西)?(?:可以)?推荐(?:的)?(?:东西|商品|产品)?(?:吗|呢|呀|吧)?)"
    r"[?？!！。~～\s]*$|"
    r"^(?:so|and|hi|hello|ok|okay)?[\s,]*(?:what\s+(?:do|would|can)\s+you\s+recommend|any\s+recommendations?|"
    r"(?:can\s+you\s+|could\s+you\s+|please\s+)?recommend\s+(?:me\s+)?(?:something|anything)(?:\s+good)?|"
    r"what(?:'s|\s+is)\s+(?:good|popular)(?:\s+here)?|what\s+should\s+i\s+buy)\s*[?!.]*$",
    re.IGNORECASE,
)


def asks_shop_range(text: str) -> bool:
    """True for a question about what the shop sells as a whole (not about one kind of product), or an open
    request for a recommendation that names no kind ("推荐点东西", "what do you recommend?")."""
    stripped = text.strip()
    return bool(_RANGE.match(stripped) or _OPEN_ASK.match(stripped))


def asks_open_recommendation(text: str) -> bool:
    """True for an open request for a recommendation that names no kind ("有什么推荐", "any recommendations?"):
    the shop's range when nothing is being browsed, but a follow-up of the products shown when something is."""
    return bool(_OPEN_ASK.match(text.strip()))


def shop_range(
    products: Sequence[Product], departments: int = 8, kinds: int = 3
) -> list[tuple[str, list[str]]]:
    """(department, its kinds) pairs, the most stocked department first, each with its most stocked kinds:
    [("运动鞋", ["跑步鞋", "篮球鞋"]), ("数码", ["耳机", "充电器", "智能手表"]), …]."""
    counts: dict[str, dict[str, int]] = {}
    for product in products:
        parts = [p.strip() for p in product.category.split("/") if p.strip()] if product.category else []
        if not parts:
            continue
        leaves = counts.setdefault(parts[0], {})
        leaf = parts[-1] if len(parts) > 1 else ""
        if leaf:
            leaves[leaf] = leaves.get(leaf, 0) + 1
        else:
            leaves.setdefault("", 0)
            leaves[""] += 1
    ranked = sorted(counts, key=lambda d: -sum(counts[d].values()))[:departments]
    return [(d, [k for k in sorted(counts[d], key=lambda k: -counts[d][k]) if k][:kinds]) for d in ranked]


_ASCII_TAG = re.compile(r"^[a-z][a-z \-]{3,30}$")


def _round_budget(price: Decimal) -> int:
    """The price rounded up to one significant figure (168 → 200, 1599 → 2000, 45 → 50): a budget, not a price."""
    whole = max(int(price.to_integral_value(rounding=ROUND_CEILING)), 1)
    step = 10 ** (len(str(whole)) - 1)
    return -(-whole // step) * step


def shop_example(products: Sequence[Product], lang: str) -> str | None:
    """A question this shop can answer, for a refusal's "try asking …": the most stocked kind of the most
    stocked department and a budget over its middle in-stock price, in the kind's usual currency, read as a
    bare number the way customers type it ("有没有400以内的车前灯" / "Bike lights under 400?"). None for an
    empty catalog (the caller keeps its generic example)."""
    ranges = shop_range(products, departments=1, kinds=1)
    if not ranges:
        return None
    department, kinds = ranges[0]
    kind = kinds[0] if kinds else department
    members = [p for p in products if p.category_path and p.category_path[-1 if kinds else 0] == kind]
    currencies: dict[str, int] = {}
    for p in members:
        currencies[p.currency] = currencies.get(p.currency, 0) + 1
    if not currencies:
        return None
    currency = max(currencies, key=lambda c: currencies[c])
    prices = sorted(
        p.price for p in members if p.currency == currency and p.price and p.in_stock is not False
    )
    if not prices:
        return None
    budget = _round_budget(prices[len(prices) // 2])
    if lang != "en":
        return f"有没有{budget}以内的{kind}"
    tags: dict[str, int] = {}
    for p in members:
        if p.currency != currency or not p.price or p.price > budget:
            continue  # named by a product the example's budget finds
        for tag in p.tags:
            if _ASCII_TAG.match(tag.strip().lower()):
                tags[tag.strip().lower()] = tags.get(tag.strip().lower(), 0) + 1
    if not tags:  # no English tag within the budget: any member's, else the synonym file's English name
        tags = {t.strip().lower(): 1 for p in members for t in p.tags if _ASCII_TAG.match(t.strip().lower())}
    english = next(
        (m for group in synonym_groups() if kind in group for m in group if _ASCII_TAG.match(m)), None
    )
    name = max(tags, key=lambda t: tags[t]) if tags else english or kind
    return f"{name[:1].upper()}{name[1:]} under {budget}?"
