"""Colour claims about a named product, checked against the colours its catalog row lists.

"The Pegasus 41 comes in pink" when the product's `color` attribute is 黑色;白色;蓝色 is a claim no fact backs:
the customer orders a variant that does not exist. A sentence that names products (`named`) may state only
colours those products list in their `color` attribute (or write in their own title/description), in either
language: each colour word, Chinese ("粉色", "玫瑰金") or English ("pink", "rose gold", "midnight blue"), is read
as a hue (`hues`), and a product colour covers a claim when they share one ("冰霜银" covers "silver", "浅紫" covers
"purple"). Products without a `color` attribute are not checked (the catalog says nothing either way), nor are
sentences that deny ("doesn't come in pink", "没有粉色").

`wrong_colours(sentence, products)` returns the colour phrases of a sentence that no named product has.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from bot.conversation.claims.facts import described
from knowledge.models import Product

# hue key -> (Chinese forms, English forms). A Chinese form is a colour name as written ("粉色", "玫瑰金"); a
# single hue character counts only before 色 ("粉色", "藏青色") or inside a product's own colour value.
_HUES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "black": (("黑",), ("black", "jet black", "midnight black", "onyx")),
    "white": (("白",), ("white", "ivory", "off-white", "cream")),
    "blue": (("蓝", "藍", "藏青"), ("blue", "navy", "midnight blue", "sky blue", "royal blue", "cobalt")),
    "pink": (("粉", "豆沙"), ("pink", "rose", "blush")),
    "red": (("红", "紅", "酒红"), ("red", "crimson", "burgundy", "maroon", "scarlet")),
    "green": (("绿", "綠", "青"), ("green", "olive", "mint", "teal", "khaki green", "sage")),
    "grey": (("灰", "石墨"), ("grey", "gray", "charcoal", "graphite", "slate")),
    "orange": (("橙", "橘"), ("orange", "coral")),
    "purple": (("紫",), ("purple", "violet", "lilac", "lavender", "mauve")),
    "yellow": (("黄", "黃"), ("yellow", "lemon", "mustard")),
    "gold": (("金", "香槟"), ("gold", "golden", "champagne")),
    "silver": (("银", "銀"), ("silver", "platinum", "chrome")),
    "brown": (
        ("棕", "褐", "咖", "驼", "焦糖", "原木", "木纹", "胡桃", "木色"),
        (
            "brown",
            "tan",
            "chocolate",
            "camel",
            "coffee",
            "walnut",
            "oak",
            "wood",
            "wooden",
            "maple",
            "caramel",
        ),
    ),
    "beige": (
        ("米", "杏", "卡其", "燕麦", "肤色", "裸色"),
        ("beige", "apricot", "sand", "oatmeal", "khaki", "nude"),
    ),
    "rosegold": (("玫瑰金",), ("rose gold", "rose-gold")),
}
_ZH_SINGLE = {ch: hue for hue, (zh, _) in _HUES.items() for ch in zh if len(ch) == 1}
_ZH_MULTI = {form: hue for hue, (zh, _) in _HUES.items() for form in zh if len(form) > 1}
_EN = {form: hue for hue, (_, en) in _HUES.items() for form in en}
_EN_FORMS = sorted(_EN, key=len, reverse=True)
# English colour words that are not colours in shop talk: "white noise", "Black Friday", "green tea", "gold medal",
# "rose water", "red eye", "sand paper", "cream cleanser"…
_EN_NOT_COLOUR = (
    r"noise|friday|tea|medal|standard|water|eye|paper|list|label|card|belt|member|level|tier|cleanser|cheese"
)
# Words that are colours only when the sentence says so ("in walnut", "coffee colour"; "drilling wood", "a coffee
# machine", "mint condition" are not): they count before a colour word or after "in".
_EN_PLAIN = (
    "black", "white", "blue", "navy", "midnight blue", "sky blue", "royal blue", "pink", "red", "burgundy", "maroon",
    "crimson", "green", "olive", "grey", "gray", "orange", "purple", "violet", "lilac", "yellow", "gold", "golden",
    "silver", "brown", "beige", "khaki", "rose gold", "rose-gold", "jet black", "midnight black", "off-white",
)  # fmt: skip
_EN_SHADES = [f for f in _EN_FORMS if f not in _EN_PLAIN]
_COLOUR_NOUN = r"colou?rs?|colou?rways?|finish|shade|tone|hue|version|edition|option|variant"
_EN_COLOUR = regex.compile(
    rf"(?i)(?<![A-Za-z-])(?P<c>{'|'.join(regex.escape(f) for f in sorted(_EN_PLAIN, key=len, reverse=True))})"
    rf"(?![A-Za-z-])(?!\s+(?:{_EN_NOT_COLOUR})\b)"
    rf"|(?<=\bin\s+)(?P<c>{'|'.join(regex.escape(f) for f in _EN_SHADES)})(?![A-Za-z-])"
    rf"|(?<![A-Za-z-])(?P<c>{'|'.join(regex.escape(f) for f in _EN_SHADES)})(?=\s+(?:{_COLOUR_NOUN})\b)"
)
_ZH_COLOUR = regex.compile(
    rf"(?P<c>{'|'.join(regex.escape(f) for f in _ZH_MULTI)}|[{''.join(_ZH_SINGLE)}]色)"
)
_DENIAL = regex.compile(r"(?i)没有|沒有|没|無|无|不是|不出|不提供|暂无|缺|\bno\b|\bnot\b|n't|\bnever\b")


_EN_WORD = {form: regex.compile(rf"(?<![a-z]){regex.escape(form)}(?![a-z])") for form in _EN_FORMS}


def hues(text: str) -> set[str]:
    """The hues a colour value or phrase names ("冰霜银" -> {"silver"}, "midnight blue" -> {"blue"},
    "黑白" -> {"black", "white"}, "玫瑰金" -> {"rosegold"})."""
    found: set[str] = set()
    low = text.lower()
    rest = low
    for form in _EN_FORMS:
        if form in rest and _EN_WORD[form].search(rest):
            found.add(_EN[form])
            rest = rest.replace(form, " ")
    for form, hue in _ZH_MULTI.items():
        if form in rest:
            found.add(hue)
            rest = rest.replace(form, " ")
    found |= {_ZH_SINGLE[ch] for ch in rest if ch in _ZH_SINGLE}
    return found


def _product_hues(product: Product) -> frozenset[str] | None:
    """The hues of a product's listed colours (None when it lists none)."""
    value = product.attributes.get("color") or product.attributes.get("colour")
    return _value_hues(str(value)) if value else None


