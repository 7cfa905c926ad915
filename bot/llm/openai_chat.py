"""The one place that knows the OpenAI-compatible API: `OpenAIChatModel`, a `bot.domain.protocols.ChatModel`.

Works with any base URL (OpenAI, DeepSeek, Qwen compatible mode, Ollama, vLLM). Prompts become requests
through LangChain's `ChatPromptTemplate`; completions and customer replies stream through the openai SDK's
async client directly (`transport="sdk"`, the default; `"langchain"` runs `ChatPromptTemplate | ChatOpenAI`),
with chunks read as plain dicts, because LangChain's per-chunk callback machinery and the SDK's typed chunk
objects cost several times more per chunk than the reply needs (`bench/llm_stream_bench.py` measures the
paths against a raw SSE read). Both ask for a streamed answer on the wire so the same limits bound every
call:

- time to first token (`first_token_timeout_s`, default 8 s): from the request until the first text arrives,
  retries and Retry-After waits included — a stalled provider costs the customer this long, whatever
  `max_retries` says; the same limit bounds any silence between two pieces of text (a stall mid-stream);
- total (`timeout_s`): the whole call, retries included;
- after a call ended by a limit, calls fail at once (`circuit_open`) for `cooldown_s` (default 30 s), then
  the provider is tried again: a message that would ask a stalled model twice (intent, then the answer)
  waits for one limit, not two, and the customers behind it get the offline answer without waiting.

Only provider failures become `LLMUnavailable` (raised `from` the cause, counted as `llm_error{kind}`):
openai's APIError family (status errors after the SDK's own retries with Retry-After, connection errors —
the SDK wraps transport errors), the limits above, malformed payloads (invalid JSON, chunks of the wrong
shape), a stream that ends without a finish reason (cut mid-way) or with "length"/"content_filter", and an
empty answer. The prompt is formatted before the provider is called, so a missing value raises KeyError
from our code, and `on_text` runs outside every `try`, so a bug in a callback propagates as it is.
Only `astream`/`chat.completions.create` are used, which need no tiktoken download.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, cast

import openai
from langchain_core.messages import BaseMessage, BaseMessageChunk
from langchain_core.prompt_values import PromptValue
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

from bot.domain import telemetry
from bot.domain.errors import LLMUnavailable
from bot.domain.prompt import PromptSpec
from bot.domain.protocols import OnText

log = logging.getLogger(__name__)

# LangChain message types → OpenAI chat roles (for the SDK transport).
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
# Failures that mean "the provider is not answering in time": they open the circuit for `cooldown_s`.
_STALLS = frozenset({"first_token_timeout", "stall_timeout", "total_timeout", "APITimeoutError"})
# Finish reasons that mean the answer is not whole (OpenAI's terms; vLLM, Ollama and DeepSeek use the same).
_NOT_WHOLE = {"length": "truncated", "content_filter": "content_filter"}
# The SDK's own transport type (its httpx fork), built without importing it here.
_LIMITS = type(openai.DEFAULT_CONNECTION_LIMITS)(
    max_connections=1000, max_keepalive_connections=16, keepalive_expiry=30.0
)


class MalformedResponse(ValueError):
    """A provider chunk that is valid JSON but not a chat completion chunk."""


# What the provider (or the path to it) can do wrong; everything else is ours and propagates.
_PROVIDER_ERRORS: tuple[type[BaseException], ...] = (
    openai.APIError,  # status errors, connection/transport errors (wrapped by the SDK), validation
    json.JSONDecodeError,  # an SSE event whose data is not JSON
    MalformedResponse,
)
_TIMEOUT_OR_PROVIDER_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, *_PROVIDER_ERRORS)


# How LangChain's chunk conversion fails on a payload of the wrong shape (e.g. `"choices": "nope"`), or when
# a stream has no chunk at all ("No generation chunks were returned").
_LANGCHAIN_READ_ERRORS: tuple[type[BaseException], ...] = (
    TypeError,
    KeyError,
    ValueError,
    AttributeError,
    IndexError,
)


@dataclass(frozen=True)
class OpenAIChatConfig:
    """Typed settings of the adapter (the composition root fills them from `bot.ops.settings.Settings`).

    Times are seconds. `stream_usage` asks the provider for token usage at the end of a stream; None means
    "only on OpenAI's own endpoint" (no `base_url`), as LangChain decides, since several compatible servers
    reject the option. `transport` picks how `stream` and `complete` read it ("sdk" or "langchain"). Once the finish
    reason has arrived the answer is whole: what follows (usage, `[DONE]`, the end of the body) gets at most
    `finish_grace_s` and cannot fail the call.
    """

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0
    first_token_timeout_s: float = 8.0
    max_retries: int = 2
    temperature: float = 0.3
    stream_usage: bool | None = None
    transport: Literal["sdk", "langchain"] = "sdk"
    cooldown_s: float = 30.0
    finish_grace_s: float = 1.0  # after the finish reason: time for the usage chunk, [DONE], the body's end

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.first_token_timeout_s <= 0:
            raise ValueError("LLM timeouts must be positive")
        if min(self.max_retries, self.cooldown_s, self.finish_grace_s) < 0:
            raise ValueError("max_retries, cooldown_s and finish_grace_s must be >= 0")


class Piece(NamedTuple):
    """One chunk of a streamed answer, whichever transport read it."""

    text: str
    finish_reason: str | None = None
    usage: tuple[int, int] | None = None  # (prompt tokens, completion tokens)


class OpenAIChatModel:
    """`ChatModel` over an OpenAI-compatible endpoint; see the module docstring for limits and errors."""

    def __init__(self, config: OpenAIChatConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock, self._open_until = clock, 0.0  # the circuit after a stall (seconds on `clock`)
        stream_usage = config.base_url is None if config.stream_usage is None else config.stream_usage
        self._usage = stream_usage
        key = config.api_key or "not-needed"  # Ollama and vLLM take any key
        # One async client (one connection pool, one retry policy) for both transports. Few idle connections
        # kept: httpx checks each of them before every request (the SDK's default keeps 100).
        self.client = openai.AsyncOpenAI(
            api_key=key,
            base_url=config.base_url,
            timeout=config.timeout_s,
            max_retries=config.max_retries,
            http_client=openai.DefaultAsyncHttpxClient(limits=_LIMITS),
        )
        self.chat_model = ChatOpenAI(
            model=config.model,
            api_key=key,  # type: ignore[arg-type]  # ChatOpenAI coerces a str to SecretStr
            base_url=config.base_url,
            timeout=config.timeout_s,
            max_retries=config.max_retries,
            temperature=config.temperature,
            stream_usage=stream_usage,
            stream_chunk_timeout=None,  # our own limits apply to both transports
            root_async_client=self.client,
            async_client=self.client.chat.completions,
        )
        self._templates: dict[tuple[tuple[str, str], ...], ChatPromptTemplate] = {}

    @property
    def name(self) -> str:
        return self.config.model

    async def aclose(self) -> None:
        """Close the HTTP connections (the process's end does it too)."""
        await self.client.close()

    # -- the ChatModel protocol ---------------------------------------------------------------------------
    async def complete(self, prompt: PromptSpec, values: Mapping[str, str]) -> str:
        """The whole answer as text: `stream` without a callback (same transport, same limits)."""
        return await self.stream(prompt, values)

    async def stream(
        self, prompt: PromptSpec, values: Mapping[str, str], on_text: OnText | None = None
    ) -> str:
        """Stream through the configured transport, calling `on_text(text_so_far)` per piece of text."""
        prompt_value = self._format(prompt, values)
        self._check_circuit()
        if self.config.transport == "langchain":
            return await self._collect(self._langchain_pieces(prompt_value), on_text)
        return await self._collect(self._sdk_pieces(prompt_value.to_messages()), on_text)

    # -- prompts ------------------------------------------------------------------------------------------
    def template(self, prompt: PromptSpec) -> ChatPromptTemplate:
        """LangChain's f-string template for a prompt file (built once per distinct prompt)."""
        key = prompt.messages
        template = self._templates.get(key)
        if template is None:
            template = ChatPromptTemplate.from_messages(list(prompt.messages))
            self._templates[key] = template
        return template

    def _format(self, prompt: PromptSpec, values: Mapping[str, str]) -> PromptValue:
        """The request's messages; a missing value raises KeyError here, before any provider call. The
        template formats directly: as a Runnable (`invoke`) it would also set up a callback run and inspect
        signatures, ~6× the cost of the formatting itself."""
        return self.template(prompt).format_prompt(**values)

    # -- transports ---------------------------------------------------------------------------------------
    async def _langchain_pieces(self, prompt_value: PromptValue) -> AsyncGenerator[Piece, None]:
        chunks = cast(AsyncGenerator[BaseMessageChunk, None], self.chat_model.astream(prompt_value))
        try:
            while True:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                except openai.APIError:
                    raise
                except _LANGCHAIN_READ_ERRORS as exc:
                    # Only LangChain's and the SDK's code runs in this iteration (we register no callbacks):
                    # these come from reading a provider chunk of the wrong shape, or no chunk at all.
                    raise MalformedResponse(f"the provider's stream could not be read: {exc!r}") from exc
                usage = getattr(chunk, "usage_metadata", None)
                yield Piece(
                    chunk.content if isinstance(chunk.content, str) else "",
                    chunk.response_metadata.get("finish_reason"),
                    (usage["input_tokens"], usage["output_tokens"]) if usage else None,
                )
        finally:
            await chunks.aclose()

    async def _sdk_pieces(self, messages: list[BaseMessage]) -> AsyncGenerator[Piece, None]:
        """The openai SDK's client sends the request (base URL, auth, retries with Retry-After, status and
        transport errors) and decodes the SSE events; the chunks stay plain dicts (`cast_to=object`) because
        building the SDK's typed chunk objects is most of its per-chunk cost."""
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": [{"role": _ROLES[m.type], "content": m.content} for m in messages],
            "temperature": self.config.temperature,
            "stream": True,
        }
        if self._usage:
            body["stream_options"] = {"include_usage": True}
        stream = await self.client.post(
            "/chat/completions", body=body, cast_to=object, stream=True, stream_cls=openai.AsyncStream[object]
        )
        try:
            async for chunk in stream:
                yield _piece(chunk)
        finally:
            await stream.close()

    # -- limits, errors, metrics --------------------------------------------------------------------------
    async def _collect(self, pieces: AsyncGenerator[Piece, None], on_text: OnText | None) -> str:
        """Read pieces under the limits; returns the whole text or raises `LLMUnavailable`."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        end, first_token = started + self.config.timeout_s, started + self.config.first_token_timeout_s
        text, finish_reason = "", None
        with telemetry.stage("llm"):
            try:
                while True:
                    now = loop.time()
                    if finish_reason is not None:  # whole: only the usage chunk and the end may follow
                        stall = now + self.config.finish_grace_s
                    else:
                        stall = first_token if not text else now + self.config.first_token_timeout_s
                    deadline = min(stall, end)
                    try:
                        async with asyncio.timeout_at(deadline):
                            piece = await anext(pieces)
                    except StopAsyncIteration:
                        break
                    except _TIMEOUT_OR_PROVIDER_ERRORS as exc:
                        if finish_reason is not None:  # the answer is whole; what follows is best effort
                            log.debug("llm stream after its finish reason: %r", exc)
                            break
                        if not isinstance(exc, TimeoutError):
                            raise self._failed(_kind(exc), exc) from exc
                        kind = "stall_timeout" if text else "first_token_timeout"
                        raise self._failed("total_timeout" if deadline >= end else kind, exc) from exc
                    if piece.usage is not None:
                        telemetry.llm_tokens(self.name, *piece.usage)
                    finish_reason = piece.finish_reason or finish_reason
                    if piece.text:
                        text += piece.text
                        if on_text is not None:
                            await on_text(text)  # ours: an exception here is a bug and propagates
            finally:
                await pieces.aclose()
        if finish_reason is None:
            raise self._failed("incomplete_stream", None)
        if finish_reason in _NOT_WHOLE:
            raise self._failed(_NOT_WHOLE[finish_reason], None)
        if not text.strip():
            raise self._failed("empty_completion", None)
        self._open_until = 0.0
        return text

    def _check_circuit(self) -> None:
        if self._open_until and self._clock() < self._open_until:
            telemetry.count("llm_error", kind="circuit_open")
            raise LLMUnavailable("the LLM stalled recently; not asked again yet", kind="circuit_open")

    def _failed(self, kind: str, exc: BaseException | None) -> LLMUnavailable:
        log.warning("llm call failed (%s): %s", kind, repr(exc) if exc else "-")
        telemetry.count("llm_error", kind=kind)
        if kind in _STALLS:
            self._open_until = self._clock() + self.config.cooldown_s
        return LLMUnavailable(f"{kind}: {exc!r}" if exc else kind, kind=kind)


def _kind(exc: BaseException) -> str:
    """The metric's name for a provider error: openai's own class (LangChain re-labels some of them)."""
    if isinstance(exc, json.JSONDecodeError | MalformedResponse):
        return "malformed_response"
    vendor = next((c for c in type(exc).__mro__ if c.__module__.split(".")[0] == "openai"), type(exc))
    return vendor.__name__


def _piece(chunk: object) -> Piece:
    """One decoded chat-completion chunk (a dict) as a Piece; MalformedResponse if it has not that shape."""
    if not isinstance(chunk, dict) or not isinstance(choices := chunk.get("choices", []), list):
        raise MalformedResponse(f"not a chat completion chunk: {str(chunk)[:80]!r}")
    usage = chunk.get("usage")
    counted = None
    if isinstance(usage, dict):
        counted = (int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
    if not choices:
        return Piece("", None, counted)
    choice = choices[0]
    delta = choice.get("delta") if isinstance(choice, dict) else None
    if not isinstance(delta, dict | None):
        raise MalformedResponse(f"not a chat completion delta: {str(delta)[:80]!r}")
    content = (delta or {}).get("content")
    if content is not None and not isinstance(content, str):
        raise MalformedResponse(f"delta content is {type(content).__name__}")
    finish = choice.get("finish_reason") if isinstance(choice, dict) else None
    return Piece(content or "", finish if isinstance(finish, str) else None, counted)
