"""The time a customer says they paid ("我下午5点付的款", "I paid at 10am") and the day the order ships by the rule.

After "什么时候发货" the shipping policy's rule is "orders paid before 16:00 on a working day ship the same day;
later orders, weekends and holidays the next working day". A customer who then says when they paid asks which
side of the cut-off they are on; read alone the message names no product and no policy, and was refused. Here:
`paid_clock` reads the clock time of a short payment statement (zh + en; Traditional text is simplified before it
gets here), `ships_today` applies the cut-off (`ShippingTerms.dispatch_cutoff`, from the shipping policy's front
matter) on the day of "now". Public holidays are not known: a weekday counts as a working day.

Pure functions over text and times.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from knowledge.numbers import CN_NUMERAL_CHARS, parse_chinese_numeral
from knowledge.policy_terms import ship_day
from knowledge.script import is_han

_HOUR = rf"(?P<hour>\d{{1,2}}|[{CN_NUMERAL_CHARS}]{{1,3}})"
_ZH_RX = re.compile(
    r"(?P<part>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|半夜)?\s*"
    + _HOUR
    + r"\s*(?:点|点钟|:|：)\s*(?P<minute>\d{1,2}|半|[一二三四五]十[一二三四五六七八九]?|一刻|三刻)?\s*分?\s*"
    r"(?:多|左右|的时候|那会儿?)?\s*(?:才|就|已经)?\s*(?:付|支付|下单|下的单|拍下|买)"
)
_EN_RX = re.compile(
    r"\b(?:paid|payed|ordered|placed (?:my|the) order|checked out|bought it)\b[^0-9]{0,12}?"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?",
    re.IGNORECASE,
)
_AFTERNOON = ("下午", "傍晚", "晚上", "夜里")
_MAX_HAN = 20  # "我是今天下午5点多付的款"; a longer message says more than when it paid
_MAX_WORDS = 12  # "I paid for it at 5pm today"


def _hour(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else parse_chinese_numeral(raw)


def _minute(raw: str | None) -> int:
    if not raw:
        return 0
    if raw == "半":
        return 30
    if raw in ("一刻", "三刻"):
        return 15 if raw == "一刻" else 45
    return int(raw) if raw.isdigit() else parse_chinese_numeral(raw) or 0


def paid_clock(text: str) -> time | None:
    """The clock time of a short "I paid at …" message ("我下午5点付的款" → 17:00, "晚上八点半下的单" → 20:30,
    "I paid at 10am" → 10:00); None for any other message or an impossible time."""
    stripped = text.strip()
    han = sum(1 for c in stripped if is_han(c))
    if not stripped or han > _MAX_HAN or len(stripped.split()) > _MAX_WORDS:
        return None
    m = _ZH_RX.search(stripped)
    if m is not None:
        hour, part = _hour(m.group("hour")), m.group("part") or ""
        if hour is None:
            return None
        if (part in _AFTERNOON and hour < 12) or (part == "中午" and hour < 6):  # 中午1点 is 13:00
            hour += 12
        minute = _minute(m.group("minute"))
    else:
        m = _EN_RX.search(stripped)
        if m is None:
            return None
        hour, minute, ampm = (
            int(m.group("hour")),
            int(m.group("minute") or 0),
            (m.group("ampm") or "").lower(),
        )
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def ships_today(paid: time, now: datetime, cutoff: time) -> bool:
    """True when an order paid today (the day of `now`) at `paid` ships today (`ship_day`: a weekday and before
    `cutoff`)."""
    return ship_day(datetime.combine(now.date(), paid), cutoff) == now.date()
