"""Attribution: each statement of a reply is checked against the facts of the product it is ABOUT.

The content check (`bot.conversation.claims.content`) reads a sentence against every text of the turn, so a
property of product B passes in a sentence about product A ("RN 800 也可以当充电宝用" when only the RN 1500
says 可做充电宝), and a quantity stated for one attribute passes under another ("保温24小时" when the facts say
保温12小时，保冷24小时). Here a reply is cut where it names a product of the turn (`mentions`): the stretch from
one name to the next is about that product; a sentence's words before its first name are about the first
product it names (a topic first: "冬天上高山的话，凯乐石鹅绒睡袋 …"), a sentence naming none is about the
product the reply named last ("两款都能上电磁炉" after the Bialetti), and at the reply's start about the turn
as a whole (nothing is attributed). An attributed stretch must then (a) state only measured quantities its
product's facts (or the shop's policies, the customer's message) state, (b) carry no term neither its
product's facts nor the shared texts contain, (c) not state what its product's facts deny ("不能用电磁炉",
"不能冲厕所", "not dishwasher safe") outside a negation, and (d) give an attribute its product labels with a
quantity ("保温12小时") only that product's quantity for it.

A product is named by a key only it carries among the turn's products: a title token or two adjacent title
tokens ("RN 800" beside "RN 1500"), a Chinese title word or its three-character pieces, a brand spelling.
Sources: the product's own fields as `bot.conversation.claims.units` reads them (`own_text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from bot.conversation.claims.content import (
    _HAN,
    _LATIN,
    _NEGATED,
    FactWords,
    Quantity,
    _stem,
    content_words,
    fact_words,
    labelled_quantities,
    novel_terms,
    quantities,
)
from bot.conversation.claims.lexicon import lexicon

_TOKEN = regex.compile(r"[\p{Han}]+|[a-z\d][a-z\d.+'-]*", regex.I)
_PURE_NUMBER = regex.compile(r"^[\d.]+$")
# what a product's text denies it does: the object of 不能/不可/不支持/不适合/无法/请勿 …, Chinese or English
_DENIAL_ZH = regex.compile(
    r"(?:不能|不可以|不可|不支持|不适合|不适用|无法|不宜|请勿|切勿|禁止)(\p{Han}{2,5})"
)
_DENIAL_EN = regex.compile(r"\b(?:not|cannot|can't|never)\s+(?:be\s+)?((?:[a-z]+[\s-]?){1,2})")
_EN_FRAME = frozenset({"a", "an", "the", "for", "to", "be", "in", "on", "with", "and", "or", "use", "used"})


@dataclass(frozen=True)
class ProductFacts:
    """One product as the attribution reads it (all texts `read_text`): mention key candidates, its own
    fact words, the objects its text denies, its attribute-labelled quantities."""

    title: str
    names: FactWords  # its title and brand spellings: a name is no property
    keys: frozenset[str]
    words: FactWords
    denied: frozenset[str]
    labelled: frozenset[tuple[str, Quantity]]
    labels: frozenset[tuple[str, str]]  # (label, dimension) pairs the product labels with a quantity
    han: bool = True  # its description is written (partly) in Chinese: a Chinese stretch is read word by word
    latin: bool = True  # … in English


@lru_cache(maxsize=4096)
def product_facts(title: str, brands: str, text: str, description: str = "") -> ProductFacts:
    """The `ProductFacts` of one product: `title`, `text` (every field) and `description` read, `brands` =
    its brand spellings (space separated); cached per product text."""
    tokens = _TOKEN.findall(title)
    keys: set[str] = set()
    for i, token in enumerate(tokens):
        if not _PURE_NUMBER.match(token) and len(token) >= 2:
            keys.add(token)
        if i and not (_PURE_NUMBER.match(token) and _PURE_NUMBER.match(tokens[i - 1])):
            keys.add(f"{tokens[i - 1]} {token}")
        if regex.match(r"\p{Han}{4,}$", token):
            keys.update(token[j : j + 3] for j in range(len(token) - 2))
    keys.update(b for b in brands.split() if len(b) >= 2)
    denied: set[str] = set()
    for m in _DENIAL_ZH.finditer(text):
        run = m.group(1)
        denied.add(run[1:] if len(run) >= 3 else run)
    for m in _DENIAL_EN.finditer(text):
        words = [w for w in regex.split(r"[\s-]+", m.group(1)) if w and w not in _EN_FRAME]
        if words:
            denied.add(" ".join(words))
    labelled = labelled_quantities(text)
    return ProductFacts(
        title,
        fact_words(f"{title} {brands}"),
        frozenset(keys),
        fact_words(f"{text} {brands}"),
        frozenset(denied),
        labelled,
        frozenset((label, q[0]) for label, q in labelled),
        fact_words(description).han if description else True,
        fact_words(description).latin if description else True,
    )


def _key_source(key: str) -> str:
    """A key as a pattern: its words with any spacing, an ASCII end not inside a longer word or figure."""
    head = r"(?<![a-z\d])" if key[0].isascii() and key[0].isalnum() else ""
    tail = r"(?![a-z\d])" if key[-1].isascii() and key[-1].isalnum() else ""
    return head + r"\s*".join(map(regex.escape, key.split())) + tail


def _key_pattern(key: str) -> regex.Pattern[str]:
    return regex.compile(_key_source(key))


@lru_cache(maxsize=1024)
def _names_pattern(keys: frozenset[str]) -> regex.Pattern[str]:
    """One product's keys as one alternation, longest first (one scan of a sentence per product)."""
    ordered = sorted(keys, key=lambda k: (-len(k), k))
    return regex.compile("|".join(f"(?:{_key_source(k)})" for k in ordered) or r"(?!)")


