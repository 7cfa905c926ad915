"""Build the handoff service from typed settings values (called by `bot.app`, the composition root)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from bot.conversation_store import ConversationStore
from bot.handoff.desk import SupportDesk
from bot.handoff.memory import conversation_context, remember_in
from bot.handoff.service import HandoffService
from bot.handoff.store import HandoffStore, InMemoryHandoffStore
from bot.handoff.store_sql import SqlHandoffStore
from bot.handoff.triggers import TriggerSet
from bot.prompts import load_messages
from knowledge.protocols import ProductIndex

TERMINAL_SUPPORT_CHAT = "terminal:support"


def build_handoff_service(
    *,
    prompts_dir: Path,
    support_chat_id: str | None,
    claim_timeout_s: float = 300.0,
    engine: Engine | None = None,
    store: HandoffStore | None = None,
    conversations: ConversationStore | None = None,
    index: ProductIndex | None = None,
    desk: SupportDesk | None = None,
    support_language: str = "zh",
    reveal_agent_names: bool = False,
) -> HandoffService:
    """A `HandoffService` on the shared SQL engine (or the given / an in-memory store), with the trigger
    file from `prompts_dir/handoff/triggers.yaml` and, when a conversation store is given, the card context
    and the hand-back memory wired to it. Telegram: `support_chat_id=str(settings.support_chat_id)`
    (None = no human support configured); the terminal: `TERMINAL_SUPPORT_CHAT`."""
    if store is None:
        store = SqlHandoffStore(engine) if engine is not None else InMemoryHandoffStore()
    return HandoffService(
        store,
        messages=load_messages(prompts_dir),
        support_chat_id=support_chat_id,
        triggers=TriggerSet.load(prompts_dir / "handoff" / "triggers.yaml"),
        claim_timeout_s=claim_timeout_s,
        desk=desk,
        support_language=support_language,
        reveal_agent_names=reveal_agent_names,
        on_closed=remember_in(conversations) if conversations is not None else None,
        context_provider=conversation_context(conversations, index) if conversations is not None else None,
    )
