"""Order conversations through the real SupportBot on SQLite: status and after-sales, zh and en.

The table is tests/data/order_conversations.json (wrong numbers, wrong last-4, someone else's order, outside
the return window, no tracking, delayed, group chats); orders are dated relative to now
(tests/support/order_chat.py), so every case means the same thing whenever it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.conversation.core import SupportBot
from tests.support.order_chat import check, conversation_cases, order_bot, run_case


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportBot]:
    bot = order_bot(Path(tmp_path_factory.mktemp("order-conversations")))
    yield bot
    bot.close()


@pytest.mark.parametrize("case", conversation_cases(), ids=lambda case: case["id"])
async def test_order_conversation(bot: SupportBot, case: dict[str, Any]) -> None:
    text = await run_case(bot, case)
    assert check(case, text) == [], text


async def test_a_withdrawn_request_reaches_the_agents_and_leaves_the_queue(bot: SupportBot) -> None:
    from tests.support.order_chat import Customer

    customer = Customer(bot, chat_id="terminal:withdraw-agents", user_id="withdraw-agents")
    for text in ("XE7005 我要退货", "7788", "不想要了，买多了"):
        await customer.say(text)
    out = await customer.send("算了，不退了")
    mine = [o for o in out if o.chat_id == customer.chat_id]
    agents = [o.text for o in out if o.chat_id != customer.chat_id]
    assert len(mine) == 1 and "已撤回" in mine[0].text
    assert any("算了，不退了" in text for text in agents)  # the customer's words, relayed
    assert any("客户已撤回申请" in text and "XE7005" in text for text in agents)
    from bot.orders.conversation import OrderConversation

    assert isinstance(bot.flow, OrderConversation)
    queue = await bot.flow.desk.aftersales.queue(limit=1000)
    assert not [r for r in queue if r.user_id == "withdraw-agents"]
