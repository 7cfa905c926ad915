"""Goal-based shopping: "我想开始跑步，需要买什么", "我想练臀腿，买什么器材好", "I want to start running, what do I need?".

The customer names something they want to do, not a product; the answer is the shop's products of the kinds that
serve that goal (`knowledge/resources/goals.yaml`: goal words → kinds, zh + en), never a refusal because no title
says "跑步" or "臀腿". A goal counts only beside a sign of shopping for it — a "what to buy / what do I need" ask or
a "want to / start / 想 / 打算" cue — so "跑步鞋" or "我昨天去跑步了" read as before.

Pure functions over the message text; the vocabulary is loaded once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from knowledge.resources import RESOURCES_DIR, normalise_text, synonym_groups
from knowledge.yaml_data import load_yaml

GOALS_FILE = RESOURCES_DIR / "goals.yaml"

_ASKS_WHAT = re.compile(
    r"买什么|买啥|买些什么|买点什么|需要什么|需要买|要买什么|要准备|准备什么|准备些|该买|配什么|配些|什么器材|什么装备"
    r"|哪些装备|哪些器材|需要哪些|用什么|入门装备|装备推荐|器材推荐"
    r"|\bwhat (?:do|would|will|should) i (?:need|get|buy)\b|\bwhat (?:gear|equipment|stuff|things)\b"
    r"|\bwhat should i (?:get|buy|start with)\b|\bneed for\b|\bto get started\b|\bwhat to (?:buy|get)\b",
    re.IGNORECASE,
)
_WANTS = re.compile(
    r"我想|想要|打算|准备|开始|入门|新手|刚开始|计划"
    r"|\bi (?:want|would like|'d like|wanna|plan|am planning|'m planning|am going|'m going) to\b"
    r"|\b(?:start|starting|begin|beginning|getting into|get into|new to|take up|taking up)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Goal:
    """One goal: its name, the words customers say it with, and the kinds of product that serve it (in order)."""

    name: str
    words: tuple[str, ...]
    kinds: tuple[str, ...]


@cache
def goals() -> tuple[Goal, ...]:
    """The goals of `goals.yaml`, in file order."""
    data = load_yaml(GOALS_FILE.read_text(encoding="utf-8")) or {}
    return tuple(
        Goal(
            str(name),
            tuple(str(w).lower() for w in spec.get("words") or ()),
            tuple(str(k) for k in spec.get("kinds") or ()),
        )
        for name, spec in data.items()
    )


@cache
def _pattern(goal: Goal) -> re.Pattern[str]:
    parts = [re.escape(w) if not w.isascii() else rf"\b{re.escape(w)}\b" for w in goal.words]
    return re.compile("|".join(parts), re.IGNORECASE)


def goals_in(text: str) -> list[Goal]:
    """The goals a message names, in file order ("我想练臀腿" → strength)."""
    lowered = normalise_text(text).lower()
    return [goal for goal in goals() if goal.words and _pattern(goal).search(lowered)]


def goal_kinds(text: str) -> tuple[str, ...]:
    """The kinds of product that serve the goals a shopping message names, most useful first; () when the message
    names no goal or does not ask what to buy for it ("跑步鞋推荐" names a kind, it is no goal question)."""
    if not (_ASKS_WHAT.search(text) or _WANTS.search(text)):
        return ()
    return tuple(dict.fromkeys(kind for goal in goals_in(text) for kind in goal.kinds))


@cache
def _group_of() -> dict[str, tuple[str, ...]]:
    return {normalise_text(m).lower(): group for group in reversed(synonym_groups()) for m in group}


def kind_spellings(kind: str) -> tuple[str, ...]:
    """A kind and its other spellings from the synonym file (跑鞋 → 跑步鞋, running shoes …), the kind first."""
    group = _group_of().get(normalise_text(kind).lower(), ())
    return tuple(dict.fromkeys([kind, *group]))


__all__ = ["GOALS_FILE", "Goal", "goal_kinds", "goals", "goals_in", "kind_spellings"]
