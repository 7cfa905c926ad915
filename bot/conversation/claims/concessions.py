"""Concessions: a sentence that grants what the shop's terms do not — the commitments a red team of the truth
guard found delivered because every concept in them (退, 保修, 换新, 运费) exists in some policy bullet
(issue 13 §1, tester13f: 12 of 20 leaks).

A sentence GRANTS when it says, in the first person or as an exception, one of:
- an exception to a term: 例外, 破例, 通融, 特批, 网开一面, "make an exception", "just this once";
- a grant after the sentence restates an exclusion or a limit ("不支持…，不过…我们也认", "不在保修范围；但我们
  还是给你换新的", "过了 15 天我也给你换新的", "isn't covered, but we'll … anyway");
- a waiver of a fee the shop charges ("这单我给你免了", "这 8 块我帮你抹了", "on us this time", "no charge for you");
- a private deal: a discount in words ("我私下给你少二十", "I can knock off 20"), a back-office switch
  ("后台帮你开通"), an advance payment ("先用支付宝垫给你", "out of my own pocket"), a private channel to a
  place the shop does not ship to ("走私人渠道帮你寄", "through a friend's forwarding service");
- an unlimited count ("换到合适为止", "as many times as you like") or a pro-rata refund ("按比例退钱");
- stock the catalog does not show ("仓库其实还藏了几副", "we have a few set aside").

`grants(sentence, policy_text)` is the first such phrase (as read), or None. A grant is delivered only when the
turn's policy text carries the same phrase (a shop whose policy really says "按比例退款" may repeat it), or when
the grant is conditioned on what the policies themselves grant under (质量问题, 破损, 发错, quality problem),
which the allow-list gate then checks as any other term. Patterns are written in Simplified Chinese on the
read text (`bot.conversation.claims.units.read_text`: Traditional converted, lower-cased).
"""

from __future__ import annotations

import regex

from bot.conversation.claims.units import read_text


def _rx(pattern: str) -> regex.Pattern[str]:
    """Case-insensitive with simple case folding (`(?-f)`: V1 turns on full case folding with IGNORECASE, which
    made `_ALWAYS` ~3x slower per sentence). The text is read text (NFKC, lower-cased), where full folding
    adds only ß = ss: the patterns spell each 'ss' as (?:ss|ß)."""
    return regex.compile("(?-f)" + pattern, regex.I | regex.V1)


