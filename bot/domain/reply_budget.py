"""The stalled-LLM promise as arithmetic: a customer gets a reply within `promise_s` of their message, however
long the LLM provider stays silent.

Where the time of a reply to a stalled provider goes (TESTER-13b measured 9.8–9.9 s against a 10 s promise with
the old 8 s first-token limit): reading the message, retrieval and prompt building before the first LLM call
(`before_llm_s`; the first message after start-up also warms the sentence encoder), the wait for a first token
(`first_token_s`), the offline composer once the model is given up (`fallback_s`) and the channel's send
(`send_s`: a Bot API `sendMessage`, one quick retry of a dropped connection). What is left is `margin_s`.

Two guards use these figures: the default first-token limit (`XIAOER_LLM_FIRST_TOKEN_TIMEOUT`) is
`first_token_s()`, and `SupportBot.handle` marks each message's `first_token_deadline` (a loop time, in a
context variable every LLM call of that message reads), so time spent before the call — a cold start, a queue
behind the chat's lock, an intent question to the model — shortens the wait instead of breaking the promise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

_DEADLINE: ContextVar[float | None] = ContextVar("xiaoer_first_token_deadline", default=None)


@dataclass(frozen=True)
class ReplyBudget:
    """Seconds of the reply promise (see the module docstring); all figures ≥ 0."""

    promise_s: float = 10.0
    margin_s: float = 1.5
    before_llm_s: float = 1.0
    fallback_s: float = 0.5
    send_s: float = 1.0

    def __post_init__(self) -> None:
        if min(self.promise_s, self.margin_s, self.before_llm_s, self.fallback_s, self.send_s) < 0:
            raise ValueError("reply budget figures must be >= 0")
        if self.first_token_s() <= 0:
            raise ValueError("the reply budget leaves no time to wait for a first token")

    def first_token_s(self) -> float:
        """The default limit on the wait for a first token: the promise less everything else and the margin."""
        return self.promise_s - self.margin_s - self.before_llm_s - self.fallback_s - self.send_s

    def first_token_by(self, arrived: float) -> float:
        """The latest (loop) time a first token may come for a message that arrived at `arrived`: whatever
        happened before the call, the composer and the send still fit in the promise with the margin left."""
        return arrived + self.promise_s - self.margin_s - self.fallback_s - self.send_s


DEFAULT_BUDGET = ReplyBudget()


@contextmanager
def first_token_deadline(deadline: float) -> Iterator[None]:
    """Within the block (one message's handling), LLM calls wait for a first token until `deadline` at most."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_first_token_deadline() -> float | None:
    """The deadline of the message being handled (loop time), or None outside one."""
    return _DEADLINE.get()


def first_token_limit(started: float, first_token_s: float, deadline: float | None) -> float:
    """The loop time by which a call started at `started` must see its first token: its own limit, or the
    message's deadline when that comes first (never before `started`)."""
    own = started + first_token_s
    return own if deadline is None else max(started, min(own, deadline))
