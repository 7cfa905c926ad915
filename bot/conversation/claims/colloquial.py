"""Claims sellers make colloquially, found by the second red team of the truth guard (issue 13).

Each is a claim of an existing kind whose value the evidence side extracts the same way from policies and
products, so a shop whose policy really says it ("24 小时在线客服", "全国包邮") may repeat it:
- gift: a free item phrased as 下单就送X / 送您X / X白给 / "X is on us" / "on the house"; a free second item
  (第二双免费, 另一双白给, "the second pair is on us", "get the second one free") is a bundle (bogo);
  "shipping is on us" is free shipping; cashback and store credit ("10 percent back", "store credit");
  free shipping everywhere ("free shipping everywhere / anywhere", 哪里都包邮) is wider than any policy, and
  全国包邮 holds only for products above the highest free-shipping threshold (remote regions included);
- promise: price matching (比别家贵补差价, 哪家便宜按哪家, "beat/match any competitor's price", "cheaper
  elsewhere"), a negotiable price (价格可以商量, 议价, 更低的价格, "price is negotiable"), a price change
  (改价, 给您打个折), round-the-clock service (24 小时在线, 7×24, "available 24/7", "around the clock");
- discount: an unnamed cut ("下单减200", "给您打个折");
- payment: outside the checkout (付款方式发到您的邮箱, Venmo, Zelle, "send you the payment details");
- promise: counterfeit pay-outs (假货包退并赔偿), an authorised-seller status (官方授权旗舰店) no fact states;
- phone: a short local number after "text/call me at" (555-0142) that libphonenumber does not read;
- price: an amount in Chinese numerals or said colloquially ("按七百算", "七百块拿走", "八百九给你", "算您800");
- stock: abundance in words ("over a thousand pairs", "hundreds in stock") and scarcity without a figure
  (只剩最后几双, "only a few left") — the ledger allows scarcity only for a product whose stock is low.
Patterns are written in Simplified Chinese (the ledger converts Traditional text first).
"""

from __future__ import annotations

from decimal import Decimal

import regex

from knowledge.numbers import CN_NUMERAL_CHARS, parse_chinese_numeral

_CN = f"[{CN_NUMERAL_CHARS}]+"


def _rx(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.I)


