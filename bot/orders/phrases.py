"""How a customer's words fill the order conversation's slots: order numbers, what they want, done/cancel.

These are the slot readers of the order dialogue, not an intent classifier: the core's understanding decides
that a message is about an order (ORDER_STATUS / AFTER_SALES); these rules read the order number and the
request kind out of it, and recognise a few order cues for messages the core's intents do not label.

- An order number is a token of letters and at least 4 digits ("XE20261127001", "T1001", "#1001"), a
  run of 6+ digits that is not a mobile number, or any token with 3+ digits right after an explicit label
  ("订单号是 12345", "order number 5678"); when the bot has just asked for the number, any single
  token the customer sends is taken as one ("an order number is any token the customer gives").
- Request kinds, most specific first: damaged > wrong item > missing item > exchange > refund > return >
  cancel ("取消订单", "不想要了", "cancel my order": before shipment a cancellation, after delivery a return).
- Follow-ups inside a verified order dialogue (`follow_up`): when it arrives, where it is, why it is late,
  what was ordered, how much was paid, which carrier / tracking number.
"""

from __future__ import annotations

import re
import unicodedata

from bot.orders.dialogue import STATUS
from bot.orders.eligibility import RequestKind

_TOKEN = re.compile(r"#?[A-Za-z0-9][A-Za-z0-9\-]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
# "订单号是 12345", "订单编号：A-778", "order number 5678", "order no. 1001", "order #1001": the label makes it one
_LABELLED = re.compile(
    r"(?:订单号码?|订单编号|order\s*(?:number|no\.?|#))\s*(?:是|为|[:：=])?\s*#?([A-Za-z0-9][A-Za-z0-9\-]*)",
    re.IGNORECASE,
)


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.IGNORECASE)


