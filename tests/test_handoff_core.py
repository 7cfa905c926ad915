"""Handoff through the real SupportBot: /human → card → claim → relay both ways → close → memory → rating.

The core consults the gate first, so these flows are what every channel (Telegram, terminal) sees.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bot.channels.terminal import TerminalChannel
from bot.conversation.store import InMemoryConversationStore
from bot.domain.messages import Inbound, MessageRef, Role
from bot.handoff.outbox import support_chats_for
from bot.handoff.service import HandoffService
from bot.handoff.state import Status
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.wiring import build_handoff_service
from tests.support.core_fixtures import Chat, make_bot, sample_knowledge

SUPPORT = "-1001"


def make(tmp_path: Path) -> tuple[HandoffService, Chat, InMemoryConversationStore]:
    memory = InMemoryConversationStore()
    gate = build_handoff_service(
        prompts_dir=DEFAULT_PROMPTS_DIR,
        support_chats=support_chats_for(int(SUPPORT)),
        conversations=memory,
        index=sample_knowledge(False).index,
    )
    bot = make_bot(tmp_path, handoff=gate, store=memory, dense=False)
    return gate, Chat(bot, chat_id="42", user_id="42"), memory


def agent(text: str = "", mid: int = 1, user: str = "7", **kw: object) -> Inbound:
    return Inbound(
        chat_id=SUPPORT,
        user_id=user,
        user_name=f"agent{user}",
        text=text,
        role=Role.AGENT,
        channel="telegram",
        is_group=True,
        ref=MessageRef(SUPPORT, str(mid)),
        **kw,
    )  # type: ignore[arg-type]


async def test_full_flow_through_the_core(tmp_path: Path) -> None:
    gate, chat, memory = make(tmp_path)
    bot = chat.bot
    shown = await chat.say("有没有500以内的跑鞋", channel="telegram")
    assert shown.cards
    out = await chat.send("/human", channel="telegram")
    reply = [o for o in out if o.chat_id == "42"]
    card = next(o for o in out if o.chat_id == SUPPORT)
    assert len(reply) == 1 and shown.cards[0].sku in card.text  # products discussed, from the catalog
    handoff_id = card.buttons[0].data.split(":")[2]

    claimed = await bot.handle(agent(callback_data=f"h:claim:{handoff_id}"))
    assert {o.chat_id for o in claimed} == {SUPPORT, "42"}
    refused = await bot.handle(agent(callback_data=f"h:claim:{handoff_id}", user="8"))
    assert len(refused) == 1 and "agent7" in refused[0].text

    relayed = await chat.send("鞋底开胶了", channel="telegram", ref=MessageRef("42", "5"))
    assert [(o.chat_id, o.kind) for o in relayed] == [(SUPPORT, "relay")]  # the bot stays silent
    back = await bot.handle(agent("请拍照", 2, thread_id=None, reply_to=None))
    assert back == []  # no topic, no reply-to: agents' chatter reaches no one
    back = await bot.handle(agent(f"/claim {handoff_id[:6]}", 3))
    assert "已经由您接单" in back[0].text  # by number: it is already this agent's
    gate.store.link_message(handoff_id, SUPPORT, "900")
    back = await bot.handle(agent("请拍照", 4, reply_to=MessageRef(SUPPORT, "900")))
    assert [(o.chat_id, o.copy_of) for o in back] == [("42", MessageRef(SUPPORT, "4"))]

    staff = Chat(bot, chat_id="900", user_id="900", role=Role.STAFF)
    queue = await staff.say("/queue")
    assert handoff_id[:6] in queue.text
    assert "失效" in (await Chat(bot, chat_id="55").say("", callback_data=f"h:rate:{handoff_id}:5")).text

    closed = await bot.handle(agent(f"/close {handoff_id[:6]}", 5))
    rating = next(o for o in closed if o.chat_id == "42")
    assert len(rating.buttons) == 5
    assert any(t.role == "agent" and "鞋底开胶了" in t.text for t in memory.recent("42"))
    thanks = await chat.press(rating.buttons[4].data)
    assert "5" in thanks.text and gate.store.get(handoff_id).rating == 5
    again = await chat.say("第一款多少钱", channel="telegram")  # the bot is back, with its memory
    assert "¥" in again.text


async def test_complaint_trigger_and_customer_cancels(tmp_path: Path) -> None:
    gate, chat, _ = make(tmp_path)
    out = await chat.send("你们就是骗子，退款不给", channel="telegram")
    assert len([o for o in out if o.chat_id == "42"]) == 1
    handoff = gate.store.open_for_chat("42")
    assert handoff.reason == "complaint" and handoff.status is Status.WAITING
    left = await chat.send("/cancel", channel="telegram")
    assert [o.chat_id for o in left] == ["42", SUPPORT]
    assert gate.store.latest_for_chat("42").closed_by == "customer"


async def test_terminal_as_agent(tmp_path: Path) -> None:
    gate, _, _ = make(tmp_path)
    bot = make_bot(tmp_path, handoff=gate, dense=False)
    buffer = io.StringIO()
    terminal = TerminalChannel(bot, Console(file=buffer, width=200), prompt=False)
    for line in [
        "转人工",
        "在吗",
        ":as agent",
        "/claim",
        "您好，我来帮您",
        ":as customer",
        "谢谢",
        ":as agent",
        "/close",
    ]:
        assert await terminal.on_line(line)
    printed = buffer.getvalue()
    assert "→ [terminal:support]" in printed and "您好，我来帮您" in printed
    handoff = gate.store.latest_for_chat("terminal")
    assert handoff.status is Status.CLOSED and [
        e.text for e in gate.store.transcript(handoff.id) if e.who == "customer"
    ] == ["转人工", "在吗", "谢谢"]


async def test_every_later_message_after_an_automatic_handoff_gets_a_reply(tmp_path: Path) -> None:
    # tester12d-other c36: after "could not answer twice" the terminal chat relayed the next lines to the
    # support queue and printed nothing for the customer: each line gets one reply until the bot is back
    gate, _, _ = make(tmp_path)
    bot = make_bot(tmp_path, handoff=gate, dense=False)
    terminal = TerminalChannel(bot, Console(file=io.StringIO(), width=200), prompt=False)
    customer = [
        o for line in ["火箭发动机有吗", "潜水艇有吗"] for o in await bot.handle(terminal.inbound(line))
    ]
    assert gate.store.open_for_chat("terminal").reason == "unanswered"
    for line in ["有跑鞋吗", "还在吗"]:
        out = await bot.handle(terminal.inbound(line))
        mine = [o for o in out if o.chat_id == "terminal"]
        assert len(mine) == 1 and "转给客服" in mine[0].text and "取消人工" in mine[0].text
        assert any(o.kind == "relay" and line in o.text for o in out if o.chat_id != "terminal")
    back = [o for o in await bot.handle(terminal.inbound("取消人工")) if o.chat_id == "terminal"]
    assert len(back) == 1 and customer
    shoes = [o for o in await bot.handle(terminal.inbound("有跑鞋吗")) if o.chat_id == "terminal"]
    assert len(shoes) == 1 and "¥" in shoes[0].text  # the bot answers again
