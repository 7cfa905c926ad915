"""Short details a customer adds to an after-sales, policy or contact thread ("用了两个月", "我不小心摔的").

After "不粘锅涂层掉了" the customer goes on with what only makes sense in that thread: how long they have had it
("用了两个月", "买了十天", "bought it 3 weeks ago"), what caused it ("我不小心摔的", "进水了", "I dropped it"), whether
proof is needed ("要拍照吗", "do you need photos") or, after a contact question, when someone is there ("周末有人吗").
Read alone these are a product search ("两个"), or nothing at all. `thread_detail` names the kind of detail and
`detail_question` rewrites the message with the policy's own words for it, so the policy bullet that answers it
ranks first: the time → the warranty/returns window, the cause → the warranty exclusions (人为损坏、进水), the
proof → the evidence rule (48 小时内拍照), the hours → the contact policy.

Pure functions over simplified text (zh + en); the cues are regular expressions here.
"""

from __future__ import annotations

import re
from typing import Literal

from knowledge.script import is_han

Detail = Literal["elapsed", "cause", "evidence", "hours"]

_NUM = r"[\d一二两三四五六七八九十半几个多]+"  # "一个半月", "十多天"
_UNIT = r"(?:天|日|周|星期|礼拜|月|年)"
_ELAPSED = re.compile(
    rf"(?:用了|买了|收到|到手|签收|用|买)(?:有|快|才|都|已经|大概|差不多|还不到|不到|没到|不足|刚|刚刚)?\s*{_NUM}\s*{_UNIT}|"
    rf"^(?:才|都|已经|大概|还不到|不到|没到|不足|刚)?\s*{_NUM}\s*{_UNIT}(?:了|前|左右|多)|"
    r"\b(?:bought|had|used|got|received|owned)\b.{0,20}\b(?:\d+|a|an|one|two|three|four|five|six|ten)\s+"
    r"(?:days?|weeks?|months?|years?)\b|"
    r"\b(?:\d+|a|an|one|two|three|four|five|six|ten)\s+(?:days?|weeks?|months?|years?)\s+ago\b",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"摔|掉地|掉水|掉进|进水|泡水|淋雨|磕|砸|压坏|踩坏|弄坏|自己弄|不小心|人为|"
    r"\b(?:dropped|drop|fell|spilled|water damage|got wet|my fault|by accident|accidentally)\b",
    re.IGNORECASE,
)
_EVIDENCE = re.compile(
    r"拍照|拍个照|拍视频|照片|图片|截图|视频|录像|凭证|证据|"
    r"\b(?:photos?|pictures?|pics?|video|proof|evidence)\b",
    re.IGNORECASE,
)
_HOURS = re.compile(
    r"周末|周六|周日|星期[六天日]|节假日|假期|放假|晚上|几点|上班|下班|营业|有人吗|在线吗|在吗|"
    r"\b(?:weekends?|saturday|sunday|holidays?|hours|open|evenings?|anyone there)\b",
    re.IGNORECASE,
)
_RULES: tuple[tuple[Detail, re.Pattern[str]], ...] = (
    ("evidence", _EVIDENCE),  # "摔坏了要拍照吗" asks about the photos
    ("cause", _CAUSE),
    ("elapsed", _ELAPSED),
    ("hours", _HOURS),
)
_MAX_HAN = 16  # "我上个月买的，用了两个月" is a detail; a longer message says what it is about
_MAX_WORDS = 10

# the policy's own words for each detail: they rank the bullet that answers it first
_WORDS: dict[Detail, tuple[str, str]] = {
    "elapsed": ("保修 换新 多久", "warranty replacement how long"),
    "cause": ("人为损坏 进水 不在保修范围", "accidental damage water not covered by the warranty"),
    "evidence": ("拍照 照片 视频 反馈 凭证", "photos video proof report"),
    "hours": ("在线客服 客服时间 每天 节假日", "customer service hours every day holidays"),
}


def thread_detail(text: str) -> Detail | None:
    """The kind of thread detail a short message adds ("用了两个月" → "elapsed", "我不小心摔的" → "cause",
    "要拍照吗" → "evidence", "周末有人吗" → "hours"); None for any other or any longer message."""
    stripped = text.strip()
    han = sum(1 for c in stripped if is_han(c))
    if not stripped or han > _MAX_HAN or len(stripped.split()) > _MAX_WORDS:
        return None
    return next((kind for kind, rx in _RULES if rx.search(stripped)), None)


def detail_question(detail: Detail, text: str, lang: str) -> str:
    """`text` plus the policy's words for its detail (zh or en): the question the policy bullets are ranked by."""
    zh, en = _WORDS[detail]
    return f"{text} {en if lang == 'en' else zh}"
