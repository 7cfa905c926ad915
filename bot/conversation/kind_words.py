"""English kind words inside a Chinese message ("想买个 air fryer", "有没有 power bank 推荐").

The synonym file already says 空气炸锅 = air fryer; a Chinese sentence that writes the English name must reach the
same category before any brand or model matching: "Air" inside "air fryer" is not Nike Air. So the English kind
word is read as its group's canonical (first) member when that is Chinese, and a product mention that lies inside
such a phrase names nothing. English-only messages are left alone (the English search handles them).
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.resources import synonym_groups
from knowledge.script import has_han

MIN_LETTERS = 4  # "case", "tws" … shorter English members are too ambiguous inside other words


@lru_cache(maxsize=1)
def _kinds() -> tuple[dict[str, str], re.Pattern[str] | None]:
    """English member (lower-case) → its group's canonical Chinese member, and a pattern finding them."""
    canonical: dict[str, str] = {}
    for group in synonym_groups():
        head = group[0] if group else ""
        if not head or not has_han(head):
            continue
        for member in group[1:]:
            word = member.strip().lower()
            if word.isascii() and len(word.replace(" ", "")) >= MIN_LETTERS:
                canonical.setdefault(word, head)
    if not canonical:
        return canonical, None
    ordered = sorted(canonical, key=len, reverse=True)
    rx = re.compile(r"(?<![a-z])(" + "|".join(re.escape(w) for w in ordered) + r")(?:e?s)?(?![a-z])")
    return canonical, rx


def kind_phrase_spans(text: str) -> list[tuple[int, int]]:
    """Where a Chinese message writes a kind of product in English (multi-word phrases only: a lone word may
    be a name, "Air"); [] for a message without Chinese."""
    _, rx = _kinds()
    if rx is None or not has_han(text):
        return []
    return [m.span() for m in rx.finditer(text.lower()) if " " in m.group(1)]


def native_kinds(text: str) -> str:
    """The message with English kind words read as the catalog's Chinese kind ("想买个 air fryer" →
    "想买个 空气炸锅"); unchanged when it has no Chinese."""
    canonical, rx = _kinds()
    if rx is None or not has_han(text):
        return text
    lowered = text.lower()
    out, last = [], 0
    for m in rx.finditer(lowered):
        out += [text[last : m.start()], f" {canonical[m.group(1)]} "]
        last = m.end()
    return "".join([*out, text[last:]]).strip() if out else text


@lru_cache(maxsize=1)
def _all_kinds() -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Every English member of a synonym group (3+ letters) → the group's Chinese members, space-separated."""
    canonical: dict[str, str] = {}
    for group in synonym_groups():
        chinese = " ".join(m for m in group if has_han(m))
        if chinese:
            for member in group:
                word = member.strip().lower()
                if word.isascii() and len(word.replace(" ", "")) >= 3:
                    canonical.setdefault(word, chinese)
    if not canonical:
        return canonical, None
    ordered = sorted(canonical, key=len, reverse=True)
    return canonical, re.compile(
        r"(?<![a-z])(" + "|".join(re.escape(w) for w in ordered) + r")(?:e?s)?(?![a-z])"
    )


def english_kinds(text: str) -> list[tuple[int, int, str]]:
    """(start, end, the group's Chinese words) for every English kind word of any message ("warranty on pans" →
    [(15, 19, "锅 锅具 炒锅 煎锅 平底锅")]): the item of a policy question written in English."""
    canonical, rx = _all_kinds()
    if rx is None:
        return []
    return [(m.start(), m.end(), canonical[m.group(1)]) for m in rx.finditer(text.lower())]
