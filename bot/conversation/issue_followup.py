"""Follow-ups about the after-sales or policy question just discussed ("运费谁出" after "面霜瓶子碎了").

A customer who has just described a problem ("收到的面霜瓶子碎了", "my charger stopped working") or asked a
policy question ("退货要怎么办理") goes on with short questions that only make sense with it: "要多久内反馈",
"运费谁出", "怎么申请", "可以换吗", "what's the warranty on it". Read alone they land on another policy (shipping
fees instead of "we pay the postage both ways for damaged items") or on nothing at all. So while the dialogue
state holds an `issue`, a short message with one of these cues, naming no product kind of its own, is answered
as the issue plus the new question: the item (面霜 → 美妆护肤) and the kind of problem (arrived broken → the
returns policy) come from the issue, what is asked from the new message.

A follow-up may also keep the question and change the item: "耳机保修多久" → "那电饭煲呢" asks the warranty of rice
cookers, "面霜拆封了能退吗" → "那坚果呢" the return rule of opened nuts. `other_item` reads such a message and
`ask_about` writes the issue's question about the new item ("电饭煲保修多久").

Pure functions over text; the cues are a regular expression here (zh + en; Traditional text is simplified
before it gets here).
"""

from __future__ import annotations

import re

from knowledge.script import is_han

FOLLOW_UP_RX = re.compile(
    r"运费|邮费|快递费|谁出|谁付|谁承担|谁负责|多久|几天|多长时间|时限|期限|多少天|"
    r"怎么申请|如何申请|怎么办理|如何办理|怎么弄|怎么操作|怎么处理|流程|步骤|手续|申请|反馈|"
    r"换新|换吗|能换|可以换|换一个|退吗|能退|可以退|退款|退钱|保修|质保|寄回|寄修|寄到哪|照片|视频|凭证|发票|"
    r"\b(?:postage|shipping|who pays|how long|how many days|how do i|how can i|apply|claim|replace|replacement|"
    r"exchange|refund|return it|send it back|warranty|guarantee|on it|proof|photos?|(?:a )?new one|swap it)\b",
    re.IGNORECASE,
)
_MAX_HAN = 20  # "要多久内反馈" / "运费谁出"; a longer message says what it is about
_MAX_WORDS = 10  # "what's the warranty on it"


def continues_issue(text: str) -> bool:
    """True when a message is a short follow-up question about the issue before it ("运费谁出", "怎么申请")."""
    stripped = text.strip()
    if not stripped or not FOLLOW_UP_RX.search(stripped):
        return False
    han = sum(1 for c in stripped if is_han(c))
    return han <= _MAX_HAN and len(stripped.split()) <= _MAX_WORDS


def with_issue(text: str, issue: str) -> str:
    """The follow-up read with its issue: the issue's item and problem, the follow-up's question."""
    return f"{issue}，{text}" if issue else text


# Follow-ups of an order question ("我的快递到哪了" → "能帮我查一下吗", "已经五天了", "订单号我忘了"; "where is my
# order?" → "it's been 5 days and nothing arrived"): asking to look it up, how long it has been, that it has not
# come, a lost order number. Read alone they are nothing ("这个我帮不上忙") or a shipping-fee answer.
ORDER_FOLLOW_UP_RX = re.compile(
    r"查|看看|看一下|催|跟进|帮帮|还没|没到|没收到|没来|不到|忘|丢|不记得|找不到|怎么办|多久|"
    r"\d+\s*天|[一二两三四五六七八九十几]\s*(?:天|个?星期|个?礼拜|周)|"
    r"\b(?:check|look|track|days?|weeks?|nothing|still|arrived?|yet|forgot|lost|chase|hurry|help)\b",
    re.IGNORECASE,
)
# "订单号我忘了", "不记得订单号", "I lost my order number", "can't find my order number"
LOST_ORDER_NUMBER_RX = re.compile(
    r"(?:忘|不记得|找不到|丢了|不知道).{0,6}(?:订单号|订单编号)|(?:订单号|订单编号).{0,6}(?:忘|不记得|找不到|丢了|不知道)|"
    r"\b(?:forgot|forgotten|lost|can'?t find|cannot find|don'?t (?:have|know|remember))\b.{0,20}\border (?:number|no|id)\b|"
    r"\border (?:number|no|id)\b.{0,20}\b(?:forgot|forgotten|lost|can'?t find)\b",
    re.IGNORECASE,
)


