"""The text the claims ledger reads: obfuscations undone before any claim is extracted.

`surface(text)` is what spans refer to: NFKC (full-width digits and letters, circled numbers ⑧ → 8), with the
characters an attacker hides claims behind dropped or spelled out — zero-width characters and soft hyphens
(加微\u200b信), emoji variation selectors and keycaps (5️⃣折 → 5折), 🆓 / 🔟 / 💯, Cyrillic/Greek look-alikes of
Latin letters (wеchat), Chinese digit runs (一三八… → 138…). `scanned(text)` is the same
text in Simplified script (滿200減50 → 满200减50, 終身保固 → 终身保固) when OpenCC converts it character for
character, so every pattern, written once in Simplified, also reads Traditional replies; spans stay valid
because the length is kept (a phrase conversion that changes the length leaves the text as it was).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.privacy.phones import normalise
from knowledge.traditional import to_simplified

# Invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen) and emoji modifiers.
_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f\u20e3"), None)
_EMOJI = {
    "🆓": "FREE", "🔟": "10", "💯": "100", "🈹": "折扣", "🉐": "优惠", "🈶": "有", "🈚": "无",
    "½": "half ", "¼": "quarter ",
    # financial (大写) numerals read as the everyday ones: 捌折 = 八折, 叁拾天 = 三十天
    "壹": "一", "贰": "二", "貳": "二", "叁": "三", "參": "三", "肆": "四", "伍": "五", "陆": "六", "陸": "六",
    "柒": "七", "捌": "八", "玖": "九", "拾": "十", "佰": "百", "仟": "千",
}  # fmt: skip
# Cyrillic and Greek letters that look Latin (wеchat with a Cyrillic е, раypal): read as the Latin letter.
_HOMOGLYPHS = str.maketrans(
    "аеорсхуіѕԁһјԛԝАВЕКМНОРСТХαοτνΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "aeopcxyisdhjqwABEKMHOPCTXaotvABEZHIKMNOPTYX"
)
_TABLE = {**_DROP, **{ord(k): v for k, v in _EMOJI.items()}, **_HOMOGLYPHS}


# A contact spelled in Chinese digits ("一三八一二三四五六七八"): 7+ digit characters in a row, one for one.
_CN_DIGIT_RUN = re.compile("[零〇一二三四五六七八九幺]{7,}")
_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺", "00123456789" + "1")


# Markdown emphasis splitting a claim ("今天**八**折", "__50%__ off") and a letter O among digits ("5O% off").
_EMPHASIS = re.compile(r"\*{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w)|~~")
_LETTER_ZERO = re.compile(r"(?<=\d)[Oo](?=[\d%％.]|\s*(?:%|％|percent))|[Oo](?=\d)(?<![A-Za-z][Oo])")


# Colloquial ranges before a unit ("一两天", "两三个工作日", "三五天") are the ranges they say: 1-2, 2-3, 3-5.
_CN_RANGE = re.compile(
    "(?<![一二三四五六七八九十百千万两])(一两|两三|三四|三五|四五|五六|六七|七八|八九)(?=\\s*(?:个)?\\s*(?:天|日|周|星期|月|年|小时|工作日))"
)
_RANGES = {
    "一两": "1-2",
    "两三": "2-3",
    "三四": "3-4",
    "三五": "3-5",
    "四五": "4-5",
    "五六": "5-6",
    "六七": "6-7",
    "七八": "7-8",
    "八九": "8-9",
}


_FULLWIDTH_COMMA = re.compile("，(?=\\d)")


@lru_cache(maxsize=8192)
def surface(text: str) -> str:
    """NFKC with invisible characters and emoji modifiers removed, number/offer emoji and financial numerals
    (捌 → 八) spelled out, Markdown emphasis marks dropped, a letter O among digits read as 0, and runs of 7+
    Chinese digit characters written as digits (lengths may change; idempotent). Cached (a pure function of
    `text`): both gates surface the same reply, message and sentences several times per turn."""
    # a full-width comma is a clause break, never a thousands separator ("¥229，100%棉" is not 229100)
    text = (
        normalise(_FULLWIDTH_COMMA.sub("， ", text))
        .translate(_TABLE)
        .replace("1\u20442", "half")
        .replace("1\u20444", "quarter")
    )
    text = _LETTER_ZERO.sub("0", _EMPHASIS.sub("", text))
    text = _CN_RANGE.sub(lambda m: _RANGES[m.group(1)], text)
    return _CN_DIGIT_RUN.sub(lambda m: m.group(0).translate(_CN_DIGITS), text)


def scanned(text: str) -> str:
    """`text` (already `surface`d) in Simplified script, same length; unchanged when OpenCC would change it."""
    simple, changed = to_simplified(text)
    return simple if changed and len(simple) == len(text) else text
