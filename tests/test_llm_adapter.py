"""The OpenAI adapter's own behaviour against the loopback server: settings, retries, limits, faults, tokens.

Limits are asserted by what ended the call (the error kind, the number of requests the server saw, the
server seeing the client hang up), never by wall-clock durations.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bot.domain.errors import LLMUnavailable
from bot.domain.prompt import PromptSpec
from bot.domain.telemetry import RecordingTelemetry
from bot.llm.openai_chat import OpenAIChatConfig, OpenAIChatModel
from bot.ops.settings import load_settings
from bot.wiring import make_chat_model
from tests.support.openai_server import OpenAIServer, ScriptedReply

PROMPT = PromptSpec("t", (("user", "{question}"),), ("question",))
VALUES = {"question": "hi"}
LONG = "这是一段比较长的流式回复，用来测试分块输出，一共有好几块。"
TRANSPORTS = ["http", "langchain"]
_OPEN: list[OpenAIChatModel] = []


@pytest.fixture(autouse=True)
async def _close_models() -> AsyncIterator[None]:
    """Each test's models close their connections on the test's own event loop."""
    yield
    while _OPEN:
        await _OPEN.pop().aclose()


def _model(server: OpenAIServer, **config: object) -> OpenAIChatModel:
    values: dict[str, object] = {
        "model": "scripted",
        "base_url": server.base_url,
        "api_key": "test-key",
        "timeout_s": 5.0,
        "max_retries": 0,
        **config,
    }
    model = OpenAIChatModel(OpenAIChatConfig(**values))  # type: ignore[arg-type]
    _OPEN.append(model)
    return model


async def _run(model: OpenAIChatModel, streamed: bool, seen: list[str] | None = None) -> str:
    async def on_text(text: str) -> None:
        if seen is not None:
            seen.append(text)

    if streamed:
        return await model.stream(PROMPT, VALUES, on_text)
    return await model.complete(PROMPT, VALUES)


def test_settings_become_the_adapters_typed_config(openai_server: OpenAIServer) -> None:
    assert make_chat_model(load_settings()) is None  # no key, no base URL: the offline composer
    assert load_settings().llm_first_token_timeout_s <= 6  # the stalled-LLM promise's default (reply budget)
    model = make_chat_model(
        load_settings(
            OPENAI_BASE_URL=openai_server.base_url,
            XIAOER_LLM_MODEL="m",
            XIAOER_LLM_TIMEOUT=12,
            XIAOER_LLM_FIRST_TOKEN_TIMEOUT=3,
            XIAOER_LLM_MAX_RETRIES=4,
        ),
        temperature=0.7,
    )
    assert isinstance(model, OpenAIChatModel)
    _OPEN.append(model)
    config = model.config
    assert (config.model, config.base_url, config.timeout_s, config.first_token_timeout_s) == (
        "m",
        openai_server.base_url,
        12,
        3,
    )
    assert (config.max_retries, config.temperature, config.api_key) == (4, 0.7, None)
    with pytest.raises(ValueError):
        load_settings(XIAOER_LLM_FIRST_TOKEN_TIMEOUT=0)


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_429_with_retry_after_is_retried(openai_server: OpenAIServer, streamed: bool) -> None:
    openai_server.enqueue(ScriptedReply(status=429, headers={"Retry-After": "0"}), "after retry")
    assert await _run(_model(openai_server, max_retries=1), streamed) == "after retry"
    assert len(openai_server.requests) == 2


async def test_persistent_500_is_retried_a_bounded_number_of_times(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(*[ScriptedReply(status=500, headers={"Retry-After": "0"})] * 3)
    with pytest.raises(LLMUnavailable) as caught:
        await _run(_model(openai_server, max_retries=1), streamed=True)
    assert caught.value.kind == "InternalServerError" and len(openai_server.requests) == 2


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_stall_before_the_first_token_ends_at_the_first_token_limit(
    openai_server: OpenAIServer, recorded: RecordingTelemetry, transport: str
) -> None:
    """Retries and the total limit are generous; only the first-token limit can end this call."""
    openai_server.enqueue(ScriptedReply("never sent", stall_after=0))
    model = _model(
        openai_server, first_token_timeout_s=0.2, timeout_s=120, max_retries=5, transport=transport
    )
    with pytest.raises(LLMUnavailable) as caught:
        await _run(model, streamed=True)
    assert caught.value.kind == "first_token_timeout"
    assert await asyncio.to_thread(openai_server.wait_closed)  # we hung up on the stalled request …
    assert len(openai_server.requests) == 1  # … and did not retry past the limit
    assert recorded.total("llm_error", kind="first_token_timeout") == 1


async def test_the_messages_first_token_deadline_caps_a_generous_limit(openai_server: OpenAIServer) -> None:
    """Inside a message (`bot.domain.reply_budget`), a configured 120 s first-token limit still ends at the
    message's deadline: time spent before the call never breaks the reply promise."""
    import asyncio

    from bot.domain.reply_budget import first_token_deadline

    openai_server.enqueue(ScriptedReply("never sent", stall_after=0))
    model = _model(openai_server, first_token_timeout_s=120, timeout_s=120, max_retries=5)
    with (
        first_token_deadline(asyncio.get_running_loop().time() + 0.2),
        pytest.raises(LLMUnavailable) as caught,
    ):
        await _run(model, streamed=True)
    assert caught.value.kind == "first_token_timeout" and len(openai_server.requests) == 1


