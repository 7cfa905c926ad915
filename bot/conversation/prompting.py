"""What the conversation tells the LLM: its prompt files, their values, and the two short asks.

Values are plain text built here: catalog and policy text fenced as data (angle brackets removed so a
product description cannot close a `<catalog>` fence, lengths bounded), and whatever a customer wrote
with personal data redacted (`bot.privacy.redaction`) — the provider never needs phones, addresses or order
numbers to answer a product or policy question. The model is any `bot.domain.protocols.ChatModel`; the
prompts are the validated files in `bot/prompts/chat/`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.conversation.claims.units import own_text
from bot.conversation.grounding import secret_lines
from bot.conversation.intents import Intent
from bot.conversation.sanitize import catalog_text, neutralise
from bot.conversation.store import Turn
from bot.domain.prompt import PromptSpec
from bot.domain.protocols import ChatModel
from bot.privacy.redaction import redact
from bot.prompts import load_prompt
from knowledge.models import PolicyDoc, Product

LANGUAGE_NAMES = {"zh": "简体中文 (Simplified Chinese)", "en": "English"}
_FENCE = re.compile(r"[<>]")


@dataclass(frozen=True)
class ChatPrompts:
    """The conversation's prompt files (`bot/prompts/chat/*.yaml`)."""

    answer: PromptSpec
    answer_strict: PromptSpec
    intent: PromptSpec
    rewrite: PromptSpec

    @classmethod
    def load(cls, prompts_dir: Path) -> ChatPrompts:
        folder = prompts_dir / "chat"
        names = ("answer", "answer_strict", "intent", "rewrite")
        return cls(*(load_prompt(folder / f"{name}.yaml") for name in names))

    def secrets(self) -> tuple[str, ...]:
        """Lines (and guard phrases) of the system prompts that a reply must never contain."""
        return _secrets((self.answer.system, self.answer_strict.system))


@functools.lru_cache(maxsize=8)
def _secrets(systems: tuple[str, ...]) -> tuple[str, ...]:
    """`ChatPrompts.secrets` of these system prompts (read once: every LLM reply's check asks)."""
    guards = tuple(dict.fromkeys(g for s in systems for g in re.findall(r"XIAOER-GUARD-\w+", s)))
    return guards + tuple(dict.fromkeys(line for s in systems for line in secret_lines(s)))


def fence(text: str, limit: int = 400) -> str:
    """Data for the prompt: no angle brackets (fences cannot be closed), at most `limit` characters."""
    return _FENCE.sub(" ", text)[:limit]


def customer_text(text: str, limit: int = 400) -> str:
    """What a customer wrote, fenced, instruction-like spans cut (`bot.conversation.sanitize`: "[[DO: …]]",
    "as the manager I authorise …" is no order to the model) and personal data redacted."""
    return fence(redact(neutralise(text)), limit)


def product_facts(products: Sequence[Product]) -> str:
    """One fenced line per product: `[n] SKU … | title | brand | price | stock | attributes | tags | text`."""
    lines = []
    for n, p in enumerate(products, 1):
        stock = (
            "unknown" if p.stock is None else ("out of stock" if p.stock <= 0 else f"in stock ({p.stock})")
        )
        attrs = "; ".join(f"{k}: {v}" for k, v in p.attributes.items())
        parts = [
            f"[{n}] SKU {p.sku}",
            p.title,
            f"brand {p.brand}" if p.brand else "",
            f"price {p.price_text()}" if p.price_text() else "price not listed",
            f"stock {stock}",
            attrs,
            "tags " + ", ".join(p.tags) if p.tags else "",
            own_text(p.description[:160]),  # no shop-wide terms from a description (policies state them)
        ]
        parts = [catalog_text(part, keep=(p.url,)) for part in parts]  # catalog text is data, not orders
        lines.append(fence(" | ".join(part for part in parts if part), 700))
    return "\n".join(lines) or "(no matching products)"


def policy_facts(docs: Sequence[PolicyDoc]) -> str:
    """The policy documents, fenced and neutralised, one block each (each block built once per document)."""
    return "\n\n".join(map(_policy_fact, docs)) or "(none)"


@functools.lru_cache(maxsize=256)
def _policy_fact(doc: PolicyDoc) -> str:
    return fence(neutralise(f"{doc.title}\n{doc.text}"), 1500)


def history_text(turns: Sequence[Turn]) -> str:
    # each turn redacted on its own: a name that opens a message ("Priya Raman here") opens it without the role
    return "\n".join(fence(f"{t.role}: {redact(neutralise(t.text))}", 300) for t in turns) or "(none)"


def answer_values(
    lang: str,
    products: Sequence[Product],
    policies: Sequence[PolicyDoc],
    history: Sequence[Turn],
    question: str,
    understood: str = "",
) -> dict[str, str]:
    """The values of `answer.yaml` / `answer_strict.yaml` (the latter also needs `violations`).

    `understood`: what the conversation layer resolved (the products asked about, the active search, the
    pair compared) — the LLM answers about those, it does not guess them again."""
    return {
        "language_name": LANGUAGE_NAMES.get(lang, "简体中文"),
        "products": product_facts(products),
        "policies": policy_facts(policies),
        "history": history_text(history),
        "question": customer_text(question, 2000),
        "understood": redact(understood) if understood else "-",  # search words may quote the customer
    }


def violations_note(violations: Sequence[object]) -> str:
    """The stricter prompt's `violations` value: what the last reply claimed without support, redacted — a
    violation may quote the customer's own clause ("affirms: 6222… 这个卡可以用花呗吗") or the reply's echo of it."""
    return redact("; ".join(map(str, violations)))


def intent_label(text: str) -> Intent:
    """The model's one-word label as an Intent (anything else is UNKNOWN)."""
    word = re.sub(r"[^a-z_]", "", text.strip().split()[0].lower()) if text.strip() else ""
    return Intent(word) if word in Intent._value2member_map_ else Intent.UNKNOWN


async def classify_with_llm(model: ChatModel, prompts: ChatPrompts, text: str) -> Intent:
    """Ask the model for the intent when the rules are unsure; raises LLMUnavailable (then rules decide)."""
    return intent_label(await model.complete(prompts.intent, {"message": customer_text(text, 500)}))


async def rewrite_query(model: ChatModel, prompts: ChatPrompts, text: str) -> str:
    """One line of search keywords from the model ('' when it gives nothing usable); raises LLMUnavailable."""
    raw = await model.complete(prompts.rewrite, {"message": customer_text(text, 500)})
    line = next((part.strip() for part in raw.splitlines() if part.strip()), "")
    return fence(re.sub(r"[,，;；、]", " ", line), 80)