_WE = r"(?:我们|咱们|我|本店|店里)"
_YOU = r"(?:给你|帮你|替你|为你|给您|帮您|替您|为您)"
# A phrase that is an exception, a waiver, a private deal or an unlimited count wherever it stands.
_ALWAYS = _rx(
    r"例外(?:退|换|处理|给|帮|一次|通融)?|破例|通融|特批|网开一面|开个?口子|私下|偷偷|私人(?:渠道|专线|途径|关系)"
    rf"|后台{_YOU}?(?:开通|改|调|操作|设置)|垫付|垫给|先垫|垫钱|把钱垫|{_YOU}垫"
    r"|(?:换|退|修)到(?:你)?(?:合适|满意|喜欢|满意为止|合适为止)为?止?|一直换到|无限次|不限次数?|随便换|想换几次"
    r"|按比例退|(?:其实|偷偷|私藏|还藏|藏了|留了|还留|压着|还压)[^，。；,;]{0,8}(?:几|两|三|一些|\d)\s*(?:副|台|顶|件|双|个|只|套|箱|包|瓶)"
    r"|(?:仓库|库房|后仓|库里)[^，。；,;]{0,4}其实"
    r"|找朋友|朋友帮你|转寄|代寄|夹在包裹|绕过"
    rf"|(?:这单|这次|这回|这笔|这个|这\s*\d+\s*(?:块|元)|的\s*\d+\s*(?:块|元)|差价|运费){_WE}?{_YOU}?(?:免了|抹了|出了|包了|免掉|抹掉|承担了)"
    rf"|{_WE}?{_YOU}(?:免了|抹了|出了|包了|免掉|抹掉)"
    rf"|(?:{_WE}(?:这边)?(?:可以)?(?:再)?{_YOU}?|{_YOU})(?:再)?(?:少|便宜|减|让|优惠)\s*(?:了)?\s*(?:\d+|[一二两三四五六七八九十百]+)\s*(?:块|元|块钱)?(?![\d天年月周个%])"
    r"|\bmake\s+an?\s+exception\b|\bjust\s+this\s+once\b|\bthis\s+once\b|\bon\s+us\b|\bno\s+charge\s+(?:for|to)\s+you\b"
    r"|\b(?:knock|take|shave)\s+(?:off\s+)?(?:\d+|[a-z]+)\s+(?:yuan\s+|dollars\s+|bucks\s+)?off\b|\bknock\s+off\b"
    r"|\bout\s+of\s+my\s+own\s+pocket\b|\brefund\s+you\s+myself\b|\bfront\s+you\b|\badvance\s+you\b"
    r"|\bset\s+aside\b|\boff\s+the\s+books\b|\bunder\s+the\s+radar\b|\bthrough\s+a\s+friend\b|\bforwarding\s+service\b"
    r"|\bas\s+many\s+times\s+as\b|\buntil\s+it\s+fits\b|\bunlimited\s+(?:exchanges|returns|repairs)\b"
    r"|\bunused\s+(?:half|part|portion)\b|\bpro[-\s]?rata\b|\bfor\s+you\s+i'?ll\b|\beven\s+after\s+that\b"
)
# A sentence restating an exclusion, a limit or a fee ("不支持", "不在保修范围", "只能换一次", "过了 15 天",
# "isn't covered") …
_RESTRICTS = _rx(
    r"不支持|不退|不换|不保修|不在(?:保修|退换)?范围|不属于|不能|不可以|不可|不包括|除外|只能|仅限|本来|原本|按理"
    r"|属于(?:耗材|正常)|正常(?:使用)?(?:现象|损耗)|不满|要收|要加|需补|要补|需加"
    r"|(?:过了|超过了?|超出了?|就算|即使|哪怕|即便)|(?:保修期|期限|范围)外"
    r"|咬坏|摔坏|弄坏|坏了|进水|泡水|撞坏|磕坏|刮花|\b(?:chewed|dropped|broke|broken|cracked)\b"
    r"|\b(?:not|isn'?t|aren'?t|can'?t|cannot|won'?t|doesn'?t|don'?t|only)\b"
)
# … and then granting it in the first person ("不过…我们也认", "但我们还是给你换新的", "we'll … anyway").
_GRANT_AFTER = _rx(
    rf"{_WE}[^，。；,;]{{0,6}}(?:也|还是|照样|照常|一样|仍然|依然|照旧)[^，。；,;]{{0,8}}"
    r"(?:认|收|退|换|修|保|赔|免|包|给|帮|承担|出)"
    rf"|{_WE}[^，。；,;]{{0,4}}免费{_YOU}?[^，。；,;]{{0,4}}(?:换|修|退|寄|补|送)"
    r"|\b(?:we'?ll|we\s+will|i'?ll|i\s+will|we\s+can|i\s+can)\b[^.;!?]{0,60}\b(?:anyway|regardle(?:ss|ß)|for\s+free|free\s+of\s+charge)\b"
    r"|\b(?:we'?ll|we\s+will|i'?ll|i\s+will)\s+(?:still|also)\s+(?:take|refund|replace|repair|fix|cover|accept|exchange)\b"
)
# The conditions the policies grant under: a grant conditioned on one of them is the policy's own term.
_POLICY_CONDITION = _rx(
    r"质量问题|破损|发错|少发|非人为|性能故障|做工|材料问题|"
    r"\b(?:quality\s+problem|faulty|defect|damaged\s+in\s+transit|wrong\s+item|mi(?:ss|ß)ing\s+item)"
)
# "请不要私下转账", "我们不能私下改价", "we never make an exception": a denied deal grants nothing.
_NEGATED = _rx(
    r"(?:不会|不要|不能|不可以|不可|不准|不给|不帮|不做|没办法|没法|无法|不可能|请勿|严禁|禁止|从不|绝不|别|勿)"
    r"|\b(?:never|not|don'?t|won'?t|can'?t|cannot|doesn'?t|unable)\b"
)
_CLAUSE_END = _rx(r"[，。；,;！？!?]")
_PLAIN_EXCEPTION = _rx(r"例外|破例|通融|特批|私下|偷偷|私人|\bexception\b|\bthis\s+once\b")