_BUNDLE = _rx(
    r"第\s*[二两2]\s*[双件个份台瓶盒套只]\s*(?:免费|白给|白送|送(?:您|你)|不要钱|0\s*元|零元)"
    r"|另(?:一|外一)\s*[双件个份台瓶盒套只]\s*(?:免费|白给|白送|送(?:您|你)|不要钱)"
    r"|\b(?:the\s+)?(?:second|other|another|2nd)\s+(?:one|pair|item|unit|bottle|box)\s+(?:is\s+)?(?:on\s+us|free|on\s+the\s+house)\b"
    r"|\bget\s+(?:the\s+|a\s+)?(?:second|another|2nd)\s+(?:one|pair|item|unit)?\s*(?:for\s+)?free\b"
)
_FREE_ITEM = _rx(
    r"(?:下单|购买|买|拍下?|付款|入手)\s*(?:就|即|即可|立|还|再)\s*(?:送|赠)(?!货|达|到)"
    r"|(?:送|赠)(?:您|你)(?!到|达|回|去|货|上)"
    r"|白给|白拿|免费送|免费赠"
    r"|\b(?:is|are)\s+on\s+us\b|\bon\s+us\b(?!\s+to)|\bon\s+the\s+house\b|\bcomplimentary\b"
)
_ON_US_SHIPPING = _rx(r"\b(?:shipping|delivery|postage)\b[^.!?\n]{0,20}\bon\s+us\b")
_CASHBACK = _rx(
    r"\b\d+(?:\.\d+)?\s*(?:%|percent)\s+back\b|\bstore\s+credits?\b|\bcredit(?:ed)?\s+(?:to|on)\s+your\s+account\b"
    r"|\bmoney\s+back\s+as\b|返\s*(?:您|你)?\s*(?:\d+|百分之)|店铺积分返|购物金"
)
_NATIONWIDE = _rx(
    r"全国(?:各地)?(?:都)?(?:包邮|免运费)|所有(?:省份|地区)都?包邮|\bnationwide\s+free\s+shipping\b"
)
_EVERYWHERE = _rx(
    r"哪里都包邮|任何地方都?包邮|\bfree\s+(?:shipping|delivery)\s+(?:everywhere|anywhere|nationwide|to\s+(?:anywhere|everywhere|all))\b"
    r"|\b(?:ships?|delivers?)\s+free\s+(?:everywhere|anywhere|nationwide)\b"
)
_PRICE_MATCH = _rx(
    r"(?:别家|别的店|其他(?:店|家|平台|店铺)|外面|他家|同行|竞品|比价|贵了?)[^。！？!?\n]{0,12}(?:补|退|赔|返)\s*(?:差价|差额|给您|给你)"
    r"|哪家(?:更)?便宜[^。！？!?\n]{0,10}(?:按|给|卖|跟)|按(?:别家|其他家|哪家|别的店)的?价"
    r"|\b(?:beat|match|meet)\s+(?:any|every|all|their|the|that|a|your)?\s*(?:competitor|competing|rival|other\s+(?:store|shop|seller)|lower|cheaper)"
    r"|\b(?:beat|match)\s+(?:any|their|every)\s+(?:[a-z']+\s+){0,2}prices?\b"
    r"|\bcheaper\s+(?:elsewhere|anywhere\s+else|somewhere\s+else)\b[^.!\n]{0,30}\b(?:match|beat|refund)"
)
_NEGOTIABLE = _rx(
    r"价(?:格|钱)?\s*(?:是|方面|上)?(?:可以|能|还能|还可以|也可以|都可以|都|还)?(?:再)?(?:商量|再谈|可谈|好谈|好说)|可议价|可以议价|议价空间"
    r"|(?:更|再)(?:低|便宜)(?:一点|一些|些|点)?的?价(?:格|钱)?|便宜(?:点|些|一点)给(?:您|你)|算(?:您|你)便宜"
    r"|\b(?:price\s+is\s+)?negotiable\b|\bmake\s+you\s+a\s+(?:better\s+)?deal\b|\b(?:better|lower|special)\s+price\s+for\s+you\b"
)
_OFF_CHECKOUT = _rx(
    r"(?:付款|支付|收款)(?:方式|信息|链接|账号|二维码)[^。！？!?\n]{0,6}发(?:到|给)(?:您|你)"
    r"|发(?:到|给)(?:您|你)的?(?:邮箱|微信|手机|短信)[^。！？!?\n]{0,8}(?:付款|支付)"
    r"|\bsend\s+(?:you\s+)?(?:the\s+|our\s+)?payment\s+(?:details|info(?:rmation)?|instructions|method)"
    r"|\b(?:venmo|cash\s*app|zelle|western\s+union|moneygram|paypal\.me)\b"
)
_FAKE_PAYOUT = _rx(
    r"假(?:货|一|的)[^。！？!?\n，,]{0,6}(?:赔|补偿)|\bfakes?\b[^.!?\n]{0,24}\b(?:compensat\w*|pay\s+you)\b"
)
_AUTHORISED = _rx(
    r"官方授权|授权(?:经销商|专卖店|店铺|门店)|官方旗舰店|品牌直营"
    r"|\bofficial(?:ly)?\s+(?:authori[sz]ed|store|retailer|flagship|partner)\b|\bauthori[sz]ed\s+(?:\w+\s+)?(?:dealer|retailer|reseller|store|seller)\b"
)
_CALL_ME = _rx(r"\b(?:text|call|phone|ring|sms|whatsapp)\s+(?:me|us)\s+(?:at|on)\s+(\+?\d[\d\s().-]{5,}\d)")
_PRICE_CHANGE = _rx(r"改价|改个价|修改价格|调(?:个|一下)?价|\b(?:adjust|change)\s+the\s+price\b")
_UNNAMED_CUT = _rx(
    r"打个折|打点折|给(?:您|你)(?:打折|打个折|优惠)|可享(?:受)?(?:优惠|折扣)|享(?:受)?(?:专属)?(?:优惠|折扣)"
    r"|\b(?:get|receive|enjoy)\s+(?:a|an|the)?\s*(?:special\s+|extra\s+|exclusive\s+)?discount\b"
    r"|(?:下单|付款|拍下|购买|现在|今天|马上)\s*(?:就|立|立马|马上|立即|可|再|还)?\s*(?:能|可以)?\s*减\s*(?:\d+|"
    + _CN
    + ")"
)
_ALWAYS_OPEN = _rx(
    r"24\s*(?:小时|h)\s*(?:在线|客服|服务|营业|值班|都在|随时)|7\s*[x×*]\s*24|全天候|全天24|随时在线|全天在线"
    r"|\b24\s*/\s*7\b|\baround\s+the\s+clock\b|\b24\s+hours\s+a\s+day\b|\bany\s+time\s+of\s+(?:the\s+)?day\b"
)
_SPOKEN_PRICE = _rx(
    rf"(?:按|算(?:您|你)?|收(?:您|你)|卖(?:您|你)|给(?:您|你)算?|只收|就收|优惠到|改成|改到)\s*((?:\d+|{_CN}))\s*(?:块|元)?(?:钱)?"
    rf"(?=\s*(?:算|拿走|给你|给您|卖你|卖您|就行|吧|好了|$|[。！？!?，,]))"
    rf"|({_CN})\s*块(?:钱)?(?=\s*(?:拿走|给你|给您|卖你|卖您|就行|吧|包邮|[。！？!?，,]|$))"
    rf"|([{CN_NUMERAL_CHARS}]*[百千][{CN_NUMERAL_CHARS}]*)(?=\s*(?:给你|给您|卖你|卖您|拿走|就行))"
)
_STOCK_WORDS = _rx(
    r"\b(?:over|more\s+than|nearly|about|around|almost)?\s*(?:a|one)?\s*(?:hundreds?|thousands?|dozens?)\s+"
    r"(?:of\s+)?(?:pairs?|units?|pieces?|items?|bottles?|boxes?|in\s+stock|left|available|ready|on\s+hand)"
    r"|几百(?:双|件|台|个|套|瓶|盒)|成千上万"
)
_SALES_WORDS = _rx(r"\b(?:hundreds|thousands|millions|tens\s+of\s+thousands)\s+(?:of\s+\w+\s+)?sold\b")
_FEW_LEFT = _rx(
    r"(?:只剩|仅剩|就剩|还剩)(?:最后)?(?:几|一两|两三|三两)\s*(?:双|件|台|个|套|瓶|盒)|最后几(?:双|件|台|个|套|瓶|盒)"
    r"|\bonly\s+a\s+(?:few|couple)\s+(?:\w+\s+)?left\b|\b(?:last|final)\s+few\s+(?:pairs?|units?|pieces?)\b"
    r"|\balmost\s+(?:sold\s+out|gone)\b|快(?:要)?(?:卖完|售罄|断货)"
)


