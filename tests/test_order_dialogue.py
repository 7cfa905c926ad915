"""The order dialogue: one store contract (memory, SQLite, PostgreSQL), slot readers, and the whole
after-sales path through the real bot — photos, the agents' card with approve/reject/complete buttons, the
customer told of each change of state, refusals for customers pressing agents' buttons."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.messages import Attachment, MessageRef, Role
from bot.handoff.outbox import TERMINAL_SUPPORT_CHAT
from bot.orders.dialogue import (
    DIALOGUE_TTL_S,
    STATUS,
    DialogueStore,
    InMemoryDialogueStore,
    OrderDialogue,
    Stage,
)
from bot.orders.dialogue_sql import SqlDialogueStore
from bot.orders.phrases import mask_proofs, order_numbers, purpose_of, request_kind, single_token
from tests.support.databases import migrated_database
from tests.support.order_chat import Customer, order_bot


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> DialogueStore:
    return InMemoryDialogueStore()


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> DialogueStore:
    database = migrated_database(f"sqlite:///{tmp_path / 'dialogues.db'}")
    request.addfinalizer(database.dispose)
    return SqlDialogueStore(database)


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> DialogueStore:
    database = migrated_database(request.getfixturevalue("postgres_url"))
    request.addfinalizer(database.dispose)
    return SqlDialogueStore(database)


@pytest.fixture(
    params=[
        pytest.param(_memory, id="memory"),
        pytest.param(_sqlite, id="sqlite"),
        pytest.param(_postgres, id="postgres", marks=pytest.mark.slow),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DialogueStore:
    return request.param(request, tmp_path)


def test_dialogue_store_contract(store: DialogueStore) -> None:
    now = 1_000_000.0
    first = OrderDialogue(
        "return", Stage.PHOTOS, now, "XE7008", "凹了", ("f1", "f2"), ("c/1/", "c/2/t"), 1, "zh"
    )
    assert store.get("chat", "alice", now) is None
    store.put("chat", "alice", first)
    store.put("chat", "bob", OrderDialogue(STATUS, Stage.NUMBER, now))
    assert store.get("chat", "alice", now + 1) == first
    assert store.get("chat", "bob", now).stage is Stage.NUMBER  # type: ignore[union-attr]
    assert store.get("other-chat", "alice", now) is None  # per (chat, user)
    moved = OrderDialogue("return", Stage.REASON, now + 5, "XE7008")
    store.put("chat", "alice", moved)
    assert store.get("chat", "alice", now + 6) == moved
    assert store.get("chat", "alice", now + 5 + DIALOGUE_TTL_S + 1) is None  # expired
    store.drop("chat", "alice")
    assert store.get("chat", "alice", now + 6) is None
    assert store.get("chat", "bob", now + 6) is not None


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("我的快递到哪了？订单号 XE20261127001", ["XE20261127001"]),
        ("＃１００１ where is it", ["1001"]),
        ("order 4318829900123 please", ["4318829900123"]),
        ("手机 13800001234 尾号1234", []),  # a mobile number and last digits are proofs, not orders
        ("my email is a1234@example.com", []),
        ("EAR-003 好用吗", []),
        ("订单号是 12345", ["12345"]),  # a short number counts when the customer labels it
        ("order number 5678 please", ["5678"]),
        ("订单编号为A-7788", ["A-7788"]),
        ("订单号和尾号1234", []),
    ],
)
def test_order_numbers(text: str, numbers: list[str]) -> None:
    assert order_numbers(text) == numbers


def test_slot_readers() -> None:
    assert purpose_of("我的快递到哪了") == STATUS and purpose_of("where is my order?") == STATUS
    assert purpose_of("多久能到上海") is None  # a shipping-policy question, not about a parcel
    assert request_kind("收到的锅是破的") is not None and request_kind("收到的锅是破的").value == "damaged"  # type: ignore[union-attr]
    assert request_kind("I want to exchange for a bigger size").value == "exchange"  # type: ignore[union-attr]
    assert request_kind("发错货了").value == "wrong_item"  # type: ignore[union-attr]
    for damaged in ("The walnuts arrived crushed", "the box came smashed", "核桃压扁了", "衣服有个破洞"):
        assert request_kind(damaged).value == "damaged", damaged  # type: ignore[union-attr]
    assert single_token("A7-1001") == "A7-1001" and single_token("1234") == "" and single_token("你好") == ""
    assert mask_proofs("尾号1234 邮箱 a@b.com") == "尾号[digits] 邮箱 [email]"


async def test_a_labelled_number_replaces_the_one_being_verified(tmp_path: Path) -> None:
    bot = order_bot(tmp_path)
    customer = Customer(bot, chat_id="terminal:buyer", user_id="buyer")
    try:
        assert "XE2026112700" in await customer.say("XE2026112700")
        asked = await customer.say("订单号是 12345")  # not "收到订单号 XE2026112700" again
        assert "12345" in asked and "XE2026112700" not in asked and "后 4 位" in asked
    finally:
        bot.close()


async def test_crushed_goods_after_a_status_answer_start_a_damage_request(tmp_path: Path) -> None:
    bot = order_bot(tmp_path)
    customer = Customer(bot, chat_id="terminal:buyer", user_id="buyer")
    try:
        assert "last 4 digits" in await customer.say("where is my order XE7008")
        assert "XE7008" in await customer.say("6699")
        answer = await customer.say("The pan arrived crushed")  # was a shipping-policy answer
        assert "qualifies" in answer and "damaged" in answer.lower()
    finally:
        bot.close()


async def test_damaged_item_photos_card_and_decisions(tmp_path: Path) -> None:
    bot = order_bot(tmp_path)
    customer = Customer(bot, chat_id="terminal:buyer", user_id="buyer")
    agent = Customer(bot, chat_id=TERMINAL_SUPPORT_CHAT, user_id="agent-7", role=Role.AGENT, is_group=True)
    try:
        assert "后 4 位" in await customer.say("收到的锅是破的，订单 XE7008")
        assert "符合" in await customer.say("尾号6699")
        assert "照片" in await customer.say("锅底有个大凹坑")
        photo = {"attachment": Attachment("photo", "AgAD-photo-1"), "ref": MessageRef("terminal:buyer", "41")}
        assert "第 1 张" in await customer.say("", **photo)
        out = await customer.send("好了")
        told = [o for o in out if o.chat_id == "terminal:buyer"]
        assert len(told) == 1 and "商品破损申请" in told[0].text and "人工" in told[0].text
        card = next(o for o in out if o.meta.get("part") == "card")
        assert card.chat_id == TERMINAL_SUPPORT_CHAT
        for line in (
            "XE7008",
            "苏泊尔 火红点 不粘炒锅 30cm (POT-001) × 1",
            "锅底有个大凹坑",
            "照片：1 张",
            "符合条件",
        ):
            assert line in card.text
        assert "13300006699" not in card.text and "zhao.lei@example.com" not in card.text
        copies = [o for o in out if o.copy_of is not None]
        assert [c.copy_of for c in copies] == [MessageRef("terminal:buyer", "41")]
        approve = next(b.data for b in card.buttons if b.data and b.data.startswith("o:a:"))
        reject = next(b.data for b in card.buttons if b.data and b.data.startswith("o:r:"))

        nosy = Customer(bot, chat_id="terminal:nosy", user_id="nosy")  # a forged press by a customer
        refused = await nosy.send("", callback_data=approve)
        assert [o.text for o in refused] == ["只有客服同事可以处理售后申请。"]

        decided = await agent.send("", callback_data=approve)
        to_customer = next(o for o in decided if o.chat_id == "terminal:buyer")
        assert "已通过" in to_customer.text and "XE7008" in to_customer.text
        note = next(o for o in decided if o.chat_id == TERMINAL_SUPPORT_CHAT)
        complete = next(b.data for b in note.buttons if b.data and b.data.startswith("o:c:"))
        again = await agent.send("", callback_data=reject)  # approved already: not rejectable
        assert [o.chat_id for o in again] == [TERMINAL_SUPPORT_CHAT] and "不能" in again[0].text
        done = await agent.send("", callback_data=complete)
        assert "已处理完成" in next(o for o in done if o.chat_id == "terminal:buyer").text
        requests = await bot.runtime.orders.aftersales.for_order("XE7008")  # type: ignore[union-attr]
        assert [(r.kind.value, r.status.value, r.photos) for r in requests] == [
            ("damaged", "completed", ("AgAD-photo-1",))
        ]
    finally:
        bot.close()


async def test_reject_tells_the_customer_and_memory_keeps_no_proof(tmp_path: Path) -> None:
    bot = order_bot(tmp_path)
    customer = Customer(bot, chat_id="terminal:en-buyer", user_id="en-buyer")
    agent = Customer(bot, chat_id=TERMINAL_SUPPORT_CHAT, user_id="agent-8", role=Role.AGENT, is_group=True)
    try:
        await customer.say("I want to return order XE7005")
        await customer.say("my email is chen.hao@example.com")
        out = await customer.send("the size is wrong")
        card = next(o for o in out if o.meta.get("part") == "card")
        reject = next(b.data for b in card.buttons if b.data and b.data.startswith("o:r:"))
        decided = await agent.send("", callback_data=reject)
        told = next(o for o in decided if o.chat_id == "terminal:en-buyer")
        assert told.text.startswith(
            "Sorry, your return request for order XE7005"
        )  # in the customer's language
        memory = bot.store.load("terminal:en-buyer", "en-buyer", 40)
        said = " ".join(t.text for t in memory.turns)
        assert "chen.hao@example.com" not in said and "[email]" in said
        assert "SF1402235567810" not in said  # order facts stay out of the shared chat memory
    finally:
        bot.close()


@pytest.mark.parametrize(
    "text, topic",
    [
        ("什么时候能到", "eta"),
        ("大概几天能到？", "eta"),
        ("when will it arrive?", "eta"),
        ("到哪了", "where"),
        ("现在物流到哪里了", "where"),
        ("怎么还没到", "late"),
        ("it still hasn't arrived", "late"),
        ("是哪家快递？", "carrier"),
        ("which courier is it with?", "carrier"),
        ("我买了什么来着", "items"),
        ("how much did I pay?", "amount"),
        ("这单一共多少钱", "amount"),
        ("有没有500以内的跑鞋", None),
        ("这款耳机多少钱", None),  # a product's price, not the order's
        ("谢谢", None),
    ],
)
def test_follow_up_questions_about_the_verified_order(text: str, topic: str | None) -> None:
    from bot.orders.phrases import follow_up

    assert follow_up(text) == topic


@pytest.mark.parametrize(
    "text, cancel",
    [
        ("不想要了", True),
        ("取消订单", True),
        ("帮我把这单取消", True),
        ("手表不想要了", True),
        ("cancel my order", True),
        ("I don't want the watch anymore", True),
        ("蓝色的不要了", False),  # a product choice
        ("取消", False),  # ends the dialogue, cancels nothing
        ("我要退货", False),
    ],
)
def test_cancellation_wording(text: str, cancel: bool) -> None:
    from bot.orders.eligibility import RequestKind
    from bot.orders.phrases import request_kind

    assert (request_kind(text) is RequestKind.CANCEL) is cancel
