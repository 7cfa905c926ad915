"""A same-day delivery term a policy grants only in some places, said of another place (issue 13, guard13t).

A shipping policy may grant same-day delivery in one city only ("蛋糕仅限苏州市区当天送达", "same-day delivery
within urban Suzhou only"). That line backs "苏州市区当天送达"; it does not back "当天送到无锡" or "we can deliver
to Hangzhou the same day" — the place is the term's condition. `same_day_places(policy texts)` gives the places
(lower case, as written in provinces.yaml: 苏州, suzhou) the policies limit same-day delivery to — None when no
line limits it, or when some line grants same-day delivery without a place (then this check says nothing).
`same_day_elsewhere(sentence, places)` lists the places a sentence promises same-day delivery to outside them:
a clause with a same-day delivery phrase and a mainland place (`regional.place_pattern`), not the place it
ships from ("从苏州发"), and no denial ("无锡不能当天到"). Computed once per policy text set (memoised).
"""

from __future__ import annotations

from functools import lru_cache

import regex

from bot.conversation.claims.regional import place_pattern
from bot.privacy.phones import normalise
from knowledge.script import HAN
from knowledge.traditional import to_simplified

_SAME_DAY = regex.compile(
    r"当天(?:就|即|便)?(?:能|可以?|可|会)?(?:送到|送达|送|到达|到货|到|达|收到)|当日(?:达|送达|到|送)|同城当天|"
    r"\bsame[-\s]?day\b",
    regex.I,
)
# an English "same day" is a delivery only with a delivery verb ("ships the same day" is dispatch)
_EN_DELIVERY = regex.compile(
    r"\bdeliver\w*|\bdelivery\b|\bbring\b|\bbrought\b|\breach\w*|\barriv\w*|\bget\s+(?:it|them)?\s*to\b|\bcourier\b",
    regex.I,
)
_LIMIT = regex.compile(r"仅限|只限|限于|仅在|只在|\bonly\b|\bexclusively\b|\blimited\s+to\b", regex.I)
_FROM = regex.compile(r"(?:从|由|发自|\bfrom(?:\s+our)?|\bin\s+our)\s*$", regex.I)
_DENIAL = regex.compile(
    r"不|没|无法|暂不|\bnot\b|n[’']t\b|\bcannot\b|\bno\b|\bunable\b",
    regex.I,
)
_CLAUSE = regex.compile(r"[，,；;。.!！?？\n]|\s(?:but|while|whereas)\s", regex.I)


def _same_day(clause: str) -> bool:
    m = _SAME_DAY.search(clause)
    if m is None:
        return False
    return not m.group(0).isascii() or _EN_DELIVERY.search(clause) is not None


def _places_in(clause: str) -> list[str]:
    pattern, _ = place_pattern()
    return [
        m.group(0).lower()
        for m in pattern.finditer(clause)
        if not _FROM.search(clause[max(0, m.start() - 12) : m.start()])
    ]


@lru_cache(maxsize=64)
def same_day_places(texts: tuple[str, ...]) -> frozenset[str] | None:
    """The places the policies limit same-day delivery to (see the module docstring), None when unlimited."""
    places: set[str] = set()
    for text in texts:
        for line in to_simplified(normalise(text))[0].splitlines():
            found = _SAME_DAY.search(line)
            if found is None or not _same_day(line) or _DENIAL.search(line, 0, found.start()):
                continue  # no same-day delivery, or a denied one ("不支持当天送达")
            named = _places_in(line)
            if not named or not _LIMIT.search(line):
                return None  # same-day delivery granted without a place: nothing to compare
            places |= set(named)
    return frozenset(places) if places else None


def same_day_elsewhere(sentence: str, places: frozenset[str] | None) -> list[str]:
    """The places `sentence` promises same-day delivery to that `places` (`same_day_places`) leaves out."""
    if not places:
        return []
    text = to_simplified(normalise(sentence))[0]
    if _SAME_DAY.search(text) is None:
        return []
    wrong: list[str] = []
    for clause in _CLAUSE.split(text):
        if not clause or not _same_day(clause) or _DENIAL.search(clause):
            continue
        wrong += [place for place in _places_in(clause) if place not in places]
    return wrong


