"""The one place that knows the OpenAI-compatible API: build the chat model, translate its errors.

Works with any base URL (OpenAI, DeepSeek, Qwen compatible mode, Ollama, vLLM). Retries with backoff on
429/5xx (honouring Retry-After) are the openai client's own; timeouts are bounded. Only `invoke`/`stream`
are used, which need no tiktoken download.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from bot.domain import telemetry
from bot.domain.errors import LLMUnavailable
from bot.ops.settings import Settings

log = logging.getLogger(__name__)

# Errors that mean "the LLM did not give us a usable answer" rather than a bug in our code.
_LLM_ERRORS: tuple[type[BaseException], ...] = (
    openai.APIError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    TimeoutError,
    ValueError,  # malformed JSON / unexpected payloads surface as ValueError subclasses
    KeyError,
    TypeError,
)


def make_chat_model(settings: Settings, *, temperature: float = 0.3) -> BaseChatModel | None:
    """ChatOpenAI for the configured endpoint, or None when no LLM is configured (offline composer)."""
    if not settings.llm_configured:
        return None
    key = settings.openai_api_key or SecretStr("not-needed")
    return ChatOpenAI(
        model=settings.llm_model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        temperature=temperature,
    )


def _count_tokens(model: BaseChatModel, usage: object) -> None:
    """Token usage as the provider reported it (streams report it only when the provider sends it)."""
    if isinstance(usage, dict):
        name = str(getattr(model, "model_name", "") or "unknown")
        telemetry.llm_tokens(name, int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))


async def complete(model: BaseChatModel, messages: Sequence[BaseMessage]) -> str:
    """One completion as text; any provider failure becomes `LLMUnavailable`."""
    try:
        with telemetry.stage("llm"):
            result = await model.ainvoke(list(messages))
    except _LLM_ERRORS as exc:
        log.warning("llm call failed: %s", type(exc).__name__)
        telemetry.count("llm_error", kind=type(exc).__name__)
        raise LLMUnavailable(str(exc)) from exc
    _count_tokens(model, getattr(result, "usage_metadata", None))
    text = result.content if isinstance(result.content, str) else str(result.content)
    if not text.strip():
        raise LLMUnavailable("empty completion")
    return text


async def stream(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    on_text: Callable[[str], Awaitable[None]] | None = None,
) -> str:
    """Stream a completion, calling `on_text` with the text so far; returns the full text."""
    parts: list[str] = []
    try:
        with telemetry.stage("llm"):
            async for chunk in model.astream(list(messages)):
                _count_tokens(model, getattr(chunk, "usage_metadata", None))
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if piece:
                    parts.append(piece)
                    if on_text is not None:
                        await on_text("".join(parts))
    except _LLM_ERRORS as exc:
        log.warning("llm stream failed: %s", type(exc).__name__)
        telemetry.count("llm_error", kind=type(exc).__name__)
        raise LLMUnavailable(str(exc)) from exc
    text = "".join(parts)
    if not text.strip():
        raise LLMUnavailable("empty completion")
    return text
