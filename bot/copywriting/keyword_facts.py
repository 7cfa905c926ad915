"""Keywords alone as copy facts: `/copy 纯棉 白色 宽松 T恤` → material, color, a feature and the category.

The seeds' core job (keywords → description) must give a full description without a catalog product. Each
keyword is sorted by what the glossary lists it as (纯棉 → material, 白色 → color, T恤 → category, a known
brand → brand); a word of no known kind becomes a `feature` (主打宽松). Nothing is added that the keywords do
not say, and the facts are marked `grounded=False` so staff see the copy is not tied to a product.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.copywriting.attributes import AttributeBook
from bot.copywriting.families import FamilyBook
from bot.copywriting.glossary import Glossary
from bot.copywriting.models import ProductFacts

_DIGIT = re.compile(r"\d")


def _kind(word: str, glossary: Glossary, book: AttributeBook | None) -> str | None:
    """What a keyword is: the glossary's word list, else its unit (500ml → volume), else the known word it
    ends with (316不锈钢 → 不锈钢 → material; 儿童保温杯 → 保温杯 → category)."""
    kind = glossary.kind_of(word)
    if kind not in (None, "words"):
        return kind
    if book is not None:
        for pattern, unit_kind in book.units:
            if pattern.search(word):
                return unit_kind
    endings = [k for k in (glossary.kind_of(word[i:]) for i in range(1, len(word) - 1)) if k]
    found = next((k for k in endings if k != "words"), None)
    return found or kind


def keyword_facts(
    words: Sequence[str], glossary: Glossary, families: FamilyBook, book: AttributeBook | None = None
) -> ProductFacts:
    """ProductFacts from free keywords (order kept, duplicates dropped); raises nothing for odd words."""
    words = tuple(dict.fromkeys(w.strip() for w in words if w.strip()))
    attributes: dict[str, list[str]] = {}
    brand = leaf = ""
    for word in words:
        kind = _kind(word, glossary, book)
        if word in glossary.brands or word in glossary.brands.values():
            brand = brand or word
        elif kind == "category" or (kind is None and families.family_for(word) is not families.default):
            leaf = leaf or word
        elif kind in (None, "words"):
            attributes.setdefault("feature", []).append(word)
        else:
            attributes.setdefault(kind, []).append(word)
    if not leaf:  # the last word that is no number and no known attribute (保温杯, not 500ml)
        plain = [w for w in reversed(words) if w != brand and not _DIGIT.search(w)]
        features = attributes.get("feature", [])
        leaf = next((w for w in plain if w in features), "") or next(
            (w for w in reversed(words) if w != brand), words[0] if words else ""
        )
        for values in attributes.values():
            if leaf in values:
                values.remove(leaf)
    attrs = {key: ";".join(values) for key, values in attributes.items() if values}
    name = "".join(w for w in words if w not in (brand, leaf)) + leaf
    return ProductFacts(
        name=name or " ".join(words),
        brand=brand,
        leaf=leaf,
        attributes=attrs,
        keywords=words,
        tags=words,  # whole words staff typed: hashtags may use them
        grounded=False,
    )
