"""Who a product is for, in any language: 男/male/men's, 女/female/women's, 中性/unisex (fits both).

The words live in `resources/genders.txt`, so a catalog that writes "Women" or "女士" and a shopper who writes
"女款" or "women's" meet on one canonical name. A unisex product passes a male or a female filter; a product
that says nothing about gender passes none (a gender filter is a hard constraint).
"""

from __future__ import annotations

import re
from functools import cache

from knowledge.resources import gender_groups, normalise_text
from knowledge.script import HAN_CHAR

UNISEX = "unisex"
GENDER_KEYS = ("gender", "性别", "适用性别", "sex", "适用人群")
_CJK = HAN_CHAR


@cache
def _members() -> tuple[dict[str, str], tuple[tuple[str, str], ...], re.Pattern[str] | None]:
    """(exact value → canonical, Chinese forms of ≥ 2 chars longest first, one regex of English forms)."""
    exact: dict[str, str] = {}
    chinese: list[tuple[str, str]] = []
    english: dict[str, str] = {}
    for group in gender_groups():
        canonical = normalise_text(group[0])
        for member in group:
            form = normalise_text(member)
            exact.setdefault(form, canonical)
            if _CJK.search(form):
                if len(form) >= 2:
                    chinese.append((form, canonical))
            else:
                english.setdefault(form, canonical)
    chinese.sort(key=lambda item: -len(item[0]))
    forms = sorted(english, key=len, reverse=True)
    pattern = (
        re.compile(r"(?<![a-z0-9'])(" + "|".join(re.escape(f) for f in forms) + r")(?![a-z0-9])")
        if forms
        else None
    )
    _ENGLISH.update(english)
    return exact, tuple(chinese), pattern


_ENGLISH: dict[str, str] = {}


def gender_of_value(value: str) -> str | None:
    """Canonical gender of a catalog attribute value ("女" → female, "Men" → male, "中性" → unisex)."""
    exact, _, _ = _members()
    return exact.get(normalise_text(value).strip())


def genders_in_text(text: str) -> list[tuple[str, tuple[int, int]]]:
    """(canonical gender, span) of each gender word in normalised text, in order, without overlaps."""
    _, chinese, english = _members()
    found: list[tuple[str, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    for form, canonical in chinese:
        for match in re.finditer(re.escape(form), text):
            span = match.span()
            if not any(span[0] < end and start < span[1] for start, end in taken):
                found.append((canonical, span))
                taken.append(span)
    if english is not None:
        for match in english.finditer(text):
            span = match.span()
            if not any(span[0] < end and start < span[1] for start, end in taken):
                found.append((_ENGLISH[match.group(1)], span))
                taken.append(span)
    return sorted(found, key=lambda item: item[1])


def accepted(wanted: str) -> frozenset[str]:
    """Canonical genders that satisfy a filter: female → {female, unisex}; unisex → {unisex}."""
    canonical = gender_of_value(wanted) or normalise_text(wanted)
    return frozenset({canonical, UNISEX})


def is_gender_key(name: str) -> bool:
    return normalise_text(name).strip().removeprefix("attr_") in GENDER_KEYS
