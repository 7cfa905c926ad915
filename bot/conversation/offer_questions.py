"""Offer questions inside a customer's message: found, cut from the real question, answered on their own.

"满减吗？", "有没有会员价或者新人优惠", "Do you price match?", "能便宜点吗", "批发价多少", "Pegasus 41 现在有活动吗",
"how much is the Pegasus 41 with my coupon WELCOME50?", "我想买 Sony 耳机, do you have any coupons?" each ask about
an offer (five kinds: ``offer`` — discounts, coupons, promotions, member or newcomer prices, gifts; ``bargain`` —
a lower price for me; ``bulk`` — wholesale or quantity pricing; ``price_match``; ``authenticity`` — "承诺正品吗",
"is it authentic?": a promise only the policies may make). Why: read whole, such a message
was taken for a product search ("没有符合「会员价 新人 优惠」的商品"), small talk ("这个我帮不上忙") or random
recommendations ("能便宜点吗"), and an offer question attached to a real question lost the real question.

`find_offer_ask(text)` returns the kind, the offer phrase and `rest` — the message without it (the clause when
nothing else is in it, else only the phrase: "Pegasus 41 现在有活动吗" → "Pegasus 41"); `rest` is '' when the
message is only the offer question. The conversation answers `rest` as usual and adds the offer answer
(`offer_line`); the answer says no unless the shop's policies state that kind of offer, or — for a gift or an
included item ("送数据线吗") — the product's own description states it ("附赠6A数据线"), which is quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from knowledge.models import PolicyDoc, Product


def _rx(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.I)


_Q = r"(?:吗|么|嘛|呢|没|不|没有)?\s*[?？]?"
_KINDS: dict[str, regex.Pattern[str]] = {
    "price_match": _rx(
        r"(?:支持|有没有|有|能|可以)?(?:比价|价保|保价)(?:服务)?|买贵(?:了)?(?:能|可以)?(?:退|补)差价?|(?:退|补)差价"
        r"|别(?:家|的店)(?:更)?便宜[^，。？?]{0,8}(?:吗|么|怎么办)?"
        r"|(?:is\s+there\s+|do\s+you\s+(?:do\s+|offer\s+)?|any\s+)?price[-\s]?match(?:ing|es)?"
        r"(?:\s+if\s+i\s+find\s+it\s+cheaper(?:\s+(?:elsewhere|somewhere\s+else))?)?"
        r"|\b(?:will|can|do)\s+you\s+(?:match|beat)\s+(?:a\s+|the\s+|their\s+|any\s+)?(?:lower\s+|competitor'?s?\s+)?price"
    ),
    "bulk": _rx(
        r"批发价?(?:多少|是多少|怎么算)?|批量(?:价|采购|购买|优惠)?|团购价|(?<!容)量大(?:优惠|便宜|有优惠)?|多买(?:有)?(?:优惠|便宜|折扣)"
        r"|\b(?:bulk|wholesale|volume)\s+(?:discount|price|pricing|order|rate)s?\b|\bwholesale\b"
        r"|\bdiscount\s+for\s+(?:buying\s+)?(?:in\s+bulk|multiple|\d+|several)\b"
    ),
    "bargain": _rx(
        r"(?:能|可以|能不能|可不可以|再|还能|就不能)\s*(?:再)?(?:算|卖|给|算我|卖我|给我)?\s*便宜(?:点|些|一点|一些)?"
        r"(?:吗|么|嘛|吧|呗|不)?"
        r"|(?:给|来|算)?(?:个|我)?(?:内部价|员工价|友情价|熟客价|老客价|老顾客价|亲情价|底价|最低价|成本价)"
        r"|(?:抹|去)(?:个)?零(?:头)?|(?:打|给)个折(?:吧|呗|嘛)?"
        r"|便宜(?:点|些|一点|一些)(?:吧|呗|嘛|卖|给我|可以吗|行吗|呀)|(?:讲|砍|还|议)价|少(?:点|一点)(?:吧|呗|行吗|可以吗)"
        # "能不能少点", "再少一点吗", "可以少点钱不": the price, not a smaller product
        r"|(?:能|可以|能不能|可不可以|再|还能)\s*(?:再)?少(?:点|一点|些|一些)(?:钱)?(?:吗|么|嘛|吧|呗|不)?(?=[\s？?!！。,，]|$)"
        r"|最低(?:多少|几|价|能)|优惠(?:点|一点)(?:吧|呗|嘛|行吗)?"
        r"|\b(?:can|could|would)\s+you\s+(?:go|do|make\s+it|give\s+(?:me\s+)?|offer\s+(?:me\s+)?|cut|drop|lower)\s*"
        r"(?:me\s+)?(?:a\s+|the\s+|any\s+)?(?:lower|cheaper|better|best|discount|little\s+(?:lower|cheaper)|price)"
        r"(?:\s+(?:price|deal|offer))?(?:\s+(?:for\s+me|on\s+(?:it|this|that)))?"
        r"|\b(?:can|could|may)\s+i\s+(?:get|have)\s+(?:a\s+|any\s+)?(?:better|lower|cheaper|best|special)\s+(?:price|deal)"
        r"|\b(?:give|cut)\s+me\s+a\s+(?:discount|deal|better\s+price)|\bknock\s+(?:some(?:thing)?|a\s+bit|\d+)\s+off\b"
        r"|\b(?:what(?:'s|\s+is)\s+)?your\s+(?:best|lowest|final|last)\s+price\b"
        r"|\b(?:any\s+)?(?:wiggle\s+room|negotiable|haggle)\b|\bbest\s+price\s+you\s+can\b|\bcheaper\s+for\s+me\b"
        # a counter-offer: "800 卖不卖", "七百行不行", "would you take 800?", "sell it to me for $500?"
        r"|(?<![\d一二三四五六七八九十百千两])(?:\d{2,}|[一二三四五六七八九两][百千][一二三四五六七八九十百零]*)\s*(?:元|块|块钱)?\s*(?:卖不卖|行不行|行吗|可以吗|能卖吗|卖吗|成交吗?|出不出|出吗|包邮卖吗)"
        r"|\b(?:would|will|could)\s+you\s+(?:take|accept|do)\s+(?:[$¥￥]|rmb\s*)?\d+\b"
        r"|\b(?:sell|let\s+me\s+have)\s+(?:it|them|this|one)\s+(?:to\s+me\s+)?for\s+(?:[$¥￥]|rmb\s*)?\d+\b"
    ),
    # a hold or reservation: "hold a pair until Friday", "帮我留一双到周五", "can you reserve one for me?"
    "hold": _rx(
        r"\b(?:hold|reserve|keep|save|put\s+aside|set\s+aside)\s+(?:it|them|one|this|that|a\s+\w+|the\s+\w+|\w+\s+for\s+me)"
        r"(?:[^.?!,]{0,30}?)\s+(?:until|till|til|for\s+me|for\s+(?:a\s+few|\d+|two|three)\s+days?)\b[^.?!]{0,20}\??"
        r"|(?:帮我|给我|能不能|可以)?(?:预留|保留|留)(?:一|两|\d)?(?:双|件|个|台|份)?[^，。？?]{0,16}?(?:到|至|等)(?:周|星期|礼拜|明天|后天|下周|月底|\d+号)"
        r"[^，。？?]{0,6}(?:吗|么|嘛|可以吗|行吗)?\s*[?？]?"
    ),
    "offer": _rx(
        r"满减|满\s*\d+\s*减|会员(?:价|折扣|优惠|专享|日)|新人(?:优惠|红包|券|礼|专享|价)?|新客(?:优惠|立减)?|首单(?:优惠|立减|折扣)?"
        r"|(?:现在|目前|最近|今天|这几天)?(?:有(?:什么|啥)?|在做|做|搞|参加)?(?:优惠)?活动"
        + _Q
        + r"|活动价|促销|双\s*(?:十一|11|十二|12)|618|年货节|黑五|(?:有(?:没有)?|有什么|有啥)(?:优惠券|优惠码|代金券|红包|赠品)"
        r"|(?:优惠券|优惠码|代金券|红包|赠品)(?:吗|么|呢|是什么)?\s*[?？]"
        r"|(?:有|有没有|有什么|有啥)?优惠"
        + _Q
        + r"|(?:打折|折扣|折头)"
        + _Q
        + r"|(?:会|能)?(?:送|赠送?|附赠)(?!货|到|达|上|礼|人|给|朋友|女|男|爸|妈|父|母|长辈|老|客户|同事|孩子|小孩|对象|闺蜜|兄弟|她|他|ta)([^\s，。？?吗呢,.]{1,8}?)(?:吗|么|嘛|不|没)\s*[?？]?"
        r"|(?:我?(?:朋友|同事|家人|别人|网上|有人|客服|老板|店员)?(?:说|讲|听说|告诉我)(?:你们|店里)?)?"
        r"(?:会员|学生|新人|新客|老客|老顾客|员工|vip)?(?:可以|能)?(?:打|享受?|有)\s*[一二三四五六七八九\d.]+\s*折(?:优惠)?"
        r"(?:是真的吗|是不是真的|是真的|对吗|吗|么|嘛|吧)?\s*[?？]?"  # "我朋友说你们会员打九五折是真的吗"
        r"|\bwith\s+(?:my|a|this|the|our)\s+(?:coupon|voucher|promo\s+code|discount\s+code|code)(?:\s+[A-Z0-9]{3,20})?"
        r"|\b(?:any\s+|what\s+|do\s+you\s+have\s+(?:any\s+)?|are\s+there\s+(?:any\s+)?|is\s+there\s+(?:a|an|any)\s+)"
        r"(?:coupons?|vouchers?|promo(?:tion)?s?|promo\s+codes?|discounts?|deals?|sales?|offers?|member\s+prices?|"
        r"student\s+discounts?|free\s+gifts?|freebies?)\b"
        r"(?:(?!\s+(?:on|for|with)\s+(?:the\s+|a\s+|my\s+|your\s+)?(?-i:[A-Z0-9]))[^.?!,])*\??"  # not "on the Sony …"
        r"|\b(?:is|are)\s+(?:a|an|the)?\s*([a-z][a-z -]{1,20}?)\s+(?:included\s+)?(?:for\s+free|free\s+with\s+(?:it|this|purchase))\b"
        # a reward for a review: "free if I write a review", "好评返现吗", "晒图送什么", "5 star review for a discount?"
        r"|\b(?:free|discount|refund|cashback|money\s+back|gift)\s+(?:if|when|for)\s+i\s+(?:write|leave|post|give)\s+"
        r"(?:you\s+)?(?:a\s+)?(?:good\s+|positive\s+|5[-\s]star\s+|five[-\s]star\s+)?(?:review|rating|feedback)\b\??"
        r"|(?:好评|五星|晒图|评价)(?:后)?(?:返现|送|免单|返|有奖|给优惠)[^，。？?]{0,6}?(?:吗|么|嘛|不)?\s*[?？]?"
    ),
}
# "Pegasus 41 承诺正品吗", "是正品吗", "Is it authentic?": what the shop promises about authenticity.
_GENUINE_ZH = r"(?:正品|真货|原装正品|官方正品|正版|行货)"
_KINDS["authenticity"] = _rx(
    rf"(?:承诺|保证|确定|确保|能保证|敢保证|包)(?:是)?{_GENUINE_ZH}(?:吗|么|嘛|不|没|呢)?\s*[?？]?"
    rf"|(?:是不是|是){_GENUINE_ZH}(?:吗|么|嘛|不|没|呢)?\s*[?？]?|{_GENUINE_ZH}(?:吗|么|嘛|不|没|呢)\s*[?？]?"
    r"|(?:是|会)(?:不是)?(?:假货|假的|高仿|山寨|仿品)(?:吗|么|嘛|不)?\s*[?？]?|假一赔[一二三四五六七八九十\d]+(?:吗|么)?"
    r"|(?<=\b(?:is|are)\b[^.?!,]{1,40})\b(?:100%\s+)?(?:authentic|genuine|legit|fake|counterfeit)\b\s*\??(?=\s*(?:[.!?,]|$))"
    r"|\b(?:do\s+you\s+)?(?:guarantee|promise)\s+(?:it(?:'s|\s+is)\s+|they(?:'re|\s+are)\s+)?(?:authentic|genuine|original)"
    r"\w*\b\??"
)
_ORDER = ("price_match", "bulk", "bargain", "hold", "authenticity", "offer")
# Product searches that only sound like offers: "有没有便宜点的耳机", "配送", "送货", "户外活动".
_NOT_OFFER = _rx(
    r"便宜(?:点|些|一点|一些)?的|户外活动|活动(?:量|范围|时|中)|配送|送货|送达|赠送运费险|适合送|用来送|拿来送|送礼"
    r"|送(?:她|他|ta)?(?:什么|啥|点|些|哪)(?![^，。？?]{0,4}[吗嘛])"  # "养猫的朋友送什么好": what to give as a present, not a free gift
)
_CLAUSE = regex.compile(r"[^，,。；;！？!?\n]+[，,。；;！？!?\n]*|[，,。；;！？!?\n]+")
# What is left of a clause without its offer phrase that asks nothing by itself.
_FILLER = _rx(
    r"请问|你们|你家|店里|现在|目前|最近|今天|这个|那个|还有|有没有|有无|或者|或|和|跟|以及|也|还|吗|呢|吧|嘛|么|啊|呀|的|有|是|"
    r"能不能|可以|能|我|要|想|问下|问一下|一下|什么|啥|有冇|冇|会不会|是不是|"
    r"\b(?:is|are|there|any|do|does|you|your|have|has|a|an|the|or|and|if|i|find|it|cheaper|elsewhere|offer|"
    r"get|can|could|please|also|me|we|us|so|then|for|this|that|what|about|at|on|in|to|of|my|one|some)\b|"
    r"[\s，,。；;！？!?、:：\-—]+"
)


def asks_nothing(text: str) -> bool:
    """True when `text` holds no question of its own ("?", "please", "你们能不能"): only filler words."""
    return not _FILLER.sub("", text)


@dataclass(frozen=True)
class OfferAsk:
    """An offer question: `kind` (offer / bargain / bulk / price_match), the `phrase` as written, the asked
    item for a gift question ("数据线" of "送数据线吗", else ''), and `rest`: the message without it."""

    kind: str
    phrase: str
    item: str
    rest: str


def find_offer_ask(text: str) -> OfferAsk | None:
    """The offer question in `text` (Simplified), or None. See the module docstring for `rest`."""
    hits: list[tuple[int, int, str, str]] = []
    for kind in _ORDER:
        for m in _KINDS[kind].finditer(text):
            if not m.group(0).strip() or any(m.start() < e and s < m.end() for s, e, _, _ in hits):
                continue
            if _NOT_OFFER.search(text, max(0, m.start() - 4), min(len(text), m.end() + 4)):
                continue
            item = next((g for g in m.groups() if g), "") if m.groups() else ""
            hits.append((m.start(), m.end(), kind, item.strip()))
    if not hits:
        return None
    hits.sort()
    pieces: list[str] = []
    for clause in _CLAUSE.finditer(text):
        body, at = clause.group(0), clause.start()
        inside = [(s - at, e - at) for s, e, _, _ in hits if at <= s < clause.end()]
        if not inside:
            pieces.append(body)
            continue
        left, last = [], 0
        for s, e in inside:
            left.append(body[last:s])
            last = min(max(e, last), len(body))
        left.append(body[last:])
        remainder = "".join(left)
        if _FILLER.sub("", remainder):  # something besides the offer: keep it ("Pegasus 41 现在有活动吗")
            pieces.append(remainder)
    rest = " ".join("".join(pieces).split()).strip(" ，,。；;、")
    if not _FILLER.sub("", rest):
        rest = ""
    start, end, kind, item = hits[0]
    return OfferAsk(kind, text[start:end].strip(), item, rest)


_POLICY_STATES = {
    "price_match": _rx(r"价保|保价|比价|买贵(?:了)?(?:退|补)|退差价|price\s*match|price\s+protection"),
    "bulk": _rx(r"批发|批量|团购|\bbulk\b|\bwholesale\b|\bvolume\s+discount"),
    "authenticity": _rx(r"正品|假一赔|官方授权|\bauthentic|\bgenuine"),
}
_INCLUDED = _rx(r"附赠|赠送|赠|送|含|包含|附带|配有|配|自带|comes\s+with|includes?|included|bundled")


_OFFER_WORD = _rx(  # compound words first: a policy on 会员积分 states no 会员价
    r"会员(?:价|折扣|优惠|专享|日)|新人(?:优惠|红包|券|礼|专享|价)|新客(?:优惠|立减)?|首单(?:优惠|立减|折扣)?|满减"
    r"|双\s*(?:十一|11|十二|12)|618|活动价|活动|促销|优惠券|优惠码|代金券|红包|赠品|礼品|打折|折扣|优惠"
    r"|member\s+prices?|student\s+discounts?|coupons?|vouchers?|promo(?:tion)?s?|discounts?|deals?|sales?|gifts?"
)


def policy_states(ask: OfferAsk, policies: Sequence[PolicyDoc]) -> bool:
    """True when the shop's policies speak about the offer asked (the same kind, or for ``offer`` one of
    the offer words of the phrase): then the usual policy answer stands and no "no" is added."""
    rx = _POLICY_STATES.get(ask.kind)
    if rx is None and ask.kind == "offer":
        words = {m.group(0).lower() for m in _OFFER_WORD.finditer(ask.phrase)}
        return any(word in doc.text.lower() for word in words for doc in policies)
    return rx is not None and any(rx.search(doc.text) for doc in policies)


def included_quote(item: str, products: Sequence[Product]) -> tuple[Product, str] | None:
    """(product, sentence) when one of `products` says in its description that it includes `item`
    ("附赠6A数据线" for "数据线"); None otherwise."""
    item = item.strip().removeprefix("个").removeprefix("一个")
    if len(item) < 2:
        return None
    for product in products:
        for sentence in regex.split(r"[。！？!?；;\n]", product.description):
            low = sentence.lower()
            at = low.find(item.lower())
            if at >= 0 and _INCLUDED.search(low[max(0, at - 12) : at + len(item) + 4]):
                return product, sentence.strip(" ，,")
    return None