_VALUE_HUES: dict[
    str, frozenset[str]
] = {}  # catalog colour value → its hues (catalog text, never a customer's)


def _value_hues(value: str) -> frozenset[str]:
    """`hues` of each part of a catalog colour value ("黑色;冰霜银"), read once per value."""
    found = _VALUE_HUES.get(value)
    if found is None:
        found = frozenset(hue for part in regex.split(r"[;；,，/、]", value) for hue in hues(part))
        if len(_VALUE_HUES) < 50_000:
            _VALUE_HUES[value] = found
    return found


_PALETTE = regex.compile(
    r"(?i)多色|彩色|混色|杂色|渐变|迷彩|花色|随机|\d+\s*色|multi|assorted|mixed|random|rainbow|camo|print|pattern"
)


def _unread_colour(product: Product) -> bool:
    """Whether one of the product's listed colours is a palette rather than a colour ("多色", "12色",
    "multicolor", "迷彩"): any colour may be in it. A value naming no hue otherwise ("透明") backs nothing."""
    value = product.attributes.get("color") or product.attributes.get("colour") or ""
    return _PALETTE.search(value) is not None


def colour_phrases(sentence: str) -> list[str]:
    """The colour words of a sentence, in order (English, then Chinese)."""
    return [m.group("c") for m in _EN_COLOUR.finditer(sentence)] + [
        m.group("c") for m in _ZH_COLOUR.finditer(sentence)
    ]


def wrong_colours(sentence: str, products: Iterable[Product]) -> list[str]:
    """The colour phrases of `sentence` that none of `products` (the products it names) has — empty when the
    products list no colours, the sentence denies, or every colour is one of theirs."""
    phrases = colour_phrases(sentence)
    if not phrases:
        return []  # most sentences say no colour: nothing to read of the products
    listed: list[tuple[Product, frozenset[str]]] = []
    for product in products:
        product_hues = _product_hues(product)
        if product_hues is None:
            continue
        if _unread_colour(product):
            return []  # "多色", "迷彩", "原色": a palette this module cannot read is not judged
        listed.append((product, product_hues))
    if not listed or _DENIAL.search(sentence):
        return []
    own = " ".join(f"{p.title} {described(p)}".lower() for p, _ in listed)
    allowed: set[str] = set().union(*(h for _, h in listed))
    wrong = []
    for phrase in phrases:
        if phrase.lower() in own:
            continue
        said = hues(phrase)
        # "rose gold" is its own hue; "金色" covers "gold" only
        if said and not said & allowed:
            wrong.append(phrase)
    return wrong
