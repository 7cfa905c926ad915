"""The real ChatOpenAI path against the loopback server: replies, streaming, retries and failures."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from bot.domain.errors import LLMUnavailable
from bot.llm.openai_chat import complete, make_chat_model, stream
from bot.ops.settings import load_settings
from tests.support.openai_server import OpenAIServer, ScriptedReply


def _model(server: OpenAIServer, **overrides: object):
    settings = load_settings(
        OPENAI_BASE_URL=server.base_url,
        OPENAI_API_KEY="test-key",
        XIAOER_LLM_MODEL="scripted",
        XIAOER_LLM_TIMEOUT=overrides.pop("timeout", 5.0),
        XIAOER_LLM_MAX_RETRIES=overrides.pop("retries", 2),
    )
    model = make_chat_model(settings)
    assert model is not None
    return model


def test_no_key_and_no_base_url_means_offline() -> None:
    assert make_chat_model(load_settings()) is None


async def test_completion_goes_over_http(openai_server: OpenAIServer) -> None:
    openai_server.enqueue("你好，我是店小二")
    text = await complete(_model(openai_server), [HumanMessage("hi")])
    assert text == "你好，我是店小二"
    assert openai_server.requests[-1]["model"] == "scripted"
    assert openai_server.requests[-1]["messages"][-1]["content"] == "hi"


async def test_streaming_delivers_partial_text(openai_server: OpenAIServer) -> None:
    openai_server.enqueue("这是一段比较长的流式回复，用来测试分块输出。")
    seen: list[str] = []

    async def on_text(text: str) -> None:
        seen.append(text)

    text = await stream(_model(openai_server), [HumanMessage("hi")], on_text)
    assert text == "这是一段比较长的流式回复，用来测试分块输出。"
    assert len(seen) > 1 and seen[-1] == text and all(text.startswith(s) for s in seen)


async def test_429_with_retry_after_is_retried(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(ScriptedReply(status=429, headers={"Retry-After": "0"}), "after retry")
    assert await complete(_model(openai_server), [HumanMessage("x")]) == "after retry"
    assert len(openai_server.requests) == 2


async def test_persistent_500_becomes_llm_unavailable(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(*[ScriptedReply(status=500, headers={"Retry-After": "0"})] * 3)
    with pytest.raises(LLMUnavailable):
        await complete(_model(openai_server, retries=1), [HumanMessage("x")])
    assert len(openai_server.requests) == 2  # one try + one bounded retry


async def test_timeout_becomes_llm_unavailable(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(ScriptedReply(content="late", delay_s=1.5))
    with pytest.raises(LLMUnavailable):
        await complete(_model(openai_server, timeout=0.3, retries=0), [HumanMessage("x")])


async def test_invalid_json_becomes_llm_unavailable(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(ScriptedReply(raw="this is not json {"))
    with pytest.raises(LLMUnavailable):
        await complete(_model(openai_server, retries=0), [HumanMessage("x")])
