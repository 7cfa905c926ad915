"""Replica safety: the update ledger (exactly once, per-chat order as the chat lock, rate decisions at
admission) — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.conversation.locks import LocalChatLocks
from bot.coordination.ledger import ClaimState, UpdateGate, UpdateLedger
from bot.coordination.ratelimit import RateDecision, SlidingWindowRateLimiter
from bot.coordination.ratelimit_sql import SqlRateLimiter
from bot.coordination.sql import advisory_key
from bot.storage.db import Database
from tests.support.databases import migrated_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database, closed on the test's event loop (`aclose`) before that loop closes: on PostgreSQL
    an async test opens the hot-path pool on it. Left open, the loop's teardown once hung for the whole 300 s
    pytest-timeout cancelling the pool's tasks (it logged "error connecting in 'xiaoer-hot-path'")."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'x.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = migrated_database(url)
    yield database
    await database.aclose()


def test_first_claim_wins_and_duplicates_are_reported(database: Database) -> None:
    a = UpdateLedger(database, owner="a")
    b = UpdateLedger(database, owner="b")
    assert a.claim(100, chat_key="c1") is True
    assert b.claim(100, chat_key="c1") is False
    assert b.begin(100) is ClaimState.BUSY
    a.complete(100)
    assert b.begin(100) is ClaimState.DONE
    assert a.begin(100) is ClaimState.DONE


def test_channels_are_separate_namespaces(database: Database) -> None:
    assert UpdateLedger(database, channel="telegram").claim(7)
    assert UpdateLedger(database, channel="other").claim(7)


def test_release_lets_a_redelivery_process_again(database: Database) -> None:
    a = UpdateLedger(database, owner="a")
    assert a.claim(5)
    a.release(5)
    assert UpdateLedger(database, owner="b").claim(5)


def test_expired_claim_of_a_dead_replica_is_taken_over_with_its_payload(database: Database) -> None:
    dead = UpdateLedger(database, owner="dead")
    assert dead.claim(9, chat_key="c", payload='{"update_id": 9}')
    assert dead.claim(10, chat_key="c", payload='{"update_id": 10}')
    dead.complete(10)
    live = UpdateLedger(database, owner="live", lease_s=0.0)
    assert live.reclaim_stale() == [(9, '{"update_id": 9}')]
    patient = UpdateLedger(database, owner="patient", lease_s=3600)
    assert patient.begin(9) is ClaimState.BUSY  # the live replica's fresh claim is respected
    assert patient.reclaim_stale() == []


def test_prune_drops_old_done_rows_only(database: Database) -> None:
    ledger = UpdateLedger(database)
    for uid in (1, 2, 3):
        ledger.claim(uid)
    ledger.complete(1)
    ledger.complete(2)
    assert ledger.prune(older_than_s=-1) == 2
    assert ledger.claim(1)  # forgotten: a (hypothetical) very late redelivery is processed again
    assert ledger.begin(3) is ClaimState.BUSY


def test_advisory_key_is_stable_and_64_bit() -> None:
    key = advisory_key("telegram:42")
    assert key == advisory_key("telegram:42") != advisory_key("telegram:43")
    assert -(2**63) <= key < 2**63


async def test_gate_processes_once_and_completes(database: Database) -> None:
    gate = UpdateGate(UpdateLedger(database))
    handled: list[int] = []
    for _ in range(2):
        async with gate.process(1, "chat") as state:
            if state is ClaimState.CLAIMED:
                handled.append(1)
    assert handled == [1]
    async with gate.process(1, "chat") as state:
        assert state is ClaimState.DONE


async def test_gate_releases_on_error_so_a_retry_handles_it(database: Database) -> None:
    gate = UpdateGate(UpdateLedger(database))
    with pytest.raises(RuntimeError):
        async with gate.process(2, "chat") as state:
            assert state is ClaimState.CLAIMED
            raise RuntimeError("handler failed")
    async with gate.process(2, "chat") as state:
        assert state is ClaimState.CLAIMED


async def test_gate_waits_for_an_earlier_update_of_the_same_chat(database: Database) -> None:
    replica_a = UpdateLedger(database, owner="a")
    gate_b = UpdateGate(UpdateLedger(database, owner="b"))
    assert replica_a.claim(1, chat_key="chat")  # replica A got update 1 and is still on it
    entered = asyncio.Event()

    async def handle_second() -> None:
        async with gate_b.process(2, "chat") as state:
            assert state is ClaimState.CLAIMED
            entered.set()

    task = asyncio.create_task(handle_second())
    await asyncio.sleep(0.3)
    assert not entered.is_set()
    await asyncio.to_thread(replica_a.complete, 1)
    await asyncio.wait_for(task, 10)
    assert entered.is_set()
    # Another chat never waits for chat "chat".
    assert replica_a.claim(3, chat_key="chat")
    async with gate_b.process(4, "other") as state:
        assert state is ClaimState.CLAIMED


async def test_local_lock_serialises_a_chat_and_cleans_itself() -> None:
    locks = LocalChatLocks()
    order: list[str] = []

    async def worker(name: str) -> None:
        async with locks.hold("c"):
            order.append(f"{name}-in")
            await asyncio.sleep(0.01)
            order.append(f"{name}-out")

    await asyncio.gather(worker("a"), worker("b"), worker("c"))
    assert [item.split("-")[1] for item in order] == ["in", "out"] * 3
    assert len(locks) == 0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_admit_claims_and_reports_an_earlier_open_update_of_the_chat(database: Database) -> None:
    a, b = UpdateLedger(database, owner="a"), UpdateLedger(database, owner="b")
    first = a.admit(1, "chat", "{}")
    assert (first.state, first.earlier, first.verdict) == (ClaimState.CLAIMED, False, None)
    second = b.admit(2, "chat")
    assert (second.state, second.earlier) == (ClaimState.CLAIMED, True)  # update 1 is still open
    postgres = database.dialect == "postgresql"
    assert second.earlier_ids == (frozenset({1}) if postgres else None)  # which ones, where it is known
    assert not b.admit(3, "other").earlier  # other chats never wait
    busy = b.admit(1, "chat")
    assert busy.state is ClaimState.BUSY
    assert busy.holder == ("a" if database.dialect == "postgresql" else "")  # for the liveness check
    a.complete(1)
    assert b.admit(4, "chat").earlier  # update 2 is still open
    b.complete(2)
    b.complete(4)
    assert b.admit(5, "chat").earlier is False
    assert b.admit(1, "chat").state is ClaimState.DONE


def test_admit_tells_whether_the_chat_has_an_open_handoff(database: Database) -> None:
    from bot.handoff.state import Event, Handoff
    from bot.handoff.store_sql import SqlHandoffStore

    ledger = UpdateLedger(database, owner="a")
    postgres = database.dialect == "postgresql"
    assert ledger.admit(1, "telegram:42", handoff_chat="42").handoff_open is (False if postgres else None)
    handoffs = SqlHandoffStore(database)
    handoff = handoffs.create(
        Handoff(id="h1", chat_id="42", user_id="42", channel="telegram", reason="requested")
    )
    assert ledger.admit(2, "telegram:42", handoff_chat="42").handoff_open is (True if postgres else None)
    handoffs.transition(handoff.id, Event.CLOSE)
    assert ledger.admit(3, "telegram:42", handoff_chat="42").handoff_open is (False if postgres else None)
    assert ledger.admit(4, "telegram:42").handoff_open is None  # not asked


def test_admit_tells_whether_earlier_open_updates_are_past_the_core(database: Database) -> None:
    """An earlier update whose replies are journaled has run its core (a handoff it opened is committed),
    so the next message's `handoff_open` covers it even while its replies are still being sent."""
    from bot.coordination.reply_journal import ReplyJournal
    from bot.domain.messages import Outbound

    ledger, journal = UpdateLedger(database, owner="a"), ReplyJournal(database)
    postgres = database.dialect == "postgresql"
    ledger.admit(1, "telegram:42", handoff_chat="42")
    second = ledger.admit(2, "telegram:42", handoff_chat="42")
    assert second.earlier and not second.earlier_settled  # update 1 may still open a handoff
    journal.record(1, [Outbound(chat_id="42", text="您好")], sending=1)
    third = ledger.admit(3, "telegram:42", handoff_chat="42")
    assert third.earlier  # 1 and 2 are still open; 2 has no replies yet
    assert not third.earlier_settled
    journal.record(2, [Outbound(chat_id="42", text="好的")], sending=1)
    ledger.complete(3)
    fourth = ledger.admit(4, "telegram:42", handoff_chat="42")
    assert fourth.earlier and fourth.earlier_settled is postgres  # SQLite does not know: it looks up
    assert fourth.handoff_open is (False if postgres else None)


