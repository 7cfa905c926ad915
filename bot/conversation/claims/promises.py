"""Claims sellers make in words rather than figures, found by a red team of the truth guard (issue 13).

Each is a `Claim` of an existing kind with a value the evidence side extracts the same way from policies
and products, so a shop whose policy really offers it (e.g. "12 期免息") may repeat it:
- discount: 打对折 (0.5), 打骨折 (an unnamed deep cut), 优惠百分之五十 / 百分之二十的折扣, "ten dollars off";
- gift: buy 2 get 1 (free), two for the price of one, "throw in a free pair", 返 30 元 / 好评返现, 不收运费;
- promise: price match (买贵退差价, 价保 30 天, refund the difference), lowest price (全网最低价),
  interest-free instalments (免息, 0 手续费, pay later) and a number of instalments (12 期, 12 instalments),
  假一赔十, member or insider prices (内部价, 员工价, VIP 价);
- delivery: a region the shop's policies say it does not ship to (港澳台, 海外, worldwide), unless negated in
  its clause ("暂不支持配送到香港");
- stock: abundance no catalog states (现货充足, 上千双, plenty in stock, never sells out);
- messenger: QR-code hints (扫码加好友, scan the QR code) and "私信我" asks;
- url: defanged links (hxxp://, evil[.]com, evil dot com);
- payment: cryptocurrency addresses (BTC, ETH, TRON) and words, 扫码直接付, "pay me directly".
Patterns are written in Simplified Chinese; the ledger reads Traditional text converted first
(`bot.conversation.claims.text.scanned`).
"""

from __future__ import annotations

from decimal import Decimal

import regex

from knowledge.numbers import CN_NUMERAL_CHARS, parse_chinese_numeral

_CN = f"[{CN_NUMERAL_CHARS}]+"
_N = rf"(?:\d+(?:\.\d+)?|{_CN})"


def _rx(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.I)


