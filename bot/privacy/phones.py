"""Phone numbers in free text, found by Google's libphonenumber (`phonenumbers`) rather than hand regexes.

Why a library: international formats (`(415) 555-2671`, `+44 20 7946 0958`, `020 7946 0958`, `400-820-0000`,
`138 1234 5678`) are many, and libphonenumber knows every country's numbering plan, so SKUs, prices and
dates are not mistaken for numbers. Text is NFKC-normalised first (full-width `１３８…` becomes ASCII). Both
the redactor and the truth guard use this one finder; `phonenumbers` is imported nowhere else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

# Regions whose national formats are tried for numbers written without a country code: the shop's own
# market first (mainland China), then North America and the UK (the common international cases in English
# text), then Taiwan, Hong Kong and Australia (customers there write their mobiles nationally: 0912-345-678).
DEFAULT_REGIONS: tuple[str, ...] = ("CN", "US", "GB", "TW", "HK", "AU")
# Regions tried after the first three count a number only when it is written like one — with a trunk "0" or
# grouped by separators ("0912-345-678", "9123 4567"): a bare 8-digit run is a QQ number or an order suffix as
# often as a Hong Kong phone.
_SHAPED_ONLY = frozenset({"TW", "HK", "AU"})
_CANDIDATE = re.compile(r"\d[\d\s().\-/]{5,24}\d")


@dataclass(frozen=True)
class PhoneMatch:
    """One number found in (NFKC-normalised) text: its span there and its digits (national number)."""

    start: int
    end: int
    raw: str
    national: str  # national significant number, digits only ("4008200000", "4155552671")
    e164: str  # "+864008200000"


def normalise(text: str) -> str:
    """NFKC: full-width digits, letters and `＠` become their ASCII forms (lengths may change)."""
    return unicodedata.normalize("NFKC", text)


# NFKC restricted to the characters personal data is written in (full-width digits, Latin letters, ＠＋－．＿ and
# the ideographic space): one character for one, so Chinese punctuation and every offset stay as
# written. The redactor uses it; the truth guard uses full NFKC.
_PII_FORMS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF01, 0xFF5F)}
_PII_TABLE = {cp: ascii_ for cp, ascii_ in _PII_FORMS.items() if ascii_.isalnum() or ascii_ in "@+-._"} | {
    0x3000: " "
}


def normalise_pii(text: str) -> str:
    """Full-width digits, letters and PII symbols as ASCII (length-preserving NFKC subset)."""
    return text.translate(_PII_TABLE)


def _phone_shaped(raw: str) -> bool:
    """False for digit runs libphonenumber accepts but nobody writes a phone number like: a list of sizes or
    part numbers joined by slashes ("31208/52205", "750/825-16 20" — a slash counts only after a trunk "0",
    "030/1234567"), or counted digits ("2-3-4-5-6-7-8-9-10": more than two one-digit groups)."""
    if "/" in raw and not raw.lstrip("+( ").startswith("0"):
        return False
    return sum(len(group) == 1 for group in re.split(r"[^\d]+", raw) if group) <= 2


def find_phones(text: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> list[PhoneMatch]:
    """Valid phone numbers in `text` (already NFKC-normalised), non-overlapping, in text order.

    Each region's national format is tried in turn; a span found for an earlier region wins."""
    if not any(sum(ch.isdigit() for ch in m.group(0)) >= 7 for m in _CANDIDATE.finditer(text)):
        return []  # libphonenumber is slow (~1 ms a text): only texts with a 7+ digit run can hold a number
    found: list[PhoneMatch] = []
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if any(match.start < f.end and f.start < match.end for f in found):
                continue
            raw = match.raw_string
            if not _phone_shaped(raw):
                continue
            if region in _SHAPED_ONLY and not (
                raw.startswith(("0", "+")) or re.search(r"\d[\s().-]+\d", raw)
            ):
                continue
            number = match.number
            found.append(
                PhoneMatch(
                    match.start,
                    match.end,
                    match.raw_string,
                    str(number.national_number),
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                )
            )
    return sorted(found, key=lambda m: m.start)


def phone_digits(text: str) -> set[str]:
    """The national numbers of every phone number in `text` (normalised first)."""
    return {m.national for m in find_phones(normalise(text))}


# Phone numbers spelled in Chinese digits ("一三八一二三四五六七八", mixed "138一二三四5678", 幺 for 1 as people
# say it on the phone): a run of 7+ digits, Chinese or Arabic, with at least one Chinese digit and no
# counting word (十百千万) around it — "七百块", "三千九百九十九" and "42码" never form such a run.
_CN_DIGITS = dict(zip("零〇洞幺一二两三四五六七八九", "00011223456789", strict=True))
_ANY_DIGIT = "0-9" + "".join(_CN_DIGITS)
_CN_DIGIT_RUN = re.compile(
    rf"(?<![{_ANY_DIGIT}十百千万亿])[{_ANY_DIGIT}](?:[\s-]?[{_ANY_DIGIT}]){{6,14}}(?![{_ANY_DIGIT}十百千万亿])"
)
_MOBILE = re.compile(r"(?:86)?1[3-9]\d{9}")


def chinese_digit_phones(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers written (partly) in Chinese digits: a mainland mobile, or a number that
    libphonenumber accepts once the digits are Arabic. Offsets are `text`'s own."""
    spans: list[tuple[int, int]] = []
    for match in _CN_DIGIT_RUN.finditer(text):
        run = match.group(0)
        if not any(ch in _CN_DIGITS for ch in run):
            continue
        digits = "".join(_CN_DIGITS.get(ch, ch) for ch in run if ch not in " -\t")
        if _MOBILE.fullmatch(digits) or (len(digits) >= 8 and find_phones(digits)):
            spans.append((match.start(), match.end()))
    return spans


# Phone numbers spelled in English words ("one three eight one two three four five six seven eight", "oh" and
# "o" for 0, "double five" for 55): 7+ spoken digits in a row, read as digits and kept when they make a mainland
# mobile or a number libphonenumber accepts.
_EN_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
}
_EN_DIGITS |= {"six": "6", "seven": "7", "eight": "8", "nine": "9"}
_EN_DIGIT = r"(?:(?:double|triple)\s+)?(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine)"
_EN_DIGIT_RUN = re.compile(rf"(?i)\b{_EN_DIGIT}(?:[\s,-]+{_EN_DIGIT}){{6,14}}\b")


def spelled_phones(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers spelled in English digit words (see above). Offsets are `text`'s own."""
    spans: list[tuple[int, int]] = []
    for match in _EN_DIGIT_RUN.finditer(text):
        digits, times = "", 1
        for word in re.findall(r"[a-z]+", match.group(0).lower()):
            if word in ("double", "triple"):
                times = 2 if word == "double" else 3
                continue
            digits, times = digits + _EN_DIGITS[word] * times, 1
        if _MOBILE.fullmatch(digits) or (len(digits) >= 8 and find_phones(digits)):
            spans.append(match.span())
    return spans
