"""Did the products a reply showed match what the customer asked for? (insights: answered vs closest, gaps)

A search always returns the nearest products, so "we showed something" is not "we sell it": 有iPhone 16吗 gets
phone chargers, 红色的耳机 gets black ones. A request matches when at least one shown product satisfies every
filter the understanding found (category, brand, attribute values, price) and, when the request names things
the filters do not cover (iphone, 保温杯), is named by its head word — the last of those words in the text, as
a Chinese noun phrase ends in its head (儿童自行车 is a 自行车, not 儿童防晒; 316不锈钢保温杯 is a 保温杯, not a
steel pot) — in its title, brand, category or attributes (a charger whose description says "for iPhone"
is no iPhone, and a power bank tagged "laptop" — what it charges — is no laptop), or by one of the head word's
synonyms (`knowledge/resources/synonyms.txt`: 耳塞 is 耳机, 茶叶 is 茶). Model suffixes (pro, max, plus …) and
the function words of `knowledge/resources/lexicon.yaml` (便宜, 几款: "便宜点的跑鞋有几款" asks for 跑鞋) name no
product. Follow-ups about products already shown (第二个多少钱) and turns that ask for nothing are not requests
(None); a product named and found ("Pegasus有吗") is a matched request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from bot.conversation.understanding import Understanding, content_keywords
from knowledge.models import Product, QueryFilters
from knowledge.resources import is_function_word, normalise_english, synonym_groups

# Words that qualify a model name but name no kind of product ("iPhone 16 pro max" asks for an iPhone).
_MODIFIERS = frozenset({"pro", "max", "plus", "mini", "lite", "ultra", "se", "air", "new"})


@cache
def _synonyms() -> dict[str, tuple[str, ...]]:
    """Each synonym-group member (lower-cased) → every member of its group."""
    out: dict[str, tuple[str, ...]] = {}
    for group in synonym_groups():
        members = tuple(m.lower() for m in group)
        for member in members:
            out[member] = tuple(dict.fromkeys((*out.get(member, ()), *members)))
    return out


def _names(word: str, identity: str) -> bool:
    """The product's identity names `word` or one of its synonyms (Latin synonyms as whole words)."""
    if word in identity:
        return True
    for form in _synonyms().get(word, ()):
        if form.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(form)}s?(?![a-z0-9])", identity):
                return True
        elif form in identity:
            return True
    return False


def _head(words: list[str], text: str) -> str:
    """The word that appears last in the text (a keyword in singular form is found by its plural too)."""
    lowered = text.lower()

    def position(word: str) -> int:
        at = lowered.rfind(word)
        if at < 0 and word.isascii():
            found = [
                m.start() for m in re.finditer(r"[a-z0-9]+", lowered) if normalise_english(m.group()) == word
            ]
            at = found[-1] if found else -1
        return at

    return max(words, key=lambda w: (position(w), -words.index(w)))


def _satisfies(product: Product, filters: QueryFilters) -> bool:
    if filters.category and not (
        product.category == filters.category
        or product.category.startswith(filters.category.rstrip("/") + "/")
    ):
        return False
    if filters.brand and filters.brand.lower() not in f"{product.brand} {product.title}".lower():
        return False
    for key, wanted in filters.attributes.items():
        values = [v.strip().lower() for v in product.attributes.get(key, "").split(";") if v.strip()]
        if not any(str(wanted).lower() in v or v in str(wanted).lower() for v in values):
            return False
    if product.price is not None:
        if filters.min_price is not None and product.price < filters.min_price:
            return False
        if filters.max_price is not None and product.price > filters.max_price:
            return False
    return not (filters.in_stock and product.in_stock is False)


def _identity(product: Product) -> str:
    """What a product IS (title, brand, category, attributes) — not its description or tags, which name the
    things it works with ("支持iPhone快充" makes a charger no iPhone; the tag "laptop" no power bank a laptop)."""
    parts = [product.title, product.brand, product.category, *product.attributes.values()]
    return " ".join(parts).lower()


def request_matched(u: Understanding | None, shown: Sequence[Product]) -> bool | None:
    """True/False for a product request (see the module docstring); None when the turn was not one."""
    if u is not None and u.targets and u.mode == "named":
        return True  # a product asked for by name and found in the catalog ("Pegasus有吗")
    if u is None or u.targets:
        return None
    words = [w.lower() for w in content_keywords(u.keywords, u.filters) if len(w) > 1]
    words = [w for w in words if w not in _MODIFIERS and not is_function_word(w)]
    if u.filters.is_empty() and not words:
        return None
    head = _head(words, u.text) if words else ""
    for product in shown:
        if not _satisfies(product, u.filters):
            continue
        if not head or _names(head, _identity(product)):
            return True
    return False
