"""The LLM circuit breaker opens when the provider stalls, not when a message ran out of time before asking:
a call cut short by its message's first-token deadline (the message waited — queued under load, a cold start)
fails alone; the next message asks the provider again. Against the scripted OpenAI-compatible server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.domain import telemetry
from bot.domain.errors import LLMUnavailable
from bot.domain.prompt import PromptSpec
from bot.domain.reply_budget import first_token_deadline
from bot.llm.openai_chat import OpenAIChatConfig, OpenAIChatModel
from tests.support.openai_server import OpenAIServer, ScriptedReply

PROMPT = PromptSpec("t", (("user", "{question}"),), ("question",))
VALUES = {"question": "运费怎么算"}


@pytest.fixture
async def model(openai_server: OpenAIServer) -> AsyncIterator[OpenAIChatModel]:
    chat = OpenAIChatModel(
        OpenAIChatConfig(
            model="scripted",
            base_url=openai_server.base_url,
            first_token_timeout_s=0.5,
            timeout_s=30.0,
            cooldown_s=3600.0,
            max_retries=0,
        )
    )
    yield chat
    await chat.aclose()


async def test_a_call_cut_short_by_its_messages_deadline_does_not_open_the_circuit(
    openai_server: OpenAIServer, model: OpenAIChatModel, recorded: telemetry.RecordingTelemetry
) -> None:
    openai_server.enqueue(ScriptedReply("never sent", stall_after=0))
    with (
        first_token_deadline(asyncio.get_running_loop().time() + 0.1),
        pytest.raises(LLMUnavailable) as caught,
    ):
        await model.stream(PROMPT, VALUES)  # 0.1 s left of the message's budget, less than the provider's 0.5
    assert caught.value.kind == "first_token_timeout"
    assert await model.complete(PROMPT, VALUES) == "OK"  # the next message asks the provider again
    assert len(openai_server.requests) == 2
    assert recorded.total("llm_circuit_opened") == 0 and recorded.total("llm_error", kind="circuit_open") == 0


async def test_a_provider_given_its_whole_limit_that_stalls_opens_the_circuit(
    openai_server: OpenAIServer, model: OpenAIChatModel, recorded: telemetry.RecordingTelemetry
) -> None:
    openai_server.enqueue(ScriptedReply("never sent", stall_after=0))
    with first_token_deadline(asyncio.get_running_loop().time() + 60), pytest.raises(LLMUnavailable):
        await model.stream(PROMPT, VALUES)
    with pytest.raises(LLMUnavailable) as caught:
        await model.complete(PROMPT, VALUES)
    assert caught.value.kind == "circuit_open" and len(openai_server.requests) == 1
    assert recorded.total("llm_circuit_opened") == 1