@lru_cache(maxsize=1024)
def unique_keys(products: tuple[ProductFacts, ...]) -> tuple[frozenset[str], ...]:
    """Each product's keys that no other product of the turn carries (nor contains in its title)."""
    out = []
    for i, p in enumerate(products):
        others = [q for j, q in enumerate(products) if j != i]
        out.append(frozenset(k for k in p.keys if not any(k in q.keys or k in q.title for q in others)))
    return tuple(out)


# a product named as the standard of a comparison ("A 比 B 贵", "pricier than B") is not what the words
# after it describe
_COMPARED = regex.compile(r"(?:比|相比|对比|than|vs\.?|versus|compared\s+(?:to|with))\s*$")


def mentions(sentence: str, products: tuple[ProductFacts, ...]) -> list[tuple[int, int]]:
    """(position, product index) of every product `sentence` (read) names, in order, but a product it
    compares with (`_COMPARED`); one entry per change of product."""
    found: list[tuple[int, int, int]] = []
    for index, keys in enumerate(unique_keys(products)):
        found += [(m.start(), m.end(), index) for m in _names_pattern(keys).finditer(sentence)]
    found.sort()
    kept: list[tuple[int, int]] = []
    compared: dict[int, int] = {}  # product → where its compared name ends
    for start, end, index in found:
        if start <= compared.get(index, -2) + 1 or _COMPARED.search(sentence, max(0, start - 16), start):
            compared[index] = max(end, compared.get(index, end))  # the rest of that name ("赤兔" … "7 pro")
            continue
        kept.append((start, index))
    out: list[tuple[int, int]] = []
    for at, index in kept:
        if not out or out[-1][1] != index:
            out.append((at, index))
    return out


_CLAUSE_END = regex.compile(r"[,，;；:：]")


def segments(
    sentence: str, products: tuple[ProductFacts, ...], current: int | None
) -> tuple[list[tuple[str, int, bool]], int | None]:
    """The stretches of `sentence` (read) with the product each is about and whether the sentence names it
    (see the module docstring: a clause's words before a name are about that name, "；喜欢醇厚一点选云南保山"),
    and the product the reply is about after it."""
    named = mentions(sentence, products)
    if not named:
        return ([(sentence, current, False)] if current is not None else []), current
    cuts = [0]
    for (at, _), (before, _) in zip(named[1:], named[:-1], strict=True):
        ends = [m.end() for m in _CLAUSE_END.finditer(sentence, before, at)]
        cuts.append(ends[-1] if ends else at)
    cuts.append(len(sentence))
    out = [(sentence[cuts[i] : cuts[i + 1]], index, True) for i, (_, index) in enumerate(named)]
    return out, named[-1][1]


def borrowed(
    stretch: str,
    own: FactWords,
    others: Sequence[FactWords],
    names: Sequence[FactWords] = (),
    han: bool = True,
    latin: bool = True,
) -> list[str]:
    """The words of `stretch` (read, negations blanked) another product of the turn carries and neither its own
    product nor the shared texts do: a property of B said of A ("RN 800 也可以当充电宝用"); `han`/`latin`:
    whether the product's facts are written in that script (else its words cannot be compared)."""
    if not others:
        return []
    frame = content_words()
    out: list[str] = []
    for run in _HAN.findall(frame.zh.sub(" ", stretch)) if han else ():
        for i in range(len(run) - 1):
            pair = run[i : i + 2]
            if pair in own.bigrams or any(pair in n.bigrams for n in names):
                continue
            if any(pair in o.bigrams for o in others):
                out.append(pair)
    for word in _LATIN.findall(stretch) if latin else ():
        stem = _stem(word)
        if stem in frame.en or stem in own.stems or any(stem in n.stems for n in names):
            continue
        if any(stem in o.stems for o in others):
            out.append(word)
    return out


def stretch_ok(
    stretch: str,
    product: ProductFacts,
    shared: FactWords,
    others: Sequence[ProductFacts] = (),
    *,
    han_full: bool,
    latin_full: bool,
    named: bool = True,
) -> bool:
    """Whether a stretch (read) about `product` says only what the product's facts (with `shared`: the
    policies, the customer's message, contacts; the names of `others`) say; its terms are read word by word
    in the languages of the product's description (and `han_full`/`latin_full`: the turn's), else only
    for their property words (`content.novel_terms`)."""
    han_full = han_full and product.han
    latin_full = latin_full and product.latin
    own = product.words | shared
    for other in others:
        # a sentence that names no product may draw on any of them ("夜骑多的话建议选 1500" after two lights)
        own = own | (other.names if named else other.words)
    if any(q not in own.quantities for q in quantities(stretch)):
        return False
    for label, q in labelled_quantities(stretch):
        if (label, q[0]) in product.labels and (label, q) not in product.labelled:
            return False
    free = _NEGATED.sub(lambda m: " " * len(m.group(0)), stretch)
    if any(_key_pattern(d).search(free) for d in product.denied):
        return False
    if named and borrowed(
        free,
        own,
        [o.words for o in others],
        [product.names, *(o.names for o in others)],
        han_full,
        latin_full,
    ):
        return False  # a sentence naming the product took another's property
    judged = [(start, end) for _, start, end in lexicon().spans(stretch)]
    return not novel_terms(stretch, own, han_full=han_full, latin_full=latin_full, judged=judged)
