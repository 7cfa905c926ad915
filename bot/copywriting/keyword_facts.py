"""Keywords alone as copy facts: `/copy 纯棉 白色 宽松 T恤` → material, color, a feature and the category.

The seeds' core job (keywords → description) must give a full description without a catalog product. Each
keyword is sorted by what the glossary lists it as (纯棉 → material, 白色 → color, T恤 → category, a known
brand → brand); a word of no known kind becomes a `feature` (主打宽松). Nothing is added that the keywords do
not say, and the facts are marked `grounded=False` so staff see the copy is not tied to a product.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.copywriting.families import FamilyBook
from bot.copywriting.glossary import Glossary
from bot.copywriting.models import ProductFacts


def keyword_facts(words: Sequence[str], glossary: Glossary, families: FamilyBook) -> ProductFacts:
    """ProductFacts from free keywords (order kept, duplicates dropped); raises nothing for odd words."""
    words = tuple(dict.fromkeys(w.strip() for w in words if w.strip()))
    attributes: dict[str, list[str]] = {}
    brand = leaf = ""
    for word in words:
        kind = glossary.kind_of(word)
        if word in glossary.brands or word in glossary.brands.values():
            brand = brand or word
        elif kind == "category" or (kind is None and families.family_for(word) is not families.default):
            leaf = leaf or word
        elif kind in (None, "words"):
            attributes.setdefault("feature", []).append(word)
        else:
            attributes.setdefault(kind, []).append(word)
    if not leaf:
        leaf = next((w for w in reversed(words) if w != brand), words[0] if words else "")
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
