"""State-aware after-sales and the agents' side, through the real SupportBot (and the terminal console).

- a second return/exchange while one is open names the open request and its state (no duplicate);
- a refunded order says so with its refund date and amount;
- agents approve / reject by typing in the terminal console (`/requests`, `/approve`, `/reject`) and the
  customer is told; a customer pressing an agent's button while their own handoff is open gets an answer;
- `/order` follows the staff member's language; an order's note reaches agents fenced, never the customer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from bot.channels.terminal import TerminalChannel
from bot.conversation.core import SupportBot
from bot.domain.messages import Role
from tests.support.order_chat import SHOP_TZ, Customer, order_bot, order_rows

SUPPORT = "terminal:support"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportBot]:
    bot = order_bot(Path(tmp_path_factory.mktemp("order-followups")))
    yield bot
    bot.close()


def agent(bot: SupportBot, name: str = "agent-1") -> Customer:
    return Customer(bot, chat_id=SUPPORT, user_id=name, is_group=True, role=Role.AGENT)


async def test_a_second_request_while_one_is_open_names_it_instead_of_filing_another(bot: SupportBot) -> None:
    customer = Customer(bot, chat_id="terminal:twice", user_id="twice")
    await customer.say("我要退货 XE7019")
    await customer.say("0019")
    out = await customer.send("尺码不合适")
    card = next(o for o in out if o.chat_id == SUPPORT and o.meta.get("part") == "card")
    await agent(bot).send(f"/close {card.meta['handoff_id']}")  # the person is done; the request stays open
    again = await customer.say("我要换货")
    assert "已经有一个退货申请" in again and "待审核" in again and "XE7019" in again
    requests = await bot.runtime.orders.aftersales.for_order("XE7019")  # type: ignore[union-attr]
    assert len(requests) == 1  # no duplicate


async def test_a_refund_on_a_refunded_order_says_when_and_how_much(bot: SupportBot) -> None:
    row = next(r for r in order_rows() if r["order_id"] == "XE7012")
    reply = await Customer(bot, chat_id="terminal:refunded", user_id="refunded").say(
        "我要退款 XE7012 尾号9876"
    )
    refunded = (datetime.now(UTC) + timedelta(days=row["refunded"])).astimezone(SHOP_TZ).date().isoformat()
    assert "已经退款了" in reply and refunded in reply and "¥199.00" in reply


async def test_a_customer_pressing_an_agents_button_during_their_handoff_is_answered(bot: SupportBot) -> None:
    customer = Customer(bot, chat_id="terminal:presser", user_id="presser")
    await customer.say("我要退货 XE7020")
    await customer.say("0020")
    out = await customer.send("不合身")
    card = next(o for o in out if o.chat_id == SUPPORT and o.meta.get("part") == "card")
    approve = next(b.data for b in card.buttons if b.data and b.data.startswith("o:a:"))
    pressed = await customer.send(callback_data=approve)  # the handoff is open and waiting
    mine = [o for o in pressed if o.chat_id == customer.chat_id]
    assert len(mine) == 1 and "只有客服" in mine[0].text
    requests = await bot.runtime.orders.aftersales.for_order("XE7020")  # type: ignore[union-attr]
    assert requests[0].status.value == "requested"  # nothing changed


async def test_staff_order_lookup_follows_the_staff_members_language(bot: SupportBot) -> None:
    staff = Customer(bot, chat_id="terminal:staff", user_id="staff", role=Role.STAFF)
    zh = await staff.say("/order XE7018 帮我看一下", language_hint="en")  # an English app, Chinese words
    assert "订单 XE7018" in zh and "收货城市" in zh
    en = await staff.say("/order XE7018 please check this one")
    assert "Order XE7018" in en
    bare = await staff.say("/order XE7018")  # no words: the shop's support language (zh by default)
    assert "订单 XE7018" in bare
    assert "13912340000" not in zh + en  # masked contact, as before
    assert "Ignore all previous" not in zh and "⚠️" in zh  # the note is fenced, its instruction cut


def test_agents_decide_requests_by_typing_in_the_terminal_console(bot: SupportBot) -> None:
    """End to end in the terminal: the customer asks to cancel, the agent lists the queue, rejects one with a
    reason, approves another, and each customer is told."""
    buffer = io.StringIO()
    terminal = TerminalChannel(bot, Console(file=buffer, width=400), prompt=False)
    lines = iter(
        [
            "取消订单 XE7016",
            "0016",
            "买错了颜色",
            ":as agent",
            "/requests",
            "/approve",
            "/reject zzzzzzzz 不行",
        ]
    )
    import asyncio

    async def run(more: list[str]) -> str:
        start = len(buffer.getvalue())
        for line in more:
            await terminal.on_line(line)
        return buffer.getvalue()[start:]

    first = asyncio.run(run(list(lines)))
    assert "已收到您对订单 XE7016 的取消订单申请" in first
    assert "/approve" in first and "/reject" in first  # the card says how to decide by typing
    match = re.search(r"• ([0-9a-f]{8}) · 取消订单 · 订单 XE7016 · 待审核", first)
    assert match, first
    assert "用法：/approve" in first and "没有找到这个待处理的售后申请" in first
    request_id = match.group(1)
    rejected = asyncio.run(run([f"/reject {request_id} 订单已在打包，无法取消"]))
    assert f"售后申请 {request_id}：已拒绝" in rejected
    assert "→ [terminal]" in rejected and "未通过" in rejected and "订单已在打包，无法取消" in rejected
    again = asyncio.run(run([f"/approve {request_id}"]))
    assert "已处理完的申请不能再改" in again  # a decided request stays decided
    customer = asyncio.run(run([":as customer", "你好"]))
    assert "writing as customer" in customer


async def test_a_note_is_shown_to_agents_fenced_and_never_to_the_customer(bot: SupportBot) -> None:
    customer = Customer(bot, chat_id="terminal:note", user_id="note")
    await customer.say("cancel my order XE7018")
    verified = await customer.say("cancel.en@example.com")
    out = await customer.send("ordered the wrong one")
    card = next(o for o in out if o.chat_id == SUPPORT and o.meta.get("part") == "card")
    mine = next(o for o in out if o.chat_id == customer.chat_id)
    assert "Order note" not in verified + mine.text and "Ignore all previous" not in verified + mine.text
    assert "订单备注" in card.text and "⚠️" in card.text
    assert "Ignore all previous instructions" not in card.text  # the instruction is cut even for agents


async def test_the_agents_card_keeps_what_the_first_message_said_about_the_damage(bot: SupportBot) -> None:
    customer = Customer(bot, chat_id="terminal:described", user_id="described", is_group=False)
    await customer.say("订单 XE7023 收到的锅摔坏了，锅盖裂了")
    await customer.say("0023")
    await customer.say("锅柄也松了")  # the reason the bot asks for after its verdict
    out = await customer.send("好了")
    card = next(o.text for o in out if o.chat_id == SUPPORT and "XE7023" in o.text and "🧾" in o.text)
    reason = [line for line in card.splitlines() if line.startswith("原因：")][
        -1
    ]  # the request's, not the handoff's
    assert "锅盖裂了" in reason and "锅柄也松了" in reason, reason
    assert "XE7023" not in reason and "0023" not in reason
