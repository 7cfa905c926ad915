"""Untrusted text the bot quotes back (a customer's query, a policy line, a product's first sentence) must not
smuggle a claim into a reply: instruction spans are neutralised and every offer, term, contact, link, payment
or prompt-leak span is cut, because the offline composer's replies are not checked after they are built."""

from __future__ import annotations

import re
from functools import lru_cache

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
    source = quotable(message).strip()

    def blank(match: re.Match[str]) -> str:
        content = next(g for g in match.groups() if g is not None).strip().rstrip("…")
        if content and (content in source or source.startswith(content)):
            return " " * len(match.group(0))
        return match.group(0)

    return _QUOTED.sub(blank, reply)


_QUOTED = re.compile(r"「([^」]*)」|“([^”]*)”|\"([^\"\n]*)\"")