STATUS_RX = _rx(
    r"(快递|包裹|物流|订单|货|东西)(现在)?(到|走到)?哪(了|里|儿)",
    r"到哪(了|里|儿)",
    r"(查|看)(一下|下)?(我的)?(订单|物流|快递|包裹)",
    r"(订单|物流|快递)(状态|进度|信息|单号)",
    r"(发货|发出|寄出)了(吗|没)",
    r"我的?(订单|快递|包裹|货|东西).{0,6}(什么时候|何时|多久)",
    r"(我|我的).{0,6}还没(有)?(收到|到|发货)",
    r"where(?:'s| is) my (order|parcel|package|stuff|delivery)",
    r"\btrack (my|the|this) (order|parcel|package)",
    r"\b(status of|check on|check) my (order|parcel|package)",
    r"\border status\b",
    r"(has|did|is) my (order|parcel|package) (ship|shipped|arrive|coming)",
    r"when will my (order|parcel|package) (arrive|ship|come)",
    r"\bmy (order|parcel|package) (hasn't|has not|still hasn't|didn't|never) (arrived|shipped|come)",
)
_KINDS: tuple[tuple[RequestKind, re.Pattern[str]], ...] = (
    (
        RequestKind.DAMAGED,
        _rx(
            r"坏了|坏的|不亮|开不了机|没声音|没反应|不工作|破了|破的|破损|碎了|碎的|压坏|摔坏|损坏|瑕疵|裂了|裂的|漏了|凹|瘪|变形|掉漆|涂层掉|质量问题|不能用|用不了",
            r"压扁|扁了|烂了|破洞|撕破|断了|卡住了|充不进电|不充电了",
            r"(?<![不没防])(开胶|脱胶|开线|脱落)",  # "不开胶的跑鞋" is a wish, not a complaint
            r"\b(damaged|broken|cracked|dented|defective|faulty|leaking|scratched)\b",
            r"\b(crushed|smashed|squashed|shattered|torn|ripped|chipped)\b",
            r"doesn'?t work|not working|stopped working|won'?t (turn on|charge|connect)|(coming|came|fell|falling) apart",
            r"\b(peeling|fraying|frayed|unstitched)\b",
        ),
    ),
    (
        RequestKind.WRONG_ITEM,
        _rx(
            r"发错|寄错|不是我(买|订|要)的|货不对|颜色不对|尺码不对", r"\bwrong (item|size|colou?r|product)\b"
        ),
    ),
    (
        RequestKind.MISSING_ITEM,
        _rx(
            r"少发|漏发|少了|缺了|缺少|只收到|没有收到.{0,6}(一|件|个|双)",
            r"\bmissing\b",
            r"only (got|received)",
        ),
    ),
    (
        RequestKind.EXCHANGE,
        _rx(r"换货|换(个|一个|一双|一件|成|大|小)|换尺码|换颜色|换码", r"\bexchange\b|\bswap\b"),
    ),
    (RequestKind.REFUND, _rx(r"退款|退钱|退费", r"\brefund\b|money back")),
    (RequestKind.RETURN, _rx(r"退货|退回|退掉|退了|无理由|(能|可以|想|要)退", r"\breturn\b|send (it )?back")),
    (
        RequestKind.CANCEL,
        _rx(
            r"取消(这个|这笔|这张|我的|该)?(订单|这单|下单)|(订单|这单)(帮我)?取消|撤销订单|撤单|退订",
            # whether it can still be cancelled ("能取消吗", "订单还能取消不", "怎么取消"); the status decides
            r"(能|可以|能不能|可不可以|还能|怎么|如何|想|要)(申请|帮我)?取消(吗|么|嘛|不|呢|了吗|掉|$|[？?。!！])",
            r"(can|could) (i|we|you) (still )?cancel",
            r"不想要了|不想买了|(我|这单|订单|东西)?不买了|^(我|这单|订单|这个订单|东西)?(也)?不要了[。.!！]*$",
            r"(我|这单|订单|东西)不想要",
            r"\bcancel\b.{0,12}\b(order|purchase|it)\b",
            r"\b(don'?t|do not|no longer) (want|need) (it|this|that|them|these|those|the \w+|my \w+)\b",
            r"\b(don'?t|do not) (want|need)\b.{0,30}\bany ?more\b",
            r"\bchanged my mind\b",
        ),
    ),
)
# With an order number in the message, these words make it a status question ("订单号 XE… 怎么还没到").
ORDER_WORD_RX = _rx(
    r"订单|快递|物流|包裹|单号|发货|到货|到了|没到|到哪",
    r"\b(order|parcel|package|shipment|delivery|tracking|shipped|arrived?)\b",
)
# A message that asks for something to be done (not a question about the rules).
REQUEST_RX = _rx(
    r"我(要|想|想要|需要|申请)",
    r"申请|帮我|麻烦|请(帮|给|处理)",
    r"收到(的|了)?|到货|拿到|签收",
    r"\bI (want|would like|'d like|need) to\b",
    r"\bI (received|got)\b|\barrived\b|\bcame\b",
    r"\bplease\b",
)
# A question about the rules ("退货要在几天内申请", "耳机坏了怎么办", "can I return opened food?").
RULE_QUESTION_RX = _rx(
    r"几天|多久|多少天|怎么办|怎么|如何|政策|规则|流程|能不能|可不可以|可以吗|吗[？?。]?$|[？?]$",
    r"\bhow (long|many|do|can)\b|\bpolicy\b|\bcan i\b|\bdo you\b|\?$",
)
# Shopping words: a message that asks for products is the catalog's, even when it mentions an order.
SHOPPING_RX = _rx(
    r"推荐|想买|有没有.{0,10}(卖|货|款)|多少钱|哪款好",
    r"\brecommend|\blooking for\b|\bwant to buy\b|\bhow much\b",
)
DONE_RX = _rx(
    r"^(好了|好的?|完成|发完了?|就这些|没有了|没了|没有|跳过|不用了?|没有照片|没照片|可以了|行了?|ok|okay)[。.!！]*$",
    r"^(done|that'?s all|no photos?|skip|finished|nothing else|no|none)[.!]*$",
)
CANCEL_RX = _rx(r"^(算了|取消|不用了|不查了|不退了|cancel|never ?mind|stop|forget it)[。.!！]*$")