def test_admit_decides_the_rate_limit_like_the_in_process_limiter(database: Database) -> None:
    """The decision made in the claim's round trip follows the same policy, step by step."""
    sql_clock, mem_clock = Clock(), Clock()
    ledger = UpdateLedger(database, owner="a", limiter=SqlRateLimiter(database, 3, 10.0, clock=sql_clock))
    mem = SlidingWindowRateLimiter(3, 10.0, clock=mem_clock)
    script = [0, 0, 0, 0, 0, 6, 0, 4, 0, 0, 11, 0]  # seconds to wait before each message
    for uid, step in enumerate(script, 1):
        sql_clock.now += step
        mem_clock.now += step
        expected = mem.check_now("telegram:1")
        admission = ledger.admit(uid, f"telegram:{uid}", rate_key="telegram:1")
        assert admission.state is ClaimState.CLAIMED and admission.verdict is not None
        assert admission.verdict.decision is expected.decision
        assert admission.verdict.retry_after_s == pytest.approx(expected.retry_after_s)
    # A duplicate delivery is not a new message: no decision, no hit counted.
    assert ledger.admit(1, "telegram:1", rate_key="telegram:1").verdict is None
    assert ledger.admit(100, "telegram:100").verdict is None  # no key: not asked
    sql_clock.now += 10.0
    allowed = ledger.admit(101, "telegram:101", rate_key="telegram:1").verdict
    assert allowed is not None and allowed.decision is RateDecision.ALLOW