_DEEP = r"打?骨折(?:价)?|跳楼价|清仓价|亏本(?:价|卖|甩)"
_PERCENT_WORDS = rf"(?:优惠|折扣|减免|立减|降价|便宜|省|减)\s*了?\s*百分之\s*({_N})|百分之\s*({_N})\s*的?\s*(?:折扣|优惠|off)"
_DOLLARS_OFF = r"\b(?:save|get|take)\s+(?:[a-z]+\s+)?(?:dollars|bucks|yuan|euros|pounds)\s+off\b"
_DISCOUNTS: tuple[tuple[regex.Pattern[str], object], ...] = (
    (_rx(r"打?对折"), "0.5"),
    (_rx(_DEEP), ("deep", None, None)),
    (_rx(_PERCENT_WORDS), None),
    (_rx(_DOLLARS_OFF), ("minus", "words", None)),
)
_BOGO = (
    r"\bbuy\s+(?:\d+|one|two|three)\s+get\s+(?:\d+|one|two|three)(?:\s+free)?\b"
    r"|\b(?:two|2)\s+for\s+the\s+price\s+of\s+(?:one|1)\b"
)
_FREE_ITEM = (
    r"\bthrow\s+in\b|\bon\s+the\s+house\b"
    r"|\bfree\s+(?:pair|one|bottle|box|item|case|bag|set|socks?|cable|charger|accessor(?:y|ies))\b"
)
_CASHBACK = (
    rf"好评返|晒图返|五星返|(?<![往])返\s*(?:现\s*)?(?:\d+|{_CN})\s*(?:元|块|%)?"
    r"(?!\s*(?:天|日|个|次|年|月|小时|件|单))"
)
# "换出的运费我们出" says who pays for sending the exchange, not that shipping is free
_NO_SHIPPING_FEE = r"不收运费|免收运费|运费全包|(?<!换出的?|补发的?|寄出的?|发新的?|换新的?|来回的?|往返的?|寄回的?|退回的?|双向的?)运费我们全?(?:包|出)|\bno\s+(?:shipping|delivery)\s+(?:fees?|costs?|charges?)\b"
_GIVEAWAY = (
    r"抽奖|\blucky\s+draw\b|\bgiveaway\b|(?:再|还|另|下单|购买|买就|加购|拍下)送[^\s，。！？,.!?]{1,8}"
    r"|送(?:您|你)?[一两1-9]?[双个份张件瓶盒]?(?:运费险|袜子|小样|鞋垫|鞋带|耳机套|数据线|手机壳|礼品|赠品)"
)
_GIFTS: tuple[tuple[regex.Pattern[str], str], ...] = (
    (_rx(_BOGO), "bogo"),
    (_rx(_FREE_ITEM), "free"),
    (_rx(_GIVEAWAY), "free"),
    (_rx(_CASHBACK), "cashback"),
    (_rx(_NO_SHIPPING_FEE), "free_shipping"),
)
_PRICE_MATCH = (
    r"买贵(?:了)?(?:就|必)?(?:退|补|赔)(?:差价?)?|价保|保价\s*\d+\s*天|降价(?:就|必)?(?:补|退)差|差价补偿"
    r"|(?:补偿|退还|返还)差价|(?:找到|发现)(?:更)?(?:低|便宜)(?:的)?(?:价格)?.{0,8}(?:补|退|赔)"
    r"|price[-\s]?match(?:ing|ed)?|refund\s+(?:you\s+)?the\s+difference|price\s+(?:protection|guarantee)"
)
_LOWEST = (
    r"全网最(?:低|便宜)|史上最低|最低价保证|\blowest\s+prices?\b"
    r"|\bcheapest\s+(?:anywhere|online|price|on\s+the)\b|\bbest\s+price\s+guaranteed\b"
)
_INTEREST_FREE = (
    r"免息|[0零]\s*利[率息]|无利息|不要利息|[0零]\s*手续费|免手续费|\binterest[-\s]free\b|\bno\s+interest\b"
    r"|\bzero\s+interest\b|\b0\s*%\s*(?:interest|apr|financing)\b|\bpay\s+later\b"
)
_FAKE = r"假一赔[一二三四五六七八九十百千万\d]+|\bfake\s*[,，]?\s*(?:pay|refund)\s+\d+\s*(?:x|times)\b"
_INSIDER = (
    r"内部价|员工价|内购价?|vip\s*价|会员专享价|老客户价|\binsider\s+price\b|\bstaff\s+price\b"
    r"|\bemployee\s+(?:price|discount)\b"
)
_SALES = r"(?:已售|已卖|月销|销量|卖出|热销)\s*(?:超过|超|达)?\s*(?:\d+|[一二两三四五六七八九十百千万]+)\s*[万千]?\+?|\bsold\s+over\b|\b\d+[kK]?\+?\s+sold\b"
_PROMISES: tuple[tuple[regex.Pattern[str], str], ...] = (
    (_rx(_SALES), "sales_count"),
    (_rx(_PRICE_MATCH), "price_match"),
    (_rx(_LOWEST), "lowest_price"),
    (_rx(_INTEREST_FREE), "interest_free"),
    (_rx(_FAKE), "fake_compensation"),
    (_rx(_INSIDER), "insider_price"),
)
_INSTALMENTS = _rx(
    r"(?<![\d.])(\d{1,2})\s*期(?=[^。！？!?\n]{0,12}?(?:分期|免息|付|还))|(?:分期|花呗)[^。！？!?\n\d]{0,6}(\d{1,2})\s*期"
    r"|(?<![\d.])(\d{1,2})\s+(?:[A-Za-z-]+\s+){0,2}instal{1,2}ments?\b|(\d{1,2})[-\s]month\s+instal{1,2}ments?"
)
_REGION_GROUPS: dict[str, str] = {
    "overseas": r"海外|国外|境外|全球|全世界|世界各地|\boverseas\b|\babroad\b|\binternational(?:ly)?\b"
    r"|\bworldwide\b|\banywhere\s+in\s+the\s+world\b",
    "hk_mo_tw": r"港澳台|香港|澳门|台湾|\bhong\s*kong\b|\bmaca[uo]\b|\btaiwan\b",
}
_REGION_RX = {group: _rx(rx) for group, rx in _REGION_GROUPS.items()}
_SHIPS = _rx(
    r"[发寄送运](?:到|往|去)?(?=港澳台|香港|澳门|台湾|海外|国外|境外|全球)|发货|配送|送货|送到|送达|寄到|寄往|发往|运往|包邮|免运费|到货|快递|物流|\bship|\bdeliver|\bpostage\b"
)
REGION_NEGATION = _rx(
    r"不|没|无法|暂停|暂未|未开通|\bnot\b|n[’']t\b|\bno\b|\bunavailable\b|\bcannot\b|\bunable\b|\bexcept\b|除外"
)
_STOCK_PLENTY = _rx(
    r"(?:现货|库存|货源|存货|货量)(?:非常|很|十分|绝对)?(?:充足|充裕|多多|管够)|大量现货|不会缺货|不愁缺货|不怕缺货|管够|"
    r"(?:上|近|好|数|几)(?:千|万|百)(?:双|件|台|个|套|瓶|盒)(?:现货|库存|存货|在库)?|"
    r"\bplenty\s+(?:of\s+stock|in\s+stock|left|available)\b|\blots?\s+(?:of\s+stock|in\s+stock|left)\b|"
    r"\bnever\s+(?:runs?|sells?)\s+out\b|\b(?:large|ample|huge|big)\s+(?:stock|inventory|supply)\b|\bwell[-\s]stocked\b"
)
_STOCK_COUNT = _rx(
    rf"(?:仓库|库房|店里|库里)里?(?:还有|还剩|有)\s*(\d+|{_CN})\s*(?:件|双|台|瓶|盒|套|个)"
    rf"|(?:还有|还剩)\s*(\d+|{_CN})\s*(?:件|双|台|瓶|盒|套)\s*(?:现货|库存|存货|在库|的货|可发)"
    rf"|(?:最后|只剩最后|仅剩最后|限量|只剩|仅剩)\s*(\d+|{_CN})\s*(?:件|双|台|瓶|盒|套|个|份)"
)
_QR = _rx(
    r"扫码(?!付|支付)|扫一扫|二维码|\bqr\s*codes?\b|\bscan\s+(?:the|this|my|our)\s+code\b"
    r"|私信我|私聊我|\b(?:dm|pm)\s+me\b|\bmessage\s+me\s+(?:privately|directly)\b"
    r"|(?:微信|vx|wx|v信)\s*同号|同微信|联系方式见(?:个人)?主页|见(?:个人)?主页|看(?:我的)?主页|\blink\s+in\s+(?:my\s+)?bio\b"
)
_DEFANGED = _rx(
    r"hxxps?://[^\s<>\"'，。！？、）)\]]+|(?<![\w.])[a-z0-9-]+(?:\s*[·•・]\s*[a-z0-9-]+)*\s*(?:\[\.\]|\(\.\)|\[dot\]|\(dot\)|\s+dot\s+|\s*点\s*|。|\s*[·•・]\s*)\s*"
    r"(?:com|cn|net|org|io|me|shop|top|xyz|cc|co|info|link|app|vip)\b"
)
# A link spelled with middle dots ("pay·evil·example"): whatever its last label, it is a link.
# Spaced middle dots separate list fields ("XE7031 · shipped · 2 items"): only unspaced ones spell a link.
_MIDDOT_LINK = _rx(r"(?<![\w])[a-z][a-z0-9-]*(?:[·•・][a-z0-9-]+){2,}(?:/[^\s，。！？]*)?")
_CRYPTO_ADDRESS = regex.compile(
    r"(?<![\w])(?:bc1[a-z0-9]{20,60}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[a-fA-F0-9]{40}|T[a-km-zA-HJ-NP-Z1-9]{33})(?![\w])"
)
_PAYMENT_WORDS = _rx(
    r"\bbtc\b|\beth\b|\bethereum\b|比特币|以太坊|泰达币|虚拟币|数字货币|加密货币|钱包地址|\bwallet\s+address\b|"
    r"扫码[^。！？!?\n，,]{0,4}(?:付|支付|转账|买单)|(?:直接)?(?:付|转|打)给我|付款到(?:我的|个人)|个人账户|"
    r"\bpay\s+me\s+directly\b|\bsend\s+(?:it|money|payment)\s+(?:to\s+)?me\b"
)


