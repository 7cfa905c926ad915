"""Is this product the kind of thing asked for, and in which currency is a budget?

`kind_match("充电头", p)`: the word, or a synonym from the synonym file, is in the product's title or tags —
unless the product's name uses the word only as a modifier of another kind ("防晒袖套" are sleeves, not
sunscreen; "蓝牙耳机" ends with 耳机 and stays earphones). Used where a wrong kind would be a wrong answer:
the winner of a superlative ("充电头" is not a power bank in the 充电器 category).

`budget_currency`: a budget is in the currency the customer wrote ($, USD, 美元 …), else in the catalog's main
currency; prices in another currency never pass it as bare numbers (no exchange rate is assumed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

from knowledge.compatible import compatible_models
from knowledge.models import Product
from knowledge.resources import normalise_text, synonym_groups
from knowledge.script import has_han, is_han
from knowledge.traditional import to_simplified

_USD = re.compile(r"\$|usd|dollars?|bucks|美元|美金|刀", re.I)
_CNY = re.compile(r"¥|￥|元|块|rmb|cny|yuan|人民币", re.I)


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(normalise_text(m) for m in group) for group in synonym_groups())


@lru_cache(maxsize=8192)
def _fold(text: str) -> str:
    """NFKC, lower-case, Simplified: how product texts and asked words are compared. Cached: the same
    product texts are folded for every question that ranks them (OpenCC costs ~10 µs a title)."""
    return to_simplified(normalise_text(text))[0]


@lru_cache(maxsize=4096)
def _forms(word: str) -> frozenset[str]:
    folded = _fold(word)
    forms = {folded}
    for group in _groups():
        if folded in group:
            forms.update(group)
    return frozenset(f for f in forms if f)


@lru_cache(maxsize=4096)
def _modifier_compounds(word: str) -> tuple[str, ...]:
    """Synonym-group members of other kinds that contain a form of `word` only as a modifier ("防晒袖套" for
    防晒): a product whose text has one is that other kind. Depends on the word alone, so it is worked out
    once per word, not once per product ranked."""
    forms = _forms(word)
    return tuple(
        m
        for group in _groups()
        if not forms & set(group)
        for m in group
        if any(f != m and f in m and not _head(m, f) for f in forms)
    )


def forms(word: str) -> set[str]:
    """The word and its synonyms (synonym file), Simplified and normalised."""
    return set(_forms(word))


@lru_cache(maxsize=4096)
def _segments(category: str) -> frozenset[str]:
    return frozenset(normalise_text(s) for s in category.split("/") if s)


def in_category(word: str, product: Product) -> bool:
    """The word (or a synonym) is one of the product's category path segments: 运动鞋 for 运动鞋/跑步鞋."""
    return bool(_forms(word) & _segments(product.category))


def kind_match(word: str, product: Product) -> bool:
    """True when `product` is of the kind `word` names (see the module docstring)."""
    text = _fold(" ".join([product.title, *product.tags]))
    forms = _forms(word)
    if not any(form in text for form in forms):
        return False
    # "防晒袖套" uses 防晒 as a modifier: another kind. "蓝牙耳机" ends with 耳机: still earphones.
    if any(m in text for m in _modifier_compounds(word)):
        return False
    return not _tagged_only_as_other(forms, product)


def titled_as_other(word: str, product: Product) -> bool:
    """The product's title uses the word only as a modifier of another kind: "冰丝防晒冰袖" and "轻量防晒衣" are
    sleeves and clothing, not 防晒霜, although their category is 防晒. The title's own kinds decide, not the
    category it is filed under."""
    forms = {f for f in _forms(word) if len(f) >= 2}
    title = _fold(product.title)
    segments = [title[title.find(f) :].split(" ")[0] for f in forms if f in title]
    if not segments:
        return False
    for group in _groups():
        if forms & set(group):
            continue
        for member in group:
            if len(member) < 2 or not any(member in seg for seg in segments):
                continue
            if any(f in member and not _head(member, f) for f in forms) or any(
                seg.endswith(member) and not any(seg.endswith(f) for f in forms) for seg in segments
            ):
                return True
    return False


