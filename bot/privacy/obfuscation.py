"""Personal data written to slip past pattern matching, undone or found before the redaction rules run.

- `plain_digits(text)`: runs of 5+ Chinese digits ("九八七六五四三二一", financial "玖捌柒…", 幺 for 1) become
  Arabic digits one character for one, circled digits (①–⑳) their digits, and zero-width characters go — so the
  phone, QQ and messenger rules of `bot.privacy.redaction` read "扣扣 九八七六五四三二一" as "扣扣 987654321".
  A run of fewer than five, or one touching a counting word (十百千万亿), is a quantity and stays.
- `split_phones(text)`: spans of a phone number whose digits are separated by emoji, spaces, dashes or dots one
  by one ("138😀1234😀5678", "1 3 8 1 2 3 4 5 6 7 8"), or split by words ("138 加上 12345678",
  "前面是139后面是87654321"); kept only when the digits make a mainland mobile or a number libphonenumber accepts.
- `CREDENTIAL`: a password, verification code or PIN after its label ("密码是 abc123", "验证码 482913",
  "my password is hunter2", "OTP: 5521"); the label stays, the value becomes `[secret]`.
- `SPACED_EMAIL`: an e-mail address written letter by letter ("a l i c e @ e x a m p l e . c o m",
  "c.h.e.n @ g.m.a.i.l . com").
- `LOWER_STREET`: an English street address typed in lower case ("12 oak lane springfield"), number + up to
  three words + a street type (the capitalised forms are `bot.privacy.addresses`).

Order numbers are not touched here: a labelled order number is held out of every rule by the redactor when the
order flow needs it (`redact_keeping_orders`), and model/part/serial numbers mix letters with digits or are
shorter than any phone.
"""

from __future__ import annotations

import re

import regex

from bot.privacy.phones import find_phones
from knowledge.script import HAN

_CN_DIGITS = dict(zip("零〇洞幺一二两三四五六七八九", "00011223456789", strict=True))
_CN_DIGITS |= dict(zip("壹贰叁肆伍陆柒捌玖貳參陸", "123456789236", strict=True))  # financial forms
_CN_CLASS = "".join(_CN_DIGITS)
_COUNTING = "十百千万亿拾佰仟萬億"
_CN_RUN = re.compile(rf"(?<![{_CN_CLASS}{_COUNTING}])[{_CN_CLASS}]{{5,}}(?![{_CN_CLASS}{_COUNTING}])")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CIRCLED = re.compile("[\u2460-\u2473\u2776-\u277f\u2780-\u2793]")


def _circled(match: re.Match[str]) -> str:
    cp = ord(match.group(0))
    for base in (0x2460, 0x2776, 0x2780, 0x278A):
        if base <= cp < base + (20 if base == 0x2460 else 10):
            return str(cp - base + 1)
    return match.group(0)


def plain_digits(text: str) -> str:
    """`text` with zero-width characters removed, circled digits as digits and runs of 5+ Chinese digits as
    Arabic digits (see the module docstring). Text without any of these comes back as the same object."""
    text = _ZERO_WIDTH.sub("", text)
    text = _CIRCLED.sub(_circled, text)
    return _CN_RUN.sub(lambda m: "".join(_CN_DIGITS[ch] for ch in m.group(0)), text)


_MOBILE = re.compile(r"(?:86)?1[3-9]\d{9}")
# One digit or a group of digits, then separators that are neither letters, digits nor CJK (emoji, spaces,
# dashes of every kind, dots), repeated: 7–15 digits in total are checked below.
_SEPARATED = regex.compile(
    # letters/digits spelled \p{L}\p{N}_, as `re`'s \w: regex's \w also takes marks, and a keycap digit is a
    # digit, U+FE0F and the combining U+20E3 — marks that must count as separators
    rf"(?<![\p{{L}}\p{{N}}_.+])\d+(?:[^\p{{L}}\p{{N}}_{HAN}\u3000-\u33ff\uac00-\ud7af\n，。；：,;:()（）+]{{1,3}}\d+){{2,14}}"
    r"(?![\p{L}\p{N}_])"
)
# A mobile's first three digits and the other eight, with a few words between them.
_WORD_SPLIT = re.compile(r"(?<!\d)1[3-9]\d(?!\d)(?P<gap>[^\d\n]{1,12}?)(?<!\d)\d{8}(?!\d)")
_GAP_WORDS = re.compile(r"加|再|接|后面|后边|然后|跟着|连着|and|then|plus|followed|next", re.I)


def _phone_digits(digits: str) -> bool:
    return bool(_MOBILE.fullmatch(digits)) or (8 <= len(digits) <= 15 and bool(find_phones(digits)))


