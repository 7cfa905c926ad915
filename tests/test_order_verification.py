"""Verification before anything is revealed: proofs, no enumeration, lockouts, scope, privacy of logs.

The VerificationStore contract runs over memory, SQLite and PostgreSQL; the verifier's rules run over the
in-memory order store with a clock the tests move by hand.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ops import metrics
from bot.orders.contact import CustomerContact
from bot.orders.errors import OrderSourceUnavailable
from bot.orders.order import Order
from bot.orders.source import DEFAULT_RECENT, InMemoryOrderStore
from bot.orders.verification import (
    SHARED_FAILURES_FACTOR,
    OrderVerifier,
    Outcome,
    Proof,
    ProofKind,
    VerificationPolicy,
    VerificationResult,
)
from bot.orders.verification_sql import SqlVerificationStore
from bot.orders.verification_store import (
    InMemoryVerificationStore,
    VerificationStore,
    VerifiedLink,
    attempt_key,
)
from tests.support.databases import migrated_database
from tests.support.order_fixtures import NOW, fixture_orders


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> VerificationStore:
    return InMemoryVerificationStore()


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> VerificationStore:
    database = migrated_database(f"sqlite:///{tmp_path / 'verify.db'}")
    request.addfinalizer(database.dispose)
    return SqlVerificationStore(database)


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> VerificationStore:
    database = migrated_database(request.getfixturevalue("postgres_url"))
    request.addfinalizer(database.dispose)
    return SqlVerificationStore(database)


@pytest.fixture(
    params=[
        pytest.param(_memory, id="memory"),
        pytest.param(_sqlite, id="sqlite"),
        pytest.param(_postgres, id="postgres", marks=pytest.mark.slow),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> VerificationStore:
    return request.param(request, tmp_path)


def test_store_contract(store: VerificationStore) -> None:
    assert isinstance(store, VerificationStore)
    user, order = attempt_key("user", "u1"), attempt_key("order", "T1001")
    assert "u1" not in user and "T1001" not in order  # opaque keys: no personal data in the counters
    tickets = [store.try_attempt([user, order], 1000.0 + n, 900.0, 3) for n in range(3)]
    assert all(t.allowed and len(t.ids) == 2 for t in tickets)
    denied = store.try_attempt([attempt_key("user", "u2"), order], 1010.0, 900.0, 3)
    assert not denied.allowed and denied.retry_after_s == pytest.approx(890.0)  # 1000 + 900 - 1010
    store.clear_attempt(tickets[2].ids)  # the third one turned out right
    assert store.try_attempt([user, order], 1011.0, 900.0, 3).allowed
    assert not store.try_attempt([user], 1012.0, 900.0, 3).allowed
    assert store.try_attempt([user], 1901.0, 900.0, 3).allowed  # the first ones have left the window

    store.save_link(VerifiedLink("group", "alice", "T1001", 1000.0, 4600.0))
    store.save_link(VerifiedLink("group", "alice", "T1002", 1100.0, 4700.0))
    store.save_link(VerifiedLink("group", "alice", "T1001", 1200.0, 4800.0))  # extended
    assert [link.order_key for link in store.links("group", "alice", 2000.0)] == ["T1001", "T1002"]
    assert store.links("group", "bob", 2000.0) == [] and store.links("private", "alice", 2000.0) == []
    assert [link.order_key for link in store.links("group", "alice", 4750.0)] == ["T1001"]
    assert store.purge(4750.0) >= 1 and store.links("group", "alice", 4700.0)[0].order_key == "T1001"
    assert store.drop_links("group", "alice") == 1 and store.links("group", "alice", 2000.0) == []


def make_verifier(
    clock: Clock, store: VerificationStore | None = None, orders: object = None, **policy: float
) -> OrderVerifier:
    source = orders if orders is not None else InMemoryOrderStore(fixture_orders())
    return OrderVerifier(
        source,  # type: ignore[arg-type]
        store or InMemoryVerificationStore(),
        VerificationPolicy(**policy),  # type: ignore[arg-type]
        clock,
    )


@pytest.mark.parametrize(
    "number, proof",
    [
        ("T1001", "1234"),
        ("#t1001", "１２３４"),
        ("T1001", "+86 138-0000-1234"),
        ("T1001", "LI.NA＠Example.com"),
        ("ｔ１００４", " xu.ting@example.com "),  # e-mail-only order
        ("T1005", "2222"),  # phone-only order
        ("T1001", "手机尾号1234"),
        ("T1001", "后四位是 １２３４ 谢谢"),
        ("T1001", "订单 XE20261104004 尾号1234"),  # digits touching letters are an order number, not a proof
        ("T1002", "my email is Li.Na@example.com, thanks"),
    ],
)
async def test_the_right_proof_verifies(number: str, proof: str) -> None:
    verifier = make_verifier(Clock())
    result = await verifier.verify("chat", "alice", number, proof)
    assert result.outcome is Outcome.VERIFIED and result.message_key == "order_verified"
    assert (await verifier.verified_order("chat", "alice", number)) is not None


async def test_wrong_number_and_wrong_proof_answer_the_same() -> None:
    verifier = make_verifier(Clock())
    answers = [
        await verifier.verify("chat", "mallory", "T9999", "1234"),  # no such order
        await verifier.verify("chat", "mallory", "T1001", "4321"),  # someone else's order
        await verifier.verify("chat", "mallory", "T1004", "1234"),  # e-mail-only order, digits given
        await verifier.verify("chat", "mallory", "T1005", "x@example.com"),  # phone-only order, e-mail given
    ]
    assert answers == [VerificationResult(Outcome.REJECTED)] * 4
    assert {answer.message_key for answer in answers} == {"order_verify_failed"}
    assert await verifier.verified_keys("chat", "mallory") == []


@pytest.mark.parametrize("proof", ["", "abc", "12", "12345", "1234 或 5678", "a@example.com b@example.com"])
async def test_unreadable_proofs_are_asked_again_without_counting(proof: str) -> None:
    verifier = make_verifier(Clock(), max_failures=1)
    assert (await verifier.verify("chat", "alice", "T1001", proof)).outcome is Outcome.NEED_PROOF
    assert (await verifier.verify("chat", "alice", "", "1234")).outcome is Outcome.NEED_ORDER_NUMBER
    assert (await verifier.verify("chat", "alice", "T1001", "1234")).verified  # nothing was counted


def test_proofs_are_never_rendered() -> None:
    proof = Proof.parse("13800001234")
    assert proof is not None and proof.kind is ProofKind.PHONE and "1380" not in repr(proof)


async def test_a_user_is_locked_out_after_too_many_failures_then_may_try_again() -> None:
    clock = Clock()
    verifier = make_verifier(clock, max_failures=3, window_s=600)
    for number in ("T9991", "T9992", "T9993"):
        assert (await verifier.verify("chat", "mallory", number, "0000")).outcome is Outcome.REJECTED
    locked = await verifier.verify("chat", "mallory", "T1001", "1234")  # even the right proof waits
    assert locked.outcome is Outcome.LOCKED and locked.retry_after_s == pytest.approx(600)
    assert locked.retry_minutes == 10 and locked.message_key == "order_verify_locked"
    other_chat = await verifier.verify("private", "mallory", "T1001", "1234")  # per user, not per chat
    assert other_chat.outcome is Outcome.LOCKED
    clock.advance(seconds=601)
    assert (await verifier.verify("chat", "mallory", "T1001", "1234")).verified


async def test_one_customers_failures_never_lock_another_customer_out() -> None:
    """TESTER-13c: a product model read as an order number ("WH-1000XM5") locked every customer who named it.
    A customer's failures lock that customer only; the real owner of the number still verifies."""
    verifier = make_verifier(Clock(), max_failures=3)
    for number in ("T1001", "T9999", "T1001"):
        assert (await verifier.verify("c1", "m1", number, "0000")).outcome is Outcome.REJECTED
    assert (await verifier.verify("c1", "m1", "T1001", "1234")).outcome is Outcome.LOCKED
    assert (await verifier.verify("private", "li.na", "T1001", "1234")).verified
    assert (await verifier.verify("other", "wang", "T9999", "1234")).outcome is Outcome.REJECTED


