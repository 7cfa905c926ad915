"""Contact numbers written to slip past a digit scanner: digits one by one with spaces between, or in Chinese
numerals (issue 13, guard13t).

"客服 QQ：2 8 4 7 1 9 3 6 5", "Call 1 3 9 1 2 3 4 5 6 7 8", "打这个电话 一三九 零一二三 四五六七", "请拨 一八九
一二三四 五六七八": each is a phone number or a messenger id all the same. `spelled_numbers(text)` lists them as
(kind, value, start, end): kind "phone" with the number as libphonenumber reads it (`find_phones`, its national
form, so the shop's own number spelled out still matches its policy), else "messenger" with the digits after a
QQ / WeChat word, else "phone" with the digits. Only runs of at least 7 single digits count, and only after a
contact word (电话, 拨, 打, QQ, 微信, call, ring, text, phone, number …) within the clause: "尺码 5 6 7 8 9" and
"三五天" are no contacts. Patterns compile once at import.
"""

from __future__ import annotations

import regex

from bot.privacy.phones import find_phones

_CN_DIGITS = {"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
              "六": "6", "七": "7", "八": "8", "九": "9"}  # fmt: skip
_DIGIT = r"[0-9零〇一幺二两三四五六七八九]"
# single digits with spaces/dashes between ("2 8 4 7 …") or Chinese digits in groups ("一三九 零一二三 …")
_RUN = regex.compile(
    r"(?<![0-9])[0-9](?:[\s\-]+[0-9](?![0-9])){6,}"
    r"|(?<![零〇一幺二两三四五六七八九十百千万])[零〇一幺二两三四五六七八九](?:[\s\-]*[零〇一幺二两三四五六七八九]){6,}"
    r"(?![十百千万])"
)
_CONTACT = regex.compile(
    r"电话|手机|号码|拨|打|致电|联系|加|qq|扣扣|微信|薇信|vx|wx|whatsapp|telegram|\bcall\b|\bring\b|\btext\b|"
    r"\bphone\b|\bnumber\b|\bdial\b|\breach\s+(?:us|me)\b|\bcontact\b|\bmessage\b|\bwechat\b",
    regex.I,
)
_MESSENGER = regex.compile(r"qq|扣扣|微信|薇信|vx|wx|wechat|whatsapp|telegram", regex.I)
_CLAUSE_START = regex.compile(r"[^。！？!?\n；;，,]*$")


def _digits(raw: str) -> str:
    return "".join(_CN_DIGITS.get(ch, ch) for ch in raw if ch.isdigit() or ch in _CN_DIGITS)


def spelled_numbers(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, value, start, end) of every contact number spelled digit by digit (see the module docstring)."""
    found: list[tuple[str, str, int, int]] = []
    for m in _RUN.finditer(text):
        before = _CLAUSE_START.search(text, 0, m.start())
        context = before.group(0) if before is not None else ""
        if not _CONTACT.search(context):
            continue
        digits = _digits(m.group(0))
        if len(digits) < 7:
            continue
        phones = find_phones(digits)
        if phones and phones[0].start == 0 and phones[0].end == len(digits):
            found.append(("phone", phones[0].national, m.start(), m.end()))
        elif _MESSENGER.search(context):
            found.append(("messenger", digits, m.start(), m.end()))
        else:
            found.append(("phone", digits, m.start(), m.end()))
    return found
