"""A long message with the request in the middle: the story around it is not what to search for.

"你好呀，最近天气越来越热了，我晚上睡觉老是出汗，想换一床凉快点的被子，你们有没有夏天盖的被子，最好别太贵，谢谢啦"
asks for a summer quilt that is not too dear; read whole, its keywords were "睡觉 老是 出汗 想换" and nothing
matched. `focused` keeps the clauses that carry the request — a request or question word, a constraint (an
amount, a budget, a price word), a kind of product the shop sells, or who a present is for — and drops greetings,
thanks and the story. Short messages (under three clauses) and messages where every clause counts come back as
None: they are read whole.

Pure: the caller says which clauses name a kind the catalog has (`names_kind`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.conversation.gifts import gift_words_in
from bot.conversation.multi_questions import question_parts
from knowledge.script import has_han

_REQUEST = re.compile(
    r"有没有|有无|推荐|想买|想换|想要|想送|想给|送给|送她|送他|要买|求|找|需要|看看|哪款|哪个|哪些|什么|多少|吗|呢|"
    r"\b(?:recommend|suggest|looking for|do you have|want|need|show me|any|which|what|how much|price)\b",
    re.IGNORECASE,
)
_CONSTRAINT = re.compile(
    r"\d|预算|以内|以下|左右|便宜|实惠|贵|块|元|\b(?:budget|under|below|cheap|cheaper|affordable)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:你好呀?|您好|哈喽|嗨|在吗|hi|hello|hey|谢谢啦?|多谢|谢啦|麻烦了|拜托了|thanks?(?: so much| a lot)?|thank you)"
    r"\W*$",
    re.IGNORECASE,
)
_MIN_CHARS = 25
_MIN_CLAUSES = 3


def may_focus(text: str) -> bool:
    """Whether `focused` could cut anything from `text` (False: it returns None) — its length and clause
    count, cheap enough for the event loop, so a short message or one of one or two clauses ("Nike Air Zoom
    Pegasus 41 多少钱") skips the thread hand-off `focused`'s caller makes."""
    return len(text) >= _MIN_CHARS and len(question_parts(text)) >= _MIN_CLAUSES


def focused(text: str, names_kind: Callable[[str], bool]) -> str | None:
    """The clauses of a long `text` that carry its request, joined in order; None when the message is short
    or every clause carries it, or when no clause asks for anything."""
    clauses = question_parts(text)
    if len(clauses) < _MIN_CLAUSES or len(text) < _MIN_CHARS:
        return None
    kept = [
        c
        for c in clauses
        if not _FILLER.match(c)
        and (_REQUEST.search(c) or _CONSTRAINT.search(c) or gift_words_in(c) or names_kind(c))
    ]
    if not kept or len(kept) == len(clauses) or not any(_REQUEST.search(c) or names_kind(c) for c in kept):
        return None
    joiner = "，" if has_han(text) else ", "
    return joiner.join(kept)
