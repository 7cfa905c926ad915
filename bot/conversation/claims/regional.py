"""Delivery times stated for a place, checked against the window the shipping policy gives that place's region.

The shipping policy may declare `delivery_regions` (江浙沪 1–2 days, 偏远地区 4–7, every other province 2–4;
`knowledge.policy_terms.ShippingTerms`). A reply that names a mainland place (a province or one of its larger
cities, `bot/prompts/provinces.yaml`) and states how many days a parcel takes to get there ("寄到北京一般 2–4 天",
"It will reach Xinjiang in two days", "今天下单明天就到新疆") states that place's window: it must lie inside the
window of the place's region (days_min <= stated low, stated high <= days_max). Figures are read in digits,
Chinese numerals ("两天", "一两天"), English words ("two days", "a day"), hours ("48 小时") and next-day words
(次日达, 明天就到, next day, tomorrow).

`regional_claims(sentence, shipping)` lists the (place, stated window, region window) of a sentence;
`wrong_windows` keeps the ones outside their region's window (the ledger's "delivery" violations);
`mask_backed_places` blanks the place names whose window is backed, so the allow-list gate reads "寄到北京一般
2–4 天送达" as the policy's "其他省份 2–4 天" without a city the policy never names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from bot.prompts import PROMPTS_DIR
from knowledge.numbers import parse_chinese_numeral
from knowledge.policy_terms import ShippingTerms
from knowledge.yaml_data import load_yaml

PROVINCES_FILE: Path = PROMPTS_DIR / "provinces.yaml"

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_CN_NUMERALS = "零一二两三四五六七八九十"
_NUM = r"\d+|[零一二两三四五六七八九十]+|" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
_RANGE = r"\s*(?:-|–|—|~|～|到|至|\bto\b|\bor\b)\s*"
_DAYS = regex.compile(
    rf"(?i)(?<![A-Za-z0-9_.])(?<![{_CN_NUMERALS}])(?<!\bon\s)(?<!\bper\s)(?<!\bevery\s)(?P<lo>{_NUM})(?:{_RANGE}(?P<hi>{_NUM}))?\s*(?:个)?\s*"
    r"(?P<unit>工作日|天|日|小时|(?:business\s+|working\s+)?days?\b|hours?\b)"
)
_PAIR = regex.compile(r"(?P<lo>[一两二三四五六七])(?P<hi>[两二三四五六七八])(?:个)?(?:工作日|天)")
_NEXT_DAY = regex.compile(
    r"(?i)次日达|隔日达|次日(?:送达|到达|到货|就到|到)|(?:明天|明日|隔天|第二天)\s*(?:就|即可|能|可以)?\s*(?:送达|到货|到达|到|送到)"
    r"|\bnext[-\s]day\b|\bovernight\b|\b(?:arrives?|get\s+it|delivered|reach(?:es)?\s+\w+)\s+tomorrow\b|\btomorrow\b"
)
_SAME_DAY = regex.compile(r"(?i)当天(?:就)?(?:送达|到|到货)|当日达|\bsame[-\s]day\s+deliver")
_NOT_THERE = regex.compile(
    r"(?i)(?:\boutside(?:\s+of)?|\bexcept(?:\s+for)?|\bexcluding|\bother\s+than|\bbesides|\bapart\s+from|\bfrom|"
    r"\bbeyond|除了?|从|由|发自|不含|不包括)\s*(?:our\s+|the\s+)?$"
)
_EXCEPT_AFTER = regex.compile(r"(?i)\s*(?:以外|之外|外|除外|仓|发货|warehouse|\s+excepted)")
_CONDITION = regex.compile(r"(?i)的话|如果|要是|假如|\bif\b|\bfor\b|\bwhen\b")
_CLAUSE = regex.compile(r"[，,；;]|\s(?:and|while|whereas|but)\s")
_TO_PLACE = r"寄到|发到|送到|运到|寄往|发往|送往|寄去|发去|寄|发|送"
_DELIVERY = regex.compile(
    r"(?i)送达|到货|到达|能到|就到|可到|寄到|发到|送到|运到|收到|几天到|天(?:左右|之内|内)?到|\breach|\barriv|\bdeliver|\bget\s+(?:there|it)|"
    r"\btakes?\b|\bship"
)


@dataclass(frozen=True)
class RegionalClaim:
    """A delivery window stated for a place: the place as written, its province, the stated (low, high) days
    and the (days_min, days_max) of the place's region."""

    place: str
    province: str
    stated: tuple[int, int]
    window: tuple[int, int]

    @property
    def backed(self) -> bool:
        """A range must lie inside the region's window ("北京 2–4 天" of 2–4); a single figure is a deadline
        ("reaches Guangzhou within a day", "两天到新疆"), backed only when the window ends by then."""
        low, high = self.stated
        if low == high:
            return high >= self.window[1]
        return self.window[0] <= low and high <= self.window[1]


