"""Every figure a text states, as a set of normalised `Decimal`s — the numbers the allow-list gate checks.

Read after `bot.conversation.claims.text.surface` (NFKC, financial numerals 叁拾 → 三十, invisible characters
dropped): Arabic numbers ("2,499.00" → 2499, "3O days" → 30, "¥ 8 9 9" → 899), Chinese numerals ("八百五",
"叁拾", "百分之二十" → 20; a single character only before a unit: "一双", "七天"), and English number words
("eight hundred", "fifteen", "a hundred", "one" only before a unit: "one working day"). Digits glued to a
letter before them (SKUs, ids, tracking numbers: "RUN-001" is read, "runfast88" is not) belong to that token.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import regex

from knowledge.numbers import parse_chinese_numeral

_CN_CHARS = "零〇一二两三四五六七八九十百千万亿"
# A space between two digits or numerals is an obfuscation ("¥ 八 九 九", "1 3 9 0"), never two numbers.
_SPACED = regex.compile(
    rf"(?<=(?<![\dA-Za-z{_CN_CHARS}])[\d{_CN_CHARS}])[ \t\u3000]+(?=[\d{_CN_CHARS}](?![\dA-Za-z{_CN_CHARS}]))"
)
_LETTER_O = regex.compile(r"(?<=\d)[Oo](?![A-Za-z])|(?<![A-Za-z])[Oo](?=\d)")
# a dimension's second figure follows its "x" ("183x61cm", "200×230"): a figure, not part of a token
_ARABIC = regex.compile(
    r"(?:(?<![A-Za-z\d.])|(?<=\d[xX×])|(?<=\d\s[xX×]\s))(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
)
_PERCENT_CN = regex.compile("百分之")
_AFTERNOON = regex.compile(
    r"(下午|晚上|傍晚|夜里)\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:点|:00|：00)|(?<![\d:])(\d{1,2})\s*(?:pm|p\.m\.)",
    regex.I,
)
_CN_RUN = regex.compile(f"[{_CN_CHARS}]+")
# Chinese words made of numeral characters that state no figure.
_CN_WORDS = regex.compile(
    "一下|一些|一起|一直|一般|一样|一定|一点|一切|一致|万一|千万|一旦|十分|一一|一边|一向|一律|一概|一共|三包|一半|"
    "统一|唯一|一流|一手|一路|一款款|一并|一同|一番|一贯|一生|一辈子|一览|一应|一键|一口气|一时|一步|一眼|一心|"
    "百搭|千里|万能|百变|九成新|五星|下一|上一|每一|另一|同一|(?<!款)一款(?!款)|一种|"
    # a price band, not a price: "百元内的降噪耳机", "千元级", "百元真无线"
    "(?<![零〇一二两三四五六七八九十百千万\\d.])[百千万]元(?=内|以内|以下|左右|级|价位|档|出头|\\p{Han})"
)
# The English of a Chinese price band ("百元内" = "under a hundred yuan"): a band, not a price
_EN_BAND = regex.compile(
    r"\b(?:under|below|less\s+than|within|around)\s+a\s+(?:hundred|thousand)\s+(?:yuan|bucks|rmb|kuai)\b",
    regex.I,
)
_CN_UNIT_AFTER = regex.compile(
    "[天日年月周个件双块元折期次倍号点岁码斤克升成名位台款份张瓶盒袋罐套条只支层星档寸毫厘米分秒人回遍杯碗粒颗包片]|小时|分钟|工作日"
)
_EN_SMALL = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALE = {"hundred": 100, "thousand": 1000, "grand": 1000, "million": 1_000_000}
_EN_WORD = "|".join(sorted([*_EN_SMALL, *_EN_SCALE], key=len, reverse=True))
_EN_RUN = regex.compile(
    rf"\b(?:(?:a|an)\s+(?=(?:hundred|thousand|dozen)\b))?(?:(?:{_EN_WORD})(?:[\s-]+(?:and\s+)?|\b))+", regex.I
)
_EN_UNIT_AFTER = regex.compile(
    r"\s*(?:days?|weeks?|months?|years?|pairs?|pieces?|units?|items?|working|business|hours?|times?|yuan|"
    r"dollars?|bucks|rmb|percent|%|off|left|per\s*cent)\b",
    regex.I,
)


def _decimal(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


def _english(run: str, after: str) -> Decimal | None:
    words = [w for w in regex.split(r"[\s-]+", run.lower()) if w and w != "and"]
    if words and words[0] in {"a", "an"}:
        words[0] = "one"
    if words == ["one"] and not _EN_UNIT_AFTER.match(after):
        return None  # "this one", "one of them"
    total = current = 0
    for word in words:
        if word in _EN_SMALL:
            current += _EN_SMALL[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _EN_SCALE:
            total += max(current, 1) * _EN_SCALE[word]
            current = 0
    return Decimal(total + current) if words else None


def _clock(m: regex.Match[str]) -> str:
    raw = m.group(2) or m.group(3)
    hour = int(raw) if raw.isdigit() else parse_chinese_numeral(raw)
    return f" {(hour or 0) % 12 + 12}:00 "


def figures(text: str) -> frozenset[Decimal]:
    """Every figure `text` (already surfaced) states; see the module docstring for what counts as one."""
    text = _LETTER_O.sub("0", _SPACED.sub("", text))
    text = _AFTERNOON.sub(_clock, text)  # "下午 4 点", "4pm" → 16:00
    text = _PERCENT_CN.sub("", text)
    found: set[Decimal] = set()
    for m in _ARABIC.finditer(text):
        value = _decimal(m.group(1))
        if value is not None:
            found.add(value)
    masked = _CN_WORDS.sub(lambda m: "　" * len(m.group(0)), text)
    for m in _CN_RUN.finditer(masked):
        run = m.group(0)
        if len(run) == 1 and not _CN_UNIT_AFTER.match(masked, m.end()):
            continue
        whole = parse_chinese_numeral(run)
        if whole is not None:
            found.add(Decimal(whole))
    english = _EN_BAND.sub(lambda m: " " * len(m.group(0)), text)
    for m in _EN_RUN.finditer(english):
        value = _english(m.group(0).strip(), english[m.end() :])
        if value is not None:
            found.add(value)
    return frozenset(found)


_N = rf"(?:\d+(?:\.\d+)?|[{_CN_CHARS}]+|{_EN_WORD}|an?)"
_DURATION = regex.compile(
    rf"(?<![\d.])({_N})(?:\s*(?:[-–~至到]|to)\s*({_N}))?\s*-?\s*(?:个)?\s*"
    r"(工作日|天|日|周|星期|个月|月|年|小时|分钟|working\s+days?|business\s+days?|days?|weeks?|months?|years?|"
    r"hours?|(?<![a-z])h\b|minutes?|mins?\b)",  # "2.0 Ah" is no "a h(our)"
    regex.I,
)
_NEXT_DAY = regex.compile(
    r"次日|隔日|隔天|第二天|明天|明早|\bnext\s+(?:working\s+|business\s+)?(?:day|morning)|\btomorrow", regex.I
)
_ON_A = regex.compile(r"\b(?:on|of|per|every|each)\s+$", regex.I)
_HALF_BEFORE = regex.compile(r"\bhalf\s+$", regex.I)  # "half an hour" is not "an hour"
_HALF = regex.compile("半个?(月)|半年")
# "半小时", "half an hour": a twelfth of a day's hours, never the policy's "1 个工作日"
_HALF_HOUR = regex.compile(r"半个?小时|\bhalf\s+an?\s+hour\b", regex.I)
# "当天退款", "the same day": a span of no days — only a unit that says "当天" (当天发货) carries it
_SAME_DAY = regex.compile(r"当天|当日|即日|\bsame[-\s]day\b", regex.I)
_DAYS = {"天": 1, "日": 1, "工作日": 1, "周": 7, "星期": 7, "月": 30, "个月": 30, "年": 365}
_DAYS_EN = {"day": 1, "week": 7, "month": 30, "year": 365}


def _unit_days(unit: str) -> Decimal:
    unit = unit.lower()
    if unit in _DAYS:
        return Decimal(_DAYS[unit])
    if unit.startswith(("分钟", "min")):
        return Decimal(1) / Decimal(1440)
    if unit.startswith(("小时", "hour", "h")):
        return Decimal(1) / Decimal(24)
    for word, days in _DAYS_EN.items():
        if word in unit:
            return Decimal(days)
    return Decimal(1)


def _amount(raw: str) -> Decimal | None:
    raw = raw.strip().lower()
    if raw in {"a", "an"}:
        return Decimal(1)
    value = _decimal(raw) if raw[:1].isdigit() else None
    if value is None:
        whole = parse_chinese_numeral(raw)
        value = Decimal(whole) if whole is not None else _english(raw, " day")
    return value


def durations(text: str) -> frozenset[Decimal]:
    """Every time span `text` (already surfaced) states, in days ("一个月" = 30, "1年" = 365, "48 小时" = 2,
    "1–2 天" = {1, 2}): a figure's unit matters — "一个月内反馈" is not the policy's "1 年保修"."""
    text = _LETTER_O.sub("0", _SPACED.sub("", text))
    found: set[Decimal] = {Decimal(15 if m.group(1) else 180) for m in _HALF.finditer(text)}
    if _HALF_HOUR.search(text):
        found.add((Decimal(1) / 48).quantize(Decimal("0.0001")).normalize())
    if _SAME_DAY.search(text):
        found.add(Decimal(0))
    if _NEXT_DAY.search(text):
        found.add(Decimal(1))  # "次日发货", "the next working day": one day on
    for m in _DURATION.finditer(text):
        if m.group(1).lower() in {"a", "an"} and _ON_A.search(text, 0, m.start()):
            continue  # "on a working day" names a kind of day, not a span of one
        if m.group(1).lower() in {"a", "an"} and _HALF_BEFORE.search(text, 0, m.start()):
            continue  # "half an hour": its span is `_HALF_HOUR`'s
        per = _unit_days(m.group(3))
        for raw in (m.group(1), m.group(2)):
            value = _amount(raw) if raw else None
            if value is None:
                continue
            if per == 30 and value % 12 == 0:  # "12 个月" is a year
                value, per = value / 12, Decimal(365)
            found.add((value * per).quantize(Decimal("0.0001")).normalize())
    return frozenset(found)


# A time span is kept among the figures as DURATION_BASE + its days, so one set holds both and "一个月" (30 days)
# never matches the "1" of "1 年" (365 days).
DURATION_BASE = Decimal(10) ** 9


# A time of day is kept as CLOCK_BASE + hour * 100 + minutes, so "21点" (21:00) is never a product's "21" and
# service hours, cut-off times and delivery times are read against the units that state them.
CLOCK_BASE = Decimal(10) ** 10
_CLOCK = regex.compile(
    r"(?<![\d.:])(\d{1,2})\s*(?:[:：](\d{2})(?!\d)|[点點](?:\s*(半)|\s*(\d{1,2})\s*分)?|\s*(a\.?m\.?)(?![a-z]))",
    regex.I,
)


def clocks(text: str) -> frozenset[Decimal]:
    """Every time of day `text` (already surfaced) states, as hour * 100 + minutes ("9点到21点" → {900, 2100},
    "下午4点" / "4pm" → 1600, "9:00–18:00" → {900, 1800}, "9点半" → 930); hours above 24 are no times."""
    text = _AFTERNOON.sub(_clock, _LETTER_O.sub("0", text))
    found: set[Decimal] = set()
    for m in _CLOCK.finditer(text):
        hour = int(m.group(1))
        minutes = 30 if m.group(3) else int(m.group(2) or m.group(4) or 0)
        if hour <= 24 and minutes < 60:
            found.add(Decimal(hour * 100 + minutes))
    return frozenset(found)


def figures_and_durations(text: str) -> frozenset[Decimal]:
    """`figures(text)` plus every `durations(text)` value offset by DURATION_BASE and every `clocks(text)`
    value offset by CLOCK_BASE."""
    return (
        figures(text) | {DURATION_BASE + d for d in durations(text)} | {CLOCK_BASE + c for c in clocks(text)}
    )


# days of a week and a year: exact restatements ("一周" = 7 天). A month is no fixed count of days: "一个月内反馈"
# does not restate a policy's "30 天" (its figure 1 stays and must be backed)
_PER_UNIT = (Decimal(7), Decimal(365))


def counted_spans(numbers: frozenset[Decimal]) -> frozenset[Decimal]:
    """`numbers` (as `figures_and_durations` gives them) without the bare counts of the time spans they state:
    "一周" is 7 days, not a figure 1; "two weeks" 14 days, not 2; "twelve months" 365 days, not 12. The span
    itself stays and is checked; a count stays when no span of the set is that count of weeks or years (or
    twelve months)."""
    spans = {n - DURATION_BASE for n in numbers if DURATION_BASE <= n < CLOCK_BASE}
    if not spans:
        return numbers

    def counts_a_span(n: Decimal) -> bool:
        if n <= 0 or n >= DURATION_BASE or n != n.to_integral_value():
            return False
        if n % 12 == 0 and n / 12 * 365 in spans:
            return True
        return any(n * per in spans for per in _PER_UNIT) and n not in spans

    return frozenset(n for n in numbers if not counts_a_span(n))


def instalment_counts(numbers: frozenset[Decimal]) -> frozenset[Decimal]:
    """`numbers` of an instalment clause without the spans in months that are its instalment counts ("3 or 6
    months" of 花呗 are 3 or 6 monthly payments: the counts 3 and 6 stay and are checked)."""
    return frozenset(
        n for n in numbers if not (DURATION_BASE <= n < CLOCK_BASE and (n - DURATION_BASE) / 30 in numbers)
    )
