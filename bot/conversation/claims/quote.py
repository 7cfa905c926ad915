"""Untrusted text the bot quotes back (a customer's query, a policy line, a product's first sentence) must not
smuggle a claim into a reply: instruction spans are neutralised and every offer, term, contact, link, payment
or prompt-leak span is cut, because the offline composer's replies are not checked after they are built."""

from __future__ import annotations

import re
from functools import lru_cache

import regex

from bot.conversation.claims.extract import extract_claims
from bot.conversation.claims.text import surface
from bot.conversation.sanitize import REMOVED, neutralise
from bot.privacy.redaction import EMAIL, MESSENGER, PHONE, redact

# A redacted contact right after a cut claim ("加微信 [messenger-id]"): the claim's own value, cut with it.
_CUT_CONTACT = re.compile(
    rf"{re.escape(REMOVED)}\s*(?:{'|'.join(re.escape(p) for p in (MESSENGER, PHONE, EMAIL))})"
)


@lru_cache(maxsize=1024)
def quotable(text: str) -> str:
    """`text` (NFKC-normalised, personal data redacted) with instruction spans and every claim span (amounts included: "今日售价99元"
    in a customer's message is not the shop's price) replaced by '…'. Cached (a pure function of `text`): the
    customer's message is masked by every check of the turn's drafts and reply."""
    text = surface(neutralise(redact(text)))  # personal data is never echoed (a group reads the echo too)
    spans: list[tuple[int, int]] = []
    for claim in sorted(extract_claims(text), key=lambda c: c.start):
        if spans and claim.start < spans[-1][1]:  # overlapping claims ("加微信" inside "加微信 abc") merge
            spans[-1] = (spans[-1][0], max(spans[-1][1], claim.end))
        else:
            spans.append((claim.start, claim.end))
    for start, end in reversed(spans):
        text = text[:start] + REMOVED + text[end:]
    return _CUT_CONTACT.sub(REMOVED, text)


def mask_echo(reply: str, message: str) -> str:
    """`reply` with its quotations of the customer's `message` («「…」», "…") blanked out (same length), so
    the customer's own words are not read as the shop's claims. Only spans that are a prefix of (or inside)
    `quotable(message)` count — a claim the bot adds inside quotes is still checked."""
    if not message:
        return reply
    reply = mask_reported(reply, message)
    source = quotable(message).strip()

    def blank(match: re.Match[str]) -> str:
        content = next(g for g in match.groups() if g is not None).strip().rstrip("…")
        if content and (content in source or source.startswith(content)):
            return " " * len(match.group(0))
        return match.group(0)

    return _QUOTED.sub(blank, reply)


_QUOTED = re.compile(r"「([^」]*)」|“([^”]*)”|\"([^\"\n]*)\"")


# The customer's own figures reported back and disowned ("您说的 99 元是别家的价格", "您提到的 30 天无理由不是我们的
# 规则", "The ¥199 you mentioned is another shop's price"): the report and the clause disowning it state no claim
# of the shop and are blanked. It counts only when the rest of its clause disowns it and its figures are the
# customer's (`message`); "您说的 99 元没错，就是这个价" agrees, and is read as the shop's own claim.
_REPORTED_ZH = regex.compile(
    r"(?:您|你)(?:的?(?:朋友|家人|同事|同学))?(?:刚才|之前|上面)?(?:说|提到|问|看到|讲|听说|查到|发来|发)的\s*"
    r"[^，,。！？!?；;：:]{1,30}?(?=\s*(?:是别|是其他|是其它|是京东|是淘宝|是拼多多|是外面|不是|不对|不准确|并不|并非|"
    r"其实|我们|我这边|这边|本店|没有|查不到|不存在|不适用|不成立))"
)
_REPORTED_EN = regex.compile(
    r"(?i)\b(?:the|that|those)\s+[^,.;!?]{1,30}?\s+(?:you|your\s+friend)\s+(?:mentioned|quoted|saw|found|said|"
    r"were\s+told|heard\s+about|asked\s+about)\b"
)
_DISOWNED = regex.compile(
    r"别家|其他|其它|他家|京东|淘宝|拼多多|外面|不是|不对|不准确|并不|并非|没有|查不到|不存在|不适用|不成立|"
    r"(?i:another|other\s+(?:shop|store|seller)|elsewhere|not\s+(?:ours|our)|isn't|is\s+not|aren't|no\s+such|"
    r"don't|do\s+not|doesn't|never)"
)
_AGREED = regex.compile(
    r"(?<!不)(?:没错|没问题|对的|正确|属实|可以|就是)|(?i:\b(?:right|correct|true|sure)\b)"
)
_FIGURE = regex.compile(r"\d+(?:\.\d+)?")


def _customers(span: str, message: str) -> bool:
    """Whether `span`'s figures are in `message` (every digit run; with none, a two-character piece of it)."""
    figures = _FIGURE.findall(span)
    if figures:
        return all(f in _FIGURE.findall(message) for f in figures)
    words = regex.sub(r"\s+", "", span)
    words = regex.sub(r"^(?:您|你)\S*?的", "", words)
    return any(words[i : i + 2] in message for i in range(len(words) - 1))


def mask_reported(reply: str, message: str) -> str:
    """`reply` with the customer's figures it reports back and disowns blanked out (same length); see above."""
    if not message:
        return reply
    message = surface(message)
    for rx in (_REPORTED_ZH, _REPORTED_EN):
        for match in list(rx.finditer(reply)):
            end = _clause_end(reply, match.end())
            rest = reply[match.end() : end]
            if not _DISOWNED.search(rest) or _AGREED.search(rest):
                continue
            if _customers(match.group(0), message):  # the report and the clause disowning it
                reply = reply[: match.start()] + " " * (end - match.start()) + reply[end:]
    return reply


def _clause_end(text: str, start: int) -> int:
    found = regex.search(r"[，,。！？!?；;\n]|\.(?:\s|$)", text[start:])
    return start + found.start() if found else len(text)
