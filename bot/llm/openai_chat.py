"""The one place that knows the OpenAI-compatible API: `OpenAIChatModel`, a `bot.domain.protocols.ChatModel`.

Works with any base URL (OpenAI, DeepSeek, Qwen compatible mode, Ollama, vLLM). Prompts become requests
through LangChain's `ChatPromptTemplate`; answers stream over one shared aiohttp session straight from
`POST {base_url}/chat/completions` (`stream: true`), the server-sent events read line by line and each chunk
read as a plain dict (`transport="http"`, the default). The openai SDK (request options, typed chunk
objects, its httpx pool) and LangChain's per-chunk callback machinery each cost several times what the
reply needs — `bench/llm_stream_bench.py` measures the paths against a raw SSE read. `transport="langchain"`
(`ChatPromptTemplate | ChatOpenAI`, imported only then) is kept as the reference path. Both ask for a
streamed answer on the wire so the same limits bound every call:

- time to first token (`first_token_timeout_s`, default 6 s = `bot.domain.reply_budget.ReplyBudget`): from the
  request until the first text arrives, retries and Retry-After waits included — a stalled provider costs the
  customer this long, whatever `max_retries` says, and never past the message's own first-token deadline (the
  10 s reply promise less the composer, the send and a 1.5 s margin); the same limit bounds any silence
  between two pieces of text (a stall mid-stream);
- total (`timeout_s`): the whole call, retries included;
- after a call ended by a limit, calls fail at once (`circuit_open`) for `cooldown_s` (default 30 s), then
  the provider is tried again: a message that would ask a stalled model twice (intent, then the answer)
  waits for one limit, not two, and the customers behind it get the offline answer without waiting. Only a
  provider given its whole first-token limit opens it: a call cut short by its message's deadline (the
  message had waited before asking — behind others under load, or on a cold start) fails alone, counted as
  `first_token_timeout` like any other, so one late message does not take the model away from everyone.
  Each opening is counted (`llm_circuit_opened`).

Retries (`max_retries`, as the openai SDK does them): connection errors and HTTP 408, 409, 429 and 5xx,
after the server's `Retry-After`/`retry-after-ms` (0–60 s) or 0.5 s doubling up to 8 s; `x-should-retry`
overrides. Only provider failures become `LLMUnavailable` (raised `from` the cause, counted as
`llm_error{kind}`, kinds named as the openai SDK names its errors: `RateLimitError`, `InternalServerError`,
`APIConnectionError` …): status errors after the retries, connection and protocol errors, the limits above,
malformed payloads (invalid JSON, chunks of the wrong shape), a stream that ends without a finish reason (cut
mid-way) or with "length"/"content_filter", and an empty answer. The prompt is formatted before the
provider is called, so a missing value raises KeyError from our code, and `on_text` runs outside every
`try`, so a bug in a callback propagates as it is. No tiktoken download is ever needed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import urllib.request
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast
from urllib.parse import urlsplit

import aiohttp
import orjson
from langchain_core.prompt_values import PromptValue
from langchain_core.prompts import ChatPromptTemplate

from bot.domain import telemetry
from bot.domain.errors import LLMUnavailable
from bot.domain.prompt import PromptSpec
from bot.domain.protocols import OnText
from bot.domain.reply_budget import DEFAULT_BUDGET, current_first_token_deadline, first_token_limit

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessageChunk
    from langchain_openai import ChatOpenAI

log = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"  # when no base URL is configured
# LangChain message types → OpenAI chat roles.
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def wire_messages(prompt: PromptSpec, values: Mapping[str, str]) -> list[dict[str, str]]:
    """The chat request's `messages` for the http transport: each (role, f-string template) of the prompt
    filled with `values` — what `ChatPromptTemplate.from_messages(prompt.messages).format_prompt(**values)`
    gives, mapped back to the wire's roles (LangChain fills f-string templates with `string.Formatter`,
    whose output equals `str.format_map`'s; tests/test_llm_adapter.py checks every shipped prompt). Without
    LangChain's message objects and per-call template parsing: that was ~4 % of a replica's CPU under
    `bench/load.py`. A missing value raises KeyError, before any provider call."""
    return [{"role": role, "content": template.format_map(values)} for role, template in prompt.messages]


# Failures that mean "the provider is not answering in time": they open the circuit for `cooldown_s`.
_STALLS = frozenset({"first_token_timeout", "stall_timeout", "total_timeout", "APITimeoutError"})
# Finish reasons that mean the answer is not whole (OpenAI's terms; vLLM, Ollama and DeepSeek use the same).
_NOT_WHOLE = {"length": "truncated", "content_filter": "content_filter"}
# HTTP statuses → the openai SDK's error names (the `kind` of `llm_error`, so dashboards keep their labels).
_STATUS_KINDS = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}
_RETRIED_STATUSES = frozenset({408, 409, 429})  # and every 5xx
_MAX_RETRY_AFTER_S = 60.0  # a longer Retry-After is not honoured (the backoff applies)


class MalformedResponse(ValueError):
    """A provider chunk that is valid JSON but not a chat completion chunk."""


class ProviderError(Exception):
    """The provider (or the way to it) failed; `kind` names it as the openai SDK names its errors."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


