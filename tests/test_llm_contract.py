"""One contract over every `ChatModel`: the OpenAI adapter (both stream transports) against the loopback
OpenAI-compatible server, and the in-memory `ScriptedChatModel`.

Provider failures are `LLMUnavailable`; a bug of ours (a missing prompt value, an exception raised by the
streaming callback) propagates unchanged and never becomes "LLM unavailable".
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import pytest

from bot.domain.errors import LLMUnavailable
from bot.domain.prompt import ChatMessage, PromptSpec
from bot.domain.protocols import ChatModel
from bot.llm.scripted import ScriptedAnswer, ScriptedChatModel
from tests.support.openai_server import OpenAIServer, ScriptedReply

PROMPT = PromptSpec(
    name="contract",
    messages=(("system", "You answer in {language}."), ("user", "Question: {question}")),
    variables=("language", "question"),
)
LONG = "这是一段比较长的流式回复，用来测试分块输出。It streams in pieces, then ends."


@dataclass
class Harness:
    """A model plus ways to script what its provider does next and to read what it was sent."""

    model: ChatModel
    answer: Callable[[str], None]
    fail: Callable[[], None]
    cut: Callable[[str], None]
    sent: Callable[[], list[ChatMessage]]


def _scripted() -> Iterator[Harness]:
    model = ScriptedChatModel()
    yield Harness(
        model,
        answer=lambda text: model.enqueue(text),
        fail=lambda: model.enqueue(ScriptedAnswer(error="InternalServerError")),
        cut=lambda text: model.enqueue(ScriptedAnswer(text, cut=True)),
        sent=lambda: list(model.calls[-1].messages) if model.calls else [],
    )


async def _openai(transport: str) -> AsyncIterator[Harness]:
    from bot.llm.openai_chat import OpenAIChatConfig, OpenAIChatModel

    with OpenAIServer() as server:
        config = OpenAIChatConfig(
            model="scripted",
            base_url=server.base_url,
            api_key="test-key",
            timeout_s=10,
            first_token_timeout_s=10,
            max_retries=0,
            transport=transport,  # type: ignore[arg-type]
        )

        def sent() -> list[ChatMessage]:
            if not server.requests:
                return []
            return [ChatMessage(m["role"], m["content"]) for m in server.requests[-1]["messages"]]

        model = OpenAIChatModel(config)
        yield Harness(
            model,
            answer=lambda text: server.enqueue(text),
            fail=lambda: server.enqueue(ScriptedReply(status=500, content="down")),
            cut=lambda text: server.enqueue(ScriptedReply(text, cut_after=2)),
            sent=sent,
        )
        await model.aclose()


@pytest.fixture(params=["scripted", "openai-http", "openai-langchain"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "scripted":
        for scripted in _scripted():
            yield scripted
    else:
        async for real in _openai(request.param.removeprefix("openai-")):
            yield real


class Recorder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, text: str) -> None:
        self.seen.append(text)


async def test_complete_sends_the_rendered_prompt_and_returns_the_text(harness: Harness) -> None:
    harness.answer("你好，我是店小二")
    text = await harness.model.complete(PROMPT, {"language": "English", "question": "有跑鞋吗?"})
    assert text == "你好，我是店小二"
    assert harness.sent() == [
        ChatMessage("system", "You answer in English."),
        ChatMessage("user", "Question: 有跑鞋吗?"),
    ]


async def test_stream_reports_growing_text_and_returns_the_whole(harness: Harness) -> None:
    harness.answer(LONG)
    recorder = Recorder()
    text = await harness.model.stream(PROMPT, {"language": "zh", "question": "q"}, recorder)
    assert text == LONG
    assert len(recorder.seen) > 1 and recorder.seen[-1] == LONG
    assert all(b.startswith(a) and len(b) > len(a) for a, b in itertools.pairwise(recorder.seen))


async def test_an_assistant_turn_carries_model_output_as_a_value(harness: Harness) -> None:
    previous = '{"title": "纯棉T恤", "bullets": ["{not a placeholder}"]}'
    revision = PROMPT.then(("assistant", "{previous}"), ("user", "Fix: {problems}"))
    harness.answer("fixed")
    values = {"language": "zh", "question": "q", "previous": previous, "problems": "- too long"}
    assert await harness.model.complete(revision, values) == "fixed"
    assert [m.role for m in harness.sent()] == ["system", "user", "assistant", "user"]
    assert harness.sent()[2].text == previous and harness.sent()[3].text == "Fix: - too long"


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_provider_failure_is_llm_unavailable(harness: Harness, streamed: bool) -> None:
    harness.fail()
    with pytest.raises(LLMUnavailable) as caught:
        if streamed:
            await harness.model.stream(PROMPT, {"language": "zh", "question": "q"}, Recorder())
        else:
            await harness.model.complete(PROMPT, {"language": "zh", "question": "q"})
    assert caught.value.kind == "InternalServerError"


async def test_a_stream_cut_mid_way_is_a_failure_not_an_answer(harness: Harness) -> None:
    harness.cut(LONG)
    recorder = Recorder()
    with pytest.raises(LLMUnavailable) as caught:
        await harness.model.stream(PROMPT, {"language": "zh", "question": "q"}, recorder)
    assert caught.value.kind == "incomplete_stream"
    assert recorder.seen and LONG not in recorder.seen  # pieces arrived, the whole never did


async def test_an_empty_answer_is_a_failure(harness: Harness) -> None:
    harness.answer("  ")
    with pytest.raises(LLMUnavailable) as caught:
        await harness.model.complete(PROMPT, {"language": "zh", "question": "q"})
    assert caught.value.kind == "empty_completion"


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_a_missing_prompt_value_is_our_bug_and_propagates(harness: Harness, streamed: bool) -> None:
    with pytest.raises(KeyError) as caught:
        if streamed:
            await harness.model.stream(PROMPT, {"language": "zh"}, Recorder())
        else:
            await harness.model.complete(PROMPT, {"language": "zh"})
    assert not isinstance(caught.value, LLMUnavailable) and "question" in str(caught.value)
    assert harness.sent() == []  # nothing went to the provider


async def test_an_exception_in_the_streaming_callback_propagates(harness: Harness) -> None:
    class CallbackBug(RuntimeError):
        pass

    async def on_text(text: str) -> None:
        raise CallbackBug(text)

    harness.answer(LONG)
    with pytest.raises(CallbackBug):
        await harness.model.stream(PROMPT, {"language": "zh", "question": "q"}, on_text)
    harness.answer("after the bug")  # the model is still usable
    assert await harness.model.complete(PROMPT, {"language": "zh", "question": "q"}) == "after the bug"