def titled_as_other_kind(word: str, product: Product) -> bool:
    """The product's title names another kind and no form of the word: "Anker 737 Power Bank" (充电宝) and
    "绿联 … 数据线" are not 充电头 although both are filed under 充电器. Only a kind of two or more Chinese
    characters or of several English words counts: a bare "bottle" or "cup" names what a "Vacuum Bottle" (保温杯)
    also is."""
    forms = _forms(word)
    title = _fold(product.title)
    if any(_contains(title, f) for f in forms):
        return False
    # a Chinese title names its kind at the end of its last Han word ("牧高笛 轻量 30升 登山包": 登山包, not the
    # feature 轻量; "Osprey Tempest 20 女款徒步包": 徒步包, not the gender 女款)
    head = next((w for w in reversed(title.split()) if has_han(w) and not _COUNT.fullmatch(w)), "")
    for group in _groups():
        if forms & set(group):
            continue
        for member in group:
            if not member.isascii():
                if len(member) >= 2 and head.endswith(member):
                    return True
            elif " " in member and _contains(title, member):
                return True
    return False


# "1米", "一对", "六件套", "10片": a count, no kind
_COUNT = re.compile(r"[\d.一二两三四五六七八九十百]+\S{0,2}")


def _contains(text: str, member: str) -> bool:
    """`member` in `text`; an English member only as whole words ("pot" is not in "Spot 400 Headlamp")."""
    if not member.isascii():
        return member in text
    return _whole_word(member).search(text) is not None


@lru_cache(maxsize=8192)
def _whole_word(member: str) -> re.Pattern[str]:
    """The compiled whole-word pattern of an English member (the synonym groups hold more members than the
    `re` module's own cache of 512 patterns, which then recompiled them on every product scan)."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(member)}(?![a-z0-9])")


def _tagged_only_as_other(forms: AbstractSet[str], product: Product) -> bool:
    """The kind is only in the product's tags while its title names another kind and its category is not
    headed like the kind: a power bank tagged "laptop" (for charging one), filed under 充电器, is not a laptop."""
    name = _fold(f"{product.title} {product.category}")
    if any(f in name for f in forms if len(f) >= 2):
        return False
    category = _fold(product.category)
    if any(f[-1] in category for f in forms if not f.isascii()):
        return False  # filed under the kind's own head (英式早餐茶 tagged 红茶, under 茶饮): the tag stands
    title = _fold(product.title)

    def names_other(group: tuple[str, ...]) -> bool:
        if forms & set(group) or any(m in f for m in group for f in forms):
            return False  # the same kind, or a broader one ("tea" heads "black tea")
        return any(len(m) >= (3 if m.isascii() else 2) and _contains(title, m) for m in group)

    return any(names_other(group) for group in _groups())


def root_match(word: str, product: Product) -> bool:
    """A Chinese kind word in 子 ("被子", "裤子", "杯子") names every compound its root heads: a title word ending
    in 被 ("夏凉被", "蚕丝被") is a 被子. Other words: `kind_match`."""
    if kind_match(word, product):
        return True
    folded = _fold(word)
    if len(folded) != 2 or not folded.endswith("子") or not is_han(folded[0]):
        return False
    title = _fold(product.title)
    return any(t.endswith(folded[0]) for t in re.split(r"[\s\d]+", title) if len(t) >= 2)


def named_as(product: Product) -> str:
    """What a product is called: its title and category, plus its tags in a script the title does not use —
    the shop's name for it in the other language ("Aveeno Baby … Lotion" tagged 身体乳 is a 身体乳; a Chinese
    title tagged "headlamp" is a headlamp). Tags in the title's own script stay out (a power bank tagged
    "laptop" is not a laptop)."""
    han = has_han(product.title)
    latin = re.search(r"[A-Za-z]", product.title) is not None
    other = [t for t in product.tags if (has_han(t) and not han) or (not has_han(t) and not latin)]
    return " ".join([product.title, product.category, *other])


def titled_kind(word: str, product: Product) -> bool:
    """The word (or a synonym) is in the product's name (`named_as`: title, category, tags in the other
    language), or heads a title word by its 子-root (`root_match`): what a "we don't sell X" verdict checks.
    Tags in the title's own language do not count: a power bank tagged "laptop" is not a 笔记本电脑."""
    name = _fold(named_as(product))
    if any(f in name for f in _forms(word) if len(f) >= 2):
        return True
    return root_match(word, product) and not kind_match(word, product)