async def test_an_order_number_is_locked_after_failures_from_many_users() -> None:
    verifier = make_verifier(Clock(), max_failures=3)
    cap = 3 * SHARED_FAILURES_FACTOR  # distributed guessing across many accounts stays capped
    for n in range(cap):
        assert (await verifier.verify("group", f"m{n}", "T1001", "0000")).outcome is Outcome.REJECTED
        assert (await verifier.verify("group", f"m{n}", "T9999", "0000")).outcome is Outcome.REJECTED
    # The real owner has to wait too (or ask a person) — and an unknown number behaves exactly the same.
    assert (await verifier.verify("private", "li.na", "T1001", "1234")).outcome is Outcome.LOCKED
    assert (await verifier.verify("private", "li.na", "T9999", "1234")).outcome is Outcome.LOCKED


async def test_successes_do_not_count_as_failures() -> None:
    verifier = make_verifier(Clock(), max_failures=2)
    for _ in range(5):
        assert (await verifier.verify("chat", "alice", "T1001", "1234")).verified
    assert (await verifier.verify("chat", "alice", "T1002", "0000")).outcome is Outcome.REJECTED
    assert (await verifier.verify("chat", "alice", "T1002", "1234")).verified


async def test_a_verified_order_belongs_to_one_user_in_one_chat_for_a_while() -> None:
    clock = Clock()
    verifier = make_verifier(clock, ttl_s=1800)
    assert (await verifier.verify("group", "alice", "T1001", "1234")).verified
    assert await verifier.verified_order("group", "alice", "T1001") is not None
    assert await verifier.verified_order("group", "bob", "T1001") is None  # another group member
    assert await verifier.verified_order("private", "alice", "T1001") is None  # another chat
    assert await verifier.verified_order("group", "alice", "T1002") is None  # another order of hers
    clock.advance(seconds=1801)
    assert await verifier.verified_order("group", "alice", "T1001") is None
    assert (await verifier.verify("group", "alice", "T1001", "1234")).verified
    assert await verifier.forget("group", "alice") == 1
    assert await verifier.verified_order("group", "alice", "T1001") is None


