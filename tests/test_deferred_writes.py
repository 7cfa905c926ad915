"""The reply path's writes in one statement: what the core writes while answering an update (its conversation
memory) is journaled with the update's replies (`ReplyJournal.deferring` + `record_async`), and written on its
own when the block ends without a record — also when answering failed. Real PostgreSQL; SQLite writes at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.conversation.store import ChatState, Turn
from bot.conversation.store_sql import SqlConversationStore
from bot.coordination.reply_journal import ReplyJournal
from bot.domain.messages import Outbound
from bot.storage.aio import current_batch
from tests.support.databases import migrated_database

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _turn(text: str) -> Turn:
    return Turn("user", text, "u1", (), AT)


@pytest.mark.slow
async def test_memory_rides_along_with_the_journal_record_in_one_statement(postgres_url: str) -> None:
    database = migrated_database(postgres_url)
    store, journal = SqlConversationStore(database), ReplyJournal(database)
    assert database.aio is not None
    try:
        async with journal.deferring():
            await store.commit_async("c1", "u1", [_turn("有跑鞋吗")], ChatState(language="zh"))
            assert current_batch() is not None and current_batch().ctes  # deferred, not written yet
            assert (await store.load_async("c1", "u1")).turns == ()
            await journal.record_async(7, [Outbound(chat_id="c1", text="有这几款")], sending=1, after_id=41)
            assert current_batch() is None  # taken by the record
        memory = await store.load_async("c1", "u1")
        assert [t.text for t in memory.turns] == ["有跑鞋吗"] and memory.state.language == "zh"
        pending = await journal.pending_async(7)
        assert pending is not None
        assert ([o.text for o in pending.outbounds], pending.delivered, pending.sending) == (
            ["有这几款"],
            0,
            1,
        )
        assert pending.after_id == 41  # the first send's message id floor rode along with the record
        await journal.sending_async(7, 2, after_id=45)
        again = await journal.pending_async(7)
        assert again == journal.pending(7) and again is not None and again.after_id == 45
        await journal.delivered_async(7, 1)
        assert journal.pending(7) is not None and journal.pending(7)[1] == 1  # type: ignore[index]
        # Answering failed before the record: the customer's turn is still written when the block ends.
        with pytest.raises(RuntimeError):
            async with journal.deferring():
                await store.commit_async("c1", "u1", [_turn("第一款多少钱")], ChatState(language="zh"))
                raise RuntimeError("the core failed")
        assert [t.text for t in store.load("c1", "u1").turns] == ["有跑鞋吗", "第一款多少钱"]
        # Outside a block (the in-process core, the web channel) the write goes at once.
        await store.commit_async("c1", "u1", [_turn("好的")], ChatState())
        assert [t.text for t in (await store.load_async("c1", "u1")).turns][-1] == "好的"
        assert await store.load_async("c1", "u1") == store.load("c1", "u1")
    finally:
        await database.aclose()


async def test_sqlite_writes_at_once_inside_the_block(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = migrated_database(f"sqlite:///{tmp_path / 'x.db'}")
    store, journal = SqlConversationStore(database), ReplyJournal(database)
    assert database.aio is None
    try:
        async with journal.deferring():
            await store.commit_async("c1", "u1", [_turn("有跑鞋吗")], ChatState())
            assert [t.text for t in (await store.load_async("c1", "u1")).turns] == ["有跑鞋吗"]
            await journal.record_async(7, [Outbound(chat_id="c1", text="有")])
        assert journal.pending(7) is not None
    finally:
        await database.aclose()


@pytest.mark.slow
async def test_the_chats_memory_is_read_with_the_admission_only_when_it_is_current(postgres_url: str) -> None:
    from bot.coordination.ledger import ClaimState, UpdateLedger
    from bot.handoff.state import Event, Handoff
    from bot.handoff.store_sql import SqlHandoffStore
    from bot.storage.aio import reads_along

    database = migrated_database(postgres_url)
    store, ledger = SqlConversationStore(database), UpdateLedger(database, owner="a")
    try:
        await store.commit_async(
            "42", "42", [Turn("user", "有跑鞋吗", "42", (), AT)], ChatState(language="zh")
        )

        async def admit(update_id: int):  # type: ignore[no-untyped-def]
            along = store.read_along("42", "42")
            return await ledger.admit_async(update_id, "telegram:42", "{}", None, "42", along)

        first = await admit(1)
        assert first.state is ClaimState.CLAIMED and first.read_along is not None
        with reads_along(dict([first.read_along])):
            assert await store.load_async("42", "42") == store.load("42", "42")  # the rows read at admission
            again = await store.load_async("42", "42")  # (read again: the rows are handed out once)
            assert [t.text for t in again.turns] == ["有跑鞋吗"]
        second = await admit(2)  # update 1 is still open: its reply may change the memory
        assert second.earlier and second.read_along is None
        await ledger.complete_async(1)
        await ledger.complete_async(2)
        handoff = SqlHandoffStore(database).create(
            Handoff(id="h1", chat_id="42", user_id="42", channel="telegram", reason="requested")
        )
        assert (await admit(3)).read_along is None  # an open handoff: an agent's summary may land meanwhile
        SqlHandoffStore(database).transition(handoff.id, Event.CLOSE)
        await ledger.complete_async(3)
        fourth = await admit(4)
        assert fourth.read_along is not None and (await admit(4)).state is ClaimState.BUSY
        assert (await store.load_async("43", "43")).turns == ()  # nothing read along for another chat
    finally:
        await database.aclose()


async def test_hot_path_connections_keep_one_generic_plan_per_statement(postgres_url: str) -> None:
    """The async pool's connections run prepared statements on generic plans (no re-planning per message)
    and in autocommit; the answers are those of the default plans."""
    database = migrated_database(postgres_url)
    store = SqlConversationStore(database)
    assert database.aio is not None
    try:
        rows = await database.aio.fetch("SELECT current_setting('plan_cache_mode') AS mode")
        assert rows[0].mode == "force_generic_plan"
        for n in range(8):  # past psycopg's prepare threshold and PostgreSQL's five custom plans
            await store.commit_async(f"g{n % 2}", "u1", [_turn(f"第{n}个问题")], ChatState(language="zh"))
        memory = await store.load_async("g0", "u1")
        assert [t.text for t in memory.turns] == ["第0个问题", "第2个问题", "第4个问题", "第6个问题"]
    finally:
        await database.aclose()