# What the provider (or the path to it) can do wrong; everything else is ours and propagates.
_TIMEOUT_OR_PROVIDER_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError,
    ProviderError,
    json.JSONDecodeError,  # an SSE event whose data is not JSON
    MalformedResponse,
)


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
    reject the option. `transport` picks how `stream` and `complete` read it ("http" or "langchain"). Once the
    finish reason has arrived the answer is whole: what follows (usage, `[DONE]`, the end of the body) gets at
    most `finish_grace_s` and cannot fail the call. `connections` bounds the open connections to the provider.
    """

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0
    first_token_timeout_s: float = DEFAULT_BUDGET.first_token_s()
    max_retries: int = 2
    temperature: float = 0.3
    stream_usage: bool | None = None
    transport: Literal["http", "langchain"] = "http"
    cooldown_s: float = 30.0
    finish_grace_s: float = 1.0  # after the finish reason: time for the usage chunk, [DONE], the body's end
    connections: int = 1000

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.first_token_timeout_s <= 0:
            raise ValueError("LLM timeouts must be positive")
        if min(self.max_retries, self.cooldown_s, self.finish_grace_s) < 0 or self.connections < 1:
            raise ValueError("max_retries, cooldown_s and finish_grace_s must be >= 0, connections >= 1")


class Piece(NamedTuple):
    """One chunk of a streamed answer, whichever transport read it."""

    text: str
    finish_reason: str | None = None
    usage: tuple[int, int] | None = None  # (prompt tokens, completion tokens)


class _Deadline:
    """The limit on the next piece of a stream, with one timer per call instead of one per chunk: moving
    the limit later is an assignment (the timer, firing early, re-arms itself for the new limit); only an
    earlier limit re-arms it at once. Expiry cancels the task only while it waits in `read` — never inside
    `on_text` (a limit that passes there is noticed before the next read)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: float) -> None:
        self.loop, self.limit = loop, limit
        self.task = asyncio.current_task()
        self.reading = self.expired = False
        self._at = limit
        self._timer = loop.call_at(limit, self._fire)

    def move(self, limit: float) -> None:
        self.limit = limit
        if limit < self._at:
            self._timer.cancel()
            self._at, self._timer = limit, self.loop.call_at(limit, self._fire)

    def _fire(self) -> None:
        if self.loop.time() < self.limit:
            self._at, self._timer = self.limit, self.loop.call_at(self.limit, self._fire)
        elif self.reading and not self.expired and self.task is not None:
            self.expired = True
            self.task.cancel()

    async def read(self, pieces: AsyncGenerator[Piece, None]) -> Piece:
        """The next piece; TimeoutError once the limit has passed (StopAsyncIteration at the end)."""
        if self.loop.time() >= self.limit:
            raise TimeoutError
        self.reading = True
        try:
            return await anext(pieces)
        except asyncio.CancelledError:
            if self.expired and self.task is not None and self.task.uncancel() == 0:
                raise TimeoutError from None  # ours; any other cancellation goes on as it is
            raise
        finally:
            self.reading = False

    def close(self) -> None:
        self._timer.cancel()


