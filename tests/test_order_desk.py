"""The order desk the conversation will call, and `/order` through the real wiring and the real core.

Nothing about an order comes out of the desk before (chat, user) verified it; `/order` is for agents and
staff, and even they see the contact masked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.conversation.core import SupportBot
from bot.domain.messages import Inbound, Role
from bot.ops.settings import load_settings
from bot.orders.aftersales_service import AfterSalesService
from bot.orders.aftersales_store import InMemoryAfterSalesStore
from bot.orders.contact import CustomerContact
from bot.orders.desk import OrderDesk
from bot.orders.eligibility import Decision, RequestKind
from bot.orders.shopify import ShopifyOrderSource
from bot.orders.source import InMemoryOrderStore
from bot.orders.store_sql import SqlOrderStore
from bot.orders.verification import OrderVerifier, Outcome
from bot.orders.verification_store import InMemoryVerificationStore
from bot.wiring import BotRuntime, build_order_desk, build_support_bot
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.policies import PolicyBook
from tests.support.core_fixtures import sample_knowledge
from tests.support.order_fixtures import NOW, fixture_orders, order


def make_desk() -> OrderDesk:
    # T1099 shares Li Na's phone but was recorded with another e-mail: not provably hers by an e-mail proof.
    other = dataclasses.replace(
        order("T1002"), order_id="T1099", contact=CustomerContact("13800001234", "x@example.com")
    )
    source = InMemoryOrderStore([*fixture_orders(), other])
    clock = lambda: NOW  # noqa: E731
    return OrderDesk(
        source=source,
        verifier=OrderVerifier(source, InMemoryVerificationStore(), clock=clock),
        aftersales=AfterSalesService(InMemoryAfterSalesStore(), clock=clock),
        terms=PolicyBook.load(SAMPLE_POLICIES_DIR).terms,
        clock=clock,
    )


async def test_nothing_before_verification_everything_allowed_after() -> None:
    desk = make_desk()
    assert await desk.view("chat", "alice", "T1001") is None
    assert await desk.recent("chat", "alice") == []
    assert await desk.eligibility("chat", "alice", "T1002", RequestKind.RETURN) is None
    assert await desk.request("chat", "alice", "T1002", RequestKind.RETURN) is None
    assert (await desk.facts("chat", "alice")).order_numbers == frozenset()

    assert (await desk.verify("chat", "alice", "T1001", "1234")).outcome is Outcome.VERIFIED
    view = await desk.view("chat", "alice", "#t1001")
    assert view is not None and view.order_id == "T1001" and view.tracking_number == "SF1458827361904"
    assert (await desk.facts("chat", "alice")).order_numbers == {"T1001"}
    assert await desk.view("chat", "alice", "T1002") is None
    assert [v.order_id for v in await desk.recent("chat", "alice")] == ["T1001", "T1002"]
    assert await desk.view("chat", "alice", "T1002") is not None  # listed, so open to her like T1001
    assert await desk.view("chat", "alice", "T1099") is None
    assert (await desk.facts("chat", "alice")).order_numbers == {"T1001", "T1002"}
    assert await desk.view("chat", "bob", "T1001") is None and await desk.recent("chat", "bob") == []


async def test_eligibility_and_requests_on_a_verified_order() -> None:
    desk = make_desk()
    assert (await desk.verify("chat", "alice", "T1002", "li.na@example.com")).verified
    verdict = await desk.eligibility("chat", "alice", "T1002", RequestKind.EXCHANGE)
    assert (
        verdict is not None and verdict.decision is Decision.ELIGIBLE
    )  # delivered 11-22, exchange window 15 days
    opened = await desk.request("chat", "alice", "T1002", RequestKind.EXCHANGE, reason="偏小", photos=["p1"])
    assert opened is not None
    request, notice, verdict = opened
    assert request.photos == ("p1",) and notice.key == "aftersales_requested" and verdict.eligible
    await desk.aftersales.approve(request.id, by="agent")
    used = await desk.eligibility("chat", "alice", "T1002", RequestKind.EXCHANGE)
    assert used is not None and used.rule == "exchange_used"
    late_return = await desk.eligibility("chat", "alice", "T1002", RequestKind.RETURN)
    assert late_return is not None and late_return.rule == "window_passed"  # 7 days ended on 11-29


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[SupportBot]:
    settings = load_settings(XIAOER_DATA_DIR=str(tmp_path / "data"))
    bot = build_support_bot(
        settings, knowledge=sample_knowledge(dense=False), use_llm=False, raise_errors=True
    )
    runtime = bot.runtime
    assert isinstance(runtime, BotRuntime) and runtime.database is not None
    SqlOrderStore(runtime.database).upsert(fixture_orders())  # what `xiaoer orders import` does
    yield bot
    bot.close()


async def test_order_lookup_is_for_staff_and_agents_and_masks_the_contact(wired: SupportBot) -> None:
    async def send(text: str, role: Role) -> str:
        replies = await wired.handle(
            Inbound(chat_id="c1", user_id="u1", text=text, role=role, language_hint="zh")
        )
        assert len(replies) == 1
        return replies[0].text

    assert await send("/order T1001", Role.CUSTOMER) == "抱歉，/order 仅限店铺工作人员使用。"
    card = await send("/order t1001", Role.STAFF)
    assert card.splitlines() == [
        "🧾 订单 T1001 · 已发货",
        "下单 2026-11-27 10:12 · 付款 — · 发货 2026-11-27 15:40 · 签收 —",
        "• Apple AirPods Pro 2 (USB-C)（EAR-003）× 1 · 单价 ¥1899.00",
        "合计 ¥1899.00",
        "物流 顺丰速运 SF1458827361904",
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1458827361904",
        "收货城市 成都 · 电话 *******1234 · 邮箱 l***@example.com",
    ]
    assert "13800001234" not in card and "li.na@" not in card
    agent_card = await send("/order T1008", Role.AGENT)
    assert "$52.97" in agent_card and "UPS" in agent_card
    assert await send("/order T9999", Role.STAFF) == "没有找到订单 T9999。"
    assert (await send("/order", Role.STAFF)).startswith("用法：/order")
    command = wired.commands.get("order")
    assert command is not None and command.allowed(Role.AGENT) and not command.allowed(Role.CUSTOMER)


def test_the_desk_reads_from_shopify_when_it_is_configured(tmp_path: Path) -> None:
    settings = load_settings(
        XIAOER_DATA_DIR=str(tmp_path / "data"), XIAOER_SHOPIFY_SHOP="my-shop", XIAOER_SHOPIFY_TOKEN="shpat_x"
    )
    from tests.support.databases import migrated_database

    database = migrated_database(settings.resolved_database_url)
    try:
        desk = build_order_desk(settings, database, sample_knowledge(dense=False))
        assert isinstance(desk.source, ShopifyOrderSource)
        assert desk.source.endpoint == "https://my-shop.myshopify.com/admin/api/2026-01/graphql.json"
        local = build_order_desk(
            load_settings(XIAOER_DATA_DIR=str(tmp_path / "data")), database, sample_knowledge(dense=False)
        )
        assert isinstance(local.source, SqlOrderStore) and local.terms.returns is not None
        assert local.verifier.policy.max_failures == 5 and local.verifier.policy.ttl_s == 3600
    finally:
        database.dispose()


async def test_staff_lookup_names_request_states_in_the_staff_members_language() -> None:
    from bot.ops.settings import DEFAULT_PROMPTS_DIR
    from bot.orders.carriers import default_carriers
    from bot.orders.commands import OrderCommands
    from bot.prompts import load_messages

    desk = make_desk()
    assert (await desk.verify("chat", "alice", "T1002", "li.na@example.com")).verified
    opened = await desk.request("chat", "alice", "T1002", RequestKind.EXCHANGE, reason="偏小")
    assert opened is not None
    await desk.aftersales.approve(opened[0].id, by="agent")
    commands = OrderCommands(
        desk.source, load_messages(DEFAULT_PROMPTS_DIR), default_carriers(), aftersales=desk.aftersales
    )
    order = await desk.source.get("T1002")
    assert order is not None
    assert await commands.aftersales_summary(order, "zh") == f"{opened[0].id[:8]} 换货 已同意"
    assert await commands.aftersales_summary(order, "en") == f"{opened[0].id[:8]} exchange approved"


def test_every_eligibility_rule_has_words_for_the_agents_card() -> None:
    import re

    from bot.ops.settings import DEFAULT_PROMPTS_DIR
    from bot.orders.eligibility import Verdict
    from bot.orders.replies import rule_label
    from bot.prompts import load_messages

    messages = load_messages(DEFAULT_PROMPTS_DIR)
    documented = re.search(r"`rule` ids: (.*?)\.\n", Verdict.__doc__ or "", re.S)
    assert documented is not None
    rules = re.findall(r"[a-z_]+(?= \(|,|$)", documented.group(1).replace("\n", " "))
    assert "before_shipment" in rules and "window" in rules
    for rule in rules:
        for lang in ("zh", "en"):
            assert rule_label(messages, rule, lang) != rule, (rule, lang)
    assert rule_label(messages, "window", "zh") == "在售后期限内"
    assert rule_label(messages, "something_new", "en") == "something_new"
