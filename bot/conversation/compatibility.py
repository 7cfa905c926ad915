"""Compatibility questions about the product in focus: "iphone能用吗", "能给安卓手机充吗", "will it work with my
iPhone?", "兼容华为吗", "适合电磁炉吗", "Kakuno 适合小学生吗", "断电还能用吗".

Such a message names a thing the customer owns (a phone, a stove, a skin type), not a product to search for, so it
is a question about the product already in focus. The answer is grounded: the catalog's own words that mention the
thing (an attribute value, a tag, a sentence of the description) when there are some; otherwise a plain "the
product's listing does not say", followed by the product's details so the customer can judge, and an offer of a
person. Pure functions over plain values.
"""

from __future__ import annotations

import re

from knowledge.compatible import naming_title
from knowledge.models import Product
from knowledge.resources import normalise_text, synonym_groups

COMPATIBILITY_RX = re.compile(
    r"能用吗|可以用吗|能不能用|可不可以用|能用不|能充吗|能充电吗|可以充吗|能给.{1,12}充|可以给.{1,12}充|"
    # "适合什么肤质" asks which value the listing gives (an attribute question), not whether it suits a thing
    r"兼容|适配|支持.{1,12}吗|适用于?.{0,12}吗|适合(?!什么|哪)[^什哪]{1,12}?(?:吗|么|嘛|不)|能配|配.{1,8}用吗|"
    r"\b(?:good|suitable|ok|okay|right) for\b|"
    r"\bwork(?:s)? (?:with|on|for)\b|\bcompatible\b|\bsupport(?:s)?\b.{1,30}\?|\bcharge (?:my|an?|the)\b|"
    r"\bfit(?:s)? (?:my|an?)\b",
    re.IGNORECASE,
)
_THING_NOISE = re.compile(
    r"能用吗|可以用吗|能不能用|可不可以用|能用不|能充吗|能充电吗|可以充吗|(?<![快闪])充电吗|(?<![快闪])充吗|能给|可以给|兼容|适配|支持|适用于?|适合|能配|"
    r"[吗呢吧啊的我你它这那个款台用给和跟与还么嘛]|\b(?:good|suitable|ok|okay|right)\b|\b(?:will|would|does|do|can|is|it|this|that|one|work|works|with|on|"
    r"for|my|an?|the|compatible|support|supports|charge|fit|fits|i|me|use)\b|[?？!！,，。.\s]+",
    re.IGNORECASE,
)


def asks_compatibility(text: str) -> bool:
    """True when the message asks whether the product works with / fits something."""
    return bool(COMPATIBILITY_RX.search(text))


def compatibility_thing(text: str) -> str:
    """What the customer wants it to work with ("iphone", "安卓手机"), or "" when the message names nothing."""
    return _THING_NOISE.sub(" ", text).strip()


def _forms(thing: str) -> set[str]:
    """The thing and its synonyms (手机 = phone …), normalised; words of two or more characters."""
    base = normalise_text(thing)
    forms = {base, *base.split()}
    for group in synonym_groups():
        members = {normalise_text(m) for m in group}
        if members & forms or any(len(m) >= 2 and m in base for m in members):
            forms |= members
    return {f for f in forms if len(f) >= 2}


def stated(product: Product, thing: str) -> list[str]:
    """The catalog's own words about `thing` for this product: attribute values, tags and description
    sentences that mention it (or a synonym); empty when the listing does not say."""
    forms = _forms(thing)
    if not forms:
        return []
    texts: list[str] = [product.title, *(v.replace(";", "、") for v in product.attributes.values())]
    texts += list(product.tags)
    texts += re.split(r"(?<=[。！？；!?;])|(?<=\.)\s+", product.description or "")
    found = [t.strip().rstrip("。.！!；;") for t in texts if any(f in normalise_text(t) for f in forms)]
    return list(dict.fromkeys(t for t in found if t))[:3]


def thing_beside(text: str, product: Product) -> str:
    """What a question naming `product` asks it to suit ("Kakuno 适合小学生吗" → 小学生, "LAMY 钢笔适合左撇子吗"
    → 左撇子): the thing without the words that name the product; when every word is in its title, the
    Chinese ones (小学生 is the audience its title states, the answer's evidence), else ""."""
    title = naming_title(product).lower()  # "Case for iPhone 15": iPhone 15 is a device it fits, not its name
    words = [_without_title_words(w, title) for w in compatibility_thing(text).split()]
    words = [w for w in words if w]
    kind = product.category_path[-1] if product.category_path else ""
    beside = [w for w in words if w.lower() not in title]
    if beside:
        return " ".join(beside)
    return " ".join(w for w in words if not w.isascii() and w != kind and w not in kind)


def _without_title_words(word: str, title: str) -> str:
    """`word` without the runs of two or more of its characters the title spells ("安热沙防晒" → "" for a
    安热沙 … 防晒乳 title; "小学生" stays whole when the title has it: the caller decides)."""
    if word.isascii() or word in title:
        return word
    out, i = "", 0
    while i < len(word):
        end = max((j for j in range(i + 2, len(word) + 1) if word[i:j] in title), default=0)
        if end:
            i = end
        else:
            out, i = out + word[i], i + 1
    return out


def in_attributes(product: Product, thing: str) -> bool:
    """True when one of the product's attribute values states `thing` (or a synonym): the attribute answer
    says it better than a quote ("适合油皮吗" of a sunscreen whose skin attribute lists 油性)."""
    forms = _forms(thing)
    return any(f in normalise_text(v) for v in product.attributes.values() for f in forms)
