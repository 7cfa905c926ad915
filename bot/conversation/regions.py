"""Shipping questions about places outside mainland China: which policy group they belong to.

"包郵到香港嗎", "can you ship to Auckland?", "寄到台湾几天": the shop's shipping policy usually says what it does
for 港澳台 / 海外 in one bullet ("港澳台及海外：暂不支持配送"), and its free-shipping bullet is for the mainland
only. So a question that names such a place is answered with that group's bullet first, and the mainland
bullets are left out; when the policy says nothing about the group, the answer says so and offers a person
(never a mainland term as if it applied). The places and group words live in `bot/prompts/regions.yaml`.

The place is read from the message as written (before personal data is removed: the town of a redacted
address still says where the parcel goes); only the group word is kept, no personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.prompts import PROMPTS_DIR
from knowledge.traditional import to_simplified
from knowledge.yaml_data import load_yaml

REGIONS_FILE = PROMPTS_DIR / "regions.yaml"
_MAINLAND_ONLY = re.compile(r"中国大陆|中國大陸|大陆|mainland", re.I)


@dataclass(frozen=True)
class _Group:
    name: str
    zh: tuple[str, ...]  # simplified
    en: tuple[str, ...]  # lower case
    pattern: re.Pattern[str] | None  # the English words, whole words only


@lru_cache(maxsize=4)
def _groups(path: Path = REGIONS_FILE) -> tuple[_Group, ...]:
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    groups = []
    for name, words in data.items():
        zh = tuple(to_simplified(str(w))[0] for w in words.get("zh", ()))
        en = tuple(str(w).lower() for w in words.get("en", ()))
        alternatives = "|".join(re.escape(w) for w in en)
        pattern = re.compile(rf"(?<![a-z-])(?:{alternatives})(?![a-z-])", re.I) if en else None
        groups.append(_Group(str(name), zh, en, pattern))
    return tuple(groups)


def asked_region(text: str) -> str:
    """The group word ("港澳台", "海外") of the first place outside mainland China `text` names, else ""."""
    if not text:
        return ""
    simplified = to_simplified(text)[0]
    for group in _groups():
        if any(word in simplified for word in group.zh) or (
            group.pattern is not None and group.pattern.search(text)
        ):
            return group.name
    return ""


def region_words(name: str) -> tuple[str, ...]:
    """Words a policy bullet about group `name` may use (the group word, its places, their English names)."""
    for group in _groups():
        if group.name == name:
            return (group.name, *group.zh, *group.en)
    return (name,)


def about_region(bullet: str, group: str) -> bool:
    """True when a policy bullet speaks about `group` ("港澳台及海外：暂不支持配送", "Hong Kong, Macau, Taiwan and
    overseas: we do not ship there yet")."""
    simplified = to_simplified(bullet)[0].lower()
    return any(word in simplified for word in region_words(group) if len(word) > 2 or not word.isascii())


def mainland_only(bullet: str) -> bool:
    """True when a bullet's terms are for the mainland ("包邮门槛：…（中国大陆…）"): not for a region asked."""
    return _MAINLAND_ONLY.search(bullet) is not None


def group_places() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """Every group of `regions.yaml` as (group word, its places in simplified Chinese, in lower-case English)."""
    return tuple((g.name, g.zh, g.en) for g in _groups())
