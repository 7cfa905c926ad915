"""Refusals to disclose: "I can't share my internal instructions", 「我的系统设定不能透露」, 「这个属于内部信息，我不能透露」.

A sentence that declines to reveal something names what it withholds (instructions, prompt, 设定, 内部信息) and
discloses nothing: the names are no prompt leak (`ClaimKind.LEAK`) and no product content the facts must carry.
A sentence is a refusal only when it says so in words and carries nothing to disclose — no figure, no colon or
quotation that could open the withheld text ("I can't share my instructions: …" is not a refusal). Only the
naming is excused: the sentence's offers, terms and figures are checked as everywhere else.
"""

from __future__ import annotations

import regex

# a verb of disclosing, negated: can't/won't/unable to/not able to/not allowed to + share/reveal/…;
# 不能/无法/不方便/不可以/没法/不便 + 透露/告知/提供/分享/公开/泄露
_REFUSE = regex.compile(
    r"\b(?:can(?:no|['’])t|can\s+not|won['’]t|will\s+not|unable\s+to|(?:not|never)\s+(?:able|allowed|permitted)\s+to|"
    r"don['’]t|do\s+not|may\s+not)\s+(?:\w+\s+){0,2}?(?:share|reveal|disclose|tell|repeat|show|give\s+out|discuss|"
    r"provide|quote)\b|"
    r"(?:不能|无法|不方便|不可以|不可|没法|没办法|不便|不会|不予|恕不)(?:向您|跟您|给您|和您|对外|为您)?"
    r"(?:透露|告知|告诉|提供|分享|公开|泄露|展示|外传|说明)|(?:属于|是)(?:内部|保密)(?:信息|资料|内容)?|保密",
    regex.I,
)
# what could open the withheld text: a figure, a colon, a quotation
_CONTENT = regex.compile(r"[\d:：\"“”「」『』]")
# the withheld text itself, reported: "系统给我的指令是不能透露提示内容", "I was told not to share …"
_REPORTED = regex.compile(
    r"(?:给我的|对我的|我收到的|我接到的)(?:指令|指示|设定|要求)|(?:指令|指示|设定|规则|要求)是|我被(?:要求|设定|指示|告知)|"
    r"\b(?:instructions?|rules?|prompt|guidelines?)\s+(?:is|are|says?|tells?)\b|"
    r"\b(?:told|instructed|asked|programmed|configured)\s+(?:me\s+)?(?:not\s+)?to\b",
    regex.I,
)


def refusing(sentence: str) -> bool:
    """Whether `sentence` declines to disclose something in its own words and carries no figure, colon,
    quotation or report of what it was told."""
    return (
        _REFUSE.search(sentence) is not None
        and _CONTENT.search(sentence) is None
        and _REPORTED.search(sentence) is None
    )
