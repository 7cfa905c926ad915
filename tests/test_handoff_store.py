"""One contract for every HandoffStore (in-memory, SQLite, PostgreSQL), plus atomic claims and restarts.

To add a backend, append a factory to STORE_FACTORIES: it gets pytest's `request` and a tmp path and
returns a fresh, empty store. The PostgreSQL factory uses the session server from tests/support/postgres.py
(skipped cleanly when it cannot start).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.handoff.state import Event, Handoff, Status, TranscriptEntry
from bot.handoff.store import HandoffStore, InMemoryHandoffStore, claim
from bot.handoff.store_sql import SqlHandoffStore
from tests.support.databases import migrated_database

StoreFactory = Callable[[pytest.FixtureRequest, Path], HandoffStore]


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> HandoffStore:
    return InMemoryHandoffStore()


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> HandoffStore:
    return SqlHandoffStore(migrated_database(f"sqlite:///{tmp_path / 'handoff.db'}"))


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> HandoffStore:
    return SqlHandoffStore(migrated_database(request.getfixturevalue("postgres_url")))


STORE_FACTORIES: list[object] = [
    pytest.param(_memory, id="memory"),
    pytest.param(_sqlite, id="sqlite"),
    pytest.param(_postgres, id="postgres", marks=pytest.mark.slow),
]


@pytest.fixture(params=STORE_FACTORIES)
def handoff_store(request: pytest.FixtureRequest, tmp_path: Path) -> HandoffStore:
    factory: StoreFactory = request.param
    return factory(request, tmp_path)


def _handoff(n: int = 1, chat: str = "c1", at: float = 100.0) -> Handoff:
    return Handoff(
        id=f"{n:02d}ab{n:08d}",
        chat_id=chat,
        user_id="u1",
        channel="telegram",
        reason="requested",
        user_name="张三",
        support_chat_id="-100",
        created_at=at,
    )


def test_store_contract(handoff_store: HandoffStore) -> None:
    store = handoff_store
    assert isinstance(store, HandoffStore)
    first = store.create(_handoff(1))
    assert store.get(first.id) == first
    # one open request per chat: a second create returns the existing one
    assert store.create(_handoff(2)).id == first.id
    assert store.open_for_chat("c1") == first and store.open_for_chat("nobody") is None
    assert store.find(first.id[:6]).id == first.id and store.find("zz") is None and store.find("") is None

    # descriptive fields via update, never the status
    store.update(first.id, thread_id="77", card_message_id="5")
    assert store.by_thread("-100", "77").id == first.id
    with pytest.raises(ValueError):
        store.update(first.id, status="closed")
    store.link_message(first.id, "-100", "9")
    store.link_message(first.id, "-100", "9")  # idempotent
    assert store.by_message("-100", "9").id == first.id and store.by_message("-100", "10") is None

    # claim: the first wins, a second agent is told who has it, the same agent is told it is theirs
    won = claim(store, first.id, "a1", "Li", at=160.0)
    assert won.ok and won.handoff.status is Status.CLAIMED and won.handoff.agent_name == "Li"
    assert claim(store, first.id, "a2", "Wang", at=161.0).reason == "taken"
    assert claim(store, first.id, "a1", "Li", at=162.0).reason == "mine"
    assert claim(store, "missing", "a1", "Li", at=1.0).reason == "missing"
    assert store.recent_claim_waits() == [60.0]

    # transcript keeps order and attachment kinds
    store.add_message(TranscriptEntry(first.id, "customer", "在吗", 101.0, "张三"))
    store.add_message(TranscriptEntry(first.id, "agent", "在的", 102.0, "Li", "photo"))
    lines = store.transcript(first.id)
    assert [(e.who, e.text, e.attachment_kind) for e in lines] == [
        ("customer", "在吗", ""),
        ("agent", "在的", "photo"),
    ]

    # rating only after close; close twice closes once
    assert not store.rate(first.id, 5)
    closed = store.transition(first.id, Event.CLOSE, closed_by="a1", closed_at=200.0)
    assert closed.status is Status.CLOSED and closed.closed_by == "a1"
    assert store.transition(first.id, Event.CLOSE, closed_by="a2", closed_at=201.0) is None
    assert claim(store, first.id, "a2", "Wang", at=202.0).reason == "closed"
    assert store.rate(first.id, 4) and not store.rate(first.id, 1)
    assert store.get(first.id).rating == 4
    assert store.open_for_chat("c1") is None and store.latest_for_chat("c1").id == first.id

    # timeouts: only waiting requests; the request stays open (listed) and can be claimed late
    second = store.create(_handoff(3, at=300.0))
    other = store.create(_handoff(4, chat="c2", at=250.0))
    assert second.id != first.id
    assert store.transition(second.id, Event.TIMEOUT).status is Status.TIMED_OUT
    assert store.transition(second.id, Event.TIMEOUT) is None
    store.update(second.id, note_pending=True)
    assert store.get(second.id).note_pending is True
    assert [h.id for h in store.list_open()] == [other.id, second.id]
    late = claim(store, second.id, "a2", "Wang", at=400.0)
    assert late.ok and late.handoff.note_pending is False
    left = store.transition(other.id, Event.LEAVE, closed_by="customer", closed_at=260.0)
    assert left.status is Status.CLOSED and [h.id for h in store.list_open()] == [second.id]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def test_concurrent_claims_on_sql_have_one_winner(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'race.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    SqlHandoffStore(migrated_database(url)).create(_handoff(1))
    # each agent races through its own engine, as separate replicas would
    stores = [SqlHandoffStore(migrated_database(url)) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    results: list[bool] = []
    lock = threading.Lock()

    def race(index: int) -> None:
        barrier.wait()
        outcome = claim(stores[index], _handoff(1).id, f"a{index}", f"Agent{index}", at=150.0)
        with lock:
            results.append(outcome.ok)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    winner = stores[0].get(_handoff(1).id)
    assert winner.status is Status.CLAIMED and results.count(True) == 1


def test_sql_store_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    before = SqlHandoffStore(migrated_database(url))
    h = before.create(_handoff(1))
    before.update(h.id, thread_id="12")
    claim(before, h.id, "a1", "Li", at=120.0)
    before.add_message(TranscriptEntry(h.id, "customer", "hello", 110.0))
    before.database.dispose()

    after = SqlHandoffStore(migrated_database(url))
    again = after.open_for_chat("c1")
    assert again.status is Status.CLAIMED and again.thread_id == "12" and again.agent_id == "a1"
    assert [e.text for e in after.transcript(h.id)] == ["hello"]


def test_forget_user_erases_transcripts_links_and_names_of_that_customer_only(
    handoff_store: HandoffStore,
) -> None:
    mine = handoff_store.create(_handoff(1, chat="c1"))
    other = handoff_store.create(dataclasses.replace(_handoff(2, chat="c2"), user_id="u2"))
    handoff_store.update(mine.id, summary="顾客电话 13812345678")
    handoff_store.link_message(mine.id, "-100", "9")
    handoff_store.link_message(other.id, "-100", "10")
    handoff_store.add_message(TranscriptEntry(mine.id, "customer", "我的地址是建国路1号", 101.0, "张三"))
    handoff_store.add_message(TranscriptEntry(mine.id, "agent", "收到", 102.0, "Li"))
    handoff_store.add_message(TranscriptEntry(other.id, "customer", "在吗", 103.0, "李四"))
    assert handoff_store.forget_user("web", "u1") == 0  # another channel's u1 is someone else
    assert handoff_store.forget_user("telegram", "u1") == 3  # two lines + one handoff
    assert handoff_store.transcript(mine.id) == []
    assert handoff_store.by_message("-100", "9") is None
    kept = handoff_store.get(mine.id)
    assert kept is not None and (kept.user_name, kept.summary, kept.status) == ("", "", Status.WAITING)
    assert [e.text for e in handoff_store.transcript(other.id)] == ["在吗"]
    assert handoff_store.by_message("-100", "10") is not None