async def test_retry_waits_count_against_the_first_token_limit(openai_server: OpenAIServer) -> None:
    """A provider asking to wait 30 s before a retry does not make the customer wait 30 s."""
    openai_server.enqueue(ScriptedReply(status=429, headers={"Retry-After": "30"}), "too late")
    model = _model(openai_server, first_token_timeout_s=0.2, timeout_s=120, max_retries=3)
    with pytest.raises(LLMUnavailable) as caught:
        await model.complete(PROMPT, VALUES)
    assert caught.value.kind == "first_token_timeout" and len(openai_server.requests) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_stall_mid_stream_ends_at_the_same_limit(openai_server: OpenAIServer, transport: str) -> None:
    openai_server.enqueue(ScriptedReply(LONG, stall_after=2))
    seen: list[str] = []
    model = _model(
        openai_server, first_token_timeout_s=0.5, timeout_s=120, max_retries=5, transport=transport
    )
    with pytest.raises(LLMUnavailable) as caught:
        await _run(model, streamed=True, seen=seen)
    assert caught.value.kind == "stall_timeout" and seen == [LONG[:8], LONG[:16]]
    assert await asyncio.to_thread(openai_server.wait_closed) and len(openai_server.requests) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_answer_is_whole_at_its_finish_reason_whatever_follows(
    openai_server: OpenAIServer, transport: str
) -> None:
    """A server that never ends the body after `[DONE]` does not hold the answer back, nor fail it."""
    openai_server.enqueue(ScriptedReply(LONG, hang_after_done=True))
    model = _model(openai_server, transport=transport, first_token_timeout_s=60, finish_grace_s=0.05)
    assert await model.stream(PROMPT, VALUES) == LONG
    assert await asyncio.to_thread(openai_server.wait_closed)