class OpenAIChatModel:
    """`ChatModel` over an OpenAI-compatible endpoint; see the module docstring for limits and errors."""

    def __init__(self, config: OpenAIChatConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock, self._open_until = clock, 0.0  # the circuit after a stall (seconds on `clock`)
        self._usage = config.base_url is None if config.stream_usage is None else config.stream_usage
        self._key = config.api_key or "not-needed"  # Ollama and vLLM take any key
        self._url = (config.base_url or OPENAI_BASE_URL).rstrip("/") + "/chat/completions"
        self._headers = {"Authorization": f"Bearer {self._key}", "Content-Type": "application/json"}
        # One session (one connection pool) per event loop: made on first use, on the loop that uses it.
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        # The reference transport's client, built (and its vendors imported) here, not in the first call.
        self._chat_model: ChatOpenAI | None = self._langchain() if config.transport == "langchain" else None
        self._templates: dict[tuple[tuple[str, str], ...], ChatPromptTemplate] = {}

    @property
    def name(self) -> str:
        return self.config.model

    async def aclose(self) -> None:
        """Close the HTTP connections (the process's end does it too)."""
        session, self._session = self._session, None
        if session is not None and self._session_loop is asyncio.get_running_loop():
            await session.close()
        if self._chat_model is not None:
            await self._chat_model.root_async_client.close()
            self._chat_model = None

    # -- the ChatModel protocol ---------------------------------------------------------------------------
    async def complete(self, prompt: PromptSpec, values: Mapping[str, str]) -> str:
        """The whole answer as text: `stream` without a callback (same transport, same limits)."""
        return await self.stream(prompt, values)

    async def stream(
        self, prompt: PromptSpec, values: Mapping[str, str], on_text: OnText | None = None
    ) -> str:
        """Stream through the configured transport, calling `on_text(text_so_far)` per piece of text."""
        if self.config.transport == "langchain":
            prompt_value = self._format(prompt, values)
            self._check_circuit()
            return await self._collect(self._langchain_pieces(prompt_value), on_text)
        messages = wire_messages(prompt, values)
        self._check_circuit()
        return await self._collect(self._http_pieces(messages), on_text)

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
    def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session_loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.config.connections, keepalive_timeout=30.0),
                # HTTP(S)_PROXY / NO_PROXY as the openai SDK honours them, looked up once: aiohttp's own
                # `trust_env` makes two thread-pool hops per request (proxy and .netrc lookups).
                proxy=_env_proxy(self._url),
            )
        return self._session

    async def _http_pieces(self, messages: list[dict[str, str]]) -> AsyncGenerator[Piece, None]:
        """POST the request (`messages` as `wire_messages` makes them; retried as the module docstring says),
        then one Piece per SSE `data:` event; returns at `[DONE]` or the end of the body. Errors are
        `ProviderError`, `json.JSONDecodeError` or `MalformedResponse`; the caller's limits cancel it wherever
        it waits."""
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "stream": True,
        }
        if self._usage:
            body["stream_options"] = {"include_usage": True}
        payload = _json_bytes(body)
        session = self._client()
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.config.first_token_timeout_s)
        for attempt in range(self.config.max_retries + 1):
            retry_in: float | None = None
            streaming = False  # once the answer has begun, a failure is not retried (text was shown)
            try:
                async with session.post(
                    self._url, data=payload, headers=self._headers, timeout=timeout
                ) as response:
                    if response.status == 200:
                        streaming = True
                        async for piece in _sse_pieces(response.content):
                            yield piece
                        return
                    detail = (await response.read())[:300].decode(errors="replace")
                    error = ProviderError(_status_kind(response.status), f"HTTP {response.status}: {detail}")
                    retry_in = _retry_in(response.status, response.headers, attempt)
            except aiohttp.ServerTimeoutError as exc:
                error, retry_in = ProviderError("APITimeoutError", repr(exc)), _backoff(attempt)
            except aiohttp.ClientError as exc:  # connection refused/reset, a body cut mid-way …
                error, retry_in = ProviderError("APIConnectionError", repr(exc)), _backoff(attempt)
            if streaming or retry_in is None or attempt == self.config.max_retries:
                raise error
            log.info("llm request failed (%s); retrying in %.2f s", error.kind, retry_in)
            await asyncio.sleep(retry_in)

    def _langchain(self) -> ChatOpenAI:
        """A `ChatOpenAI` on its own openai client (the reference transport; its vendors are imported only
        when it is chosen)."""
        import openai
        from langchain_openai import ChatOpenAI

        client = openai.AsyncOpenAI(
            api_key=self._key,
            base_url=self.config.base_url,
            timeout=self.config.timeout_s,
            max_retries=self.config.max_retries,
            http_client=openai.DefaultAsyncHttpxClient(),
        )
        return ChatOpenAI(
            model=self.config.model,
            api_key=self._key,  # type: ignore[arg-type]  # ChatOpenAI coerces a str to SecretStr
            base_url=self.config.base_url,
            timeout=self.config.timeout_s,
            max_retries=self.config.max_retries,
            temperature=self.config.temperature,
            stream_usage=self._usage,
            stream_chunk_timeout=None,  # our own limits apply to both transports
            root_async_client=client,
            async_client=client.chat.completions,
        )

    async def _langchain_pieces(self, prompt_value: PromptValue) -> AsyncGenerator[Piece, None]:
        import openai

        if self._chat_model is None:  # closed by `aclose`, or another transport was chosen
            self._chat_model = self._langchain()
        chunks = cast("AsyncGenerator[BaseMessageChunk, None]", self._chat_model.astream(prompt_value))
        try:
            while True:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                except openai.APIError as exc:
                    raise ProviderError(_sdk_kind(exc), repr(exc)) from exc
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

    # -- limits, errors, metrics --------------------------------------------------------------------------
    async def _collect(self, pieces: AsyncGenerator[Piece, None], on_text: OnText | None) -> str:
        """Read pieces under the limits; returns the whole text or raises `LLMUnavailable`."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        end = started + self.config.timeout_s
        # the message's own deadline (bot.domain.reply_budget) may come first: time spent before this call
        first_token = first_token_limit(
            started, self.config.first_token_timeout_s, current_first_token_deadline()
        )
        # the message's deadline left the provider less than its own limit for the first token: running out
        # of it says the message waited (queued behind others, a cold start), not that the provider stalled
        cut_short = first_token < started + self.config.first_token_timeout_s
        text, finish_reason = "", None
        deadline = _Deadline(loop, min(first_token, end))
        with telemetry.stage("llm"):
            try:
                while True:
                    try:
                        piece = await deadline.read(pieces)
                    except StopAsyncIteration:
                        break
                    except _TIMEOUT_OR_PROVIDER_ERRORS as exc:
                        if finish_reason is not None:  # the answer is whole; what follows is best effort
                            log.debug("llm stream after its finish reason: %r", exc)
                            break
                        if not isinstance(exc, TimeoutError):
                            raise self._failed(_kind(exc), exc) from exc
                        kind = "stall_timeout" if text else "first_token_timeout"
                        kind = "total_timeout" if deadline.limit >= end else kind
                        opens = not (kind == "first_token_timeout" and cut_short)
                        raise self._failed(kind, exc, opens_circuit=opens) from exc
                    if piece.usage is not None:
                        telemetry.llm_tokens(self.name, *piece.usage)
                    finish_reason = piece.finish_reason or finish_reason
                    if piece.text:
                        text += piece.text
                        if on_text is not None:
                            await on_text(text)  # ours: an exception here is a bug and propagates
                    if finish_reason is not None:  # whole: only the usage chunk and the end may follow
                        deadline.move(min(loop.time() + self.config.finish_grace_s, end))
                    elif text:  # text has begun: the next piece within the first-token limit again
                        deadline.move(min(loop.time() + self.config.first_token_timeout_s, end))
            finally:
                deadline.close()
                await pieces.aclose()
                await asyncio.sleep(0)  # a connection given up on is closed on the next loop turn: now

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

    def _failed(self, kind: str, exc: BaseException | None, *, opens_circuit: bool = True) -> LLMUnavailable:
        """The error for a failed call, logged and counted (`llm_error{kind}`); a stall (`_STALLS`) opens the
        circuit for `cooldown_s` unless `opens_circuit` is False (the provider was not given its own limit)."""
        log.warning("llm call failed (%s): %s", kind, repr(exc) if exc else "-")
        telemetry.count("llm_error", kind=kind)
        if kind in _STALLS and opens_circuit:
            self._open_until = self._clock() + self.config.cooldown_s
            telemetry.count("llm_circuit_opened")
        return LLMUnavailable(f"{kind}: {exc!r}" if exc else kind, kind=kind)


def _kind(exc: BaseException) -> str:
    """The metric's name for a provider failure."""
    if isinstance(exc, json.JSONDecodeError | MalformedResponse):
        return "malformed_response"
    if isinstance(exc, ProviderError):
        return exc.kind
    return type(exc).__name__


