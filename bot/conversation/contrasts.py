"""Distinguishing words: the audience or form a request names rules out products named for another one.

"猫零食" asks for cat treats — dog chews and a dog camera share the word 零食 or the department, but their names say
狗/Dog: they are not a match. "有没有茶叶" asks for tea leaves, not the bottled tea drink (饮料) in the same
category; "成人用的防晒霜" / "送给成年男性的礼物" rule out what is named for children; "幼猫猫粮" rules out adult food.

A *contrast* is a set of mutually exclusive values (species: cat | dog; age: child | adult; form: drink | leaf),
each with the words that name it in a request or a product (zh + en). When a request names one value:
- a product whose own name (title, tags, category, attribute values — never the free description, which may say
  "适合全家" or "比狗粮更…") names another value of that contrast and not the asked one is excluded
  (`excluded`);
- for a *marked* value (one a product of that kind always names: 猫/狗, 儿童, 饮料), when some of the results
  name it, only those are kept (`kept`): "猫零食" lists the cat treats, not every pet snack.
Recipients imply an age: 爸爸, 老婆, 同事, "my dad" are adults; 小朋友, 宝宝 are children.

Pure functions over product fields; the word lists are the shared vocabulary of audiences and forms, not any
one catalog's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge.models import Product
from knowledge.resources import normalise_text
from knowledge.traditional import to_simplified


@dataclass(frozen=True)
class Value:
    """One value of a contrast: its name, the words naming it, and whether a product of it always says so."""

    name: str
    words: tuple[str, ...]
    marked: bool = False


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split("|") if w.strip())


_CHILD = Value(
    "child",
    _words(
        "儿童|孩子|小孩|宝宝|婴儿|婴幼儿|幼儿|小朋友|童装|童鞋|学龄|幼猫|幼犬|kid|kids|child|children|baby|babies|"
        "toddler|toddlers|kitten|kittens|puppy|puppies|junior"
    ),
    marked=True,
)
_ADULT = Value(
    "adult",
    _words(
        "成人|成年|大人|成猫|成犬|爸爸|老爸|父亲|妈妈|老妈|母亲|老公|老婆|丈夫|妻子|男朋友|女朋友|男友|女友|长辈|老人|"
        "爷爷|奶奶|外公|外婆|同事|老板|领导|闺蜜|adult|adults|grown-up|dad|father|mom|mum|mother|husband|wife|"
        "boyfriend|girlfriend|grandpa|grandma|grandfather|grandmother|colleague|coworker|boss"
    ),
)
_CAT = Value("cat", _words("猫|cat|cats|kitten|kittens|feline"), marked=True)
_DOG = Value("dog", _words("狗|犬|dog|dogs|puppy|puppies|canine"), marked=True)
_DRINK = Value(
    "drink",
    _words(
        "饮料|饮品|瓶装|气泡水|苏打水|汽水|果汁|奶茶|茶粉|速溶|冲饮|drink|drinks|beverage|bottled|soda|instant"
    ),
    marked=True,
)
_LEAF = Value("leaf", _words("茶叶|散茶|茶饼|茶砖|叶茶|loose leaf|leaf tea|tea leaves|loose-leaf"))
_SUMMER = Value("summer", _words("夏|凉|summer|cooling"), marked=True)
_WINTER = Value("winter", _words("冬|保暖|加绒|winter|thermal|fleece"), marked=True)
# Recipients say whom a present is for; as a gender they are soft (a tea or a cream has none): a product named
# for the other one is excluded, one named for nobody passes (`recipient_genders` drops the hard filter).
RECIPIENTS_FEMALE = _words("老婆|妈妈|女朋友|老妈|母亲|妻子|女友|wife|mom|mum|mother|girlfriend")
RECIPIENTS_MALE = _words("老公|爸爸|男朋友|老爸|父亲|丈夫|男友|husband|dad|father|boyfriend")
_FEMALE = Value(
    "female",
    (*_words("女|women|women's|womens|woman|ladies|lady|female|girl|girls"), *RECIPIENTS_FEMALE),
)
_MALE = Value("male", (*_words("男|men|men's|mens|man|male|boy|boys|guys"), *RECIPIENTS_MALE))
CONTRASTS: tuple[tuple[Value, ...], ...] = (
    (_CHILD, _ADULT),
    (_CAT, _DOG),
    (_DRINK, _LEAF),
    (_SUMMER, _WINTER),
    (_FEMALE, _MALE),
)


def recipient_gender_only(text: str) -> bool:
    """True when the only gender words of `text` are recipients ("送妈妈茶叶", "给老公买双跑鞋"): the gender
    is whom it is for, not a filter every product must carry."""
    folded = _fold(text)
    recipients = _pattern((*RECIPIENTS_FEMALE, *RECIPIENTS_MALE))
    if not recipients.search(folded):
        return False
    rest = recipients.sub(" ", folded)
    return not (_names(rest, _FEMALE) or _names(rest, _MALE))


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    latin = sorted((w for w in words if w.isascii()), key=len, reverse=True)
    han = sorted((w for w in words if not w.isascii()), key=len, reverse=True)
    parts = [re.escape(w) for w in han]
    if latin:
        parts.append(r"\b(?:" + "|".join(re.escape(w) for w in latin) + r")\b")
    return re.compile("|".join(parts), re.IGNORECASE)


def _fold(text: str) -> str:
    return to_simplified(normalise_text(text))[0]


def _names(text: str, value: Value) -> bool:
    return bool(_pattern(value.words).search(text))


@lru_cache(maxsize=16384)
def _product_text(sku: str, title: str, tags: tuple[str, ...], category: str, attrs: tuple[str, ...]) -> str:
    return _fold(" ".join((title, " ".join(tags), category, " ".join(attrs))))


def _text_of(product: Product) -> str:
    """The product's own name for what it is: title, tags, category and attribute values (no description)."""
    attrs = tuple(str(v) for v in (product.attributes or {}).values())
    return _product_text(product.sku, product.title, tuple(product.tags), product.category, attrs)


