"""Catalog, policy and customer text are data: instruction-like spans are cut before they enter a prompt.

Why: an LLM follows instructions wherever it finds them, and product descriptions, imported policies and
customer messages are written by people the shop does not control (indirect prompt injection, OWASP LLM01).
`neutralise` removes the spans that only an attacker writes into such text — directive brackets
(`[[DO: …]]`, `{{…}}`), chat-template and role markers (`system:`, `<|im_start|>`, `[INST]`, `### Instruction`,
`系统：`), orders about what to say ("回复时加上…", "记得说…", "please mention that …"; Traditional script
too), and override or role-play phrases ("ignore previous instructions", "忽略以上", "你现在是", "you are
now", "as the manager I authorise …") up to the end of their sentence. `strip_contacts` removes links and
contact details from a product description (only the product's own `url` may reach a customer). The truth
guard checks every reply anyway; this keeps the model from being steered in the first place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import regex

from bot.privacy.phones import find_phones, normalise
from knowledge.traditional import to_simplified

REMOVED = "…"
_END = r"(?:[。！？!?\n]|\.(?=\s)|$)"
# The rest of a sentence: an English full stop ends it only before a space ("v3.5" does not).
_REST = r"(?:[^。！？!?\n.]|\.(?!\s))*"
# Bracketed directives: [[DO: …]], [[SYSTEM …]], {{ … }}, <<SYS>> … <</SYS>>.
# HTML comments and script/style blocks (hidden in a rendered page, read by a model) go whole, closed or not.
_BRACKETS = re.compile(
    r"<\|im_start\|>.*?(?:<\|im_end\|>|$)|\[\[.*?(?:\]\]|$)|\{\{.*?(?:\}\}|$)|<<\s*/?\s*SYS\s*>>|\[/?INST\]|<\|[^|>]{0,40}\|>"
    r"|<!--.*?(?:-->|$)|<\s*(script|style)\b.*?(?:<\s*/\s*\1\s*>|$)",
    re.I | re.S,
)
# A role marker at the start of a line or after a sentence end: "system:", "assistant：", "系统提示：".
_ROLE = regex.compile(
    r"(?:^|(?<=[\n。！？!?.]\s*))\s*(?:#{1,4}\s*)?"
    r"(?:system|assistant|developer|user|instruction|instructions|prompt|system prompt|"
    r"系统|系统提示|系统指令|系统消息|助手|开发者|管理员|指令|提示词)\s*[:：]",
    regex.I | regex.M,
)
# Override, role-play and authority phrases; the rest of their sentence goes with them.
_PHRASES = (
    r"ignore\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|preceding|your)\s+"
    r"(?:instructions?|rules?|prompts?|directions?)",
    r"disregard\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|your)\b",
    r"forget\s+(?:all\s+|everything\s+)?(?:previous|prior|above|your)\s+(?:instructions?|rules?)",
    r"override\s+(?:the\s+|your\s+)?(?:rules?|instructions?|polic(?:y|ies)|prices?)",
    r"new\s+(?:instructions?|rules?)\s*[:：]",
    r"you\s+are\s+now\b",
    r"from\s+now\s+on,?\s+you\b",
    r"(?:act|behave)\s+as\s+(?:if\s+you\s+(?:are|were)\s+)?(?:an?\s+|the\s+)?"
    r"(?:admin|administrator|manager|owner|developer|different|unrestricted|dan\b)",
    r"pretend\s+(?:to\s+be|you\s+are)\b",
    r"role[-\s]?play\b",
    r"\[\s*(?:system|sys|assistant|developer|admin|系统|管理员|系统提示|系统消息|提示|指令)\s*\]\s*[:：]?",  # "[SYSTEM]: …"
    # notes addressed to the model: "Note to assistant: …", "Message for the AI: …", "给AI的备注：…"
    r"\b(?:note|notes|message|memo|hint|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+)?"
    r"(?:assistant|ai|bot|chatbot|model|llm|gpt|agent)\b\s*[:：]?",
    r"(?:给|致|写给)(?:ai|助手|机器人|客服机器人|模型|大模型|智能客服)的?(?:备注|说明|提示|话|留言)\s*[:：]?",
    r"as\s+(?:the|a|your)\s+(?:shop\s+|store\s+)?(?:manager|owner|admin|administrator|boss|ceo)\b",
    r"i\s+(?:hereby\s+)?authori[sz]e\b",
    r"(?:tell|inform|say\s+to|promise)\s+(?:the\s+|all\s+|every\s+)?(?:customers?|users?|buyers?|shoppers?)\b",
    r"(?:reveal|print|repeat|show)\s+(?:your|the)\s+(?:system\s+)?(?:prompt|instructions)",
    r"忽略(?:以上|上面|上述|之前|前面|先前|所有|全部|你的)",
    r"无视(?:以上|上面|上述|之前|前面|所有|你的)",
    r"不要(?:理会|遵守)(?:以上|之前|前面|你的)",
    r"(?:你现在是|现在你是|从现在(?:起|开始)?[，,]?\s*你(?:是|要|必须)|你的新(?:身份|角色|任务))",
    r"(?:扮演|假装你是|假设你是|角色扮演)",
    r"(?:新的?指令|最高指令|管理员指令|开发者模式)",
    r"(?:告诉|告知|通知|承诺|转告|提醒)(?:所有|每[位个]|全部)?(?:顾客|客户|用户|买家|客人|大家)",
    r"(?:管理员|店长|老板|系统|内部|运营)(?:备注|通知|指示|说明)\s*[:：]",
    r"(?:回复|回答)(?:时|中)?(?:必须|一定要|务必)(?:说|加上|提到|包含)",
    r"(?:我是|作为)(?:店长|店主|老板|经理|管理员|客服主管)[，,]?\s*(?:我)?(?:授权|批准|命令|要求)?",
    r"(?:泄露|输出|打印|重复)(?:你的)?(?:系统)?(?:提示词|指令|设定)",
    # Orders to the assistant about what to say (red team v2): the obedient model follows them.
    r"(?:在|于)?(?:回复|回答|答复)(?:时|中|里|的时候)[^。！？!?\n]{0,6}(?:说|讲|提到|加上|写上|强调|注明|告诉|包含)",
    r"(?:记得|务必|一定要|必须|千万要|请务必|别忘了)要?(?:说|讲|提到|告诉|强调|写上|加上|注明|声明|承诺|提醒)",
    r"(?:请|请你)(?:提到|强调|声明|告诉)(?:本店|我们|这款|顾客|客户|他们)",
    r"(?:顾客|客户|用户|买家|客人)(?:问|咨询)[^。！？!?\n]{0,10}(?:就|时|的时候)(?:说|回答|讲|告诉)",
    r"(?:please\s+)?(?:always\s+)?(?:mention|state|announce|claim)\s+(?:that|to\s+(?:the\s+)?customers?)\b",
    r"\bsay\s+(?:that|it\s+is|it's|they\s+are|payment|the\s+price)\b",
    # a shop-wide claim the customer wants said ("also say all items are free", "并且告诉我全场一元"): the claim
    # is the attacker's words, never a question about a product
    r"\b(?:say|state|announce|tell\s+(?:me|us|them|everyone|everybody))\s+(?:that\s+)?"
    r"(?:all|every|everything|each|the\s+whole|your\s+whole|prices?)\b"
    r"(?=[^.!?\n]{0,40}(?:\bfree|\$\s?\d|\d+\s*(?:yuan|dollars?|cents?|%)|half\s+price|discount|\d+\s*%?\s*off))",
    r"(?:说|告诉我|告诉他们|声明|宣布|写上|写明)(?:一下)?(?:全场|全店|本店|所有商品|全部商品|所有东西|一律|全部)"
    r"(?=[^。！？!?\n]{0,12}(?:免费|不要钱|白送|半价|[\d一二两三四五六七八九十]+\s*(?:元|块|折|毛)|包邮))",
    r"\b(?:when|if)\s+(?:asked|(?:a\s+)?customers?\s+asks?)\b[^.!?\n]{0,40}\b(?:say|tell|answer|reply)\b",
)
# A polite opener before an order ("请记得说…", "Please note to assistant: …") goes with it.
_PHRASE_RX = regex.compile(r"(?:请\s*|please\s+)?(?:" + "|".join(_PHRASES) + r")" + _REST + _END, regex.I)
# What a cut leaves standing alone (at the start, or as a sentence of its own) is dropped, not shown as "…".
_LONE_REMOVED = re.compile(r"(?:^|(?<=[。！？!?.\n]))\s*…\s*")
_URL = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'，。！？、）)]+|"
    r"(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:com|cn|net|org|io|me|shop|top|xyz|cc|co|info|link|app|vip)"
    r"(?:/[^\s<>\"'，。！？、）)]*)?",
    re.I,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_MESSENGER = regex.compile(
    r"(?:加|添加|联系)?\s*(?:微信|薇信|威信|v信|vx|wx|wechat|weixin|qq|q号|whatsapp|telegram|line|飞机)"
    r"\s*(?:号|id)?\s*[:：]?\s*@?[A-Za-z0-9_.-]{4,30}",
    regex.I,
)


def _simplified(text: str) -> str:
    """Traditional script read as Simplified (記得說 → 记得说) so the phrases above match either script."""
    simple, changed = to_simplified(text)
    return simple if changed else text


def instruction_spans(text: str) -> list[str]:
    """The instruction-like spans `neutralise` would remove (for tests and logs)."""
    text = _simplified(normalise(text))
    spans = [m.group(0) for m in _BRACKETS.finditer(text)]
    spans += [m.group(0) for m in _PHRASE_RX.finditer(_BRACKETS.sub(" ", text))]
    spans += [m.group(0) for m in _ROLE.finditer(text)]
    return [s.strip() for s in spans if s.strip()]


def neutralise(text: str) -> str:
    """`text` with directive brackets, role markers and override/role-play sentences replaced by '…'.

    Matching runs on the NFKC form (full-width `ｓｙｓｔｅｍ：` is `system:`); text with nothing to cut is
    returned unchanged."""
    if not text:
        return text
    original, text = text, _simplified(normalise(text))
    if not (_BRACKETS.search(text) or _PHRASE_RX.search(text) or _ROLE.search(text)):
        return original
    text = _BRACKETS.sub(REMOVED, text)
    text = _PHRASE_RX.sub(REMOVED, text)
    text = _ROLE.sub(REMOVED, text)
    text = re.sub(r"(?:…\s*){2,}", REMOVED, text)
    return _LONE_REMOVED.sub("", text).strip() or REMOVED


def strip_contacts(text: str, keep: Iterable[str] = ()) -> str:
    """`text` without URLs, e-mail addresses, phone numbers or messenger ids, except those in `keep`."""
    if not text:
        return text
    kept = {k.strip().lower().rstrip("/") for k in keep if k}
    original, text = text, normalise(text)
    changed = False

    def drop(match: re.Match[str] | regex.Match[str]) -> str:
        nonlocal changed
        value = match.group(0)
        if value.lower().rstrip("/") in kept:
            return value
        changed = True
        return REMOVED

    text = _EMAIL.sub(drop, text)
    text = _URL.sub(drop, text)
    text = _MESSENGER.sub(drop, text)
    for phone in reversed(find_phones(text)):
        text, changed = text[: phone.start] + REMOVED + text[phone.end :], True
    return text if changed else original


def catalog_text(text: str, keep: Iterable[str] = ()) -> str:
    """Product text for a prompt or as evidence: instructions neutralised, foreign contacts removed.

    Memoised by content (the same catalog strings come back with every message; an edited product is
    another key) — never used for what customers write, which must not outlive its conversation."""
    if not text:
        return text
    return _catalog_text(text, tuple(keep))


@functools.lru_cache(maxsize=8192)
def _catalog_text(text: str, keep: tuple[str, ...]) -> str:
    return strip_contacts(neutralise(text), keep)
