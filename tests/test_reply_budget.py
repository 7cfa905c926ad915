"""The stalled-LLM promise as configured arithmetic (issue 13 §5; TESTER-13b measured 9.8–9.9 s against 10 s):
the default first-token limit leaves the composer, the send and a margin of at least 1.5 s inside the promise,
and a message's own deadline caps every LLM call made for it. No timed assertions: the figures are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.reply_budget import (
    DEFAULT_BUDGET,
    ReplyBudget,
    current_first_token_deadline,
    first_token_deadline,
    first_token_limit,
)
from bot.llm.openai_chat import OpenAIChatConfig
from bot.ops.settings import load_settings
from bot.wiring import make_chat_model


def test_the_default_budget_adds_up_to_the_promise_with_a_margin() -> None:
    b = DEFAULT_BUDGET
    assert b.promise_s == 10.0 and b.margin_s >= 1.5
    spent = b.before_llm_s + b.first_token_s() + b.fallback_s + b.send_s
    assert spent + b.margin_s == pytest.approx(b.promise_s)
    assert b.first_token_s() == pytest.approx(6.0)


def test_the_settings_and_the_adapter_default_to_the_budgets_first_token_limit() -> None:
    assert load_settings().llm_first_token_timeout_s == DEFAULT_BUDGET.first_token_s()
    assert OpenAIChatConfig(model="m").first_token_timeout_s == DEFAULT_BUDGET.first_token_s()
    model = make_chat_model(load_settings(OPENAI_API_KEY="k"))
    assert model is not None and model.config.first_token_timeout_s == DEFAULT_BUDGET.first_token_s()


def test_a_messages_deadline_leaves_the_composer_the_send_and_the_margin() -> None:
    b = DEFAULT_BUDGET
    arrived = 100.0
    by = b.first_token_by(arrived)
    assert by + b.fallback_s + b.send_s + b.margin_s == pytest.approx(arrived + b.promise_s)


@pytest.mark.parametrize(
    ("started", "limit_s", "deadline", "expected"),
    [
        (100.0, 6.0, None, 106.0),  # outside a message: the call's own limit
        (100.0, 6.0, 108.0, 106.0),  # the call started early: its own limit comes first
        (103.0, 6.0, 108.0, 108.0),  # 3 s went on before the call (a cold start): the deadline caps it
        (100.0, 30.0, 108.0, 108.0),  # a generous configured limit cannot break the promise
        (109.0, 6.0, 108.0, 109.0),  # past the deadline already: give up at once, never "before" the start
    ],
)
def test_the_first_token_limit_is_the_earlier_of_the_calls_and_the_messages(
    started: float, limit_s: float, deadline: float | None, expected: float
) -> None:
    assert first_token_limit(started, limit_s, deadline) == pytest.approx(expected)


def test_the_deadline_holds_inside_a_message_only() -> None:
    assert current_first_token_deadline() is None
    with first_token_deadline(42.0):
        assert current_first_token_deadline() == 42.0
    assert current_first_token_deadline() is None


def test_a_budget_without_time_for_a_first_token_is_refused() -> None:
    with pytest.raises(ValueError, match="no time"):
        ReplyBudget(promise_s=3.0)
    with pytest.raises(ValueError, match=">= 0"):
        ReplyBudget(margin_s=-1.0)


def test_the_promise_is_a_setting_the_wired_bot_keeps(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from bot.conversation.store import InMemoryConversationStore
    from bot.wiring import build_support_bot
    from tests.support.core_fixtures import sample_knowledge

    assert load_settings().reply_promise_s == DEFAULT_BUDGET.promise_s
    settings = load_settings(XIAOER_REPLY_PROMISE="30", XIAOER_DATA_DIR=str(tmp_path))
    bot = build_support_bot(
        settings, knowledge=sample_knowledge(), store=InMemoryConversationStore(), use_llm=False
    )
    try:
        assert bot.reply_budget.promise_s == 30.0
        assert bot.reply_budget.first_token_by(100.0) == pytest.approx(100.0 + 30.0 - 3.0)
    finally:
        bot.close()
    with pytest.raises(ValidationError, match="XIAOER_REPLY_PROMISE"):
        load_settings(XIAOER_REPLY_PROMISE="3")  # no time left for a first token
