"""Bridges between handoff and the conversation memory: what the agents' card shows, what the bot remembers.

`conversation_context` gives the card the recent turns and the products last shown (looked up in the
catalog so SKUs come with their real titles and prices). `remember_in` stores the summary of the human
exchange as a turn, so the bot resumes knowing what people said. Both are wired in `bot.wiring`.
"""

from __future__ import annotations

import asyncio

from bot.conversation.store import ConversationStore, Turn
from bot.domain.language import detect_language
from bot.domain.messages import Inbound
from bot.handoff.outbox import ContextProvider, OnClosed
from knowledge.protocols import ProductIndex

RECENT_TURNS = 8
MAX_PRODUCTS = 5


def _context(store: ConversationStore, index: ProductIndex | None, inbound: Inbound) -> dict[str, object]:
    turns = store.recent(inbound.chat_id, RECENT_TURNS)
    state = store.state(inbound.chat_id)
    skus = list(dict.fromkeys([*state.last_skus, *(s for t in reversed(turns) for s in t.skus)]))
    products: list[tuple[str, str, str]] = []
    for sku in skus[:MAX_PRODUCTS]:
        product = index.get(sku) if index is not None else None
        if product is not None:
            products.append((product.sku, product.title, product.price_text() or ""))
        elif index is None:
            products.append((sku, "", ""))
    said = [t.text for t in turns if t.role == "user"][-2:] + ([inbound.text] if inbound.text else [])
    return {
        "summary": " / ".join(said),
        "turns": [(t.role, t.text) for t in turns],
        "products": products,
        "language": state.language or detect_language(inbound.text, inbound.language_hint),
        "user_name": inbound.user_name,
    }


def conversation_context(store: ConversationStore, index: ProductIndex | None = None) -> ContextProvider:
    """A context provider for `HandoffService` over the chat's memory (and the catalog for product facts)."""

    async def provide(inbound: Inbound) -> dict[str, object]:
        return await asyncio.to_thread(_context, store, index, inbound)

    return provide


def remember_in(store: ConversationStore) -> OnClosed:
    """An `on_closed` hook that appends the human exchange's summary to the chat's memory."""

    async def on_closed(chat_id: str, summary: str, user_id: str) -> None:
        await asyncio.to_thread(store.append, chat_id, Turn(role="agent", text=summary, user_id=user_id))

    return on_closed
