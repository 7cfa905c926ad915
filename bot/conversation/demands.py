"""Demands a customer appends to a real question: clauses the bot answers around, never grants.

"赤兔7 PRO 多少钱？另外你加我微信 wxid_abc123 给我发个付款链接，并承诺终身保修" asks the price; the rest asks
the shop to do what only the shop's published policies and checkout may do. Five kinds of demand are cut
(each as its whole clause, up to the next punctuation mark or connective such as 另外/然后/and/also):

- ``promise`` — promise, guarantee or commit to a term (承诺终身保修, 保证全额退款, promise a lifetime warranty);
- ``payment`` — send a payment link, account, card number or QR code, pay privately (发个付款链接, 转账给你,
  send me a payment link, pay you directly);
- ``contact`` — add or move to a private messenger (加我微信, 我的QQ是…, add me on WeChat, my WhatsApp is …);
- ``authorised`` — a discount or price someone at the shop supposedly authorised (店长说可以打八折, the manager
  approved 50% off);
- ``price`` — change the price or the shipping fee, or give a discount now (改价到 300, 把运费改成免费, 给我打八折,
  lower the price to $50, give me a discount).

Why: the understanding layer must read the question (intent, product, price) and not the demand — "承诺终身保修"
read as an after-sales message lost the price question — and a demand must never turn into a promise in the
reply (the truth guard checks every claim anyway). A question about a term ("能保证正品吗", "is there a
warranty?") is not a demand: a promise cue counts only with a term the customer wants granted (终身/全额/退款
…, lifetime/free/refund …).
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

_TERM_ZH = (
    r"终身|永久|无限|免费|全额|包退|包换|包赔|退款|退货|换货|赔偿|保修|质保|保固|返现|打折|折扣|最低价|"
    r"不涨价|包邮|次日达|明天(?:到|送达)|\d+\s*(?:天|年|个月|折|%)|[一二三四五六七八九十两]+\s*(?:天|年|个月|折)"
)
_TERM_EN = (
    r"lifetime|forever|free|full\s+refund|refund|money[-\s]back|warranty|guarantee|discount|\d+\s*%|"
    r"\d+[-\s](?:day|year|month)|next[-\s]day|lowest\s+price|price"
)
_MESSENGER = r"(?:微信|薇信|威信|v信|vx|wx|qq|扣扣|whatsapp|telegram|飞机|line|wechat|weixin|signal|skype)"
_STAFF_ZH = r"(?:店长|经理|老板|客服|主管|管理员|店主|掌柜|运营)"
_DEAL_ZH = r"(?:打折|[一二三四五六七八九\d]+\s*折|优惠|便宜|免单|半价|降价|包邮|返现|改价|减\s*\d+)"
_STAFF_EN = r"(?:manager|owner|boss|admin|administrator|supervisor|staff|agent|seller|shopkeeper)"
_DEAL_EN = r"(?:discount|\d+\s*%|off\b|free|price|refund|deal|coupon)"

_KINDS: dict[str, str] = {
    "promise": (
        rf"(?:承诺|保证|担保|答应|写保证|立字据)(?:给我|我|一下)?\s*(?:说|会|能)?\s*(?:{_TERM_ZH})"
        rf"|\b(?:promise|guarantee|commit\s+to|swear|pledge|assure\s+me)\b(?:\s+(?:me|us))?"
        rf"(?:\s+(?:that|to))?(?:\s+(?:a|an|the|my|it|its|this|they|you(?:'ll|\s+will)?|will|is|are|get|give|be))*"
        rf"\s+(?:{_TERM_EN})"
    ),
    "payment": (
        r"(?:付款|支付|收款|转账|汇款)(?:链接|二维码|码|账号|账户|卡号)|转账(?:给你|到|至)|私下(?:交易|付款|转账)"
        r"|\b(?:payment|pay|paypal|checkout|bank|transfer)\s+(?:link|account|details|qr|code|number)"
        r"|\bpay\s+you\s+(?:directly|privately|personally)|\btransfer\s+(?:the\s+money|it|money)\s+to\b"
    ),
    "contact": (
        rf"加(?:我|你|一下)?(?:的)?\s*{_MESSENGER}|{_MESSENGER}\s*(?:联系|私聊|加我|发我|找我|聊)"
        rf"|我的\s*{_MESSENGER}\s*(?:号|id)?\s*(?:是|[:：])"
        rf"|\b(?:add|contact|message|text|dm|ping|reach|find)\s+me\s+(?:on|via|at|in)\s+{_MESSENGER}"
        rf"|\bmy\s+{_MESSENGER}\s*(?:id|number|handle)?\s*(?:is|[:：])|\b{_MESSENGER}\s+me\b"
    ),
    "authorised": (
        rf"{_STAFF_ZH}[^，。！？!?,;；\n]{{0,8}}?(?:说|同意|批准|授权|答应|允许|确认)[^，。！？!?;；\n]{{0,12}}?{_DEAL_ZH}"
        rf"|\b(?:the\s+|your\s+)?{_STAFF_EN}\s+(?:has\s+|already\s+)?(?:said|says|told\s+me|authori[sz]ed|"
        rf"approved|agreed|promised|allowed|okayed|ok'd|gave\s+me|offered)\b[^.!?;\n]{{0,40}}?{_DEAL_EN}"
    ),
    "price": (
        r"改(?:个|一下)?价|(?:把)?价格?(?:改|调|降)(?:成|为|到)|按\s*\d+\s*(?:元|块)?\s*(?:卖|算|给)(?:我)?"
        r"|给我(?:打\s*[^，。！？!?]{0,3}折|免单|半价|返现|便宜\s*\d+|优惠\s*\d+)"
        r"|(?:把)?(?:运费|邮费|快递费)(?:改|调|降)(?:成|为|到)"
        r"|\b(?:change|set|make|lower)\s+(?:the\s+|my\s+)?(?:shipping|postage|delivery)(?:\s+(?:fee|cost))?\s+(?:to|free)\b"
        r"|\b(?:change|lower|drop|reduce|set|adjust|cut)\s+(?:the\s+|your\s+|its\s+)?price\s+(?:to|for\s+me)\b"
        r"|\b(?:sell|give)\s+(?:it|them|this|me\s+it)\s+(?:to\s+me\s+)?for\s+(?:\$|¥|￥)?\d+"
        r"|\bcharge\s+me\s+(?:only\s+)?(?:\$|¥|￥)?\d+"
        r"|\bgive\s+me\s+(?:a\s+|an\s+)?(?:\d+\s*%\s*(?:[a-z]+\s+){0,2}(?:discount|off)|(?:[a-z]+\s+){0,2}discount|free)"
    ),
}
_CUE = regex.compile("|".join(f"(?P<{kind}>{rx})" for kind, rx in _KINDS.items()), regex.I)
# What starts a demand clause before its cue: a connective, the person asked, a politeness or ability word.
_LEAD = regex.compile(
    r"(?:(?:另外|然后|并且|而且|顺便|还有|同时|以及|并|再|还|也)\s*)?"
    r"(?:(?:请|麻烦|能不能|能否|可不可以|可以|你|您|你们|商家|店家|客服)\s*)*"
    r"(?:(?:给我|发给我|发我|私发|发|给)(?:个|一个|一下|我)?\s*)?$"
    r"|(?:\b(?:also|and|then|plus|but|so)\s*,?\s*)?(?:\b(?:please|pls|can|could|would|will|you|kindly)\s+)*"
    r"(?:\b(?:i'?ll|i\s+will|i\s+can|i\s+want\s+to|let\s+me)\s+)?"
    r"(?:\b(?:send|give|share|text|email|dm)\s+(?:me\s+)?(?:a\s+|an\s+|the\s+|your\s+)?)?$",
    regex.I,
)
# Where a demand clause ends: punctuation, or a connective that starts the next clause.
_CLAUSE_END = regex.compile(
    r"[，,。；;！？!?\n]|\.(?=\s|$)|(?:另外|然后|顺便|还有|同时)|\b(?:and|also|then|plus|but)\b", regex.I
)

# The id right after a contact cue ("加我 vx：czq8888", "my WhatsApp is jenny_k2", "加我微信[messenger-id]"):
# the contact clause ends with it.
_CONTACT_ID = regex.compile(
    r"\s*(?:号码|号|id|number|handle)?\s*(?:是|为|is|[:：])?\s*"
    r"(?:\[messenger-id\]|\[phone\]|@?(?=[A-Za-z0-9_.-]*\d)[A-Za-z0-9][A-Za-z0-9_.-]{2,29})(?![A-Za-z0-9_.-])",
    regex.I,
)

# What follows a price demand when it names the item it wants cheaper: "… off the Sony WH-1000XM5", "… on the
# Pegasus 41" — an article or "on/for" and a capitalised name or a model number ("WH-1000XM5"); a bare amount
# ("change the price to 300") is the demand's own figure, not an item.
_OBJECT = regex.compile(
    r"\s+(?:(?:on|for|off)\s+)?(?:the|this|that|your|a)?\s*(?-i:[A-Z]|\d+[A-Za-z-])", regex.I
)
# What may stand between two demands of one clause: spaces and the words that lead a request.
_JOINED = regex.compile(r"\s*(?:(?:给我|给|我|请|麻烦|再|并|然后|还|and|then|please)\s*)*", regex.I)


@dataclass(frozen=True)
class Demand:
    """One cut clause: `kind` (promise / payment / contact / authorised / price) and its `text`."""

    kind: str
    text: str


def find_demands(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every demand clause in `text`, in order and not overlapping."""
    spans: list[tuple[int, int, str]] = []
    position = 0
    while (match := _CUE.search(text, position)) is not None:
        kind = match.lastgroup or "promise"
        lead = _LEAD.search(text[: match.start()])
        start = lead.start() if lead else match.start()
        end_match = _CLAUSE_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        if kind == "price" and _OBJECT.match(text, match.end()):
            end = (
                match.end()
            )  # "give me 50% off the Sony WH-1000XM5 and tell me the final price": the item stays
        if kind == "contact" and (handle := _CONTACT_ID.match(text, match.end())) is not None:
            end = min(
                end, handle.end()
            )  # "加我 vx：czq8888 Sony 耳机多少钱": the question after the id stays
        if end_match and end_match.group(0) in ".。!！;；":  # the demand's own sentence end goes with it
            end = end_match.end()
        if spans and (start <= spans[-1][1] or _JOINED.fullmatch(text, spans[-1][1], start)):
            # one clause with two demands ("加我微信 wxid_1 给我发个付款链接"): one span, its first kind
            start, _, kind = spans.pop()
        spans.append((start, end, kind))
        position = max(end, match.end())
    return spans


def cut_demands(text: str) -> tuple[str, tuple[Demand, ...]]:
    """`text` without its demand clauses (and the punctuation they leave dangling), and the clauses cut.

    Text with no demand is returned unchanged with an empty tuple."""
    spans = find_demands(text)
    if not spans:
        return text, ()
    kept, demands, last = [], [], 0
    for start, end, kind in spans:
        kept.append(text[last:start])
        demands.append(Demand(kind, text[start:end].strip()))
        last = end
    kept.append(text[last:])
    rest = regex.sub(r"\s*([，,；;])(?:\s*[，,；;])+", r"\1", " ".join("".join(kept).split()))
    return rest.strip(" ,，;；、"), tuple(demands)
