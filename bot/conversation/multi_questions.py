"""One message, several questions: a product question and a policy question asked in one turn.

"Pegasus 41 有42码吗？可以分期吗", "AirPods Pro 2 有货吗？几天能到上海", "Is the Keep yoga mat in stock? Also do you
accept PayPal?" ask about a product AND about a shop rule. Read whole, the message is routed to one intent and
one part is lost (only the payment bullets, or only the product). Here the message is cut into its clauses
(`question_parts`); the clauses that ask about a rule (`PolicyPart`) are answered from the policies one by one,
and the rest of the message — every other clause, in order, so that a budget or a recipient said beside it is
kept — is answered as the product question it is. The parts of the reply follow the order of the message.

Which clause asks about a rule is decided by the caller (the rule-based intent, or for an unsure clause that is
a question, whether a policy topic matches it); this module only cuts and groups.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.script import has_han

# Clause ends: sentence punctuation, and a comma or "and/also" that opens a new question.
_CUT = re.compile(
    r"(?<=[？?！!。；;\n])|(?<=[，,、])|\s+(?=(?:and\s+)?also\b)|,?\s+(?=and\s+(?:can|could|do|does|is|are|will|how)\b)",
    re.I,
)
_EDGE = " ，,。？?！!；;、\n"
# A clause that is a question: a question mark or particle, or an English question opening.
_QUESTION = re.compile(
    r"[？?]|[吗嗎么麼呢]\s*$|^(?:(?:and|also|so)\s+)*(?:can|could|do|does|is|are|will|how|what|when|which)\b|"
    r"能不能|可不可以|是否|多久|多少|几天|幾天|怎么|怎麼",
    re.I,
)


def question_parts(text: str) -> list[str]:
    """The clauses of `text` in order, trimmed ("Pegasus 41 有42码吗？可以分期吗" → ["Pegasus 41 有42码吗",
    "可以分期吗"]); empty clauses dropped. A message of one clause gives a list of one."""
    parts = (p.strip(_EDGE) for p in _CUT.split(text))
    return [p for p in parts if p]


def is_question(part: str) -> bool:
    """True when the clause asks something (a question mark or particle, or an English question opening)."""
    return bool(_QUESTION.search(part))


@dataclass(frozen=True)
class Split:
    """A message cut into the clauses that ask about shop rules (`policy`, in order) and the rest of the
    message (`rest`: the other clauses joined in order, answered as one product question); `policy_first` when
    the message opens with a rule question (its answer then comes first)."""

    policy: tuple[str, ...]
    rest: str
    policy_first: bool


def split_questions(
    text: str, asks_policy: Callable[[str], bool], asks_product: Callable[[str], bool]
) -> Split | None:
    """The message cut into rule questions and a product question, or None when it does not ask both (one
    clause, no clause about a rule, or no clause about a product). `asks_policy(clause)`: the clause asks about
    a shop rule; `asks_product(clause)`: the clause asks about or names a product."""
    parts = question_parts(text)
    if len(parts) < 2:
        return None
    policy = [asks_policy(p) for p in parts]
    if not any(policy) or all(policy):
        return None
    rest = [p for p, is_rule in zip(parts, policy, strict=True) if not is_rule]
    if not any(asks_product(p) for p in rest):
        return None
    joiner = "，" if has_han(text) else ", "
    return Split(
        tuple(p for p, is_rule in zip(parts, policy, strict=True) if is_rule), joiner.join(rest), policy[0]
    )