@lru_cache(maxsize=1)
def _places() -> tuple[regex.Pattern[str], dict[str, str]]:
    """A pattern of every place name (longest first) and each name's province (its zh name)."""
    data = load_yaml(PROVINCES_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{PROVINCES_FILE}: a mapping of provinces expected")
    names: dict[str, str] = {}
    for province, entry in data.items():
        names[str(province)] = str(province)
        for name in (*(entry.get("en") or ()), *(entry.get("cities") or ())):
            names[str(name).lower()] = str(province)
    ordered = sorted(names, key=len, reverse=True)
    alternatives = "|".join(
        regex.escape(n) if not n.isascii() else rf"(?<![a-z]){regex.escape(n)}(?![a-z])" for n in ordered
    )
    return regex.compile(alternatives, regex.I), names


def place_pattern() -> tuple[regex.Pattern[str], dict[str, str]]:
    """A pattern of every mainland place name of provinces.yaml (longest first) and each name's province."""
    return _places()


def _number(text: str) -> int | None:
    low = text.lower()
    if low.isdigit():
        return int(low)
    if low in _EN_NUMBERS:
        return _EN_NUMBERS[low]
    value = parse_chinese_numeral(text)
    return int(value) if value is not None else None


def stated_windows(sentence: str) -> list[tuple[int, int]]:
    """Every (low, high) number of days the sentence states ("2–4 天" → (2, 4), "两天" → (2, 2), "48 hours"
    → (2, 2), "明天就到" → (1, 1), "一两天" → (1, 2))."""
    found: list[tuple[int, int]] = []
    for m in _PAIR.finditer(sentence):
        lo, hi = _number(m.group("lo")), _number(m.group("hi"))
        if lo is not None and hi is not None and lo < hi:
            found.append((lo, hi))
    paired = [m.span() for m in _PAIR.finditer(sentence)]
    for m in _DAYS.finditer(sentence):
        if any(s <= m.start() < e for s, e in paired):
            continue
        lo = _number(m.group("lo"))
        hi = _number(m.group("hi")) if m.group("hi") else lo
        if lo is None or hi is None:
            continue
        if m.group("unit").lower().startswith(("小时", "hour")):
            lo, hi = math.ceil(lo / 24), math.ceil(hi / 24)
        found.append((min(lo, hi), max(lo, hi)))
    if _NEXT_DAY.search(sentence):
        found.append((1, 1))
    if _SAME_DAY.search(sentence):
        found.append((0, 0))
    return found


def regional_claims(sentence: str, shipping: ShippingTerms | None) -> list[RegionalClaim]:
    """The delivery windows `sentence` states for the mainland places it names (empty without regional
    windows in the policy, a delivery word, a place or a stated number of days)."""
    if shipping is None or not shipping.delivery_regions or not _DELIVERY.search(sentence):
        return []
    pattern, names = _places()
    out: list[RegionalClaim] = []
    waiting: list[tuple[str, str]] = []  # places of a conditional clause with no window ("寄到北京的话，…")
    last: list[tuple[int, int]] = []  # the windows of the last clause that stated one
    excluding = False  # the last clause left a place out
    for clause in _CLAUSE.split(sentence):
        # a place the clause leaves out or ships from is not where the window goes ("2–4 days outside
        # Jiangsu", "除江浙沪外", "from our Guangzhou warehouse")
        named = list(pattern.finditer(clause))
        places = [
            (m.group(0), names[m.group(0).lower()])
            for m in named
            if not _NOT_THERE.search(clause[max(0, m.start() - 16) : m.start()])
            and not _EXCEPT_AFTER.match(clause, m.end())
        ]
        windows = stated_windows(clause)
        if len(places) < len(named):
            excluding = True  # "outside Jiangsu, Zhejiang and Shanghai": the list goes on left out
            continue
        if places and not windows and excluding and not _CONDITION.search(clause):
            continue
        excluding = False
        if places and not windows:
            if _CONDITION.search(clause) or not last:
                waiting = places  # "寄到乌鲁木齐的话，一般 4–7 天": the window follows
                continue
            windows = last  # "1–2 days to Jiangsu, Zhejiang and Shanghai": a list goes on
        for place, province in places or waiting:
            region = shipping.region_for(province)
            if region is None:
                continue
            out += [RegionalClaim(place, province, w, (region.days_min, region.days_max)) for w in windows]
        if windows:
            waiting, last = [], windows
    return out


def wrong_windows(sentence: str, shipping: ShippingTerms | None) -> list[RegionalClaim]:
    """The regional delivery claims of `sentence` outside their region's window."""
    return [claim for claim in regional_claims(sentence, shipping) if not claim.backed]


def mask_backed_places(sentence: str, shipping: ShippingTerms | None) -> str:
    """`sentence` with the names of the places whose every stated window is backed blanked (same length)."""
    claims = regional_claims(sentence, shipping)
    if not claims or not all(c.backed for c in claims):
        return sentence
    for place in {c.place for c in claims}:
        # with the destination marker before it: "寄到北京" says where to, not when it ships
        sentence = regex.sub(
            rf"(?:{_TO_PLACE})?\s*{regex.escape(place)}", lambda m: " " * len(m.group(0)), sentence
        )
    return sentence


_NEXT_WORKING_DAY = regex.compile(
    r"(?i)顺延(?:至|到)工作日|顺延(?:至|到)下一个?工作日|next\s+(?:working|business)\s+day"
)
_WEEKEND = regex.compile(
    r"(?i)周末|周六|周日|星期六|星期天|星期日|礼拜六|礼拜天|节假日|\bweekends?\b|\bsaturdays?\b|\bsundays?\b"
)
_MONDAY = regex.compile(r"(?i)周一|星期一|礼拜一|\bmondays?\b")
_SENTENCE = regex.compile(r"[^。！？!?\n]+[。！？!?\n]?")


def mask_next_working_day(text: str, policy_text: str) -> str:
    """`text` with "周一" / "Monday" blanked (same length) in sentences about weekend orders, when the policies
    say weekend orders ship on the next working day ("周末下单顺延到周一发货" restates "周末…顺延至工作日发货")."""
    if not _NEXT_WORKING_DAY.search(policy_text) or not _MONDAY.search(text):
        return text

    def blank(sentence: regex.Match[str]) -> str:
        body = sentence.group(0)
        if not _WEEKEND.search(body):
            return body
        return _MONDAY.sub(lambda m: " " * len(m.group(0)), body)

    return _SENTENCE.sub(blank, text)
