"""English plurals for "we don't sell X": a customer asks for "jacket", the shop says "we don't sell jackets".

A statement about a whole kind of product takes the plural ("we don't sell jackets", "tents", "dresses",
"batteries", "knives") or, for a mass noun, the word as it is ("furniture", "jewelry", "software"). Only the
head noun — the last word of the phrase — changes ("rain jacket" → "rain jackets"). The rules are the standard
ones of English spelling (sibilant + es, consonant + y → ies, a short list of f → ves, o → oes and irregular
nouns); the `inflect` library would do the same but is not a dependency, and one sentence does not warrant it.
A phrase that is not plain English words (Chinese, a model number) is returned unchanged.
"""

from __future__ import annotations

import re

# Nouns without a plural in "we don't sell …" (mass nouns, and nouns that are already plural in form).
_UNCOUNTABLE = frozenset(
    [
        "clothing",
        "equipment",
        "furniture",
        "software",
        "hardware",
        "jewelry",
        "jewellery",
        "luggage",
        "baggage",
        "gear",
        "footwear",
        "underwear",
        "sportswear",
        "swimwear",
        "outerwear",
        "knitwear",
        "nightwear",
        "eyewear",
        "apparel",
        "merchandise",
        "food",
        "rice",
        "coffee",
        "tea",
        "water",
        "milk",
        "wine",
        "beer",
        "music",
        "makeup",
        "skincare",
        "haircare",
        "sunscreen",
        "moisturizer",
        "bedding",
        "stationery",
        "cutlery",
        "glassware",
        "cookware",
        "tableware",
        "kitchenware",
        "jeans",
        "pants",
        "trousers",
        "shorts",
        "leggings",
        "glasses",
        "sunglasses",
        "scissors",
        "pajamas",
        "pyjamas",
        "tights",
        "headphones",
        "earphones",
        "earbuds",
        "clothes",
        "goods",
        "electronics",
        "cosmetics",
        "news",
        "fish",
        "sheep",
        "deer",
        "series",
        "species",
        "aircraft",
    ]
)
_IRREGULAR = {
    "man": "men",
    "woman": "women",
    "child": "children",
    "foot": "feet",
    "tooth": "teeth",
    "mouse": "mice",
    "person": "people",
    "goose": "geese",
}
_VES = {
    "knife": "knives",
    "wife": "wives",
    "leaf": "leaves",
    "shelf": "shelves",
    "scarf": "scarves",
    "wolf": "wolves",
    "loaf": "loaves",
    "half": "halves",
    "life": "lives",
    "thief": "thieves",
}
_OES = frozenset({"tomato", "potato", "hero", "echo", "mango", "volcano", "torpedo"})
_PHRASE = re.compile(r"^(?P<head>.*?\s)?(?P<last>[A-Za-z][A-Za-z'-]*)$")


def plural(word: str) -> str:
    """The plural of one English noun (`word` keeps its capitalisation style: "Tent" → "Tents")."""
    lower = word.lower()
    if lower in _UNCOUNTABLE or (lower.endswith("s") and not lower.endswith(("ss", "us", "is"))):
        return word
    if lower in _IRREGULAR:
        result = _IRREGULAR[lower]
    elif lower in _VES:
        result = _VES[lower]
    elif lower.endswith(("s", "x", "z", "ch", "sh")) or lower in _OES:
        result = lower + "es"
    elif lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        result = lower[:-1] + "ies"
    else:
        result = lower + "s"
    if word.isupper() and len(word) > 1:  # an acronym: "TV" → "TVs"
        return word + result[len(word) :]
    return result[0].upper() + result[1:] if word[0].isupper() else result


def plural_phrase(phrase: str) -> str:
    """`phrase` with its last word in the plural ("rain jacket" → "rain jackets"); unchanged when the phrase is
    not plain English words or its last word carries a digit ("Pegasus 41")."""
    text = phrase.strip()
    match = _PHRASE.match(text)
    if match is None or not all(re.fullmatch(r"[A-Za-z'-]+", w) for w in text.split()):
        return phrase
    return f"{match.group('head') or ''}{plural(match.group('last'))}"
