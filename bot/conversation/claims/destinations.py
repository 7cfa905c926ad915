"""Destinations: a reply ships only where the shipping policy ships.

"台湾可以发顺丰" when the policy says "香港、澳门可发顺丰…；台湾及海外暂不支持", "We ship to Canada" when it says
"Hong Kong, Macau, Taiwan and overseas: we do not ship there yet". The places outside mainland China and their
groups ("港澳台", "海外") are those of `bot/prompts/regions.yaml` (`bot.conversation.regions`). A policy clause
(split at ；; 。 and ". ") that denies (暂不支持, not yet, do not) excludes every place it names — all of a
group's places when it names the group ("港澳台", "海外", "overseas"). A reply sentence that names an excluded
place with a shipping word and no denial of its own is a "delivery" violation.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from bot.conversation.claims.facts import Violation
from bot.conversation.regions import group_places
from knowledge.traditional import to_simplified

_CLAUSE_SPLIT = regex.compile(r"[；;。\n]|\.(?:\s|$)")
_DENIAL = regex.compile(
    r"不支持|不能|不可|无法|不发|不寄|不送|不配送|没有|暂不|暂时不|不提供|\bnot\b|n[’']t\b|\bcannot\b|\bno\b|"
    r"\bunable\b",
    regex.I,
)
_SHIP = regex.compile(
    r"发货|发到|发往|发去|[可能]发|寄|送到|送往|送达|配送|邮|快递|顺丰|物流|"
    r"\b(?:ship(?:s|ped|ping)?|deliver(?:s|ed|y)?|send|post|mail|courier|sf(?:\s+express)?)\b",
    regex.I,
)
# Place words a reply uses for other things too ("国际品牌", "international warranty"): read in policies only.
_POLICY_ONLY = frozenset({"国际", "international", "internationally"})
# Words that stand for a whole group, not one place of it.
_WHOLE_GROUP = frozenset(
    {"港澳台", "海外", "国外", "境外", "国际", "overseas", "abroad", "international", "internationally",
     "worldwide", "outside china"}
)  # fmt: skip


@lru_cache(maxsize=1)
def _places() -> tuple[tuple[str, tuple[str, ...], regex.Pattern[str] | None], ...]:
    """(group, its Chinese words, a whole-word pattern of its English words) per group."""
    out = []
    for group, zh, en in group_places():
        words = "|".join(regex.escape(w) for w in sorted(en, key=len, reverse=True))
        out.append((group, zh, regex.compile(rf"(?<![a-z-])(?:{words})(?![a-z-])") if en else None))
    return tuple(out)


# "the US", "U.S." (written in capitals: "us" in lower case is the pronoun)
_US = regex.compile(r"\bthe\s+US\b|\bU\.S(?:\.A)?\b")  # a sentence cut may drop the final "."


def _named(text: str, *, reply: bool = False) -> set[tuple[str, str]]:
    """(group, place) of every place `text` names; place is the group itself for a whole-group word (a
    `reply` is not read for the words of `_POLICY_ONLY`)."""
    simple = to_simplified(text)[0].lower()
    found: set[tuple[str, str]] = set()
    if _US.search(text):
        simple += " usa"
    for group, zh, pattern in _places():
        words = [w for w in zh if w in simple]
        if pattern is not None:
            words += [m.group(0) for m in pattern.finditer(simple)]
        if group in simple:
            words.append(group)
        if reply:
            words = [w for w in words if w not in _POLICY_ONLY]
        found |= {(group, group if w in _WHOLE_GROUP or w == group else w) for w in words}
    return found


def names_places(text: str) -> bool:
    """Whether `text` names a place outside mainland China ("Hong Kong and Macau", "台湾"): whether the shop
    ships there is this module's to judge (`unshipped_destinations`)."""
    return bool(_named(text, reply=True))


@lru_cache(maxsize=16)
def excluded_places(policy_text: str) -> frozenset[tuple[str, str]]:
    """(group, place) of every place a clause of the policies denies shipping to (place = group: all of it)."""
    excluded: set[tuple[str, str]] = set()
    for clause in _CLAUSE_SPLIT.split(policy_text):
        if _DENIAL.search(clause):
            excluded |= _named(clause)
    return frozenset(excluded)


def unshipped_destinations(sentence: str, policy_text: str) -> list[Violation]:
    """A shipping promise in `sentence` to a place the policies exclude (see the module docstring)."""
    if not _SHIP.search(sentence) or _DENIAL.search(sentence):
        return []
    excluded = excluded_places(policy_text)
    if not excluded:
        return []
    places = sorted(
        place
        for group, place in _named(sentence, reply=True)
        if (group, place) in excluded or (group, group) in excluded
    )
    return [Violation("delivery", f"ships to {places[0]}")] if places else []