def _amount(raw: str) -> Decimal | None:
    if raw.isdigit():
        return Decimal(raw)
    value = parse_chinese_numeral(raw)
    return None if value is None else Decimal(value)


def colloquial_claims(text: str) -> list[tuple[str, object, int, int, bool]]:
    """(kind, value, start, end, negated) for every colloquial claim in `text` (Simplified, NFKC)."""
    found: list[tuple[str, object, int, int, bool]] = []

    def add(kind: str, value: object, rx: regex.Pattern[str]) -> list[tuple[int, int]]:
        spans = [(m.start(), m.end()) for m in rx.finditer(text)]
        found.extend((kind, value, s, e, False) for s, e in spans)
        return spans

    bundles = add("gift", "bogo", _BUNDLE)
    shipping = add("gift", "free_shipping", _ON_US_SHIPPING)
    for m in _FREE_ITEM.finditer(text):
        if not any(s <= m.start() < e or s < m.end() <= e for s, e in (*bundles, *shipping)):
            found.append(("gift", "free", m.start(), m.end(), False))
    add("gift", "cashback", _CASHBACK)
    add("gift", "free_shipping:everywhere", _EVERYWHERE)
    add("gift", "free_shipping:nationwide", _NATIONWIDE)
    add("promise", "price_match", _PRICE_MATCH)
    add("promise", "negotiable", _NEGOTIABLE)
    add("promise", "price_change", _PRICE_CHANGE)
    add("promise", "always_open", _ALWAYS_OPEN)
    add("promise", "sales_count", _SALES_WORDS)
    add("discount", ("unnamed",), _UNNAMED_CUT)
    add("payment", "off_checkout", _OFF_CHECKOUT)
    add("promise", "fake_compensation", _FAKE_PAYOUT)
    add("promise", "authorised_seller", _AUTHORISED)
    for m in _CALL_ME.finditer(text):
        digits = regex.sub(r"\D", "", m.group(1))
        found.append(("phone", digits, m.start(1), m.end(1), False))
    add("stock", ("plenty",), _STOCK_WORDS)
    add("stock", ("few",), _FEW_LEFT)
    for m in _SPOKEN_PRICE.finditer(text):
        group = next(i for i in (1, 2, 3) if m.group(i))
        value = _amount(m.group(group))
        if value is not None and value >= 10:
            found.append(("price", (value, ""), m.start(group), m.end(group), False))
    return found
