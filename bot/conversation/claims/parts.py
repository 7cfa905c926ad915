"""Parts a warranty policy gives a term of their own, or leaves out.

"电动工具：整机 2 年保修，电池 1 年", "头灯、营地灯：保修 1 年，电池保修 6 个月": a bullet that states the product's span
and then another span for a named part binds that part to its own span, so "电钻电池也保修2年" or "电池也保修1年" is
false though the bullet has the figure. "杯盖密封圈属于耗材", "琴弦属于耗材": a part the policy leaves out as a consumable gets
no warranty, repair or free replacement ("杯盖密封圈坏了也免费换新"). A part with a span of its own somewhere is
never also read as left out (the toys' "电池除外" beside the power tools' "电池 1 年").

Read from the policies' bullets (`read_text`: NFKC, Simplified, lower-case) once per policy version; a clause is
checked by `part_spans_ok` and `excluded_part_granted`. Durations are days (`figures.durations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import regex

from bot.conversation.claims.figures import durations
from knowledge.script import HAN

# a span after a label: "电池 1 年", "电池保修 6 个月", "整机 2 年保修" (the label is the characters right before)
_SPAN = regex.compile(
    rf"({HAN}+)\s*(?:保修|质保|保用)?\s*(\d+|[一二两三四五六七八九十]+)\s*(?:个)?\s*(年|个月|月|天)(?!内|以内|之内)"
)
_NOT_PARTS = (
    "保修",
    "质保",
    "保用",
    "签收",
    "收货",
    "发货",
    "购买",
    "下单",
    "付款",
    "之日",
    "起",
    "后",
    "内",
    "为",
    "是",
)
# what a warranty leaves out as a consumable: "杯盖密封圈属于耗材", "琴弦属于耗材", "电池及易损件除外"
_LEFT_OUT = regex.compile(rf"({HAN}{{2,}}?)(?:属于耗材|是耗材|为耗材|及易损件除外)")
_FILLER = regex.compile(r"^(?:的|等|和|与|及)+|(?:的|等)+$")
_GRANTS = frozenset({"warranty", "repair", "free", "exchange", "guarantee"})


@dataclass(frozen=True)
class Parts:
    """`spans`: part → the spans (days) the policies give it; `left_out`: parts the policies exclude."""

    spans: dict[str, frozenset[Decimal]]
    left_out: frozenset[str]


def _label(run: str) -> str:
    for suffix in _NOT_PARTS:
        run = run.removesuffix(suffix)
    return run[-2:] if len(run) >= 2 and not run.endswith(_NOT_PARTS) else ""


@lru_cache(maxsize=8)
def policy_parts(bullets: tuple[str, ...]) -> Parts:
    """The parts of the policies' bullets (read texts)."""
    spans: dict[str, set[Decimal]] = {}
    left_out: set[str] = set()
    for bullet in bullets:
        found = [(_label(m.group(1)), durations(m.group(0))) for m in _SPAN.finditer(bullet)]
        for label, days in found[1:]:  # the first span is the product's own; the later ones a part's
            if label and days:
                spans.setdefault(label, set()).update(days)
        for m in _LEFT_OUT.finditer(bullet):
            part = _FILLER.sub("", m.group(1).split("，")[-1])[-5:]
            if len(part) >= 2:
                left_out.add(part)
    out = {k: frozenset(v) for k, v in spans.items()}
    return Parts(out, frozenset(p for p in left_out if not any(k in p or p in k for k in out)))


def part_spans_ok(clause: str, parts: Parts) -> bool:
    """Whether every part `clause` (read) names with a span is given that span by the policies."""
    stated = durations(clause)
    if not stated:
        return True
    return all(not stated.isdisjoint(days) for part, days in parts.spans.items() if part in clause)


def excluded_part_granted(clause: str, concepts: frozenset[str], parts: Parts) -> bool:
    """Whether `clause` (read) grants warranty, repair or a free replacement to a part the policies leave out
    (named by its last three characters or more: "密封圈" for 杯盖密封圈)."""
    if not concepts & _GRANTS:
        return False
    return any(part in clause or (len(part) > 3 and part[-3:] in clause) for part in parts.left_out)