# A negated phrase ("不要儿童款", "not for kids"): what it names is ruled out, not asked for (the exclusion filters
# handle it), so it names no contrast value.
_NEGATED = re.compile(
    r"(?:不要|不想要|别要?|不是|除了|不含|(?<!有)没有|\b(?:not|no|without|except|excluding)\b)[^，,。；;！!？?]{0,12}",
    re.IGNORECASE,
)


def asked(text: str) -> list[tuple[Value, tuple[Value, ...]]]:
    """The contrast values `text` names outside a negated phrase, each with the other values of its contrast;
    a contrast whose values the text names more than one of ("猫狗都能用") asks none of them."""
    folded = _NEGATED.sub(" ", _fold(text))
    out: list[tuple[Value, tuple[Value, ...]]] = []
    for contrast in CONTRASTS:
        named = [v for v in contrast if _names(folded, v)]
        if len(named) == 1:
            out.append((named[0], tuple(v for v in contrast if v is not named[0])))
    return out


def excluded(product: Product, text: str) -> bool:
    """True when the request `text` names a value of a contrast and the product's own name names another value
    of it, not the asked one (dog chews for "猫零食", a kids' sunscreen for "成人用的防晒霜")."""
    return _excluded(product, asked(text))


def _excluded(product: Product, values: list[tuple[Value, tuple[Value, ...]]]) -> bool:
    """`excluded` with the request's contrast values already read (`asked`)."""
    if not values:
        return False
    own = _text_of(product)
    return any(not _names(own, want) and any(_names(own, o) for o in others) for want, others in values)


def without_excluded(products: Sequence[Product], text: str) -> list[Product]:
    """`products` without those `excluded` for `text` (the request read once, not once per product). Order kept."""
    values = asked(text)
    return [p for p in products if not _excluded(p, values)] if values else list(products)


def kept(products: Sequence[Product], text: str) -> list[Product]:
    """`products` without the excluded ones; for a marked value asked, only those that name it when some do
    ("猫零食" → the cat treats). Order kept."""
    values = asked(text)
    if not values:
        return list(products)
    out = [p for p in products if not _excluded(p, values)]
    for want, _ in values:
        if want.marked:
            naming = [p for p in out if _names(_text_of(p), want)]
            out = naming or out
    return out