def grants(sentence: str, policy: str = "") -> str | None:
    """The first phrase of `sentence` that grants an exception, a waiver, a private deal, an unlimited count or
    unlisted stock (see the module doc), or None; a phrase `policy` (the turn's policy text as `read_text`
    reads it) also carries, or a grant conditioned on what the policies grant under, is none."""
    text = read_text(sentence)
    for m in _ALWAYS.finditer(text):
        clause = text[: m.start()]
        ends = [e.end() for e in _CLAUSE_END.finditer(clause)]
        if m.group(0).strip() not in policy and not _NEGATED.search(clause[ends[-1] if ends else 0 :]):
            return m.group(0)
    restrict = _RESTRICTS.search(text)
    if restrict is None:
        return None
    grant = _GRANT_AFTER.search(text, restrict.end())
    if grant is None:
        return None
    ends = [e.end() for e in _CLAUSE_END.finditer(text, 0, grant.start())]
    clause = text[ends[-1] if ends else 0 : grant.end()]  # the condition the grant itself is given under
    if _POLICY_CONDITION.search(clause) and not _PLAIN_EXCEPTION.search(text):
        return None
    return grant.group(0)


# An assurance about a use: "做蛋糕也没问题", "两只猫一起装也没问题", "swimming with them is no problem".
_ASSURED = _rx(
    r"([^，。；,;！？!?]{2,24}?)\s*(?:也|都|完全|绝对|照样|一样)*\s*(?:没问题|没有问题|不成问题|没压力|没有压力|不在话下)"
    r"|([^.,;!?]{3,60}?)\s+(?:is|are|will\s+be)\s+(?:totally\s+|completely\s+|also\s+)?(?:no\s+problem|fine|no\s+i(?:ss|ß)ue)\b"
)
# A count of animals, people or items a use claims ("两只猫", "three kids"): the product's text must state it.
_COUNT = _rx(
    r"[两二三四五六七八九十\d]+\s*(?:只|个|人|位|件|台|把|条|双)|\b(?:two|three|four|five|\d+)\s+(?:cats|dogs|kids|people|persons)\b"
)


# The words every `_ASSURED` match ends in: a sentence without one assures nothing, and `_ASSURED`'s lazy
# lead-in is tried at every position of the sentence (~1 ms per reply), so it runs only when one is there.
_ASSURED_WORD = _rx(r"没问题|没有问题|不成问题|没压力|没有压力|不在话下|no\s+problem|fine|no\s+i(?:ss|ß)ue")


def assured_uses(sentence: str) -> list[str]:
    """The uses `sentence` assures the customer of (read text before "也没问题" / "is no problem"), e.g.
    "可以的，美的电压力锅做蛋糕也没问题" → ["美的电压力锅做蛋糕"]: a use the product's own facts must state."""
    text = read_text(sentence)
    if not _ASSURED_WORD.search(text):
        return []
    return [(m.group(1) or m.group(2) or "").strip() for m in _ASSURED.finditer(text)]


def unstated_counts(use: str, product_text: str) -> list[str]:
    """The counts a use claims ("两只猫") that the products' text (read) does not contain."""
    return [m.group(0) for m in _COUNT.finditer(use) if m.group(0).replace(" ", "") not in product_text]