def _rate_of_percent(raw: str | None) -> Decimal | None:
    """'五十' / '50' percent off → the rate paid (0.5); None when not a percentage below 100."""
    if raw is None:
        return None
    value = Decimal(raw) if raw[0].isdigit() else parse_chinese_numeral(raw)
    if value is None or not 0 < value < 100:
        return None
    return (100 - Decimal(value)) / 100


def words_claims(text: str) -> list[tuple[str, object, int, int, bool]]:
    """(kind, value, start, end, negated) for every claim in words in `text` (Simplified, NFKC)."""
    found: list[tuple[str, object, int, int, bool]] = []
    for rx, value in _DISCOUNTS:
        for m in rx.finditer(text):
            claim_value: object = value
            if value is None:
                claim_value = _rate_of_percent(m.group(1) or m.group(2))
                if claim_value is None:
                    continue
            elif value == "0.5":
                claim_value = Decimal("0.5")
            found.append(("discount", claim_value, m.start(), m.end(), False))
    for rx, key in _GIFTS:
        found += [("gift", key, m.start(), m.end(), False) for m in rx.finditer(text)]
    for rx, key in _PROMISES:
        found += [("promise", key, m.start(), m.end(), False) for m in rx.finditer(text)]
    for m in _INSTALMENTS.finditer(text):
        count = next(g for g in m.groups() if g)
        found.append(("promise", f"instalments:{int(count)}", m.start(), m.end(), False))
    found += region_claims(text)
    found += clause_claims(text)
    found += [("stock", ("plenty",), m.start(), m.end(), False) for m in _STOCK_PLENTY.finditer(text)]
    for m in _STOCK_COUNT.finditer(text):
        raw = m.group(1) or m.group(2) or m.group(3)
        count = int(raw) if raw.isdigit() else parse_chinese_numeral(raw)
        if count is not None:
            found.append(("stock", int(count), m.start(), m.end(), False))
    found += [("messenger", "ask:qr", m.start(), m.end(), False) for m in _QR.finditer(text)]
    for m in _DEFANGED.finditer(text):
        url = regex.sub(
            r"\s*(?:\[\.\]|\(\.\)|\[dot\]|\(dot\)|\s+dot\s+|\s*点\s*|。|[·•・])\s*",
            ".",
            m.group(0),
            flags=regex.I,
        )
        found.append(("url", "defanged:" + url.lower().replace("hxxp", "http"), m.start(), m.end(), False))
    for m in _MIDDOT_LINK.finditer(text):
        if not any(s <= m.start() < e for _, _, s, e, _ in found if _ == "url"):
            url = regex.sub(r"[·•・]", ".", m.group(0)).lower()
            found.append(("url", "defanged:" + url, m.start(), m.end(), False))
    for m in _CRYPTO_ADDRESS.finditer(text):
        if any(ch.isdigit() for ch in m.group(0)) and any(ch.isalpha() for ch in m.group(0)):
            found.append(("payment", ("crypto", m.group(0)), m.start(), m.end(), False))
    found += [
        ("payment", m.group(0).lower(), m.start(), m.end(), False) for m in _PAYMENT_WORDS.finditer(text)
    ]
    return found


