"""A payment or invoice question beside a product question: both are answered.

"能开专票吗？买 Sony 耳机" and "Sony 耳机多少钱，支持货到付款吗" ask about a product and about a payment term
at once; read whole, one part was lost (only products, or only the payment bullets). The product part is
answered as usual; the term part (`side_question`) is answered from the payment policy's bullets — and when
it names a specific term the policy never states ("专票", "VAT special invoice"), the reply says plainly
that the policy doesn't cover it and offers a person (`policy_not_stated`), rather than a bullet that reads
like a yes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A clause asking about invoices, cash on delivery or instalments.
_SIDE = re.compile(
    r"[^，,。；;！？!?\n]*(?:发票|专票|普票|开票|货到付款|到付|分期|花呗|invoice|fapiao|cash\s+on\s+delivery|\bcod\b|"
    r"pay\s+on\s+delivery|instal?lments?)[^，,。；;！？!?\n]*[，,。；;！？!?]?",
    re.I,
)
# Specific terms a question may name that a payment policy may or may not state, with the words that state them.
_SPECIFIC = (
    (
        re.compile(
            r"专票|增值税专用发票|专用发票|vat\s+special\s+invoice|special\s+(?:vat\s+)?invoice", re.I
        ),
        ("专票", "专用发票", "special invoice"),
    ),
    (re.compile(r"纸质发票|paper\s+invoice", re.I), ("纸质", "paper")),
)


# A question whether an item can be sent (with a region named elsewhere in the message: "可以寄嗎", "ship it?").
SHIPPING_ASK = re.compile(
    r"寄|邮|郵|送到|发到|發到|配送|运费|運費|包邮|包郵|几天到|幾天到|\bship(?:s|ping|ped)?\b|\bdeliver(?:y|ed)?\b|\bpostage\b",
    re.I,
)


@dataclass(frozen=True)
class SideQuestion:
    """The clause of a message that asks about a payment term (`text`), and a specific term it names that
    must appear in the bullets quoted for them to answer it (`term`, '' when none; `stated_by` its words)."""

    text: str
    term: str = ""
    stated_by: tuple[str, ...] = ()


def side_question(text: str) -> SideQuestion | None:
    """The payment/invoice clause of `text`, or None when it asks none."""
    match = _SIDE.search(text)
    if match is None or not match.group(0).strip(" ，,。？?！!"):
        return None
    for pattern, words in _SPECIFIC:
        named = pattern.search(text)
        if named is not None:
            return SideQuestion(match.group(0).strip(), named.group(0), words)
    return SideQuestion(match.group(0).strip())


def states(question: SideQuestion, bullets: str) -> bool:
    """True when the quoted `bullets` state the specific term asked about (or none was named)."""
    lowered = bullets.lower()
    return not question.term or any(word.lower() in lowered for word in question.stated_by)