# Follow-up questions about the verified order the dialogue is on (topic → wording), first match wins.
_FOLLOW_UPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "why",  # the reason behind a cancellation or refund, which the order does not record
        _rx(
            r"(为什么|为啥|怎么)(会)?(被)?(取消|退款)|(取消|退款)的?原因",
            r"\bwhy (was|did|is|has) (it|my order|the order|this order)\b.{0,12}\b(cancell?ed|refunded)\b",
        ),
    ),
    (
        "where",  # "when was it refunded?": the status answer carries the dates
        _rx(
            r"什么时候退的款?|退款是(什么时候|哪天)|(哪天|什么时候)(取消|签收|发货|退款)的",
            r"\bwhen (was|did) (it|the order|my order|the refund|my refund)\b.{0,12}\b(refunded|cancell?ed|delivered|shipped|go through)\b",
        ),
    ),
    (
        "late",
        _rx(
            r"(怎么|为什么|为啥|咋)还没(有)?(到|收到|送到|发货|来)|还没(有)?(到|收到|送到)|这么慢|太慢|慢死|延迟|超时",
            r"\b(late|delayed|still not|still hasn'?t|hasn'?t arrived|not arrived|taking so long|so slow)\b",
        ),
    ),
    (
        "eta",
        _rx(
            r"(什么时候|啥时候|何时|几时|哪天|几号|多久|几天)(能|可以|会|才)?(到|送到|送达|到货|收到|到达|来)",
            r"预计|大概.{0,4}到|要几天",
            r"\bwhen\b.{0,20}\b(arrive|come|get here|be delivered|deliver|reach)\b",
            r"\bhow long\b|\beta\b|\bexpected\b|\barrival\b",
        ),
    ),
    (
        "carrier",
        _rx(
            r"(哪家|什么|哪个|啥)快递|快递公司|物流公司|单号|运单",
            r"\b(which|what) (carrier|courier|company)\b|\bcarrier\b|\bcourier\b|tracking (number|no)",
        ),
    ),
    (
        "items",
        _rx(
            r"买了(什么|啥|哪些)|订了(什么|啥|哪些)|(订单|这单|包裹|快递)里(有|是|面)?(什么|啥|哪些)|几件",
            r"\bwhat did i (order|buy)\b|\bwhat('s| is| was) in (it|the order|my order|the parcel)\b",
            r"\bwhich items\b",
        ),
    ),
    (
        "amount",
        _rx(
            r"花了多少|付了多少|实付|(订单|这单|一共|总共)(金额|多少钱|多少)|合计多少|总价",
            r"^(那|这个|这些|一共|总共)?(是)?多少钱(啊|呀|呢)?[？?。!！]*$",  # bare "多少钱" while on an order
            r"\bhow much (did i pay|was (it|that|this|the order|my order))\b|\border total\b",
            r"\bwhat did (it|i|that|this) cost\b|^how much( is it| was it)?[?.!]*$",
        ),
    ),
    (
        "where",
        _rx(
            r"到哪|在哪|物流|快递|进度|状态|发货了(吗|没)|发了(吗|没)|签收|送到了(吗|没)|到了(吗|没)",
            r"\bwhere\b|\btrack|\bstatus\b|\bshipped\b|\bdelivered\b",
        ),
    ),
)


# A question for the order's personal details (address, recipient, phone, e-mail, note), which customers are never
# shown in chat; the shop's own contact details ("你们客服电话", "your e-mail") are the contact policy's.
_PRIVATE_RX = _rx(
    r"(收货|收件|寄送|配送|送货|邮寄)?地址|收件人|收货人|(留的|预留|下单|订单上的?|我的)(手机|电话|邮箱)|手机号|备注",
    r"寄(到|去|往)哪(个|座)?(城市|个地方|里)|(哪个|什么)城市|哪个省",
    r"\b(address|recipient|phone( number)?|mobile|e-?mail|note|city)\b",
)
_SHOP_CONTACT_RX = _rx(
    r"你们|客服|店铺|商家|售后电话|退货地址", r"\byour (shop|store|phone|e-?mail|address)\b|\bcontact you\b"
)


def asks_private(text: str) -> bool:
    """True when a message about the verified order asks for its personal details (address, recipient, phone,
    e-mail, note or destination city), which the bot never shows in chat."""
    normal = _normal(text)
    if re.search(r"\d{4}|@", normal):  # "my phone ends with 1234": a proof, not a question
        return False
    return _PRIVATE_RX.search(normal) is not None and _SHOP_CONTACT_RX.search(normal) is None