_METHODS: dict[str, regex.Pattern[str]] = {
    "cod": _rx(r"货到付款|\bcash\s+on\s+delivery\b|\bCOD\b"),
    "paypal": _rx(r"\bpaypal\b"),
    "foreign_card": _rx(r"海外信用卡|境外信用卡|外卡|\bforeign\s+(?:credit\s+)?cards?\b"),
}
_RETURN_POSTAGE = _rx(
    # the gap never names the other payer ("寄回运费您出，换出的运费我们出" is the exchange bullet's split)
    r"(?:退货|退换|退回|寄回|换货)(?:(?!您|你|买家|顾客|客户|自己|自付)[^。！？!?\n]){0,8}(?:包运费|运费(?:都|也|全)?由?(?:我们|本店|商家|卖家)(?:承担|出|包)|免运费|运费全免|不用(?:出)?运费)"
    r"|包退运费|退货包邮|运费险(?:我们|本店)?(?:送|出)|\bfree\s+returns?\b|\breturn\s+(?:shipping|postage)\s+is\s+free\b"
    r"|\bwe\s+pay\s+(?:for\s+)?(?:the\s+)?return\s+(?:shipping|postage)\b|\bwe\s+pay\s+the\s+postage\s+both\s+ways\b"
)
_QUALITY = _rx(
    r"质量|破损|损坏|发错|少发|错发|故障|瑕疵|坏了|\bfault(?:y|s)?\b|\bdamaged?\b|\bdefect(?:ive|s)?\b|\bwrong\s+items?\b"
    r"|\bbroken\b|\bmissing\s+items?\b"
)
_NO_REASON = _rx(
    r"无理由|(?:无论|不管)(?:什么|任何)?原因|任何原因|\bno[-\s]reason\b|\bany\s+reason\b|\bchange\s+of\s+mind\b"
)