# --- Two replicas = two processes against the real PostgreSQL -------------------------------------------


def _claim_worker(
    url: str, owner: str, ids: list[int], start: multiprocessing.synchronize.Event, out: multiprocessing.Queue
) -> None:
    database = migrated_database(url)
    ledger = UpdateLedger(database, owner=owner)
    start.wait(30)
    out.put((owner, [uid for uid in ids if ledger.claim(uid, chat_key=f"c{uid % 7}")]))
    database.dispose()


def _counter_worker(
    url: str, chat: str, rounds: int, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue
) -> None:
    """Read-modify-write of one counter with a pause in between: only a real cross-process lock keeps it exact.

    Updates arrive as Telegram delivers them — in order, each claimed before the next is handed out (a
    session advisory lock around "next update id + admit" plays Telegram here) — and are processed
    concurrently by the replicas: the ledger's order must serialise them."""

    async def run() -> None:
        database = migrated_database(url)
        gate = UpdateGate(UpdateLedger(database), poll_s=0.002)
        for _ in range(rounds):
            with database.engine.connect() as telegram:
                telegram.execute(text("SELECT pg_advisory_lock(4242)"))
                uid = int(telegram.execute(text("SELECT nextval('update_ids')")).scalar_one())
                admission = gate.ledger.admit(uid, chat)
                gate.admitted(uid, chat, admission)
                telegram.execute(text("SELECT pg_advisory_unlock(4242)"))
                telegram.commit()
            assert admission.state is ClaimState.CLAIMED
            async with gate.run_claimed(uid, chat, admission):
                with database.engine.begin() as conn:
                    value = conn.execute(text("SELECT n FROM counter WHERE chat = :c"), {"c": chat}).scalar()
                await asyncio.sleep(0.005)
                with database.engine.begin() as conn:
                    conn.execute(
                        text("UPDATE counter SET n = :n WHERE chat = :c"), {"n": value + 1, "c": chat}
                    )
        database.dispose()

    start.wait(30)
    asyncio.run(run())
    out.put(chat)


