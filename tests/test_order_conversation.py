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
