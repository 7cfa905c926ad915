"""Where a message rules something out: the spans of text under a negation ("不要李宁的", "but not Nike").

Language rules only (no catalog knowledge): a cue and the scope it governs. Chinese cues before the scope
(不要 / 不想要 / 别(推) / 不是 / 除了 / 排除 / 去掉 / 不含 …) govern up to 的, a particle or a clause boundary;
cues after it (就算了 / 不用看了 / 除外 / 不考虑 …) govern the clause before them. English cues (not / except / besides /
without / excluding / other than / anything but / no …) govern up to a clause boundary. The parser then reads
brands, categories, colours, sizes and catalog words inside each scope as exclusions, and blanks the cue and the
scope so nothing negated is searched for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from knowledge.script import HAN

MAX_SCOPE_CHARS = 24

_ZH_PREFIX = re.compile(
    r"(?:不太想要|不想要|不需要|不要|不用|不考虑|不喜欢|不是|不含|不带|除了|除去|排除|去掉|去除|"
    r"别(?:再)?(?:推荐|推|给我|给|要|买|看|选|拿|来)?)"
)
# The scope of a prefix cue ends before 的 / a particle / punctuation (not at 、和 与: "华为和小米").
_ZH_SCOPE_END = re.compile(
    r"[的，,。.；;！!？?\n]|还|也|但|就|吧|了|呢|吗|啊|呀|哦|嘛|以外|之外|外(?![套])|其他|别的"
)
_ZH_SUFFIX = re.compile(
    r"(?:就算了|算了吧|算了|不用看了|不用了|不要了|不看了|不考虑了?|不需要了?|除外|pass掉?|不行|不喜欢"
    r"|(?<=的)不要(?=\s*(?:[，,。.；;！!？?\n]|$))"  # "黑色的不要": the clause before it
    # "耳机也不要", "苹果和韶音都不要", "手表也不看了": the clause before it
    r"|(?:也|都)(?:不想要|不要|不用|不考虑|不看)了?(?=\s*(?:[，,。.；;！!？?\n]|$)))"
)
_ZH_QUESTION = re.compile(r"\s*(?:吗|呢|吧|啊|，|,|。|$)")
_CLAUSE = re.compile(r"[，,。.；;！!？?\n]")
_EN_PREFIX = re.compile(
    r"(?<![a-z])(?:but not|not|except(?: for)?|excluding|exclude|without|other than|apart from|besides|aside from|"
    r"anything but|nothing from|no more|don'?t want|do not want|don'?t show|not from|no)(?![a-z'])"
)
_EN_SCOPE_END = re.compile(r"[,.;!?\n，。；！？]|(?<![a-z])(?:but|please|pls|thanks|though|instead)(?![a-z])")
# Not a negation of a thing: "not sure", "no problem", "not too expensive" (prices are read before negation).
_EN_NOT_THINGS = re.compile(
    r"\s*(?:sure|problem|too|very|so|that|really|only|just|yet|bad|a lot|much|more than)(?![a-z])"
)  # whole words: "not sony" is a brand ruled out, not "not so …"
_ZH_NOT_THINGS = re.compile(r"\s*(?:太|很|超过|高于|低于|少于|多于|一定|知道|清楚|好意思|客气|用谢|错)")


@dataclass(frozen=True)
class Negation:
    """One negated scope: `cue` and `scope` are (start, end) offsets in the text that was scanned."""

    cue: tuple[int, int]
    scope: tuple[int, int]

    def scope_text(self, text: str) -> str:
        return text[self.scope[0] : self.scope[1]]


_CONTENT = regex.compile(rf"[a-z0-9{HAN}]")
_CJK_GAP = regex.compile(rf"(?<={HAN})\s+(?={HAN})")


def _clause_start(text: str, end: int) -> int:
    """Where the clause holding `end` starts: after punctuation, or a space between Chinese words."""
    previous = [m.end() for m in _CLAUSE.finditer(text, 0, end)]
    previous += [m.end() for m in _CJK_GAP.finditer(text, 0, end)]
    return max(previous, default=0)


def _zh_prefix(text: str) -> list[Negation]:
    found = []
    for cue in _ZH_PREFIX.finditer(text):
        start, word = cue.end(), cue.group(0)
        if _ZH_NOT_THINGS.match(text, start) or _ZH_SUFFIX.match(text, cue.start()):
            continue
        if word == "不是" and (
            text[cue.start() - 1 : cue.start()] == "是" or _ZH_QUESTION.match(text, start)
        ):
            continue  # "是不是防水的" / "不是吗": a question, not an exclusion
        if word == "别" and text[start : start + 1] in ("的", "人", "处", "急", "担"):
            continue  # 别的 = other, 别人 = someone else
        end_match = _ZH_SCOPE_END.search(text, start)
        end = end_match.start() if end_match else len(text)
        end = min(end, start + MAX_SCOPE_CHARS)
        if text[start:end].strip():
            found.append(Negation(cue.span(), (start, end)))
    return found


def _zh_suffix(text: str) -> list[Negation]:
    found = []
    for cue in _ZH_SUFFIX.finditer(text):
        start = max(_clause_start(text, cue.start()), cue.start() - MAX_SCOPE_CHARS)
        if text[start : cue.start()].strip():
            found.append(Negation(cue.span(), (start, cue.start())))
    return found


def _en_prefix(text: str) -> list[Negation]:
    found = []
    for cue in _EN_PREFIX.finditer(text):
        start = cue.end()
        if _EN_NOT_THINGS.match(text, start):
            continue
        end_match = _EN_SCOPE_END.search(text, start)
        end = end_match.start() if end_match else len(text)
        end = min(end, start + MAX_SCOPE_CHARS * 2)
        if _CONTENT.search(text, start, end):
            found.append(Negation(cue.span(), (start, end)))
    return found


def find_negations(text: str) -> list[Negation]:
    """Negated scopes of normalised (NFKC, lower-cased) text, in order, without overlaps."""
    found = sorted(_zh_prefix(text) + _zh_suffix(text) + _en_prefix(text), key=lambda n: n.cue[0])
    kept: list[Negation] = []
    for negation in found:
        lo = min(negation.cue[0], negation.scope[0])
        if kept and lo < max(kept[-1].cue[1], kept[-1].scope[1]):
            continue
        kept.append(negation)
    return kept