@pytest.mark.parametrize("backend", [_memory, _sqlite], ids=["memory", "sqlite"])
async def test_a_burst_of_parallel_guesses_cannot_pass_the_limit(
    backend: object, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    verifier = make_verifier(Clock(), backend(request, tmp_path), max_failures=5)  # type: ignore[operator]
    guesses = [verifier.verify("chat", "mallory", "T1001", f"{n:04d}") for n in range(1, 31)]
    outcomes = [result.outcome for result in await asyncio.gather(*guesses)]
    assert outcomes.count(Outcome.REJECTED) == 5 and outcomes.count(Outcome.LOCKED) == 25


class UnreachableSource:
    """An order source whose platform is down (the shape of a Shopify outage)."""

    async def get(self, order_number: str) -> Order | None:
        raise OrderSourceUnavailable("Shopify is unreachable (ConnectError)", "network")

    async def recent(self, contact: CustomerContact, limit: int = DEFAULT_RECENT) -> list[Order]:
        raise OrderSourceUnavailable("Shopify is unreachable (ConnectError)", "network")


async def test_an_unreachable_source_is_not_held_against_the_customer() -> None:
    store = InMemoryVerificationStore()
    verifier = make_verifier(Clock(), store, UnreachableSource(), max_failures=1)
    for _ in range(3):
        result = await verifier.verify("chat", "alice", "T1001", "1234")
        assert result.outcome is Outcome.UNAVAILABLE and result.message_key == "order_unavailable"
    assert store.try_attempt([attempt_key("user", "alice")], NOW.timestamp(), 900, 1).allowed


async def test_attempts_are_counted_in_metrics_and_logged_without_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def counted(outcome: str) -> float:
        return metrics.value("xiaoer_order_verifications_total", outcome=outcome)

    before = {outcome: counted(outcome) for outcome in ("verified", "rejected", "locked")}
    verifier = make_verifier(Clock(), max_failures=1)
    caplog.set_level(logging.DEBUG)
    await verifier.verify("chat-42", "user-secret-id", "T1001", "13800001234")
    await verifier.verify("chat-42", "mallory-id", "T1002", "li.na@example.com-x")
    await verifier.verify("chat-42", "mallory-id", "T1002", "0000")
    assert counted("verified") == before["verified"] + 1
    assert counted("rejected") == before["rejected"] + 1
    assert counted("locked") == before["locked"] + 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "order verification rejected" in logged and "order verification locked" in logged
    for secret in (
        "13800001234",
        "1234",
        "li.na",
        "T1001",
        "T1002",
        "user-secret-id",
        "mallory-id",
        "chat-42",
    ):
        assert secret not in logged


def test_policy_figures_are_checked() -> None:
    with pytest.raises(ValueError):
        VerificationPolicy(max_failures=0)
    with pytest.raises(ValueError):
        make_verifier(Clock(datetime(2026, 1, 1, tzinfo=UTC)), ttl_s=0)


async def test_a_database_outage_fails_closed(tmp_path: Path) -> None:
    database = migrated_database(f"sqlite:///{tmp_path / 'verify.db'}")
    store = SqlVerificationStore(database)
    verifier = make_verifier(Clock(), store)
    assert (await verifier.verify("chat", "alice", "T1001", "1234")).verified
    (tmp_path / "verify.db").unlink()
    (tmp_path / "verify.db").mkdir()  # the database file is gone and cannot come back
    database.dispose()
    result = await verifier.verify("chat", "bob", "T1001", "1234")
    assert result.outcome is Outcome.UNAVAILABLE and not result.verified
    with pytest.raises(OrderSourceUnavailable):
        await verifier.verified_keys("chat", "alice")


async def test_only_orders_with_the_anchors_exact_contact_are_opened_and_only_after_it() -> None:
    clock = Clock()
    verifier = make_verifier(clock, ttl_s=600)
    anchor, sibling, stranger = (fixture_by_id[k] for k in ("T1001", "T1002", "T1003"))
    assert await verifier.link_same_contact("chat", "alice", anchor, [sibling]) == []  # anchor not verified
    assert (await verifier.verify("chat", "alice", "T1001", "1234")).verified
    clock.advance(seconds=300)
    assert await verifier.link_same_contact("chat", "alice", anchor, [anchor, sibling, stranger]) == [
        anchor,
        sibling,
    ]
    assert set(await verifier.verified_keys("chat", "alice")) == {"T1001", "T1002"}
    clock.advance(seconds=301)  # the sibling's link ends with the anchor's, not later
    assert await verifier.verified_keys("chat", "alice") == []


fixture_by_id = {o.order_id: o for o in fixture_orders()}