def split_phones(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of phone numbers in `text` written with their digits split (module docstring)."""
    spans: list[tuple[int, int]] = []
    for match in _SEPARATED.finditer(text):
        groups = re.findall(r"\d+", match.group(0))
        digits = "".join(groups)
        # a mainland mobile however it is split; another number only when typed digit by digit ("2026-12-01
        # 16:00" and "800-1000" are dates and budgets, whatever libphonenumber thinks of their digits)
        if _MOBILE.fullmatch(digits) or (all(len(g) == 1 for g in groups) and _phone_digits(digits)):
            spans.append(match.span())
    for split in _WORD_SPLIT.finditer(text):
        if _GAP_WORDS.search(split.group("gap")) and not any(
            s < split.end() and split.start() < e for s, e in spans
        ):
            spans.append(split.span())
    return sorted(spans)


_CREDENTIAL_LABEL = (
    r"(?:登录密码|支付密码|交易密码|取款密码|密码|口令|验证码|校验码|动态码|短信码|确认码|取件码|提货码|"
    r"pass(?:word|code|wd)|pwd|pin(?:\s*code)?|otp|one[-\s]time\s+(?:pass)?code|"
    r"(?:verification|security|confirmation|auth(?:entication)?|sms|login)\s+code)"
)
# The value must hold a digit ("hunter2", "482913") unless a colon or "=" introduces it ("密码：abcdef"): "password
# manager", "验证码收不到", "the verification code is not coming" stay.
CREDENTIAL = re.compile(
    rf"(?i)((?<![A-Za-z]){_CREDENTIAL_LABEL}(?![A-Za-z])\s*(?:(?:是|为|is|was)\s*)?(?:[:：=]\s*)?)"
    r"(?:(?=[^\s，。,;；！?？]*\d)|(?<=[:：=])|(?<=[:：=]\s))[^\s，。,;；！?？]{3,40}"
)
SPACED_EMAIL = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:[a-z0-9][\s.]+){2,}[a-z0-9]\s*@\s*"
    r"[a-z0-9](?:\s?[a-z0-9-])*(?:\s?\.\s?[a-z0-9](?:\s?[a-z0-9-])*)+(?![A-Za-z0-9])"
)
_LOWER_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|parkway|pkwy|terrace|highway|hwy|crescent"
)
_NOT_STREET_WORD = (
    r"(?:the|a|an|on|in|at|of|to|for|and|or|my|your|our|per|by|from|with|miles?|km|kms|mins?|minutes?|hours?|days?|"
    r"pairs?|items?|pcs|times?|orders?|yuan|dollars?|usd|cny|rmb)"
)
LOWER_STREET = re.compile(
    rf"(?<![\w.,])\d{{1,5}}[a-z]?\s+(?:(?!{_NOT_STREET_WORD}\b)[a-z][a-z'-]*\s+){{1,3}}(?:{_LOWER_STREET_TYPES})\b\.?"
)

# An e-mail address after its cue, written without "@" ("邮箱 alice点example点com", "email: bob dot smith dot com").
CUED_DOTTED_EMAIL = re.compile(
    r"(?i)((?:邮箱|郵箱|电子邮件|e-?mail|mail)\s*(?:地址|address)?\s*(?:是|为|is|:|：)?\s*)"
    r"[a-z0-9._%+-]+(?:\s*(?:点|dot|\.|艾特|@|\bat\b)\s*[a-z0-9-]+){2,}"
)
# A number typed in groups after a messenger or phone label ("QQ 号码：987 654 321", "手机 138 1234 5678 0"): the
# label says what it is, so any 5+ digits in groups are the id.
_GROUPED = (
    r"(\d(?:[\s-]*\d){4,19})(?![\d.])"
    r"(?!\s*(?:元|块|塊|圆|rmb|yuan|cny|usd|dollars?|以内|以下|以上|左右|预算|mah|毫安|万|千|[kmg]b?\b|w\b|码|件|个|台|年|%))"
)
LABELLED_MESSENGER_DIGITS = re.compile(
    rf"(?i)((?<![a-z])(?:qq|扣扣|企鹅号?|微信号?|wechat|weixin|wx|vx)\s*(?:号码|號碼|号|號|id)?\s*(?:是|为|is)?\s*[:：]?\s*){_GROUPED}"
)
LABELLED_PHONE_DIGITS = re.compile(
    rf"(?i)((?:电话|手机号?|手机号码|联系电话|phone|tel|mobile|cell)\s*(?:号码|號碼|号|號|number|no\.?)?\s*(?:是|为|is)?\s*[:：]?\s*){_GROUPED}"
)
