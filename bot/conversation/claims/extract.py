"""Every checkable claim in a text, as (kind, value, span): what the truth guard must find evidence for.

Kinds (the `ClaimKind` values) and what is extracted, in Chinese and English:
money (¥899, 899元, $25.50, €12, 八百九十九元, 现价 99), discount (八折, 七五折, 7.5折, 5折, 半价, half off, 50% off, 立减20元, 满300减50,
in words: 12% cheaper, 低三成, knock thirty yuan off — `cuts`), gift (买一送一, BOGO, 赠品, 免费领取, free gift, free today,
包邮), coupon (优惠券, 优惠码 ABC123, promo code), returns (90天无理由退货, 30-day returns, 终身包退), warranty (2年质保, 终身保修, lifetime
warranty), delivery (次日达, 3天到, ships within 24h), stock (库存还有 500 件, only 3 left, 还有二十把 — `counts`), url, phone
(libphonenumber; spelled digit by digit or in Chinese numerals — `spelled`), messenger (加微信 …, vx, wx, QQ号), email,
payment (转账, 扫码付款, pay to account, bank
numbers), leak (talk about the system prompt). Values are normalised so a reply's claim can be compared with
the same claim extracted from the catalog, the policies or an order: money → (Decimal, currency or ""),
discount → rate Decimal ("0.8") or ("minus", a, b), durations → (unit, number), contacts → canonical strings.
A claim preceded by a negation ("没有优惠券", "no coupon") is marked `negated`: it promises nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

import regex

from bot.conversation.claims.colloquial import colloquial_claims
from bot.conversation.claims.counts import unit_counts
from bot.conversation.claims.cuts import worded_cuts
from bot.conversation.claims.promises import words_claims
from bot.conversation.claims.refusals import refusing
from bot.conversation.claims.services import service_clause
from bot.conversation.claims.spelled import spelled_numbers
from bot.conversation.claims.text import scanned, surface
from bot.privacy.phones import find_phones
from knowledge.numbers import CN_NUMERAL_CHARS, parse_chinese_numeral
from knowledge.script import HAN


class ClaimKind(StrEnum):
    MONEY = "price"
    DISCOUNT = "discount"
    GIFT = "gift"
    COUPON = "coupon"
    RETURNS = "returns"
    WARRANTY = "warranty"
    DELIVERY = "delivery"
    STOCK = "stock"
    URL = "url"
    PHONE = "phone"
    MESSENGER = "messenger"
    EMAIL = "email"
    PAYMENT = "payment"
    LEAK = "leak"
    PROMISE = "promise"


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    value: object  # normalised (see the module docstring)
    text: str  # the span as written
    start: int
    end: int
    negated: bool = False
    labelled: bool = False  # money introduced as a price ("现价", "price", "只要") or a stock count


_CN = f"[{CN_NUMERAL_CHARS}]+"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER = rf"(?:{_NUM}|{_CN})"
# a negation and what it denies: up to four characters on, or a modifier ending in 的 and then four more
# ("没有针对这款的优惠活动"); a figure with its unit right after the negation sizes what it denies ("没有 30 天无理由退货")
NEGATION = regex.compile(
    r"(?:(?:没有|没|不(?!用|妨|如|仅|但|错|少|过|只|管|要犹豫|喜欢|满意|合适|想要|粘|锈)|无(?!门槛|条件|限|需|理由)|暂无|暂不|并不|不能|无法|未|别(?!家|处|的|人|样|致)|"
    r"严禁|禁止|谨防)(?:\s*\d+(?:\.\d+)?\s*(?:天|日|个月|月|年|期|%|折|元|块|倍)\s*)?(?:[^。！？!?\n,，；;、的]{1,8}的)?[^。！？!?\n,，；;、]{0,4}"
    r"|(?:不会|绝不|从不|从来不|不需要|请勿|切勿|请不要|千万不要|不要)(?:要求|让|请|需要)?[^。！？!?\n,，；;]{0,8}"
    r"|\b(?:no(?![-\s]+(?:questions?|reason|receipt|hassle|fuss)\b)|not|never|without|nor|cannot|unable\s+to|beware\s+of)\s+(?:(?:[A-Za-z]+(?:-[A-Za-z]+)*|[¥￥$]?\d+(?:\.\d+)?%?),?\s+){0,4}"
    r"|n[’']t\s+(?:(?:[A-Za-z]+(?:-[A-Za-z]+)*|[¥￥$]?\d+(?:\.\d+)?%?),?\s+){0,4})$",
    regex.I,
)
# a full stop ends an English sentence only before a space or the end ("$39.99", "v2.0" go on): a duration in
# "It runs 53 hours. Lights carry a 1-year warranty." is the product's runtime, not the warranty's
_SENTENCE = re.compile(r"(?:[^。！？!?\n；;.]|\.(?!\s|$))+")
# A denial after what it denies, to the end of the clause: "积分和返现这类活动我们暂时都没有", "coupons? none".
TRAILING_DENIAL = regex.compile(
    r"[^。！？!?\n,，；;]{0,16}?(?:我们|本店|店里|目前|暂时|现在|都|也|一律|全都|\s)*(?:没有|不提供|不支持|不参加|不参与|不做|"
    r"无)(?:的|哦|呢|啦|了|呀|噢)*\s*(?=$|[。！？!?\n,，；;])"
    r"|[^.!?\n,;]{0,24}?\s(?:is|are)\s*(?:n[o’']t|not)\s+(?:accepted|available|offered|supported|possible|allowed|"
    r"provided|included)\b",
    regex.I,
)


def number(text: str) -> Decimal | None:
    """'899', '1,299.00', '八百九十九', '七' → Decimal; None when not a number."""
    text = text.strip().replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        value = parse_chinese_numeral(text)
        return None if value is None else Decimal(value)


# -- money ------------------------------------------------------------------------------------------------
_CURRENCY_BEFORE = {
    "¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY", "人民币": "CNY",
    "us$": "USD", "usd": "USD", "$": "USD", "hk$": "HKD", "hkd": "HKD", "€": "EUR", "eur": "EUR",
    "£": "GBP", "gbp": "GBP", "jpy": "JPY", "a$": "AUD",
}  # fmt: skip
_CURRENCY_AFTER = {
    "元": "CNY", "块钱": "CNY", "块": "CNY", "rmb": "CNY", "yuan": "CNY", "cny": "CNY", "人民币": "CNY",
    "美元": "USD", "美金": "USD", "dollars": "USD", "dollar": "USD", "usd": "USD", "欧元": "EUR",
    "eur": "EUR", "euros": "EUR", "英镑": "GBP", "pounds": "GBP", "gbp": "GBP", "港币": "HKD",
    "港元": "HKD", "hkd": "HKD", "日元": "JPY", "jpy": "JPY", "yen": "JPY",
}  # fmt: skip
_BEFORE = "|".join(sorted((re.escape(k) for k in _CURRENCY_BEFORE), key=len, reverse=True))
_AFTER = (
    "|".join(sorted((re.escape(k) for k in _CURRENCY_AFTER if k != "块"), key=len, reverse=True))
    + rf"|块(?!{HAN})"
)
_MONEY_BEFORE = regex.compile(rf"(?<![A-Za-z])({_BEFORE})\s?({_NUM})", regex.I)
_MONEY_AFTER = regex.compile(
    # "1,299元" is one number; a Chinese numeral starts a run of its own ("¥899，八百九十九元" is 899 twice)
    rf"(?<![\d.A-Za-z-])((?<!\d,)(?:{_NUM})|(?<![{CN_NUMERAL_CHARS}]){_CN})\s?({_AFTER})(?![A-Za-z])",
    regex.I,
)
PRICE_LABEL = (
    r"现价|原价|售价|价格|价钱|特价|到手价|优惠价|活动价|折后价|秒杀价|只要|仅需|仅售|只需|只卖|卖|"
    r"会员价|券后价?|折后|内部价|员工价|降到|降至|降为|"
    r"price(?:d at)?|costs?|for (?:only|just)|only|just|drops?\s+to|(?:marked\s+|comes\s+)?down\s+to|reduced\s+to"
)
_LABELLED_BARE = regex.compile(
    rf"(?<![A-Za-z])(?:{PRICE_LABEL})\s*(?:是|为|:|：)?\s*({_NUM})(?![\d.%％])"
    r"(?!\s*(?:[A-Za-z%％]|[件个双台天日年月号码克色款种次位条只瓶盒包套折人]))",
    regex.I,
)
# A new price in words ("drops to 449 today", "降到 449"): the figure is a price whatever follows it.
_PRICE_CUT = regex.compile(
    rf"(?:\b(?:drops?|dropped|down|reduced|cut|slashed|lowered|marked\s+down)\s+to|降(?:到|至|为)|调(?:到|至|为))\s*"
    rf"(?:[¥￥$]\s*)?({_NUM})(?![\d.%％])",
    regex.I,
)
_BAND_HEADS = frozenset({"百", "千", "万"})
_BAND_AFTER = regex.compile(r"内|以内|以下|左右|级|价位|档|出头|\p{Han}")
_LABEL_BEFORE = regex.compile(rf"(?:{PRICE_LABEL})\s*(?:是|为|:|：)?\s*$", regex.I)
# An amount the sentence then calls the price ("99 元没错，就是这个价"): a price, not a fee of the policies.
_LABEL_AFTER = regex.compile(r"\s*(?:没错|对的?|正确)?\s*[，,]?\s*(?:就是|就)?这(?:个)?(?:价|售价|价格)")


def _money(text: str) -> list[Claim]:
    claims: list[Claim] = []
    taken: list[tuple[int, int]] = []

    def add(value: Decimal | None, currency: str, m: regex.Match[str], group: int) -> None:
        if value is None or any(m.start() < e and s < m.end() for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        labelled = bool(_LABEL_BEFORE.search(text[max(0, m.start() - 8) : m.start()]))
        labelled = labelled or bool(_LABEL_AFTER.match(text, m.end()))
        claims.append(
            Claim(ClaimKind.MONEY, (value, currency), m.group(0), m.start(), m.end(), labelled=labelled)
        )

    for m in _MONEY_BEFORE.finditer(text):
        add(number(m.group(2)), _CURRENCY_BEFORE[m.group(1).lower()], m, 2)
    for m in _MONEY_AFTER.finditer(text):
        if m.group(1) in _BAND_HEADS and _BAND_AFTER.match(text, m.end()):
            continue  # a price band ("百元内的降噪耳机", "千元级"), not a price
        add(number(m.group(1)), _CURRENCY_AFTER[m.group(2).lower()], m, 1)
    for m in (*_LABELLED_BARE.finditer(text), *_PRICE_CUT.finditer(text)):
        span_start = m.start(1)
        if any(span_start < e and s < m.end(1) for s, e in taken):
            continue
        value = number(m.group(1))
        if value is not None and value >= 1:
            taken.append((span_start, m.end(1)))
            claims.append(
                Claim(ClaimKind.MONEY, (value, ""), m.group(0), span_start, m.end(1), labelled=True)
            )
    return claims


def extract_money(text: str) -> list[tuple[Decimal, str]]:
    """Every money amount in `text` as (amount, ISO currency or '' when not written)."""
    return [claim.value for claim in _money(scanned(surface(text)))]  # type: ignore[misc]


# -- discounts, gifts, coupons, promises -----------------------------------------------------------------
_ZHE = regex.compile(r"(?<![\d.])(\d(?:\.\d)?|\d\d(?![\d.])|[一二三四五六七八九]{1,2}|[一二三四五六七八九]点[一二三四五六七八九])\s*折(?!叠|扣|腾|射|断|痕|弯|线|算)")  # fmt: skip
_PERCENT_OFF = regex.compile(
    r"(\d{1,3}(?:\.\d+)?)\s*(?:%|％|percent)\s*(?:off|discount|折扣|优惠|减免|的折扣)"
    r"|(?:discount|save|saving|折扣|优惠|减免|立减|省)\s*(?:of\s+)?(\d{1,3}(?:\.\d+)?)\s*(?:%|％|percent)",
    regex.I,
)
_HALF = regex.compile(r"半价|对折|half[\s-]*(?:the\s+)?(?:price|off)|50/50 deal|第二件半价", regex.I)
# "a fifth off", "a tenth off for students", "one third off the price", "a quarter off"
_FRACTIONS = {"third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6, "eighth": 8, "tenth": 10}
_FRACTION_OFF = regex.compile(
    r"\b(?:a|one|an\s+extra)\s+(third|quarter|fourth|fifth|sixth|eighth|tenth)\s+(?:off|discount|cheaper|less)\b"
    r"|\b(?:save|take|get|knock)\s+(?:a|one)\s+(third|quarter|fourth|fifth|sixth|eighth|tenth)\b",
    regex.I,
)
_MINUS = regex.compile(rf"满\s*({_NUMBER})\s*(?:元|块)?\s*(?:立)?减\s*({_NUMBER})|立减\s*({_NUMBER})|(?:直降|立省|降价|减价)\s*({_NUMBER})|(?:save|get)\s*[¥$€£]\s*({_NUM})\s*off|[¥$€£]\s*({_NUM})\s*off", regex.I)  # fmt: skip
_GIFTS: tuple[tuple[str, str], ...] = (
    (
        "bogo",
        r"买\s*[一1]\s*送\s*[一1]|买\s*\d+\s*送\s*\d+|买\s*[一二两三四五\d]\s*[双件个份瓶盒套]?\s*送\s*[一二两三四五\d]|\bbogo\b|buy\s+one,?\s+get\s+one|第二件\s*(?:0|零)\s*元|2\s*for\s*1|two\s+for\s+one",
    ),
    (
        "free",
        r"免费(?:领取|领|送|赠送|拿|试用|获得|得到|给您(?!退|换|修|寄|补|处理)|给你(?!退|换|修|寄|补|处理))|0\s*元(?:购|领|拿|得)|零元购|白送|免单|"
        r"\bfree\s+(?:today|of\s+charge|for\s+you|sample|trial)\b|\bfor\s+free\b|\b(?:it'?s|it\s+is|they\s+are|is|are|comes?|came)\s+free\b|"
        r"\bget\s+(?:it|one|this)\s+free\b|\bat\s+no\s+(?:cost|charge)\b|\b(?:a|one)\s+free\s+(?!(?:shipping|delivery|postage|returns?|exchanges?|installation|repair|replacement|consultation|trial)\b)[a-z][\w-]*",
    ),
    (
        "gift",
        r"赠品|赠送|附赠|加赠|加送|另送|再送|搭送|送(?:您|你)(?:一|个|份|张|件|双|些)|"
        r"(?:买|下单|购买|拍下|入手)[^。！？!?\n，,；;、（）()]{0,24}?(?:就|即|还|再|加)?(?<![发传输递运配护寄欢接])(?:送|赠)(?!货|达|到|出|回|修|检|往|去|给|至|上门|来)\s*[^\s。！？!?，,]|好礼|礼品|\bfree\s+gifts?\b|\bcomplimentary\b|\bbonus\s+gift\b|\bgift\s+with\s+purchase\b",
    ),
    (
        "free_shipping",
        r"包邮|免运费|免邮费?|运费全免|\bfree\s+(?:shipping|delivery|postage)\b|\bships?\s+free\b|"
        r"\b(?:shipping|delivery|postage)\s+is\s+free\b",
    ),
    ("cashback", r"返现|返利|红包|cash\s?back|\brebate\b"),
)
_GIFT_RX = tuple((key, regex.compile(rx, regex.I)) for key, rx in _GIFTS)
_COUPON_CODE = regex.compile(
    r"(?:优惠码|优惠券码|券码|兑换码|折扣码|口令|暗号|coupon\s*code|promo\s*code|discount\s*code|voucher\s*code|"
    r"\bcode)\s*(?:是|为|:|：)?\s*[\"“'「]?([A-Za-z0-9][A-Za-z0-9_-]{3,19})",
    regex.I,
)
_PROMISE_WORDS = regex.compile(
    r"优惠券|代金券|折扣|打折|折上折|特价|秒杀|促销|限时优惠|\bcoupons?\b|\bvouchers?\b|\bdiscounts?\b|"
    r"\bpromo(?:tion)?s?\b|\bon\s+sale\b|\bspecial\s+(?:offer|price)\b",
    regex.I,
)


def _cn_rate(raw: str) -> Decimal | None:
    """'八' → 0.8, '七五' → 0.75, '7.5' → 0.75, '5' → 0.5, '七点五' → 0.75."""
    raw = raw.replace("点", ".")
    digits = "".join(str(parse_chinese_numeral(ch)) if not ch.isdigit() and ch != "." else ch for ch in raw)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    if "." in digits or len(digits) == 1:
        return value / 10
    return value / 100


# "… are free", "comes free", "a free …": a gift only when the clause's free thing is no service ("Returns are free
# for faulty items" restates a returns term, checked as such)
_LATE_FREE = regex.compile(r"(?:are|comes?|came)\s+free$|^(?:a|one)\s+free\s", regex.I)
_CLAUSE_START = regex.compile(r"[^,，;；.。!！?？\n]*$")


def _service_free(text: str, gift: Claim) -> bool:
    if gift.value != "free" or not _LATE_FREE.search(gift.text):
        return False
    before = _CLAUSE_START.search(text, 0, gift.start)
    start = before.start() if before is not None else 0
    return service_clause(text[start : gift.end + 40])


def _offers(text: str) -> list[Claim]:
    claims: list[Claim] = []
    for m in _ZHE.finditer(text):
        rate = _cn_rate(m.group(1))
        if rate is not None and 0 < rate < 1:
            claims.append(Claim(ClaimKind.DISCOUNT, rate, m.group(0), m.start(), m.end()))
    for m in _PERCENT_OFF.finditer(text):
        pct = Decimal(m.group(1) or m.group(2))
        if 0 < pct < 100:
            claims.append(Claim(ClaimKind.DISCOUNT, (100 - pct) / 100, m.group(0), m.start(), m.end()))
    for m in _HALF.finditer(text):
        claims.append(Claim(ClaimKind.DISCOUNT, Decimal("0.5"), m.group(0), m.start(), m.end()))
    for m in _FRACTION_OFF.finditer(text):
        part = _FRACTIONS[(m.group(1) or m.group(2)).lower()]
        rate = (Decimal(1) - Decimal(1) / Decimal(part)).quantize(Decimal("0.01"))
        claims.append(Claim(ClaimKind.DISCOUNT, rate, m.group(0), m.start(), m.end()))
    for m in _MINUS.finditer(text):
        if m.group(1):
            value: object = ("minus", number(m.group(1)), number(m.group(2)))
        else:
            value = ("minus", None, number(next(g for g in m.groups()[2:] if g)))
        claims.append(Claim(ClaimKind.DISCOUNT, value, m.group(0), m.start(), m.end()))
    cut = [(c.start, c.end) for c in claims]
    claims += [  # "12% cheaper", "再低三成", "knock thirty yuan off"
        Claim(ClaimKind.DISCOUNT, value, text[start:end], start, end)
        for value, start, end in worded_cuts(text)
        if not any(start < e and s < end for s, e in cut)
    ]
    gifts: list[Claim] = []
    for key, rx in sorted(_GIFT_RX, key=lambda item: item[0] != "free_shipping"):  # "shipping is free" first
        for m in rx.finditer(text):
            if not any(m.start() < g.end and g.start < m.end() for g in gifts):
                gifts.append(Claim(ClaimKind.GIFT, key, m.group(0), m.start(), m.end()))
    claims += [g for g in gifts if not _service_free(text, g)]
    for m in _COUPON_CODE.finditer(text):
        if re.search(r"\d", m.group(1)) or m.group(1).isupper():
            claims.append(Claim(ClaimKind.COUPON, m.group(1).upper(), m.group(0), m.start(), m.end()))
    for m in _PROMISE_WORDS.finditer(text):
        word = m.group(0).lower().rstrip("s") if m.group(0).isascii() else m.group(0)
        claims.append(Claim(ClaimKind.PROMISE, word, m.group(0), m.start(), m.end()))
    return claims


# -- terms: returns, warranty, delivery ------------------------------------------------------------------
_DUR = rf"({_NUMBER}|[一二两三四五六七八九十半]+)"
_UNIT_ZH = r"(天|日|个工作日|工作日|个月|月|年|小时|周|星期)"
_UNIT_EN = r"(days?|working\s+days?|business\s+days?|months?|years?|yrs?|hours?|hrs?|h|weeks?|fortnights?)"
_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty-five": 45, "sixty": 60, "ninety": 90, "a": 1, "an": 1,
}  # fmt: skip
_EN_NUMBER = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
_DURATION = regex.compile(
    rf"(?<!第\s*){_DUR}\s*(?:[-–~至到]\s*{_DUR}\s*)?{_UNIT_ZH}"  # "第二天" is the next day, no span of two
    rf"|(\d+|\b(?:{_EN_NUMBER}))\s*(?:(?:[-–~]|to)\s*(\d+))?[\s-]*(?:(?:full|whole|entire)\s+)?{_UNIT_EN}\b",
    regex.I,
)
_DATE = regex.compile(
    r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}-\d{1,2}-\d{1,2}"
)
_FOREVER = regex.compile(
    r"终身|永久|终生|无限期|一辈子|一生|lifetime|forever|for\s+life|unlimited\s+time"
    r"|随时(?:都)?(?:可以|能)?(?:退|换)|\breturn\s+(?:it|them|this|anything)?\s*(?:at\s+)?any\s*time\b"
    # without an end: "尺码不合适可以一直换", "不限次数", "as many times as you like"
    r"|一直(?:都)?(?:可以|能)?(?:换|退)|无限次|不限次数?|随便(?:退|换)|随意退换|想换几次|"
    r"\bas\s+many\s+times\s+as\b|\bunlimited\s+(?:returns|exchanges)\b|\bany\s+number\s+of\s+times\b",
    regex.I,
)
_TOPIC_WORDS: dict[ClaimKind, str] = {
    ClaimKind.RETURNS: r"退货|退换|包退|退款|换货|包换|无理由|退回|(?:一直|随便|随意|无限次)(?:都)?(?:可以|能)?换|(?:可以|能|都能|随时|包)退(?!出|休|役|订)|"
    r"\breturn(?:s|ed|able)?\b|\brefunds?\b|\bexchanges?\b|money[-\s]back|no[-\s]questions?[-\s]asked",
    ClaimKind.WARRANTY: r"保修|质保|保固|包修|维修|三包|换新|坏了|\bcovered\b|\breplace(?:d|ment)?\b|\bbreaks?\b|\bwarrant(?:y|ies|ied)\b|\bguarantee[ds]?\b",
    ClaimKind.DELIVERY: r"发货|送达|到货|配送|送到|寄出|发出|到手|次日达|当日达|隔日达|极速达|[天日]到|"
    r"\bships?\b|\bshipped\b|\bshipping\b|\bdeliver(?:y|ed|s)?\b|\bdispatch(?:ed)?\b|\barrives?\b",
}
_TOPIC_RX = {kind: regex.compile(rx, regex.I) for kind, rx in _TOPIC_WORDS.items()}
_FAST = regex.compile(
    r"次日达|当日达|隔日达|半日达|极速达|闪电送|小时达|当天到|明日达|"
    r"(?:明天|隔天|次日|第二天|后天)(?:就|一定|保证)?(?:能|可以|可)?(?:送)?(?:到|送达|收到|到货)|"
    r"\d+\s*(?:个)?小时(?:内|之内)?(?:必达|送达|到货|送到|到家)|必达|保证[^。！？!?\n，,]{0,6}(?:送达|到货|收到)|"
    r"(?:周|星期|礼拜)[一二三四五六日天](?:前|之前|以前)?(?:就|一定|保证)?(?:能|可以)?(?:送达|到货|收到|送到)|"
    r"next[-\s]day\s+delivery|same[-\s]day\s+delivery|overnight\s+(?:delivery|shipping)|"
    r"delivered\s+(?:tomorrow|today)|\barrives?\s+(?:tomorrow|today)\b|\bget\s+it\s+(?:by\s+)?(?:tomorrow|today)\b|"
    r"\bguaranteed\s+(?:delivery|to\s+arrive|arrival)\b|"
    r"\b(?:arrive|arrives|delivered|delivery|get\s+it|receive\s+it)\s+(?:by|before|on)\s+"
    r"(?:tomorrow|mon|tues|wednes|thurs|fri|satur|sun)(?:day)?\b",
    regex.I,
)
_UNIT_NORMAL = {
    "天": "day", "日": "day", "个工作日": "day", "工作日": "day", "个月": "month", "月": "month",
    "年": "year", "小时": "hour", "周": "week", "星期": "week",
}  # fmt: skip


def _unit(raw: str) -> str:
    raw = raw.lower()
    if raw in _UNIT_NORMAL:
        return _UNIT_NORMAL[raw]
    for prefix, unit in (("fortnight", "fortnight"), ("day", "day"), ("work", "day"), ("busi", "day"), ("mon", "month"), ("y", "year"),
                         ("h", "hour"), ("week", "week")):  # fmt: skip
        if raw.startswith(prefix):
            return unit
    return raw


def _durations(sentence: str) -> list[tuple[int, int, tuple[str, Decimal]]]:
    """(start, end, (unit, number)) of each duration; ranges give both ends; 半年 = 6 months, 半个月 = 15 days."""
    found: list[tuple[int, int, tuple[str, Decimal]]] = []
    dates = [(d.start(), d.end()) for d in _DATE.finditer(sentence)]
    for m in _DURATION.finditer(sentence):
        if any(s <= m.start() < e for s, e in dates):
            continue
        if m.group(3):
            numbers, unit = [m.group(1), m.group(2)], _unit(m.group(3))
        else:
            numbers, unit = [m.group(4), m.group(5)], _unit(m.group(6))
        for raw in numbers:
            if not raw:
                continue
            if raw == "半":
                value: Decimal | None = Decimal("0.5")
            elif raw.lower() in _EN_NUMBERS:
                value = Decimal(_EN_NUMBERS[raw.lower()])
            else:
                value = number(raw)
            if value is None:
                continue
            if unit == "year":
                unit_value = ("month", value * 12)
            elif unit == "week":
                unit_value = ("day", value * 7)
            elif unit == "fortnight":
                unit_value = ("day", value * 14)
            elif unit == "month" and value == Decimal("0.5"):
                unit_value = ("day", Decimal(15))  # 半个月 is the policies' "15 天"
            else:
                unit_value = (unit, value)
            found.append((m.start(), m.end(), unit_value))
    return found


def _terms(text: str) -> list[Claim]:
    claims: list[Claim] = []
    for sentence in _SENTENCE.finditer(text):
        body, offset = sentence.group(0), sentence.start()
        topics = [kind for kind, rx in _TOPIC_RX.items() if rx.search(body)]
        if not topics:
            continue
        no_reason = bool(regex.search(r"无理由|no[-\s]reason|any\s+reason|no[-\s]questions?", body, regex.I))
        for start, end, value in _durations(body):
            kind = _nearest_topic(body, start, topics, end)
            tagged: object = ("no_reason", *value) if kind is ClaimKind.RETURNS and no_reason else value
            if kind is ClaimKind.WARRANTY and _replaces(body, start, end):
                tagged = ("replace", *value)
            claims.append(Claim(kind, tagged, body[start:end], offset + start, offset + end))
        for m in _FOREVER.finditer(body):
            kind = _nearest_topic(
                body, m.start(), [t for t in topics if t is not ClaimKind.DELIVERY] or topics
            )
            claims.append(Claim(kind, ("lifetime",), m.group(0), offset + m.start(), offset + m.end()))
    for m in _FAST.finditer(text):
        claims.append(Claim(ClaimKind.DELIVERY, ("fast", m.group(0).lower()), m.group(0), m.start(), m.end()))
    return claims


def term_evidence(text: str) -> list[tuple[ClaimKind, object]]:
    """Terms as evidence, by line (a policy bullet): each duration counts for the topic named nearest to it
    in its line, so "签收后 15 天内 … 换新" after "1 年保修；" is warranty evidence."""
    found: list[tuple[ClaimKind, object]] = []
    for line in text.splitlines():
        topics = [kind for kind, rx in _TOPIC_RX.items() if rx.search(line)]
        if not topics:
            continue
        no_reason = bool(regex.search(r"无理由|no[-\s]reason|any\s+reason|no[-\s]questions?", line, regex.I))
        for start, end, value in _durations(line):
            kind = _nearest_topic(line, start, topics, end)
            if kind is ClaimKind.WARRANTY and _replaces(line, start, end):
                found.append((kind, ("replace", *value)))  # the period also backs what it says untagged
            found.append((kind, value))
            if kind is ClaimKind.RETURNS and no_reason:
                found.append((kind, ("no_reason", *value)))
        for m in _FOREVER.finditer(line):
            found.append((_nearest_topic(line, m.start(), topics), ("lifetime",)))
        found += [(ClaimKind.DELIVERY, ("fast", m.group(0).lower())) for m in _FAST.finditer(line)]
    return found


# A period for a replacement ("15 天内…可直接换新", "within 15 days … gets a replacement") is its own term: a year's
# warranty (repair) does not back "一年内坏了免费换新".
_REPLACEMENT = regex.compile(
    r"换新|换一台新|换个新|\breplacement\b|\breplaced\s+with\s+a\s+new\b|\bnew\s+one\b", regex.I
)
_TERM_CLAUSE = regex.compile(r"[,，;；。.!！?？]")


def _replaces(body: str, start: int, end: int) -> bool:
    """Whether the clause holding the duration [start, end) promises a replacement."""
    marks = [m.start() for m in _TERM_CLAUSE.finditer(body)]
    left = max([i for i in marks if i < start], default=-1) + 1
    right = min([i for i in marks if i >= end], default=len(body))
    return _REPLACEMENT.search(body, left, right) is not None


def _nearest_topic(body: str, at: int, topics: list[ClaimKind], end: int | None = None) -> ClaimKind:
    """The topic whose keyword is closest to the span [at, end) of the sentence, preferring its own clause."""
    end = at if end is None else end
    left = max(body.rfind(mark, 0, at) for mark in ",，、") + 1
    right = min([i for i in (body.find(mark, end) for mark in ",，、") if i >= 0] or [len(body)])
    clause = [kind for kind in topics if _TOPIC_RX[kind].search(body, left, right)]

    def distance(kind: ClaimKind) -> int:
        return min(min(abs(m.start() - end), abs(m.end() - at)) for m in _TOPIC_RX[kind].finditer(body))

    return min(clause or topics, key=distance)


# -- stock -----------------------------------------------------------------------------------------------
_STOCK = regex.compile(
    rf"(?:库存|现货|存货|还剩|仅剩|只剩|剩余)\s*(?:还有|仅|只有|只剩|为|是|:|：)?\s*({_NUMBER})\s*(?:件|双|个|台|瓶|盒|包|套|只|份|条|张)"
    rf"|(?:库存|存货)\s*(?:还有|为|是|:|：)?\s*({_NUM})(?![\d.])"
    rf"|\bonly\s+({_NUM})\s+(?:left|remaining|in\s+stock|pairs?\s+left|units?\s+left|pieces?\s+left)"
    rf"|\b({_NUM})\s+(?:units?|pieces?|pairs?|items?)?\s*(?:left\s+in\s+stock|in\s+stock|left|remaining)\b"
    rf"|\bstock[ \t]*(?:of|level|count|:)[ \t]*(?:is[ \t]+)?({_NUM})\b",
    regex.I,
)
IN_STOCK = regex.compile(r"有货|现货|库存充足|货源充足|in\s+stock|available\s+now|ready\s+to\s+ship", regex.I)
OUT_OF_STOCK = regex.compile(r"缺货|无货|售罄|卖完了|断货|没货|out\s+of\s+stock|sold\s+out", regex.I)


# The words that may stand before a bare count ("we have 23 in stock"); any other word before it makes the
# number part of a name ("the Pegasus 41 in stock", "Kinvara 15 in stock" state no count).
_COUNT_AFTER = regex.compile(
    r"(?:have|has|had|are|is|with|only|just|still|got|about|around|over|under|all|there|now|keep|carry)\s+$",
    regex.I,
)
_WORD_BEFORE = regex.compile(r"[A-Za-z][A-Za-z0-9'-]*\s+$")


def _stock(text: str) -> list[Claim]:
    claims = []
    for m in _STOCK.finditer(text):
        if (
            m.group(4)
            and _WORD_BEFORE.search(text, 0, m.start(4))
            and not _COUNT_AFTER.search(text, 0, m.start(4))
        ):
            continue
        raw = next(g for g in m.groups() if g)
        value = number(raw)
        if value is not None:
            claims.append(Claim(ClaimKind.STOCK, int(value), m.group(0), m.start(), m.end(), labelled=True))
    return claims


# -- contacts, links, payment ----------------------------------------------------------------------------
_URL = regex.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'，。！？、）)\]]+"
    r"|(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:com|cn|net|org|io|me|shop|top|xyz|cc|co|info|link|app|vip|ly|gl|site|online)"
    r"(?![\w-])(?:/[^\s<>\"'，。！？、）)\]]*)?",
    regex.I,
)
_EMAIL = regex.compile(
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"|[A-Za-z0-9._%+-]+\s*(?:\[at\]|\(at\)|\{at\})\s*[A-Za-z0-9-]+"
    r"(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\.)\s*[A-Za-z0-9-]+)+"
    r"|[A-Za-z0-9._%+-]+\s+at\s+[A-Za-z0-9-]+(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+)\s*[A-Za-z0-9-]+)+",
    regex.I,
)
_MESSENGER_NAMES = (
    r"[微薇威维v]\s?信|(?<=加)\s?(?:[vV]|薇)(?![A-Za-z])|钉钉|(?<![A-Za-z])(?:vx|wx|weixin|wechat|qq|whatsapp|telegram|tg|line|"
    r"skype|signal|kakao|dingtalk|viber|discord|instagram|insta|facebook|fb|snapchat|twitter|tiktok|抖音|小红书)"
    r"(?![A-Za-z])|企鹅|飞机|扣扣|蝌蚪号"
)
_MESSENGER_ID = regex.compile(
    rf"(?:加|添加|联系|私信|私聊|找|add|contact|message|dm)?\s*(?:我的?|我们的?|客服的?|本店|us|me)?\s*(?:on\s+)?(?:{_MESSENGER_NAMES})"
    rf"\s*(?:客服|官方)?\s*(?:号码|号|账号|id|number|群)?\s*(?:是|为|:|：)?\s*@?"
    r"(?!(?:pay|payment|group|official|account|mini|app|support|chat|and|or|the)\b)([A-Za-z0-9][A-Za-z0-9_.-]{3,29})",
    regex.I,
)
_MESSENGER_ASK = regex.compile(
    rf"(?:加|添加|联系|私信|私聊|add|contact|message|dm)\s*(?:我的?|我们的?|客服的?|本店|us|me)?\s*(?:on\s+)?(?:{_MESSENGER_NAMES})"
    r"|(?:微信|wechat|qq)\s*(?:号|群|id)|telegram\s*@\w+|@[A-Za-z][A-Za-z0-9_]{4,31}\b",
    regex.I,
)
_PAYMENT = regex.compile(
    r"转账|转帐|汇款|打款|打钱|私下交易|私下付|线下付|线下交易|扫码付|扫码支付|扫码转|付款码|收款码|收款账户|收款账号|"
    r"银行账号|银行卡号|卡号|对公账户|支付链接|付款链接|\bwire\s+transfer\b|\bbank\s+transfer\b|\btransfer\s+(?:the\s+)?(?:money|payment|funds)\b|"
    r"\bpay\s+(?:to|into|via|through|using)\s+(?:this|our|the|my)\s+(?:account|link|card|wallet|qr)|\bpayment\s+link\b|"
    r"\bsend\s+(?:the\s+)?(?:money|payment|funds)\b|\biban\b|\bswift\b|\bbank\s+account\b|\baccount\s+(?:number|no\.?)\b|"
    r"\bscan\s+(?:the|this|our)\s+qr\b|\bcrypto\b|\bbitcoin\b|\busdt\b",
    regex.I,
)
_ACCOUNT_NUMBER = regex.compile(r"(?<![\w.-])\d(?:[\d ]{10,30})\d(?![\w.])")


def canonical_url(url: str) -> str:
    """'HTTPS://www.Shop.example.com/p/1/?' → 'shop.example.com/p/1' (scheme, www, trailing punctuation off)."""
    url = url.strip().rstrip(".,;:!?)）]》」'\"").lower()
    url = re.sub(r"^(?:https?|ftp)://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/?#")


def _contacts(text: str) -> list[Claim]:
    claims: list[Claim] = []
    emails = list(_EMAIL.finditer(text))
    for m in emails:
        claims.append(Claim(ClaimKind.EMAIL, m.group(0).lower(), m.group(0), m.start(), m.end()))

    def in_email(s: int, e: int) -> bool:
        return any(s < m.end() and m.start() < e for m in emails)

    for m in _URL.finditer(text):
        if not in_email(m.start(), m.end()):
            claims.append(Claim(ClaimKind.URL, canonical_url(m.group(0)), m.group(0), m.start(), m.end()))
    phones = find_phones(text)
    for phone in phones:
        claims.append(Claim(ClaimKind.PHONE, phone.national, phone.raw, phone.start, phone.end))
    for m in _MESSENGER_ID.finditer(text):
        ident = m.group(1)
        if in_email(m.start(1), m.end(1)) or any(p.start <= m.start(1) < p.end for p in phones):
            continue  # "QQ 邮箱 x@qq.com" / "微信 13812345678" are claimed as e-mail / phone
        claims.append(Claim(ClaimKind.MESSENGER, ident.lower(), m.group(0), m.start(), m.end()))
    for m in _MESSENGER_ASK.finditer(text):
        if not in_email(m.start(), m.end()):
            claims.append(
                Claim(ClaimKind.MESSENGER, "ask:" + m.group(0).lower(), m.group(0), m.start(), m.end())
            )
    taken = [(p.start, p.end) for p in phones] + [
        (c.start, c.end) for c in claims if c.kind is ClaimKind.MESSENGER
    ]
    for kind, value, start, end in spelled_numbers(
        text
    ):  # "QQ：2 8 4 7 1 9 3 6 5", "一三九 零一二三 四五六七"
        if not any(start < e and s < end for s, e in taken):
            claims.append(Claim(ClaimKind(kind), value, text[start:end], start, end))
    for m in _PAYMENT.finditer(text):
        claims.append(Claim(ClaimKind.PAYMENT, m.group(0).lower(), m.group(0), m.start(), m.end()))
    for m in _ACCOUNT_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 12 <= len(digits) <= 30 and not any(p.start <= m.start() < p.end for p in phones):
            claims.append(Claim(ClaimKind.PAYMENT, ("number", digits), m.group(0), m.start(), m.end()))
    return claims


# -- prompt leaks ----------------------------------------------------------------------------------------
_LEAK = regex.compile(
    r"system\s*prompt|my\s+(?:system\s+)?instructions|instructions\s+(?:I\s+was|I've\s+been)\s+given|"
    r"rules\s+I\s+(?:must|have\s+to)\s+follow|guard\s+phrase|xiaoer-guard|<\s*/?\s*(?:catalog|policies|history)\s*>|"
    r"系统提示|系统指令|提示词|我的指令|我的设定|我被(?:要求|设定|指示)|我必须遵守的规则|守卫短语|防护短语|"
    r"(?:catalog|policies|history)\s*标签|"
    # paraphrased disclosure: "My guidelines: …", "I was told to …", "我的指令是…", "开发者让我…"
    r"\bmy\s+(?:own\s+)?(?:operating\s+|internal\s+|hidden\s+|core\s+)?(?:guidelines|instructions|rules|directives|"
    r"configuration|prompt|programming)\b|"
    r"\bI\s*(?:was|'ve\s+been|have\s+been|am|'m)\s+(?:told|instructed|programmed|configured|set\s+up|asked|"
    r"designed|directed)\s+to\b|"
    r"\b(?:my\s+)?(?:developers?|creators?|operators?)\s+(?:told|instructed|asked|programmed|configured)\s+me\b|"
    r"\b(?:rules|instructions|guidelines)\s+I\s+(?:follow|was\s+given|have\s+been\s+given|am\s+given|got)\b|"
    r"\b(?:according\s+to|as\s+per|per)\s+my\s+(?:instructions|prompt|guidelines|rules|configuration|setup)\b|"
    r"我的(?:内部)?(?:规则|准则|工作准则|设定|指示|提示)|内部设定|"
    r"我(?:收到|接到|得到)的(?:指示|指令|要求|设定|提示)|"
    r"(?:开发者|开发人员|上面的人|上级|老板|店主|运营|系统)(?:给我的|让我|要求我|交代我|吩咐我|告诉我|指示我)|"
    r"(?:给我的|对我的)(?:指令|指示|设定)|我被(?:告知|交代|吩咐|规定|编程)",
    regex.I,
)


def _leaks(text: str) -> list[Claim]:
    return [
        Claim(ClaimKind.LEAK, m.group(0).lower(), m.group(0), m.start(), m.end())
        for m in _LEAK.finditer(text)
    ]


def extract_claims(text: str) -> list[Claim]:
    """Every claim in `text` (`surface`d first — NFKC, hidden characters out; spans refer to that text —
    and read in Simplified script), in text order,
    with `negated` set where a negation shortly precedes an offer, term or payment claim.

    Memoised per text (bounded, `CLAIMS_MEMO` texts; a fresh list per call, of frozen claims): one turn
    extracts the same reply from both gates, the applicability check and the grounding of the drafts."""
    return list(_extracted(text))


CLAIMS_MEMO = 4096  # texts whose claims are kept (a text is a reply, a sentence or a policy text)


@lru_cache(maxsize=CLAIMS_MEMO)
def _extracted(text: str) -> tuple[Claim, ...]:
    text = scanned(surface(text))
    claims = _money(text) + _offers(text) + _terms(text) + _stock(text) + _contacts(text) + _leaks(text)
    claims += [
        Claim(ClaimKind(kind), value, text[start:end], start, end, negated, kind == "stock")
        for kind, value, start, end, negated in words_claims(text)
    ]
    taken = {
        kind: [(c.start, c.end) for c in claims if c.kind is ClaimKind(kind)] for kind in ("price", "phone")
    }
    claims += [
        Claim(ClaimKind(kind), value, text[start:end], start, end, negated, kind in ("stock", "price"))
        for kind, value, start, end, negated in colloquial_claims(text)
        if kind not in ("price", "phone") or not any(start < e and s < end for s, e in taken[kind])
    ]
    stocked = [(c.start, c.end) for c in claims if c.kind is ClaimKind.STOCK]
    claims += [  # a count of the product's units without a stock word ("还有二十把", "We have 45 pairs of …")
        Claim(ClaimKind.STOCK, value, text[start:end], start, end, False, True)
        for value, start, end in unit_counts(text)
        if not any(start < e and s < end for s, e in stocked)
    ]
    out = []
    refusals = [(a, b) for a, b in sentences(text) if refusing(text[a:b])]
    for claim in claims:
        if claim.kind is ClaimKind.LEAK and any(a <= claim.start < b for a, b in refusals):
            # "I can't share my internal instructions": naming what it withholds discloses nothing
            claim = Claim(claim.kind, claim.value, claim.text, claim.start, claim.end, True, claim.labelled)
        if _negatable(claim) and (
            NEGATION.search(text[max(0, claim.start - 40) : claim.start])
            or TRAILING_DENIAL.match(text, claim.end)
        ):
            claim = Claim(claim.kind, claim.value, claim.text, claim.start, claim.end, True, claim.labelled)
        out.append(claim)
    return tuple(sorted(out, key=lambda c: (c.start, c.kind)))


def forget_claim_memos() -> int:
    """Drop the memo of extracted claims (it holds the texts checked: replies, sentences, quoted messages);
    returns how many texts it held. Run by `/forget` with the other memos of raw text."""
    dropped = _extracted.cache_info().currsize
    _extracted.cache_clear()
    return dropped


_NEGATABLE = frozenset(
    {ClaimKind.DISCOUNT, ClaimKind.GIFT, ClaimKind.PROMISE, ClaimKind.PAYMENT,
     ClaimKind.RETURNS, ClaimKind.WARRANTY, ClaimKind.DELIVERY, ClaimKind.MESSENGER}
)  # fmt: skip


def _negatable(claim: Claim) -> bool:
    """Offers and terms can be denied ("没有优惠券"); a concrete id, code or account number cannot."""
    if claim.kind not in _NEGATABLE:
        return False
    if claim.kind is ClaimKind.MESSENGER:
        return str(claim.value).startswith("ask:")
    return not (claim.kind is ClaimKind.PAYMENT and isinstance(claim.value, tuple))


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence (split at 。！？!? newlines and semicolons) of normalised text."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]
