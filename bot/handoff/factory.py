"""Build the handoff service from typed settings values (called by `bot.wiring`, the composition root)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.conversation.store import ConversationStore
from bot.handoff.desk import SupportDesk
from bot.handoff.memory import conversation_context, remember_in
from bot.handoff.outbox import EventSink, HandoffConfig
from bot.handoff.service import HandoffService
from bot.handoff.store import HandoffStore, InMemoryHandoffStore
from bot.handoff.store_sql import SqlHandoffStore
from bot.handoff.triggers import TriggerSet
from bot.prompts import load_messages
from knowledge.protocols import ProductIndex

if TYPE_CHECKING:
    from bot.storage.db import Database

TERMINAL_SUPPORT_CHAT = "terminal:support"
WEB_SUPPORT_CHAT = "web:console"  # the staff console is the desk for the web widget's visitors


def support_chats_for(telegram_support_chat_id: int | None) -> dict[str, str]:
    """Telegram requests go to `XIAOER_SUPPORT_CHAT_ID` (none configured = no human support on Telegram);
    the terminal always has its local support chat, so `:as agent` trials work offline; web visitors'
    requests go to the staff console (`xiaoer web`, /console/)."""
    chats = {"terminal": TERMINAL_SUPPORT_CHAT, "web": WEB_SUPPORT_CHAT}
    if telegram_support_chat_id is not None:
        chats["telegram"] = str(telegram_support_chat_id)
    return chats


def build_handoff_service(
    *,
    prompts_dir: Path,
    support_chats: Mapping[str, str],
    claim_timeout_s: float = 300.0,
    database: Database | None = None,
    store: HandoffStore | None = None,
    conversations: ConversationStore | None = None,
    index: ProductIndex | None = None,
    desk: SupportDesk | None = None,
    support_language: str = "zh",
    reveal_agent_names: bool = False,
    detect_triggers: bool = False,
    events: EventSink | None = None,
) -> HandoffService:
    """A `HandoffService` on the shared SQL database (or the given / an in-memory store), with the trigger
    file from `prompts_dir/handoff/triggers.yaml` and, when a conversation store is given, the card context
    and the hand-back memory wired to it. `support_chats` maps channel → support chat (see
    `support_chats_for`). `detect_triggers` stays False when the core runs `service.detect_trigger` itself."""
    if store is None:
        store = SqlHandoffStore(database) if database is not None else InMemoryHandoffStore()
    return HandoffService(
        store,
        load_messages(prompts_dir),
        HandoffConfig(
            support_chats=dict(support_chats),
            claim_timeout_s=claim_timeout_s,
            support_language=support_language,
            reveal_agent_names=reveal_agent_names,
            detect_triggers=detect_triggers,
        ),
        triggers=TriggerSet.load(prompts_dir / "handoff" / "triggers.yaml"),
        desk=desk,
        on_closed=remember_in(conversations) if conversations is not None else None,
        context_provider=conversation_context(conversations, index) if conversations is not None else None,
        events=events,
    )
