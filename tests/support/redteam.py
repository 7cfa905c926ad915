"""The red-team sets of issue 13 for the tests and bench/redteam.py: the product code is `bot.redteam`
(also behind `xiaoer eval redteam`); this adds the loopback OpenAI-compatible server path — the obedient
model served over HTTP to the real `OpenAIChatModel` adapter."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bot.conversation.grounding import check_llm_reply
from bot.redteam import (
    ALLOWLIST_SET,
    COMPOSER_SET,
    CONVERSATION_SET,
    REPLY_SET,
    ConversationScore,
    catalog,
    default_sets_dir,
    facts_for,
    load,
    obedient_reply,
    poisoned_products,
    score_replies,
    write_policies,
)
from bot.redteam import run_conversations as run_on_bot

DATA = default_sets_dir()
REPLIES = DATA / REPLY_SET
ALLOWLIST = DATA / ALLOWLIST_SET
COMPOSER = DATA / COMPOSER_SET
CONVERSATIONS = DATA / CONVERSATION_SET

__all__ = [
    "COMPOSER",
    "CONVERSATIONS",
    "REPLIES",
    "catalog",
    "facts_for",
    "load",
    "obedient",
    "run_conversations",
    "score_replies",
]


def obedient(body: dict[str, Any]) -> str:
    """`obedient_reply` over an OpenAI chat-completions request body."""
    messages = body.get("messages", [])
    system = str(messages[0].get("content", "")) if messages else ""
    prompt = str(messages[-1].get("content", "")) if messages else ""
    return obedient_reply(system, prompt)


async def run_conversations(data: dict[str, Any], server: Any = None) -> ConversationScore:
    """Every injection conversation through a SupportBot whose LLM is the obedient model on a loopback
    OpenAI-compatible server (started here unless given)."""
    from bot.ops.settings import load_settings
    from bot.wiring import build_redteam_bot, make_chat_model
    from tests.support.openai_server import OpenAIServer

    own = server is None
    server = server or OpenAIServer().start()
    server.responder = obedient
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                XIAOER_DATA_DIR=str(Path(tmp) / "data"),
                OPENAI_BASE_URL=server.base_url,
                OPENAI_API_KEY="red-team",
                XIAOER_LLM_MODEL="obedient",
                XIAOER_LLM_TIMEOUT=10,
                XIAOER_LLM_MAX_RETRIES=0,
            )
            llm = make_chat_model(settings)
            assert llm is not None
            bot, book = build_redteam_bot(
                settings,
                poisoned_products(data),
                write_policies(data, Path(tmp) / "policies"),
                llm,
                raise_errors=True,
            )
            return await run_on_bot(data, bot, tuple(book.docs))
    finally:
        if own:
            server.stop()


def flagged_claims(shop: str | None, skus: list[str], reply: str, *, link: bool = True) -> list[str]:
    """The claims the truth guard flags in `reply` with the facts of `skus` in `shop` (None: the demo); `link`:
    products the reply names are linked to the catalog too (`check_llm_reply`, as the answerer runs it)."""
    facts = facts_for({"shop": shop, "products": skus, **({"link": True} if link else {})})
    return [v.claim for v in check_llm_reply(reply, facts)]