# A parcel later than the customer expected ("下单一个星期了还没收到货", "it's been 5 days and nothing arrived")
LATE_PARCEL_RX = re.compile(
    r"还没(?:有)?(?:收到|到|送到|来)|没收到|迟迟|一直没|怎么还没|(?:\d+|[一二两三四五六七八九十几])\s*(?:天|个?星期|周|个?礼拜)了|"
    r"\b(?:still (?:not|hasn'?t|haven'?t)|hasn'?t (?:come|arrived|shown up)|not (?:arrived|here) yet|nothing arrived|"
    r"never (?:came|arrived)|been (?:\d+|a|two|three|four|five|six|ten) (?:days?|weeks?))\b",
    re.IGNORECASE,
)


def late_parcel(text: str) -> bool:
    """True when the customer says the parcel is late ("已经五天了还没到", "still hasn't come")."""
    return bool(LATE_PARCEL_RX.search(text))


def continues_order(text: str) -> bool:
    """True when a short message goes on with the order question before it ("能帮我查一下吗", "已经五天了",
    "it's been 5 days and nothing arrived")."""
    stripped = text.strip()
    if not stripped or not (ORDER_FOLLOW_UP_RX.search(stripped) or LOST_ORDER_NUMBER_RX.search(stripped)):
        return False
    han = sum(1 for c in stripped if is_han(c))
    return han <= _MAX_HAN and len(stripped.split()) <= _MAX_WORDS


def lost_order_number(text: str) -> bool:
    """True when the customer says they do not have their order number ("订单号我忘了，怎么查")."""
    return bool(LOST_ORDER_NUMBER_RX.search(text))


# A follow-up that names a policy matter of its own ("可以退货吗" after "多久发货") asks a new question, unless the
# issue named it too ("退款多久" after "我要退款，瓶子碎了").
_TOPIC_WORDS = ("退货", "退款", "换货", "保修", "质保", "发货", "发票", "付款", "支付")
_TOPIC_RX = re.compile(
    r"\b(returns?|refunds?|exchanges?|warranty|invoices?|payments?|ship(?:ping)?)\b", re.IGNORECASE
)


def names_other_topic(text: str, issue: str) -> bool:
    """True when `text` names a policy matter (退货, refund, warranty …) that `issue` does not name."""
    words = {w for w in _TOPIC_WORDS if w in text} | {m.lower() for m in _TOPIC_RX.findall(text)}
    return any(w not in issue.lower() for w in words)


# "那电饭煲呢", "那滑板车的呢", "换成空气炸锅怎么样"; "and for pans?", "what about the kettle"
_OTHER_ZH = re.compile(
    r"^(?:那|那么|还有|换成|如果是)?\s*(?P<item>[^\s，,。？?！!]{1,12}?)\s*(?:的话)?(?:的)?"
    r"(?:呢|怎么样|怎么算|如何|也一样吗|一样吗)\s*[?？。！!～~]*$"
)
_OTHER_EN = re.compile(
    r"^(?:and|what about|how about)\s+(?:for\s+|on\s+|with\s+)?(?:the\s+|a\s+|an\s+|my\s+)?"
    r"(?P<item>[a-z][a-z\- ]{1,30}?)\s*[?.!]*$",
    re.IGNORECASE,
)
# not another item: a reference, a refinement (colour, size, price) or a question of its own
_NOT_ITEM = re.compile(
    r"^(?:这|那|它|第|哪|其他|别的|其它|便宜|贵|大|小|新|旧|多|少|男|女)|[色码号款个双件]$|\d|"
    r"^(?:it|this|that|one|ones|them|those|these|others?|cheaper|bigger|smaller)$",
    re.IGNORECASE,
)


def other_item(text: str) -> str | None:
    """The other item a short "那X呢" / "and for X?" asks about ("那滑板车呢" → "滑板车", "and for pans?" → "pans");
    None for any other message, a reference ("那个呢"), a refinement ("黑色的呢") or a policy matter of its own
    ("那退货呢")."""
    stripped = text.strip()
    m = _OTHER_ZH.match(stripped) or _OTHER_EN.match(stripped)
    if m is None:
        return None
    item = m.group("item").strip()
    if len(item) < 2 or _NOT_ITEM.search(item) or FOLLOW_UP_RX.search(item) or names_other_topic(item, ""):
        return None
    return item


def ask_about(issue: str, item: str, spans: list[tuple[int, int]]) -> str:
    """The issue's question about another item: the item words of `issue` (at `spans`) replaced by `item`
    ("耳机保修多久" + "电饭煲" → "电饭煲保修多久"); `item` put first when the issue names none."""
    if not spans:
        return f"{item} {issue}" if item.isascii() else f"{item}{issue}"
    spans = sorted(spans)
    out, last = [], 0
    for n, (start, end) in enumerate(spans):
        if start < last:
            continue
        out += [issue[last:start], item if n == 0 else ""]
        last = end
    return "".join([*out, issue[last:]])
