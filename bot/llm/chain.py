"""The LangChain side of the core: LCEL runnables for retrieval, intent classification and generation.

The chat model is any LangChain `BaseChatModel` (ChatOpenAI from `bot.llm.openai_chat`, or a scripted one in
benches); prompts are the validated files in `bot/prompts/chat/`. Catalog and policy text go into the
prompt fenced as data, with angle brackets removed so a product description cannot close the fence.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda

from bot.conversation.grounding import secret_lines
from bot.conversation.intents import Intent
from bot.conversation.store import Turn
from bot.domain.errors import LLMUnavailable
from bot.llm import openai_chat as llm_adapter
from bot.privacy.redaction import redact
from bot.prompts import PromptSpec, load_prompt
from knowledge.models import PolicyDoc, Product, QueryFilters, SearchHit
from knowledge.protocols import ProductIndex

LANGUAGE_NAMES = {"zh": "简体中文 (Simplified Chinese)", "en": "English"}
_FENCE = re.compile(r"[<>]")


@dataclass(frozen=True)
class ChatPrompts:
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
        systems = (self.answer.system, self.answer_strict.system)
        guards = tuple(dict.fromkeys(g for s in systems for g in re.findall(r"XIAOER-GUARD-\w+", s)))
        return guards + tuple(dict.fromkeys(line for s in systems for line in secret_lines(s)))


def retriever(index: ProductIndex) -> Runnable[dict[str, object], list[SearchHit]]:
    """LCEL step: {"query", "filters", "k", "include_weak"} → hits, run off the event loop."""

    async def search(request: dict[str, object]) -> list[SearchHit]:
        filters = request.get("filters")
        return await asyncio.to_thread(
            index.search,
            str(request["query"]),
            k=int(request.get("k", 5)),  # type: ignore[call-overload]
            filters=filters if isinstance(filters, QueryFilters) else None,
            include_weak=bool(request.get("include_weak", False)),
        )

    return RunnableLambda(search, name="retrieve")


def _label(text: str) -> Intent:
    word = re.sub(r"[^a-z_]", "", text.strip().split()[0].lower()) if text.strip() else ""
    return Intent(word) if word in Intent._value2member_map_ else Intent.UNKNOWN


def intent_classifier(model: BaseChatModel, prompts: ChatPrompts) -> Runnable[dict[str, str], Intent]:
    """LCEL: prompt | model | text | label (an unknown answer becomes UNKNOWN)."""
    return (
        prompts.intent.chat_prompt() | model | StrOutputParser() | RunnableLambda(_label, name="intent_label")
    )


async def classify_with_llm(model: BaseChatModel, prompts: ChatPrompts, text: str) -> Intent:
    try:
        return await intent_classifier(model, prompts).ainvoke({"message": customer_text(text, 500)})
    except Exception as exc:  # any provider failure just means "rules decide"
        raise LLMUnavailable(str(exc)) from exc


async def rewrite_query(model: BaseChatModel, prompts: ChatPrompts, text: str) -> str:
    """LCEL: prompt | model | text → one line of search keywords ('' when the model gives nothing usable)."""
    chain = prompts.rewrite.chat_prompt() | model | StrOutputParser()
    try:
        raw = await chain.ainvoke({"message": customer_text(text, 500)})
    except Exception as exc:  # the rewrite is an optional second chance, never a failure
        raise LLMUnavailable(str(exc)) from exc
    line = next((part.strip() for part in raw.splitlines() if part.strip()), "")
    return fence(re.sub(r"[,，;；、]", " ", line), 80)


def fence(text: str, limit: int = 400) -> str:
    """Data for the prompt: no angle brackets (fences cannot be closed), bounded length."""
    return _FENCE.sub(" ", text)[:limit]


def customer_text(text: str, limit: int = 400) -> str:
    """What a customer wrote, fenced and with PII (phones, addresses, order numbers …) redacted: the LLM
    provider never needs them to answer a product or policy question."""
    return fence(redact(text), limit)


def product_facts(products: Sequence[Product]) -> str:
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
            p.description[:160],
        ]
        lines.append(fence(" | ".join(part for part in parts if part), 700))
    return "\n".join(lines) or "(no matching products)"


def policy_facts(docs: Sequence[PolicyDoc]) -> str:
    return "\n\n".join(fence(f"{d.title}\n{d.text}", 1500) for d in docs) or "(none)"


def history_text(turns: Sequence[Turn]) -> str:
    return "\n".join(customer_text(f"{t.role}: {t.text}", 300) for t in turns) or "(none)"


async def generate(
    model: BaseChatModel,
    spec: PromptSpec,
    values: dict[str, str],
    on_text: Callable[[str], Awaitable[None]] | None = None,
) -> str:
    """Format the prompt (LCEL template) and stream the model's answer through `bot.llm.openai_chat.stream`."""
    prompt_value = await spec.chat_prompt().ainvoke(values)
    return await llm_adapter.stream(model, prompt_value.to_messages(), on_text)


def answer_values(
    lang: str,
    products: Sequence[Product],
    policies: Sequence[PolicyDoc],
    history: Sequence[Turn],
    question: str,
) -> dict[str, str]:
    return {
        "language_name": LANGUAGE_NAMES.get(lang, "简体中文"),
        "products": product_facts(products),
        "policies": policy_facts(policies),
        "history": history_text(history),
        "question": customer_text(question, 2000),
    }