async def test_the_total_limit_bounds_a_slow_answer(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(ScriptedReply("late", delay_s=1.5))
    with pytest.raises(LLMUnavailable) as caught:
        await _model(openai_server, timeout_s=0.3, first_token_timeout_s=5).complete(PROMPT, VALUES)
    assert caught.value.kind == "total_timeout"


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("chunked", [False, True], ids=["clean-close", "chunked-cut"])
async def test_a_stream_cut_mid_way_is_counted_and_never_returned(
    openai_server: OpenAIServer, recorded: RecordingTelemetry, transport: str, chunked: bool
) -> None:
    openai_server.enqueue(ScriptedReply(LONG, cut_after=2, chunked=chunked))
    seen: list[str] = []
    with pytest.raises(LLMUnavailable) as caught:
        await _run(_model(openai_server, transport=transport), streamed=True, seen=seen)
    kind = caught.value.kind
    assert kind == ("APIConnectionError" if chunked else "incomplete_stream")  # protocol error vs clean end
    assert seen == [LONG[:8], LONG[:16]] and recorded.total("llm_error", kind=kind) == 1


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # the wrong shape, as LangChain reads it
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "body",
    ['data: {"broken": \n\n', 'data: {"choices": "nope"}\n\n', "this is not json {"],
    ids=["invalid-json", "wrong-shape", "no-events"],
)
async def test_malformed_payloads_are_llm_unavailable(
    openai_server: OpenAIServer, transport: str, body: str
) -> None:
    openai_server.enqueue(ScriptedReply(raw=body))
    with pytest.raises(LLMUnavailable) as caught:
        await _run(_model(openai_server, transport=transport), streamed=True)
    assert caught.value.kind in {"malformed_response", "incomplete_stream"}


async def test_a_truncated_answer_is_not_whole(openai_server: OpenAIServer) -> None:
    chunk = '{"choices": [{"index": 0, "delta": {"content": "推荐您看看"}, "finish_reason": "length"}]}'
    openai_server.enqueue(ScriptedReply(raw=f"data: {chunk}\n\ndata: [DONE]\n\n"))
    with pytest.raises(LLMUnavailable) as caught:
        await _model(openai_server).stream(PROMPT, VALUES)
    assert caught.value.kind == "truncated"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_tokens_latency_and_errors_are_recorded(
    openai_server: OpenAIServer, recorded: RecordingTelemetry, transport: str
) -> None:
    model = _model(openai_server, model="tokens-test", stream_usage=True, transport=transport)
    openai_server.enqueue(ScriptedReply("你好", usage=(11, 7)))
    assert await model.complete(PROMPT, VALUES) == "你好"
    assert openai_server.requests[-1]["stream_options"] == {"include_usage": True}
    openai_server.enqueue(ScriptedReply("streamed answer", usage=(5, 3)))
    assert await model.stream(PROMPT, VALUES) == "streamed answer"
    assert recorded.tokens[("tokens-test", "prompt")] == 16
    assert recorded.tokens[("tokens-test", "completion")] == 10
    assert len(recorded.stages["llm"]) == 2


async def test_stream_usage_is_not_asked_of_other_endpoints_by_default(openai_server: OpenAIServer) -> None:
    await _model(openai_server).stream(PROMPT, VALUES)
    await _model(openai_server).complete(PROMPT, VALUES)
    assert all("stream_options" not in r for r in openai_server.requests)


async def test_after_a_stall_calls_fail_at_once_until_the_cooldown_ends(
    openai_server: OpenAIServer, recorded: RecordingTelemetry
) -> None:
    now = [100.0]
    config = OpenAIChatConfig(
        model="m", base_url=openai_server.base_url, first_token_timeout_s=0.5, cooldown_s=30, max_retries=0
    )
    model = OpenAIChatModel(config, clock=lambda: now[0])
    _OPEN.append(model)
    openai_server.enqueue(ScriptedReply(stall_after=0))
    with pytest.raises(LLMUnavailable):
        await model.stream(PROMPT, VALUES)
    assert await asyncio.to_thread(openai_server.wait_closed)
    for call in (model.complete, model.stream):
        with pytest.raises(LLMUnavailable) as caught:
            await call(PROMPT, VALUES)
        assert caught.value.kind == "circuit_open"
    assert len(openai_server.requests) == 1 and recorded.total("llm_error", kind="circuit_open") == 2
    with pytest.raises(KeyError):  # a bug of ours is still a bug while the circuit is open
        await model.complete(PROMPT, {})
    now[0] += 30  # the cooldown is over: the provider is asked again
    assert await model.stream(PROMPT, VALUES) == "OK" and len(openai_server.requests) == 2
    openai_server.enqueue(ScriptedReply(status=500))  # a fast error does not open the circuit
    with pytest.raises(LLMUnavailable):
        await model.complete(PROMPT, VALUES)
    assert await model.complete(PROMPT, VALUES) == "OK"


