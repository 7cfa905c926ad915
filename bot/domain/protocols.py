"""The bot's seams as small protocols: the conversation core a channel talks to, the handoff gate, the LLM.

Store protocols (ConversationStore, HandoffStore) live beside their implementations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

from bot.domain.messages import Inbound, Outbound, ReplyProgress
from bot.domain.prompt import PromptSpec

OnText = Callable[[str], Awaitable[None]]
"""Streaming callback: called with the whole text received so far (not the new piece)."""


@runtime_checkable
class ConversationCore(Protocol):
    """What every front end talks to: one inbound in, the outbounds to deliver out (never raises)."""

    async def handle(self, inbound: Inbound, progress: ReplyProgress | None = None) -> list[Outbound]: ...


@runtime_checkable
class HandoffGate(Protocol):
    """The human-handoff hook the core consults before answering anything itself."""

    async def intercept(self, inbound: Inbound) -> list[Outbound] | None:
        """Handle messages that belong to handoff (held chats, support-group traffic, claim/close/rating);
        None when the core should answer normally."""
        ...

    async def request(self, inbound: Inbound, reason: str, context: dict[str, object]) -> list[Outbound]:
        """Open a handoff for the inbound's chat (`reason`: "requested", "unanswered", "complaint", a topic);
        `context` carries the summary, recent turns and products discussed for the agents' card."""
        ...


@runtime_checkable
class ChatModel(Protocol):
    """The LLM as the conversation and the features see it: a prompt file and its values in, text out.

    Implementations: `bot.llm.openai_chat.OpenAIChatModel` (any OpenAI-compatible endpoint, via LangChain and
    the openai SDK) and `bot.llm.scripted.ScriptedChatModel` (in memory, for tests and benches).
    Contract (tests/test_llm_contract.py): a provider failure — error status after retries, transport error,
    the time-to-first-token / stall / total limits, a malformed payload, a stream that ends without a
    finish reason, an empty answer — raises `bot.domain.errors.LLMUnavailable`; anything else raised while
    answering (a missing prompt value → KeyError, an exception from `on_text`) is a bug and propagates as is.
    """

    @property
    def name(self) -> str:
        """The model's name (label of the token metrics)."""
        ...

    async def complete(self, prompt: PromptSpec, values: Mapping[str, str]) -> str:
        """The whole answer to `prompt` filled with `values` (short asks: labels, keywords, JSON copy)."""
        ...

    async def stream(
        self, prompt: PromptSpec, values: Mapping[str, str], on_text: OnText | None = None
    ) -> str:
        """The whole answer, calling `on_text(text_so_far)` as pieces arrive (customer replies)."""
        ...