# At the reason step, an explicit request for another kind ("I want to cancel …", "我要改成退货") switches the
# request instead of becoming its reason ("不想要了，买多了" is a reason, not a switch).
_SWITCH_RX = _rx(
    r"(我|那|还是)(要|想|想要|需要|申请)(改成|改为|直接)?(取消|撤单|退货|退款|换货)",
    r"改(成|为)(取消|撤单|退货|退款|换货)",
    r"\bI(?:'d| would)? (want|like|need|prefer) to (cancel|return|exchange)\b",
    r"\bI(?:'d| would)? (want|like|need|prefer) an? (refund|exchange|return)\b",
    r"\b(cancel|return|exchange|refund) (it |the order |my order )?instead\b",
)


_SWITCH_WORDS = (
    ("取消", RequestKind.CANCEL),
    ("撤单", RequestKind.CANCEL),
    ("cancel", RequestKind.CANCEL),
    ("退款", RequestKind.REFUND),
    ("refund", RequestKind.REFUND),
    ("换货", RequestKind.EXCHANGE),
    ("exchange", RequestKind.EXCHANGE),
    ("退货", RequestKind.RETURN),
    ("return", RequestKind.RETURN),
)


def switched_kind(text: str) -> RequestKind | None:
    """The request kind an explicit "I want to … instead" asks for at the reason step, or None."""
    found = _SWITCH_RX.search(_normal(text))
    if found is None:
        return None
    said = found.group(0).lower()
    return next((kind for word, kind in _SWITCH_WORDS if word in said), None) or request_kind(text)


# "我的换货申请到哪一步了" / "status of my refund request": where the customer's own request stands (not a new one).
_REQUEST_STATUS_RX = _rx(
    r"(售后|退款|退货|换货|取消|撤单)(申请|单)?的?(进度|状态|结果|到哪一?步|怎么样了|处理得怎么样|审核得怎么样)",
    r"申请的?(进度|状态|结果|到哪一?步|怎么样了)",
    r"(申请|售后|退款|退货|换货).{0,4}(通过了|批了|审核了|处理了|同意了)(吗|没)",
    r"\b(status|progress) of (my|the) .{0,20}\brequest\b",
    r"\bmy (return|refund|exchange|cancellation|after-?sales) request\b.{0,20}\b(status|going|approved|progress)\b",
    r"\b(has|was|is) my (return|refund|exchange|cancellation) (request )?(been )?(approved|accepted|rejected)\b",
    r"\bany (news|update) on my (return|refund|exchange|cancellation|request)\b",
)


def asks_request_status(text: str) -> bool:
    """True when the customer asks where their own after-sales request stands."""
    return _REQUEST_STATUS_RX.search(_normal(text)) is not None


# "我还有别的订单吗" / "show me all my orders": the verified customer's other orders (same phone and e-mail).
_OTHER_ORDERS_RX = _rx(
    r"(别|其他|其它|所有|全部|另外|之前|最近)的?订单|我的订单(有哪些|列表|都有什么)|还有(哪些|什么|别的)订单",
    r"\b(my )?other orders\b|\ball (of )?my orders\b|\bmy (recent|previous|past) orders\b|\blist my orders\b",
)


def asks_other_orders(text: str) -> bool:
    """True when the customer asks which orders they have (not about one order)."""
    return _OTHER_ORDERS_RX.search(_normal(text)) is not None


_PROOF_WORD_RX = _rx(r"手机|电话|尾号|后四位|后4位|邮箱", r"\b(phone|mobile|digits|e-?mail)\b")


def gives_proof(text: str) -> bool:
    """True when a message without an order number hands over a proof: an e-mail address, or digits named as
    the phone's ("尾号1234", "my phone ends with 4444"); a bare "1234" is not enough to start anything."""
    normal = _normal(text)
    if _EMAIL.search(normal):
        return True
    return _PROOF_WORD_RX.search(normal) is not None and re.search(r"\d{4}", normal) is not None


def follow_up(text: str) -> str | None:
    """What a follow-up about the verified order asks — why | late | eta | carrier | items | amount | where —
    or None when the message is not such a question."""
    normal = _normal(text)
    for topic, pattern in _FOLLOW_UPS:
        if pattern.search(normal):
            return topic
    return None


