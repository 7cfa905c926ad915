"""`ScriptedChatModel`: the in-memory `bot.domain.protocols.ChatModel` for tests and benches.

It answers what was `enqueue`d (in order), else what `responder(call)` says, and records every call with
the prompt, its values and the rendered messages. It keeps the adapter's contract
(tests/test_llm_contract.py): failures are `LLMUnavailable` with the adapter's kinds (a scripted provider
error, a stream cut mid-way, an empty answer), a missing prompt value raises KeyError, and an exception
raised by `on_text` propagates. It imports nothing from LangChain or openai, so a bench or a test that uses
it loads neither.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.domain import telemetry
from bot.domain.errors import LLMUnavailable
from bot.domain.prompt import ChatMessage, PromptSpec
from bot.domain.protocols import OnText


@dataclass(frozen=True)
class ScriptedAnswer:
    """One scripted answer. `error` fails the call as the provider would (an `llm_error` kind such as
    "InternalServerError"); `cut` delivers the text's first half, then fails as a stream cut mid-way."""

    text: str = ""
    error: str | None = None
    cut: bool = False
    delay_s: float | None = None  # None: the model's own delay


@dataclass(frozen=True)
class RecordedCall:
    """What the model was asked: the prompt file, its values and the messages they render to."""

    prompt: PromptSpec
    values: Mapping[str, str]
    messages: tuple[ChatMessage, ...]
    streamed: bool

    @property
    def system(self) -> str:
        return next((m.text for m in self.messages if m.role == "system"), "")

    @property
    def user(self) -> str:
        """The last user turn."""
        return next((m.text for m in reversed(self.messages) if m.role == "user"), "")


class ScriptedChatModel:
    """`ScriptedChatModel(responder=lambda call: "…")`; `enqueue("…", ScriptedAnswer(error="…"))` first.

    `delay_s` is awaited before the first piece (a slow provider that does not block the loop);
    `chunk_chars` is the size of the streamed pieces.
    """

    def __init__(
        self,
        responder: Callable[[RecordedCall], str] | None = None,
        *,
        name: str = "scripted",
        delay_s: float = 0.0,
        chunk_chars: int = 8,
    ) -> None:
        self.responder = responder or (lambda call: "OK")
        self._name, self.delay_s, self.chunk_chars = name, delay_s, chunk_chars
        self.queue: deque[ScriptedAnswer] = deque()
        self.calls: list[RecordedCall] = []

    @property
    def name(self) -> str:
        return self._name

    def enqueue(self, *answers: ScriptedAnswer | str) -> None:
        self.queue.extend(a if isinstance(a, ScriptedAnswer) else ScriptedAnswer(a) for a in answers)

    async def complete(self, prompt: PromptSpec, values: Mapping[str, str]) -> str:
        return await self._answer(prompt, values, None, streamed=False)

    async def stream(
        self, prompt: PromptSpec, values: Mapping[str, str], on_text: OnText | None = None
    ) -> str:
        return await self._answer(prompt, values, on_text, streamed=True)

    async def _answer(
        self, prompt: PromptSpec, values: Mapping[str, str], on_text: OnText | None, *, streamed: bool
    ) -> str:
        call = RecordedCall(prompt, dict(values), prompt.render(values), streamed)  # KeyError: our bug
        self.calls.append(call)
        answer = self.queue.popleft() if self.queue else ScriptedAnswer(self.responder(call))
        with telemetry.stage("llm"):
            delay = self.delay_s if answer.delay_s is None else answer.delay_s
            if delay:
                await asyncio.sleep(delay)
            if answer.error is not None:
                raise self._failed(answer.error)
            whole = answer.text[: len(answer.text) // 2] if answer.cut else answer.text
            text = ""
            for start in range(0, len(whole), self.chunk_chars):
                text += whole[start : start + self.chunk_chars]
                if on_text is not None:
                    await on_text(text)  # an exception here is the caller's bug and propagates
        if answer.cut:
            raise self._failed("incomplete_stream")
        if not text.strip():
            raise self._failed("empty_completion")
        return text

    @staticmethod
    def _failed(kind: str) -> LLMUnavailable:
        telemetry.count("llm_error", kind=kind)
        return LLMUnavailable(kind, kind=kind)