def _env_proxy(url: str) -> str | None:
    """The HTTP(S)_PROXY for `url` unless NO_PROXY exempts its host."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if not proxies or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxies.get(parts.scheme)


def _sdk_kind(exc: BaseException) -> str:
    """The openai SDK's own class name for its error (LangChain re-labels some of them)."""
    vendor = next((c for c in type(exc).__mro__ if c.__module__.split(".")[0] == "openai"), type(exc))
    return vendor.__name__


def _status_kind(status: int) -> str:
    if status >= 500:
        return "InternalServerError"
    return _STATUS_KINDS.get(status, "APIStatusError")


def _backoff(attempt: int) -> float:
    """The openai SDK's backoff: 0.5 s doubling per retry, at most 8 s, minus up to a quarter of jitter."""
    return min(0.5 * 2.0**attempt, 8.0) * (1 - 0.25 * random.random())


def _retry_in(status: int, headers: Mapping[str, str], attempt: int) -> float | None:
    """Seconds before retrying a status error, or None when it is not retried."""
    should = headers.get("x-should-retry")
    if should == "false" or (should != "true" and status not in _RETRIED_STATUSES and status < 500):
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            wait = float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
        if 0 <= wait <= _MAX_RETRY_AFTER_S:
            return wait
    return _backoff(attempt)