async def test_server_sent_events_as_the_spec_allows_them(openai_server: OpenAIServer) -> None:
    """CRLF line ends, comments, other fields, a data field split over lines, no blank line at the end."""

    def event(content: str, finish: str | None = None) -> str:
        return json.dumps({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]})

    split = event("二").replace(', "finish_reason"', '\r\ndata: , "finish_reason"')
    raw = f": keep-alive\r\n\r\nevent: chunk\r\nid: 1\r\ndata: {event('一')}\r\n\r\ndata: {split}\r\n\r\n"
    raw += f"data:{event('三', 'stop')}"
    openai_server.enqueue(ScriptedReply(raw=raw))
    seen: list[str] = []
    assert await _run(_model(openai_server), streamed=True, seen=seen) == "一二三"
    assert seen == ["一", "一二", "一二三"]


async def test_events_only_the_standard_library_reads_are_read_as_it_reads_them(
    openai_server: OpenAIServer,
) -> None:
    """orjson reads the stream; what it refuses and `json.loads` accepts (a lone surrogate escape, NaN) gives the
    very same values — and the request body orjson writes is read as JSON by the server."""
    lone = '{"choices": [{"index": 0, "delta": {"content": "\\ud83d"}, "finish_reason": null}], "x": NaN}'
    end = '{"choices": [{"index": 0, "delta": {"content": "!"}, "finish_reason": "stop"}]}'
    openai_server.enqueue(ScriptedReply(raw=f"data: {lone}\n\ndata: {end}\n\ndata: [DONE]\n\n"))
    seen: list[str] = []
    assert await _run(_model(openai_server), streamed=True, seen=seen) == "\ud83d!"
    assert seen == ["\ud83d", "\ud83d!"]
    sent = openai_server.requests[-1]
    assert sent["messages"] and sent["stream"] is True


def _shipped_prompts() -> list[PromptSpec]:
    from pathlib import Path

    from bot.prompts import PromptFileError, load_prompt

    root = Path(__file__).resolve().parents[1] / "bot" / "prompts"
    specs = []
    for path in sorted(root.rglob("*.yaml")):
        try:
            specs.append(load_prompt(path))
        except PromptFileError:
            continue  # not a prompt file (strings, word lists)
    return specs


@pytest.mark.parametrize("spec", _shipped_prompts(), ids=lambda spec: str(spec.path).split("prompts/")[-1])
def test_the_http_requests_messages_are_what_langchains_template_formats(spec: PromptSpec) -> None:
    """`wire_messages` (the http transport) fills every shipped prompt exactly as LangChain's
    `ChatPromptTemplate` does — values with braces, quotes and newlines included — and misses a value alike."""
    from langchain_core.prompts import ChatPromptTemplate

    from bot.llm.openai_chat import _ROLES, wire_messages

    values = {name: f"值 {{{name}}} “{n}”\n{{}} %s {n}" for n, name in enumerate(spec.variables)}
    template = ChatPromptTemplate.from_messages(list(spec.messages))
    expected = [
        {"role": _ROLES[m.type], "content": m.content} for m in template.format_prompt(**values).to_messages()
    ]
    assert wire_messages(spec, values) == expected
    if spec.variables:
        missing = dict(values)
        missing.pop(spec.variables[0])
        with pytest.raises(KeyError):
            template.format_prompt(**missing)
        with pytest.raises(KeyError):
            wire_messages(spec, missing)