def _run_processes(target, args_list: list[tuple]) -> list:  # type: ignore[no-untyped-def]
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, out)) for args in args_list]
    for proc in procs:
        proc.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    return results


@pytest.mark.slow
def test_concurrent_claims_from_two_processes_win_exactly_once(postgres_url: str) -> None:
    ids = list(range(1, 301))
    results = dict(
        _run_processes(_claim_worker, [(postgres_url, "r1", ids), (postgres_url, "r2", ids[::-1])])
    )
    won = sorted(results["r1"] + results["r2"])
    assert won == ids, json.dumps({k: len(v) for k, v in results.items()})


@pytest.mark.slow
def test_ledger_order_serialises_one_chat_across_processes(postgres_url: str) -> None:
    database = migrated_database(postgres_url)
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (chat text PRIMARY KEY, n int NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES ('shared', 0), ('solo', 0)"))
        conn.execute(text("CREATE SEQUENCE update_ids"))
    rounds = 25
    _run_processes(
        _counter_worker,
        [(postgres_url, "shared", rounds), (postgres_url, "shared", rounds), (postgres_url, "solo", rounds)],
    )
    with database.engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT chat, n FROM counter")).all())
    database.dispose()
    assert counts == {"shared": 2 * rounds, "solo": rounds}


@pytest.mark.slow
async def test_other_chats_proceed_while_one_chat_is_held_by_another_replica(postgres_url: str) -> None:
    database_a, database_b = migrated_database(postgres_url), migrated_database(postgres_url)
    replica_a, replica_b = (
        UpdateGate(UpdateLedger(database_a, owner="a")),
        UpdateGate(UpdateLedger(database_b, owner="b")),
    )
    release = asyncio.Event()
    holding = asyncio.Event()
    entered_same = asyncio.Event()

    async def hold_a() -> None:
        async with replica_a.process(1, "chat-1") as state:
            assert state is ClaimState.CLAIMED
            holding.set()
            await release.wait()

    async def same_chat_on_b() -> None:
        async with replica_b.process(2, "chat-1") as state:
            assert state is ClaimState.CLAIMED
            entered_same.set()

    holder = asyncio.create_task(hold_a())
    await holding.wait()
    waiter = asyncio.create_task(same_chat_on_b())
    async with replica_b.process(3, "chat-2") as state:  # a different chat is not blocked by chat-1
        assert state is ClaimState.CLAIMED
    await asyncio.sleep(0.3)
    assert not entered_same.is_set()
    release.set()
    await asyncio.wait_for(asyncio.gather(holder, waiter), 10)
    assert entered_same.is_set()
    for db in (database_a, database_b):
        db.dispose()


def _claim_and_hang(url: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    from bot.coordination.liveness import ReplicaLiveness

    database = migrated_database(url)
    liveness = ReplicaLiveness(database, "doomed")
    liveness.announce()
    UpdateLedger(database, owner="doomed", lease_s=3600, liveness=liveness).claim(
        500, chat_key="c", payload="{}"
    )
    out.put("claimed")
    start.wait(30)
    time.sleep(3600)  # "working" until killed


@pytest.mark.slow
def test_claims_of_a_killed_replica_are_taken_over_at_once(postgres_url: str) -> None:
    from bot.coordination.liveness import ReplicaLiveness

    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    doomed = ctx.Process(target=_claim_and_hang, args=(postgres_url, start, out))
    doomed.start()
    try:
        assert out.get(timeout=120) == "claimed"
        database = migrated_database(postgres_url)
        liveness = ReplicaLiveness(database, "survivor")
        liveness.announce()
        survivor = UpdateLedger(database, owner="survivor", lease_s=3600, liveness=liveness)
        assert liveness.is_alive("doomed")
        assert survivor.begin(500) is ClaimState.BUSY and survivor.reclaim_stale() == []
    finally:
        doomed.kill()  # SIGKILL: no cleanup code runs; PostgreSQL ends its session
        doomed.join(30)
    for _ in range(100):  # the server notices the closed socket promptly
        if not liveness.is_alive("doomed"):
            break
        time.sleep(0.1)
    assert survivor.begin(500) is ClaimState.CLAIMED  # long before the one-hour lease
    assert not liveness.is_alive("nobody-ever") and liveness.is_alive("survivor")
    liveness.close()
    database.dispose()


def test_a_notice_tells_a_completion_from_a_release() -> None:
    from bot.coordination.notify import parse_notice

    assert parse_notice("telegram:7 12") == ("telegram:7", 12, False)
    assert parse_notice("telegram:7 12 released") == ("telegram:7", 12, True)
    assert parse_notice("web:a b c 12 released") == ("web:a b c", 12, True)  # a chat key may hold spaces
    assert parse_notice("telegram:7 released") is None and parse_notice("12") is None
    assert parse_notice("") is None and parse_notice("telegram:7 -3") is None


@pytest.mark.slow
async def test_a_completion_on_one_replica_wakes_the_chat_waiting_on_another(postgres_url: str) -> None:
    from bot.coordination.notify import DoneListener

    database_a, database_b = migrated_database(postgres_url), migrated_database(postgres_url)
    heard: list[str] = []
    got = asyncio.Event()
    listener = DoneListener(database_b)

    def on_done(key: str, released: bool) -> None:
        assert not released
        heard.append(key)
        got.set()

    listener.start(asyncio.get_running_loop(), lambda key: key == "telegram:7", on_done)
    try:
        replica_a = UpdateLedger(database_a, owner="a")
        for attempt in range(50):  # the listener's LISTEN may not be in place yet: complete until heard
            uid = 7000 + attempt
            assert replica_a.claim(uid, chat_key="telegram:7")
            replica_a.claim(uid + 100, chat_key="telegram:8")
            await asyncio.to_thread(replica_a.complete, uid + 100)  # nobody waits for chat 8: not handed on
            await asyncio.to_thread(replica_a.complete, uid)
            try:
                await asyncio.wait_for(got.wait(), 0.5)
                break
            except TimeoutError:
                continue
        assert heard and {done.split()[0] for done in heard} == {"telegram:7"}  # "<chat key> <update id>"
        assert heard[-1] == f"telegram:7 {uid}"
        # And the gate: a message of chat 7 waiting on replica B goes on as soon as replica A completes.
        gate_b = UpdateGate(UpdateLedger(database_b, owner="b"), listener=listener)
        assert replica_a.claim(9001, chat_key="telegram:7")
        entered = asyncio.Event()

        async def second() -> None:
            async with gate_b.process(9002, "telegram:7") as state:
                assert state is ClaimState.CLAIMED
                entered.set()

        listener.stop()
        gate_b.start()  # restarts the same listener with the gate's own waiters
        task = asyncio.create_task(second())
        await asyncio.sleep(0.2)
        assert not entered.is_set()
        await asyncio.to_thread(replica_a.complete, 9001)
        await asyncio.wait_for(task, 10)
    finally:
        listener.stop()
        database_a.dispose()
        database_b.dispose()


@pytest.mark.slow
async def test_a_message_admitted_just_before_its_earlier_one_completed_elsewhere_does_not_wait(
    postgres_url: str,
) -> None:
    """Replica B admits message 2 of a chat while message 1 is still open on replica A; A completes it (and
    notifies) before B's task starts waiting — the notice came while B had no waiter for the chat. B must
    not wait for a wake-up that already passed (the polling fallback, seconds): it remembers the completions
    it heard and asks the ledger at once. Found by bench/load.py: with fast replies ~7 % of messages waited
    the whole `LISTENING_FALLBACK_S`."""
    from bot.coordination.notify import DoneListener

    database_a, database_b = migrated_database(postgres_url), migrated_database(postgres_url)
    replica_a = UpdateLedger(database_a, owner="a")
    # a fallback longer than pytest's timeout: a waiter that sat it out would fail the test, with no timing
    gate_b = UpdateGate(
        UpdateLedger(database_b, owner="b"), listener=DoneListener(database_b), listening_fallback_s=3600.0
    )
    gate_b.start()
    try:
        listener = gate_b.listener
        assert listener is not None
        for attempt in range(50):  # the listener's LISTEN may not be in place yet: complete until heard
            uid = 9100 + 10 * attempt
            assert replica_a.claim(uid, chat_key="telegram:17")
            await asyncio.to_thread(replica_a.complete, uid)
            for _ in range(20):
                if listener.heard(f"telegram:17 {uid}"):
                    break
                await asyncio.sleep(0.05)
            if listener.heard(f"telegram:17 {uid}"):
                break
        first, second = uid + 1, uid + 2
        assert replica_a.claim(first, chat_key="telegram:17")
        admission = await gate_b.ledger.admit_async(second, "telegram:17")
        assert admission.state is ClaimState.CLAIMED and admission.earlier_ids == {first}
        await asyncio.to_thread(replica_a.complete, first)  # before B waits: nobody on B wants the notice
        for _ in range(200):
            if listener.heard(f"telegram:17 {first}"):
                break
            await asyncio.sleep(0.05)
        assert listener.heard(f"telegram:17 {first}") and gate_b._completed_lately(f"telegram:17 {first}")
        assert not gate_b._completed_lately(f"telegram:17 {second}")
        entered_second = False
        async with gate_b.run_claimed(second, "telegram:17", admission):  # asks the ledger at once
            entered_second = True
        assert entered_second
        # still exact: an earlier message that is open again (released, redelivered) is waited for — also when
        # the release notice arrives only after the redelivery, while the later message waits (the race a
        # clean-clone CI run found: a release notice taken for a completion let the later message go first)
        assert replica_a.claim(second + 1, chat_key="telegram:18")
        again = await gate_b.ledger.admit_async(second + 2, "telegram:18")
        assert again.earlier_ids == {second + 1}
        entered = asyncio.Event()

        async def third() -> None:
            async with gate_b.run_claimed(second + 2, "telegram:18", again):
                entered.set()

        task = asyncio.create_task(third())
        while "telegram:18" not in gate_b._turns:  # the third waits for the second
            await asyncio.sleep(0.01)
        # release and redeliver without yielding to the loop, so the notice is handed on only afterwards
        replica_a.release(second + 1)
        assert replica_a.claim(second + 1, chat_key="telegram:18")  # redelivered, open again
        for _ in range(400):
            if listener.heard(f"telegram:18 {second + 1}"):
                break
            time.sleep(0.01)
        assert listener.heard(f"telegram:18 {second + 1}")
        await asyncio.sleep(0.3)  # the release notice reaches the waiter now
        assert not entered.is_set()  # it asked the ledger and waits on
        await asyncio.to_thread(replica_a.complete, second + 1)
        await task  # woken by the completion notice (the fallback is an hour: pytest's timeout would fail it)
    finally:
        gate_b.stop()
        database_a.dispose()
        database_b.dispose()
