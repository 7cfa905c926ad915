"""HandoffService flows over the real stores and strings: topics, the reply-to fallback, timeouts, restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.domain.commands import CommandRegistry
from bot.domain.messages import Attachment, Inbound, MessageRef, Outbound, Role
from bot.domain.protocols import HandoffGate
from bot.handoff.commands import register_handoff_commands
from bot.handoff.desk import NoTopicsDesk, SupportDesk
from bot.handoff.outbox import HandoffConfig
from bot.handoff.service import HandoffService
from bot.handoff.state import Status
from bot.handoff.store import HandoffStore, InMemoryHandoffStore
from bot.handoff.store_sql import SqlHandoffStore
from bot.handoff.triggers import TriggerSet
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import load_messages
from tests.support.databases import migrated_database

SUPPORT = "-1001"
CUSTOMER = "42"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class ForumDesk:
    """A desk whose support chat is a forum: numbered topics, titles kept for assertions."""

    def __init__(self) -> None:
        self.titles: list[str] = []

    async def create_topic(self, title: str) -> str | None:
        self.titles.append(title)
        return str(100 + len(self.titles))


class Harness:
    """A service plus the bookkeeping a channel would do (message ids, on_delivered)."""

    def __init__(
        self,
        store: HandoffStore,
        desk: SupportDesk,
        clock: Clock,
        support: str = SUPPORT,
        *,
        support_chats: dict[str, str] | None = None,
        reveal_agent_names: bool = False,
        **hooks: Any,
    ) -> None:
        self.closed: list[tuple[str, str]] = []
        config = HandoffConfig(
            support_chats={"*": support} if support_chats is None else support_chats,
            claim_timeout_s=300,
            reveal_agent_names=reveal_agent_names,
            detect_triggers=True,
        )
        self.service = HandoffService(
            store,
            load_messages(DEFAULT_PROMPTS_DIR),
            config,
            triggers=TriggerSet.load(),
            desk=desk,
            clock=clock,
            **{"on_closed": self._on_closed, **hooks},
        )
        self.next_id = 500

    async def _on_closed(self, chat_id: str, summary: str, user_id: str) -> None:
        self.closed.append((chat_id, summary))

    async def deliver(self, outs: list[Outbound]) -> list[MessageRef]:
        refs = []
        for out in outs:
            self.next_id += 1
            ref = MessageRef(out.chat_id, str(self.next_id), out.thread_id)
            await self.service.on_delivered(out, ref)
            refs.append(ref)
        return refs

    def customer(self, text: str, mid: int, **kw: object) -> Inbound:
        return Inbound(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            text=text,
            user_name="张三",
            channel="telegram",
            ref=MessageRef(CUSTOMER, str(mid)),
            **kw,
        )  # type: ignore[arg-type]

    def agent(self, text: str, mid: int, user: str = "7", name: str = "Li", **kw: object) -> Inbound:
        return Inbound(
            chat_id=SUPPORT,
            user_id=user,
            user_name=name,
            text=text,
            role=Role.AGENT,
            channel="telegram",
            is_group=True,
            ref=MessageRef(SUPPORT, str(mid)),
            **kw,
        )  # type: ignore[arg-type]


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_topic_flow_request_claim_relay_close_rate(clock: Clock) -> None:
    desk = ForumDesk()
    h = Harness(InMemoryHandoffStore(), desk, clock)
    assert isinstance(h.service, HandoffGate)
    outs = await h.service.intercept(h.customer("我要投诉，你们就是骗子", 1))
    reply, card = outs
    assert reply.chat_id == CUSTOMER and reply.kind == "reply" and "人工" in reply.text
    assert card.chat_id == SUPPORT and card.thread_id == "101" and "#" in card.text
    assert "投诉" in card.text and "张三" in card.text
    assert [b.data.split(":")[1] for b in card.buttons] == ["claim", "close"]
    assert desk.titles and "张三" in desk.titles[0]
    await h.deliver(outs)
    handoff_id = card.buttons[0].data.split(":")[2]

    # the chat is held: the customer's message is copied into the topic; while nobody has claimed it the
    # customer's one reply says so (a silent relay reads as being ignored: tester12d-other c36)
    relay = await h.service.intercept(h.customer("订单123的屏幕裂了", 2))
    assert [(o.chat_id, o.thread_id, o.kind, o.copy_of.message_id) for o in relay[:1]] == [
        (SUPPORT, "101", "relay", "2")
    ]
    assert [(o.chat_id, o.kind) for o in relay[1:]] == [(CUSTOMER, "reply")] and "转给客服" in relay[1].text

    claim = await h.service.intercept(h.agent("", 3, callback_data=f"h:claim:{handoff_id}", thread_id="101"))
    assert any(o.chat_id == SUPPORT and "Li" in o.text for o in claim)
    joined = next(o for o in claim if o.chat_id == CUSTOMER)
    assert "Li" not in joined.text  # agent identity private by default
    taken = await h.service.intercept(h.agent("/claim", 4, user="8", name="Wang", thread_id="101"))
    assert len(taken) == 1 and "Li" in taken[0].text and taken[0].thread_id == "101"

    to_customer = await h.service.intercept(h.agent("您好，请拍照给我们看看", 5, thread_id="101"))
    assert [(o.chat_id, o.kind, o.copy_of) for o in to_customer] == [
        (CUSTOMER, "relay", MessageRef(SUPPORT, "5"))
    ]
    photo = h.customer("", 6, attachment=Attachment("photo", file_id="F1"))
    assert (await h.service.intercept(photo))[0].copy_of.message_id == "6"

    closed = await h.service.intercept(h.agent("/close", 7, thread_id="101"))
    customer_msg = next(o for o in closed if o.chat_id == CUSTOMER)
    assert [b.data for b in customer_msg.buttons] == [f"h:rate:{handoff_id}:{n}" for n in range(1, 6)]
    assert h.closed and h.closed[0][0] == CUSTOMER and "屏幕裂了" in h.closed[0][1]
    again = await h.service.intercept(h.agent("", 8, callback_data=f"h:close:{handoff_id}", thread_id="101"))
    assert len(again) == 1 and "Li" in again[0].text  # idempotent, polite, says who closed it
    assert len(h.closed) == 1

    rated = await h.service.intercept(h.customer("", 9, callback_data=f"h:rate:{handoff_id}:5"))
    assert rated[0].chat_id == CUSTOMER and "5" in rated[0].text
    assert h.service.store.get(handoff_id).rating == 5
    twice = await h.service.intercept(h.customer("", 10, callback_data=f"h:rate:{handoff_id}:1"))
    assert h.service.store.get(handoff_id).rating == 5 and "已经" in twice[0].text
    # the bot answers again
    assert await h.service.intercept(h.customer("有没有跑鞋", 11)) is None

    transcript = [(e.who, e.text) for e in h.service.store.transcript(handoff_id)]
    assert ("customer", "订单123的屏幕裂了") in transcript and (
        "agent",
        "您好，请拍照给我们看看",
    ) in transcript


async def test_fallback_without_topics_routes_by_reply(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), NoTopicsDesk(), clock)
    outs = await h.service.request(
        h.customer("/human", 1),
        "requested",
        {
            "summary": "asked about running shoes",
            "language": "zh",
            "turns": [("user", "有没有跑鞋"), ("bot", "有的，RS-1 ¥399")],
            "products": [("RS-1", "轻跑鞋", "¥399")],
        },
    )
    card = outs[1]
    assert card.thread_id is None and "RS-1" in card.text and "¥399" in card.text and "回复" in card.text
    card_ref = (await h.deliver(outs))[1]
    # agent chatter that replies to nothing never reaches the customer
    assert await h.service.intercept(h.agent("午饭吃什么", 2)) == []
    claimed = await h.service.intercept(h.agent("/claim", 3, reply_to=card_ref))
    assert any(o.chat_id == CUSTOMER for o in claimed)
    relay = await h.service.intercept(h.customer("还在吗", 4))
    assert relay[0].reply_to == card_ref and relay[0].copy_of.message_id == "4"
    relay_ref = (await h.deliver(relay))[0]
    answer = await h.service.intercept(h.agent("在的", 5, reply_to=relay_ref))
    assert [(o.chat_id, o.text) for o in answer] == [(CUSTOMER, "在的")]
    closed = await h.service.intercept(h.agent("/close", 6, reply_to=relay_ref))
    assert any(o.chat_id == CUSTOMER and o.buttons for o in closed)
    late = await h.service.intercept(h.agent("还有问题吗", 7, reply_to=card_ref))
    assert len(late) == 1 and late[0].chat_id == SUPPORT  # closed: told, not delivered


async def test_timeout_bot_resumes_leave_a_message_and_late_claim(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), ForumDesk(), clock)
    outs = await h.service.intercept(h.customer("转人工", 1))
    handoff_id = outs[1].buttons[0].data.split(":")[2]
    clock.now += 299
    assert await h.service.sweep() == []
    clock.now += 2
    swept = await h.service.sweep()
    customer = next(o for o in swept if o.chat_id == CUSTOMER)
    assert customer.buttons[0].data == f"h:note:{handoff_id}"
    assert any(o.chat_id == SUPPORT for o in swept)
    assert await h.service.sweep() == []  # once
    assert h.service.store.get(handoff_id).status is Status.TIMED_OUT
    assert [x.id for x in h.service.store.list_open()] == [handoff_id]  # still visible in /queue

    assert await h.service.intercept(h.customer("有没有跑鞋", 2)) is None  # the bot answers meanwhile
    prompt = await h.service.intercept(h.customer("", 3, callback_data=f"h:note:{handoff_id}"))
    assert prompt[0].chat_id == CUSTOMER
    note = await h.service.intercept(h.customer("请明天给我回电话", 4))
    assert [o.chat_id for o in note] == [SUPPORT, CUSTOMER] and "请明天给我回电话" in note[0].text
    assert await h.service.intercept(h.customer("多少钱", 5)) is None

    late = await h.service.intercept(h.agent("/claim", 6, thread_id="101"))
    assert any(o.chat_id == CUSTOMER for o in late)
    assert (await h.service.intercept(h.customer("你好", 7)))[0].kind == "relay"  # held again


async def test_timeout_noticed_on_next_message_without_sweep(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), ForumDesk(), clock)
    await h.service.intercept(h.customer("人工客服", 1))
    clock.now += 301
    outs = await h.service.intercept(h.customer("有人吗", 2))
    assert [o.chat_id for o in outs] == [SUPPORT, CUSTOMER, SUPPORT]
    assert outs[0].kind == "relay" and outs[1].kind == "reply"


async def test_customer_leaves_and_human_twice(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), ForumDesk(), clock)
    await h.service.intercept(h.customer("talk to a person", 1))
    again = await h.service.intercept(h.customer("/human", 2))
    assert len(again) == 1 and "queue" in again[0].text
    left = await h.service.intercept(h.customer("/cancel", 3))
    assert [o.chat_id for o in left] == [CUSTOMER, SUPPORT]
    handoff = h.service.store.latest_for_chat(CUSTOMER)
    assert handoff.status is Status.CLOSED and handoff.closed_by == "customer"
    assert await h.service.intercept(h.customer("hello", 4)) is None


async def test_stale_and_forged_buttons_get_a_polite_answer(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), ForumDesk(), clock)
    outs = await h.service.intercept(h.customer("转人工", 1))
    handoff_id = outs[1].buttons[0].data.split(":")[2]
    for data in (
        "h:rate:nope:5",
        f"h:claim:{handoff_id}",
        f"h:rate:{handoff_id}:9",
        "h:",
        f"h:rate:{handoff_id}:5",
    ):
        answer = await h.service.intercept(h.customer("", 2, callback_data=data))
        assert len(answer) == 1 and answer[0].chat_id == CUSTOMER
    stranger = Inbound(chat_id="99", user_id="99", callback_data=f"h:note:{handoff_id}")
    assert (await h.service.intercept(stranger))[0].chat_id == "99"
    assert h.service.store.get(handoff_id).status is Status.WAITING


async def test_queue_transcript_and_expected_wait(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), ForumDesk(), clock)
    await h.service.intercept(h.customer("转人工", 1))
    clock.now += 120
    await h.service.intercept(h.agent("/claim", 2, thread_id="101"))
    other = Inbound(
        chat_id="43", user_id="43", user_name="Ann", text="I want a real human", channel="telegram"
    )
    outs = await h.service.intercept(other)
    assert "2 min" in outs[0].text  # median claim time of recent requests
    clock.now += 600
    queue = await h.service.intercept(h.agent("/queue", 3))
    lines = queue[0].text.splitlines()
    assert "2" in lines[0] and "张三" in lines[1] and "Ann" in lines[2] and "12" in lines[1]
    await h.service.intercept(h.customer("我的订单呢", 4))
    doc = await h.service.intercept(h.agent("/transcript", 5, thread_id="101"))
    name, body = doc[0].document
    assert name.endswith(".txt") and "我的订单呢" in body.decode() and doc[0].thread_id == "101"
    missing = await h.service.intercept(h.agent("/close", 6))
    assert "/claim" in missing[0].text  # which request? explained


async def test_terminal_agent_without_message_refs(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), NoTopicsDesk(), clock, support="terminal:support")
    customer = Inbound(chat_id="terminal", user_id="you", text="转人工", channel="terminal")
    outs = await h.service.intercept(customer)
    assert outs[1].chat_id == "terminal:support"
    agent = Inbound(
        chat_id="terminal:support", user_id="agent", text="/claim", role=Role.AGENT, channel="terminal"
    )
    assert any(o.chat_id == "terminal" for o in await h.service.intercept(agent))
    said = await h.service.intercept(
        Inbound(chat_id="terminal", user_id="you", text="在吗", channel="terminal")
    )
    assert said[0].chat_id == "terminal:support" and "在吗" in said[0].text and said[0].copy_of is None
    reply = await h.service.intercept(
        Inbound(chat_id="terminal:support", user_id="agent", text="在的", role=Role.AGENT, channel="terminal")
    )
    assert [(o.chat_id, o.text) for o in reply] == [("terminal", "在的")]


async def test_no_support_chat_configured(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), NoTopicsDesk(), clock, support_chats={})
    outs = await h.service.intercept(h.customer("I want a real human", 1))
    assert len(outs) == 1 and outs[0].chat_id == CUSTOMER and "no human support" in outs[0].text


async def test_restart_mid_handoff_keeps_the_chat_with_the_human(clock: Clock, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first = Harness(SqlHandoffStore(migrated_database(url)), ForumDesk(), clock)
    await first.service.intercept(first.customer("转人工", 1))
    await first.service.intercept(first.agent("/claim", 2, thread_id="101"))

    second = Harness(SqlHandoffStore(migrated_database(url)), ForumDesk(), clock)  # a new process
    relay = await second.service.intercept(second.customer("我还在", 3))
    assert [(o.chat_id, o.thread_id, o.kind) for o in relay] == [(SUPPORT, "101", "relay")]
    back = await second.service.intercept(second.agent("收到", 4, thread_id="101"))
    assert [(o.chat_id, o.copy_of.message_id) for o in back] == [(CUSTOMER, "4")]


def test_agent_commands_are_registered_for_agents_and_staff(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), NoTopicsDesk(), clock)
    registry = CommandRegistry()
    register_handoff_commands(registry, h.service)
    names = {c.name for c in registry.for_role(Role.AGENT)}
    assert {"claim", "close", "queue", "transcript"} <= names
    assert {c.name for c in registry.for_role(Role.STAFF)} >= names
    assert registry.for_role(Role.CUSTOMER) == []


async def test_memory_bridges_give_the_card_real_products_and_remember_the_exchange(clock: Clock) -> None:
    from decimal import Decimal

    from bot.conversation.store import ChatState, InMemoryConversationStore, Turn
    from bot.handoff.memory import conversation_context, remember_in
    from knowledge.memory_index import InMemoryProductIndex
    from knowledge.models import Product

    memory = InMemoryConversationStore()
    index = InMemoryProductIndex()
    index.upsert([Product(sku="RS-1", title="轻量跑鞋", price=Decimal("399"))])
    memory.append(CUSTOMER, Turn("user", "有没有跑鞋", user_id=CUSTOMER))
    memory.append(CUSTOMER, Turn("assistant", "有的：轻量跑鞋 ¥399", user_id=CUSTOMER, skus=("RS-1",)))
    memory.save_state(CUSTOMER, ChatState(last_skus=("RS-1", "GONE-9"), language="zh"), user_id=CUSTOMER)
    h = Harness(
        InMemoryHandoffStore(),
        ForumDesk(),
        clock,
        context_provider=conversation_context(memory, index),
        on_closed=remember_in(memory),
    )
    outs = await h.service.intercept(h.customer("鞋底开胶了，我要投诉", 1))
    card = outs[1].text
    assert "RS-1 · 轻量跑鞋 · ¥399.00" in card and "GONE-9" not in card  # only catalog facts
    assert "user: 有没有跑鞋" in card
    await h.service.intercept(h.agent("/claim", 2, thread_id="101"))
    await h.service.intercept(h.agent("我们给您换一双新的", 3, thread_id="101"))
    await h.service.intercept(h.agent("/close", 4, thread_id="101"))
    last = memory.recent(CUSTOMER)[-1]
    assert last.role == "agent" and "换一双新的" in last.text and last.user_id == CUSTOMER
    assert memory.forget_user(CUSTOMER) >= 3 and memory.recent(CUSTOMER) == []


async def test_factory_wires_sql_store_triggers_and_ignores_service_messages(tmp_path: Path) -> None:
    from bot.handoff.outbox import support_chats_for
    from bot.wiring import build_handoff_service

    service = build_handoff_service(
        prompts_dir=DEFAULT_PROMPTS_DIR,
        support_chats=support_chats_for(int(SUPPORT)),
        database=migrated_database(f"sqlite:///{tmp_path / 'f.db'}"),
        desk=ForumDesk(),
    )
    assert isinstance(service.store, SqlHandoffStore)
    customer = Inbound(chat_id="5", user_id="5", text="人工客服", channel="telegram")
    assert await service.intercept(customer) is None  # the core runs the triggers (it has the context)
    assert service.detect_trigger(customer.text) == "requested"
    outs = await service.request(
        customer,
        "requested",
        {
            "turns": [{"role": "user", "text": "人工客服"}],
            "products": [{"sku": "A1", "title": "T", "price": "¥1.00"}],
        },
    )
    assert outs[1].thread_id == "101" and outs[1].chat_id == SUPPORT
    assert "user: 人工客服" in outs[1].text and "A1 · T · ¥1.00" in outs[1].text  # the core's dict rows
    terminal = Inbound(chat_id="terminal", user_id="you", text="/human", channel="terminal")
    assert (await service.request(terminal, "requested", {}))[1].chat_id == "terminal:support"
    pin = Inbound(
        chat_id=SUPPORT,
        user_id="7",
        role=Role.AGENT,
        thread_id="101",
        attachment=Attachment("other"),
        ref=MessageRef(SUPPORT, "9", "101"),
    )
    assert await service.intercept(pin) == []  # a pin or topic edit is not relayed to the customer


async def test_customer_leaving_the_chat_closes_quietly_and_reveal_setting_names_agents(clock: Clock) -> None:
    h = Harness(InMemoryHandoffStore(), ForumDesk(), clock, reveal_agent_names=True)
    await h.service.intercept(h.customer("转人工", 1))
    joined = await h.service.intercept(h.agent("/claim", 2, thread_id="101"))
    assert any(o.chat_id == CUSTOMER and "Li" in o.text for o in joined)
    said = await h.service.intercept(h.agent("您好", 3, thread_id="101"))
    assert said[0].copy_of is None and said[0].text == "Li：您好"
    gone = await h.service.customer_left(CUSTOMER)
    assert [o.chat_id for o in gone] == [SUPPORT]
    assert h.service.store.latest_for_chat(CUSTOMER).status is Status.CLOSED
    assert await h.service.customer_left(CUSTOMER) == []


def test_card_stays_under_the_telegram_limit_with_huge_context() -> None:
    from bot.handoff import cards
    from bot.handoff.state import Handoff

    messages = load_messages(DEFAULT_PROMPTS_DIR)
    handoff = Handoff(
        id="abcdef123456",
        chat_id="1",
        user_id="1",
        channel="telegram",
        reason="mystery",
        summary="很长" * 5000,
    )
    context = {"turns": [("user", "字" * 3000)] * 50, "products": [("SKU", "T" * 500, "¥1")] * 50}
    text = cards.card_text(messages, handoff, context, "en", topic=False)
    assert len(text) <= cards.CARD_LIMIT and "mystery" in text and "#abcdef" in text
    assert text.endswith(messages.get("handoff_card_help_reply", "en", id="abcdef"))


async def test_a_failing_desk_falls_back_to_plain_messages(clock: Clock) -> None:
    class BrokenDesk:
        async def create_topic(self, title: str) -> str | None:
            raise RuntimeError("forum API down")

    h = Harness(InMemoryHandoffStore(), BrokenDesk(), clock)
    outs = await h.service.intercept(h.customer("转人工", 1))
    assert outs[1].chat_id == SUPPORT and outs[1].thread_id is None and "回复本消息" in outs[1].text


async def test_handoffs_and_ratings_are_recorded_for_insights(clock: Clock) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.insights.pseudonym import Pseudonymizer
    from bot.insights.recorder import TurnRecorder
    from bot.insights.records import InMemoryInsightsStore

    insights = InMemoryInsightsStore()
    recorder = TurnRecorder(insights, Pseudonymizer("k"), redact=lambda text: text)
    h = Harness(InMemoryHandoffStore(), ForumDesk(), clock, events=recorder)
    outs = await h.service.intercept(h.customer("this is ridiculous", 1))
    handoff_id = outs[1].buttons[0].data.split(":")[2]
    await h.service.intercept(h.agent("/claim", 2, thread_id="101"))
    await h.service.intercept(h.agent("/close", 3, thread_id="101"))
    await h.service.intercept(h.customer("", 4, callback_data=f"h:rate:{handoff_id}:4"))
    now = datetime.now(UTC)
    events = insights.events(now - timedelta(hours=1), now + timedelta(hours=1))
    assert [(e.kind, e.value) for e in events] == [("handoff", "complaint"), ("rating", "4")]
    assert all(CUSTOMER not in e.chat for e in events)  # pseudonymous


async def test_a_channel_that_knows_no_handoff_is_open_spares_the_lookup(clock: Clock) -> None:
    """Replicas learn with an update's admission that its chat has no open handoff; the gate trusts it."""

    class CountingStore(InMemoryHandoffStore):
        lookups = 0

        def open_for_chat(self, chat_id: str):  # type: ignore[no-untyped-def]
            self.lookups += 1
            return super().open_for_chat(chat_id)

    store = CountingStore()
    h = Harness(store, ForumDesk(), clock)
    assert await h.service.intercept(h.customer("有没有跑鞋", 1, handoff_open=False)) is None
    assert store.lookups == 0
    assert await h.service.intercept(h.customer("有没有跑鞋", 2)) is None  # unknown: looked up
    assert store.lookups == 1
    outs = await h.service.intercept(h.customer("我要投诉，你们就是骗子", 3, handoff_open=False))
    assert outs and outs[0].chat_id == CUSTOMER  # triggers still open a handoff