# -- a free service a policy grants to some kinds of products only -----------------------------------------
# (name, pattern): free installation ("吸顶灯、升降桌提供免费上门安装"), interest-free instalments ("首饰 12 期免息")
_KIND_TERMS: tuple[tuple[str, regex.Pattern[str]], ...] = (
    (
        "free installation",
        regex.compile(
            r"免费(?:上门)?安装|包安装|安装免费|\bfree\s+(?:home\s+|on-?site\s+)?install\w*|"
            r"\binstall\w*(?:\s+\w+){0,4}\s+(?:for\s+free|free(?:\s+of\s+charge)?)\b",
            regex.I,
        ),
    ),
    (
        "interest-free instalments",
        regex.compile(r"免息|\binterest[-\s]free\b|\b0%\s+interest\b|\bzero\s+interest\b", regex.I),
    ),
)
_TERM_CLAUSE = regex.compile(r"[^，,；;。\n]+")
_HAN3 = regex.compile(rf"{HAN}{{3,}}")


# What a clause granting a term may say besides the kinds it grants it to ("订单满 ¥600 可使用 12 期免息分期" names
# no kind: the term is every product's)
_GENERIC = regex.compile(
    r"订单|单笔|实付|满|以上|可使用|可用|可以|可|支持|提供|享受|享|期|分期|花呗|信用卡|上门|免费|全部|所有|商品|全场|"
    r"均|都|在|的|签收后|订单详情|预约|购买|下单|任意|每|件|元|安装|免息"
)


def _names_a_kind(clause: str, pattern: regex.Pattern[str]) -> bool:
    """Whether a Chinese policy clause granting a term names the kinds of goods it grants it to."""
    rest = _GENERIC.sub(" ", pattern.sub(" ", clause))
    return any(len(run) >= 2 for run in regex.findall(rf"{HAN}+", rest))


@lru_cache(maxsize=64)
def kind_term_clauses(texts: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Per term the policies grant to some kinds of goods only, the Chinese policy clauses (lower case) that
    grant it (see `kind_limited_terms`). A term some clause grants without naming a kind is every product's:
    left out. English clauses are not read for kinds (their kinds are English words a Chinese title lacks)."""
    found: dict[str, list[str]] = {}
    unlimited: set[str] = set()
    for text in texts:
        simple = to_simplified(normalise(text))[0].lower()
        for m in _TERM_CLAUSE.finditer(simple):
            clause = m.group(0)
            for name, pattern in _KIND_TERMS:
                if not pattern.search(clause) or _DENIAL.search(clause) or regex.search(HAN, clause) is None:
                    continue
                if _names_a_kind(clause, pattern):
                    found.setdefault(name, []).append(clause)
                else:
                    unlimited.add(name)
    return {name: tuple(clauses) for name, clauses in found.items() if name not in unlimited}


def _covers(clause: str, title: str, category: str, brand: str) -> bool:
    """Whether a policy clause names the product's kind: its category leaf, a 3-character Han run of its title
    (not the brand), or (a Latin title) the whole title."""
    leaf = category.rsplit("/", 1)[-1].strip().lower()
    if len(leaf) >= 2 and leaf in clause:
        return True
    low = title.lower().replace(brand.lower(), " ") if brand else title.lower()
    for run in _HAN3.findall(low):
        if any(run[i : i + 3] in clause for i in range(len(run) - 2)):
            return True
    return bool(low.strip()) and low.strip().isascii() and low.strip() in clause


def kind_limited_terms(
    sentence: str, products: list[tuple[str, str, str]], clauses: dict[str, tuple[str, ...]]
) -> list[str]:
    """The terms (`_KIND_TERMS`) `sentence` grants to products — (title, category, brand) — whose kind no policy
    clause granting that term names ("the LINNMON desk comes with free installation" when only ceiling lights
    and standing desks are installed free). A term no policy grants is not judged here; a denied one neither."""
    if not clauses or not products:
        return []
    text = to_simplified(normalise(sentence))[0]
    wrong: list[str] = []
    for name, pattern in _KIND_TERMS:
        m = pattern.search(text)
        granting = clauses.get(name)
        if m is None or not granting or _DENIAL.search(text[max(0, m.start() - 8) : m.start()]):
            continue
        for title, category, brand in products:
            if not any(_covers(c, title, category, brand) for c in granting):
                wrong.append(f"{name} for {title}")
    return wrong
