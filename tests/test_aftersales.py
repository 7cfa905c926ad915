"""After-sales requests: one store contract (memory, SQLite, PostgreSQL), the state machine, notifications."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from bot.orders.aftersales import AfterSalesRequest, RequestStatus, transition
from bot.orders.aftersales_service import AfterSalesService
from bot.orders.aftersales_sql import SqlAfterSalesStore
from bot.orders.aftersales_store import AfterSalesStore, InMemoryAfterSalesStore
from bot.orders.eligibility import RequestKind, eligibility
from bot.orders.errors import InvalidTransition, RequestNotFound
from bot.prompts import PROMPTS_DIR, Messages
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.policies import PolicyBook
from tests.support.databases import migrated_database
from tests.support.order_fixtures import NOW, order

MESSAGES = Messages(PROMPTS_DIR / "messages.yaml")


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> AfterSalesStore:
    return InMemoryAfterSalesStore()


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> AfterSalesStore:
    database = migrated_database(f"sqlite:///{tmp_path / 'aftersales.db'}")
    request.addfinalizer(database.dispose)
    return SqlAfterSalesStore(database)


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> AfterSalesStore:
    database = migrated_database(request.getfixturevalue("postgres_url"))
    request.addfinalizer(database.dispose)
    return SqlAfterSalesStore(database)


@pytest.fixture(
    params=[
        pytest.param(_memory, id="memory"),
        pytest.param(_sqlite, id="sqlite"),
        pytest.param(_postgres, id="postgres", marks=pytest.mark.slow),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AfterSalesStore:
    return request.param(request, tmp_path)


def request_for(
    n: int, kind: RequestKind = RequestKind.RETURN, order_key: str = "T1002"
) -> AfterSalesRequest:
    created = NOW + timedelta(minutes=n)
    return AfterSalesRequest(
        id=f"{n:032x}",
        order_key=order_key,
        kind=kind,
        status=RequestStatus.REQUESTED,
        chat_id="chat-1",
        user_id="alice",
        created_at=created,
        updated_at=created,
        reason="尺码不合适",
        verdict_decision="eligible",
        verdict_rule="window",
        photos=("photo-file-id-1",),
    )


def test_store_contract(store: AfterSalesStore) -> None:
    assert isinstance(store, AfterSalesStore)
    first = store.create(request_for(1))
    assert store.get(first.id) == first
    assert store.create(request_for(2)) == first  # one open request per order and kind
    exchange = store.create(request_for(3, RequestKind.EXCHANGE))
    other = store.create(request_for(4, order_key="T1006"))
    assert [r.id for r in store.for_order("T1002")] == [first.id, exchange.id]
    assert [r.id for r in store.open_requests()] == [first.id, exchange.id, other.id]

    approved = store.move(
        first.id, RequestStatus.APPROVED, by="agent-li", at=NOW + timedelta(hours=1), note="请寄回"
    )
    assert (approved.status, approved.decided_by, approved.note) == (
        RequestStatus.APPROVED,
        "agent-li",
        "请寄回",
    )
    assert approved.updated_at == NOW + timedelta(hours=1) and approved.created_at == first.created_at
    assert approved.photos == ("photo-file-id-1",) and store.get(first.id) == approved
    with pytest.raises(InvalidTransition):
        store.move(first.id, RequestStatus.REJECTED, by="agent-wang", at=NOW)
    done = store.move(first.id, RequestStatus.COMPLETED, by="agent-li", at=NOW + timedelta(days=2))
    assert done.status is RequestStatus.COMPLETED and not done.is_open
    for target in RequestStatus:
        with pytest.raises(InvalidTransition) as caught:
            store.move(first.id, target, by="x", at=NOW)
        assert caught.value.current == "completed"
    with pytest.raises(RequestNotFound):
        store.move("f" * 32, RequestStatus.APPROVED, by="x", at=NOW)
    assert store.get("missing") is None
    assert store.create(request_for(5)).id == f"{5:032x}"  # the old one is closed: a new request may open
    rejected = store.move(exchange.id, RequestStatus.REJECTED, by="agent-li", at=NOW)
    assert [r.id for r in store.open_requests()] == [
        other.id,
        f"{5:032x}",
    ] and rejected.status.value == "rejected"


def test_two_agents_deciding_at_once_cannot_both_win(store: AfterSalesStore) -> None:
    opened = store.create(request_for(1))
    results: list[str] = []
    barrier = threading.Barrier(2)

    def decide(target: RequestStatus) -> None:
        barrier.wait()
        try:
            results.append(store.move(opened.id, target, by=target.value, at=NOW).status.value)
        except InvalidTransition:
            results.append("refused")

    threads = [
        threading.Thread(target=decide, args=(t,)) for t in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) in (["approved", "refused"], ["refused", "rejected"])


def test_the_state_machine_as_a_function() -> None:
    opened = request_for(1)
    assert transition(opened, RequestStatus.APPROVED, by="a", at=NOW).status is RequestStatus.APPROVED
    with pytest.raises(InvalidTransition) as caught:
        transition(opened, RequestStatus.COMPLETED, by="a", at=NOW)
    assert str(caught.value) == f"after-sales request {opened.id}: cannot go from requested to completed"
    assert caught.value.message_key == "aftersales_invalid_transition"
    withdrawn = transition(opened, RequestStatus.WITHDRAWN, by="alice", at=NOW)
    assert withdrawn.status is RequestStatus.WITHDRAWN and not withdrawn.is_open
    approved = transition(opened, RequestStatus.APPROVED, by="a", at=NOW)
    with pytest.raises(InvalidTransition):  # once a person decided, the customer cannot take it back here
        transition(approved, RequestStatus.WITHDRAWN, by="alice", at=NOW)


async def test_the_service_tells_the_customer_about_every_change() -> None:
    ids = iter(f"{n:032x}" for n in range(100, 200))
    service = AfterSalesService(InMemoryAfterSalesStore(), clock=lambda: NOW, new_id=lambda: next(ids))
    terms = PolicyBook.load(SAMPLE_POLICIES_DIR).terms.returns
    verdict = eligibility(order("T1002"), RequestKind.EXCHANGE, terms, NOW)
    opened, notice = await service.open(
        order("T1002"),
        RequestKind.EXCHANGE,
        chat_id="chat-1",
        user_id="alice",
        reason="偏小",
        verdict=verdict,
    )
    assert (opened.verdict_decision, opened.verdict_rule) == ("eligible", "window")
    assert (notice.chat_id, notice.user_id, notice.key) == ("chat-1", "alice", "aftersales_requested")
    assert notice.render(MESSAGES, "zh") == (
        f"已收到您对订单 T1002 的换货申请（编号 {opened.id[:8]}），客服同事审核后会在这里通知您。"
    )
    assert "exchange request for order T1002" in notice.render(MESSAGES, "en")
    assert await service.exchanges_used("T1002") == 0
    approved, notice = await service.approve(opened.id, by="agent-li", note="请按页面地址寄回。")
    assert notice.key == "aftersales_approved" and "请按页面地址寄回。" in notice.render(MESSAGES, "zh")
    assert await service.exchanges_used("T1002") == 1
    done, notice = await service.complete(approved.id, by="agent-li")
    assert done.status is RequestStatus.COMPLETED and notice.key == "aftersales_completed"
    with pytest.raises(InvalidTransition):
        await service.reject(done.id, by="agent-li")
    assert await service.queue() == []
    again, _ = await service.open(order("T1002"), RequestKind.EXCHANGE, chat_id="chat-1", user_id="alice")
    _, notice = await service.reject(again.id, by="agent-li", note="仅可换货一次。")
    assert notice.key == "aftersales_rejected" and "/human" in notice.render(MESSAGES, "zh")
    third, _ = await service.open(order("T1002"), RequestKind.EXCHANGE, chat_id="chat-1", user_id="alice")
    taken_back, notice = await service.withdraw(third.id, by="alice")
    assert taken_back.status is RequestStatus.WITHDRAWN and notice.key == "aftersales_withdrawn"
    assert notice.render(MESSAGES, "zh").startswith(
        f"好的，已撤回您对订单 T1002 的换货申请（编号 {third.id[:8]}）"
    )
    assert await service.queue() == []


def test_forget_user_blanks_what_the_customer_wrote_and_keeps_the_case(store: AfterSalesStore) -> None:
    first = store.create(request_for(1))
    other = store.create(dataclasses.replace(request_for(2, order_key="T1003"), user_id="bob"))
    assert store.forget_user("chat-1", "alice") == 1
    kept = store.get(first.id)
    assert kept is not None and (kept.reason, kept.photos, kept.status) == ("", (), first.status)
    assert store.get(other.id) == other


def test_retention_purge_blanks_old_reasons_and_photos_and_keeps_the_case(store: AfterSalesStore) -> None:
    """XIAOER_RETENTION_DAYS: what the customer wrote and sent with a request older than the window goes; the
    request, its status and younger requests stay."""
    old = store.create(dataclasses.replace(request_for(1), photos=("file-1",)))
    young = store.create(
        dataclasses.replace(
            request_for(2, order_key="T1003"),
            created_at=old.created_at + timedelta(days=30),
            photos=("file-2",),
        )
    )
    assert store.purge(old.created_at + timedelta(days=1)) == 1
    purged = store.get(old.id)
    assert purged is not None and (purged.reason, purged.photos, purged.status) == ("", (), old.status)
    assert store.get(young.id) == young
    assert store.purge(old.created_at + timedelta(days=1)) == 0  # nothing left to blank