class KindCatalog:
    """The catalog's product names folded once (built per catalog version): `of_kind(word)` gives the products
    for which `titled_kind(word, p) or in_category(word, p)` holds, in catalog order, without folding three
    texts per product per question (a scan of 100k SKUs took seconds that way). Results are kept per word.
    Holds two short strings per product (title + category, title + tags)."""

    def __init__(self, products: Sequence[Product]) -> None:
        def fold(text: str) -> str:
            return to_simplified(normalise_text(text))[0]

        self._rows = [(p, fold(named_as(p)), fold(" ".join([p.title, *p.tags]))) for p in products]
        self._found: dict[str, list[Product]] = {}
        # the devices products are listed as fitting ("iPhone 16 Pro", "华为 Mate 60"): `bot.conversation.answer`
        self.devices = tuple(dict.fromkeys(m for p in products for m in compatible_models(p)))

    def of_kind(self, word: str) -> list[Product]:
        found = self._found.get(word)
        if found is None:
            found = self._scan(word)
            if len(self._found) >= 1024:
                self._found.clear()
            self._found[word] = found
        return list(found)

    def _scan(self, word: str) -> list[Product]:
        forms = _forms(word)
        titled = [f for f in forms if len(f) >= 2]
        folded = _fold(word)
        root = folded[0] if len(folded) == 2 and folded.endswith("子") and is_han(folded[0]) else ""
        modifiers = _modifier_compounds(word)
        found = []
        for product, name, kind_text in self._rows:
            if any(f in name for f in titled) or in_category(word, product):
                found.append(product)
            elif root:  # the 子-root of `root_match`, where `kind_match` does not hold
                title = to_simplified(normalise_text(product.title))[0]
                if any(t.endswith(root) for t in re.split(r"[\s\d]+", title) if len(t) >= 2) and not (
                    any(f in kind_text for f in forms)
                    and not any(m in kind_text for m in modifiers)
                    and not _tagged_only_as_other(forms, product)
                ):
                    found.append(product)
        return found


def budget_currency(text: str, parsed: str | None, products: Sequence[Product]) -> str:
    """ISO code of the customer's budget: as parsed, as written, else the main currency of `products`."""
    if parsed:
        return parsed.upper()
    if _USD.search(text):
        return "USD"
    if _CNY.search(text):
        return "CNY"
    currencies = [p.currency.upper() for p in products]
    return max(dict.fromkeys(currencies), key=currencies.count) if currencies else "CNY"


def _head(compound: str, word: str) -> bool:
    """True when `word` is the compound's head (its last word, plural or not): "wireless headphones" is
    headphones, "蓝牙耳机" is 耳机; "防晒袖套" is not 防晒."""
    return compound.endswith(word) or compound.rstrip("s").endswith(word.rstrip("s"))


def has_word(product: Product, word: str) -> bool:
    """A refinement word ("清爽", "绿茶", "无谷", "羽绒") is in the product's title, tags, attributes or
    description, or names one of its category path's segments ("运动鞋" for 运动鞋/跑步鞋)."""
    if kind_match(word, product) or in_category(word, product):
        return True
    forms = _forms(word)
    # its tags too: "羽绒" tagged on a down sleeping bag is what it is made of, whatever kind its title names
    text = _fold(" ".join([*product.attributes.values(), product.description, product.title, *product.tags]))
    return any(form in text for form in forms)