OPENED_RX = _rx(r"拆开|拆封|开封|打开了|尝了|吃了|喝了|用过|用了", r"\bopened\b|\btried (it|them)\b|\bused\b")


def says_opened(text: str) -> bool:
    """The customer says the goods were opened or used (food, skincare: not returnable without a reason)."""
    return OPENED_RX.search(text) is not None


def request_kind(text: str) -> RequestKind | None:
    """The after-sales kind a message asks about, or None."""
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def purpose_of(text: str) -> str | None:
    """STATUS, a RequestKind value, or None when the message says nothing about an order."""
    kind = request_kind(text)
    if kind is not None:
        return kind.value
    return STATUS if STATUS_RX.search(text) else None


def is_request(text: str) -> bool:
    """True when the customer asks for something to be done about a parcel (not a question about rules);
    "取消订单" / "不想要了" / "cancel my order" ask for it by themselves."""
    if request_kind(text) is RequestKind.CANCEL and RULE_QUESTION_RX.search(text.strip()) is None:
        return True
    return REQUEST_RX.search(text) is not None and RULE_QUESTION_RX.search(text.strip()) is None


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def order_numbers(text: str) -> list[str]:
    """Order-number-like tokens in a message, in order, without duplicates (see the module docstring)."""
    cleaned = _EMAIL.sub(" ", _normal(text))
    labelled = {
        match.group(1).strip("-")
        for match in _LABELLED.finditer(cleaned)
        if sum(ch.isdigit() for ch in match.group(1)) >= 3
    }
    found: list[str] = []
    for match in _TOKEN.finditer(cleaned):
        token = match.group(0).strip("-")
        bare = token.lstrip("#")
        digits = sum(ch.isdigit() for ch in bare)
        letters = sum(ch.isalpha() for ch in bare)
        shop_style = token.startswith("#") and digits >= 3 and not letters  # Shopify "#1001"
        lettered = bool(letters) and digits >= 4 and bare[0].isalpha()
        numeric = not letters and digits >= 6 and not _MOBILE.fullmatch(bare.replace("-", ""))
        if not (shop_style or lettered or numeric or bare in labelled):
            continue
        number = bare
        if number not in found:
            found.append(number)
    return found


def single_token(text: str) -> str:
    """The message itself when it is one token that could be an order number (a reply to "which order?")."""
    cleaned = _normal(text).strip().strip("。.!！?？")
    if not cleaned or " " in cleaned or len(cleaned) > 40 or "@" in cleaned:
        return ""
    if not re.fullmatch(r"#?[A-Za-z0-9\-_]+", cleaned) or not any(ch.isdigit() for ch in cleaned):
        return ""
    digits = re.sub(r"\D", "", cleaned)
    if len(digits) == len(cleaned) and len(digits) == 4:
        return ""  # four bare digits answer the proof question, not this one
    return cleaned.lstrip("#")


def mask_proofs(text: str) -> str:
    """The message with e-mails and digit runs that could be a proof masked (what memory may keep)."""
    masked = _EMAIL.sub("[email]", _normal(text))
    return re.sub(r"(?<![A-Za-z0-9])\+?\d[\d \-]{2,}\d(?![A-Za-z0-9])", "[digits]", masked)


def is_done(text: str) -> bool:
    return DONE_RX.search(_normal(text).strip()) is not None


# Taking back a filed request: "算了，不退了", "不换了", "never mind, I'll keep it".
WITHDRAW_RX = _rx(
    r"不(想|要|用)?(退|换|退货|换货|退款|取消)了|(撤回|撤销)(申请|售后)?|不(申请|办)了",
    r"\bi(?:'?ll| will) keep (it|them)\b|\bkeep (it|them) after all\b|\bwithdraw (my|the) (request|return|exchange|refund)\b"
    r"|\bdon'?t want to (return|exchange) (it|them) any ?more\b",
)


def says_withdraw(text: str) -> bool:
    """The customer takes back a request they filed ("算了，不退了", "never mind, I'll keep it")."""
    return WITHDRAW_RX.search(_normal(text)) is not None


def is_cancel(text: str) -> bool:
    return CANCEL_RX.search(_normal(text).strip()) is not None