async def _sse_pieces(content: aiohttp.StreamReader) -> AsyncGenerator[Piece, None]:
    """Server-sent events → Pieces. The body is read as it arrives (one await per network read, not per
    line) and cut at blank lines; an event's `data:` lines are joined with newlines (the SSE spec), other
    fields and comments are skipped; `[DONE]` ends the stream, as does the body's end."""
    buffer = b""
    async for received in content.iter_any():
        buffer += received
        if b"\r" in buffer:  # CRLF or CR line ends (the spec allows them; OpenAI sends LF)
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        while (end := buffer.find(b"\n\n")) >= 0:
            data, buffer = _event_data(buffer[:end]), buffer[end + 2 :]
            if data is None:
                continue
            if data == b"[DONE]":
                return
            yield _piece(_json_value(data))
    data = _event_data(buffer.strip(b"\n"))  # a last event without its blank line
    if data is not None and data != b"[DONE]":
        yield _piece(_json_value(data))


def _json_bytes(body: dict[str, Any]) -> bytes:
    """The request body as UTF-8 JSON: orjson (~20x faster than `json.dumps` on a prompt), the standard
    library for what orjson refuses (e.g. a non-string key)."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, ensure_ascii=False).encode()


def _json_value(data: bytes) -> object:
    """One event's JSON: orjson, or `json.loads` for what orjson refuses and the standard library reads (NaN, a
    lone surrogate escape) — the same values either way, except that orjson reads an integer beyond 64 bits as
    a float (no field a Piece reads holds one); `json.JSONDecodeError` when neither reads it."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _event_data(event: bytes) -> bytes | None:
    """The data of one event (None when it has none)."""
    if event.startswith(b"data: ") and b"\n" not in event:  # OpenAI's one-line events
        return event[6:]
    data = [
        line[6:] if line[5:6] == b" " else line[5:]
        for line in event.split(b"\n")
        if line.startswith(b"data:")
    ]
    return b"\n".join(data) if data else None


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