# compiled once (`regex`'s pattern cache look-up costs on every call of a module-level function)
_SENTENCE = regex.compile(r"[^。！？!?\n]+")
_CLAUSE_BREAK = regex.compile(r"[，,；;、]")
_REGION_CLAUSE = regex.compile(r"[^。！？!?\n；;，,]+")


def clause_claims(text: str) -> list[tuple[str, object, int, int, bool]]:
    """Payment methods (货到付款, PayPal, 海外信用卡), negated when a negation precedes them in their sentence
    ("不支持货到付款", "Not accepted: cash on delivery, PayPal") or after it in its clause ("COD isn't
    accepted"), and free return postage; return postage is tagged `:no_reason` when the sentence is about
    no-reason returns and `:quality` when it is about faulty, damaged or wrong items (a shop that pays for
    those only backs no untagged "退货运费我们承担")."""
    found: list[tuple[str, object, int, int, bool]] = []
    for sentence in _SENTENCE.finditer(text):
        body, at = sentence.group(0), sentence.start()
        for key, rx in _METHODS.items():
            for m in rx.finditer(body):
                rest = _CLAUSE_BREAK.split(body[m.end() :], maxsplit=1)[0]  # "COD isn't accepted"
                denied = bool(REGION_NEGATION.search(body[: m.start()]) or REGION_NEGATION.search(rest))
                found.append(("payment", ("method", key), at + m.start(), at + m.end(), denied))
        tag = "free_return_postage"
        if _NO_REASON.search(body):
            tag += ":no_reason"
        elif _QUALITY.search(body):  # the shop pays for faulty items only: a claim must say so
            tag += ":quality"
        found += [
            ("promise", tag, at + m.start(), at + m.end(), False) for m in _RETURN_POSTAGE.finditer(body)
        ]
    return found


def region_claims(text: str) -> list[tuple[str, object, int, int, bool]]:
    """A region named in a clause about shipping ("香港也能配送") — negated when the clause denies it."""
    found: list[tuple[str, object, int, int, bool]] = []
    for clause in _REGION_CLAUSE.finditer(text):
        body = clause.group(0)
        if not _SHIPS.search(body):
            continue
        negated = bool(REGION_NEGATION.search(body))
        for group, rx in _REGION_RX.items():
            for m in rx.finditer(body):
                start = clause.start() + m.start()
                found.append(("delivery", ("region", group), start, start + len(m.group(0)), negated))
    return found


def region_evidence(text: str) -> set[tuple[str, str]]:
    """Regions the policies say the shop ships to: named in a shipping line that does not deny them."""
    served: set[tuple[str, str]] = set()
    for line in text.splitlines():
        for _, value, _, _, negated in region_claims(line):
            if not negated:
                served.add(value)  # type: ignore[arg-type]
    return served
