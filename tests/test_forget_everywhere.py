"""/forget erases the customer from every store that keeps what they wrote (issue 13 §2, right to erasure):
conversation turns and profile, insights rows, handoff transcripts and relay links, after-sales reasons and
photos, order verifications — through the real wiring on a real SQLite database. (The web widget's log and
the Telegram reply journal are erased by their channels: tests/test_web_channel.py,
tests/test_crash_delivery.py.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.conversation.core import SupportBot
from bot.handoff import HandoffService
from bot.insights.recorder import TurnRecorder
from bot.ops.settings import load_settings
from bot.orders.aftersales import AfterSalesRequest, RequestStatus
from bot.orders.eligibility import RequestKind
from bot.orders.verification_store import VerifiedLink
from bot.wiring import BotRuntime, build_support_bot
from tests.support.core_fixtures import Chat, sample_knowledge

SPAN = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[SupportBot]:
    settings = load_settings(XIAOER_DATA_DIR=str(tmp_path / "data"))
    bot = build_support_bot(
        settings, knowledge=sample_knowledge(dense=False), use_llm=False, raise_errors=True
    )
    yield bot
    bot.close()


def _count(bot: SupportBot, sql: str) -> int:
    runtime = bot.runtime
    assert isinstance(runtime, BotRuntime) and runtime.database is not None
    with runtime.database.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


async def test_forget_reaches_every_store(wired: SupportBot) -> None:
    runtime = wired.runtime
    assert isinstance(runtime, BotRuntime) and runtime.orders is not None
    assert isinstance(wired.handoff, HandoffService) and isinstance(wired.recorder, TurnRecorder)
    assert set(wired.erasure.names) == {"handoff transcripts", "order verifications", "after-sales requests"}
    alice, bob = Chat(wired, chat_id="100", user_id="100"), Chat(wired, chat_id="200", user_id="200")
    for chat in (alice, bob):
        await chat.say("推荐一双跑鞋")
        await chat.say("转人工")
        relayed = await chat.send("我住建国路1号，电话13812345678")  # into the handoff transcript
        assert [o.kind for o in relayed] == ["relay", "reply"]  # waiting: the customer hears the team has it
    mine = wired.handoff.store.latest_for_chat("100")
    assert mine is not None and wired.handoff.store.transcript(mine.id)
    now = time.time()
    runtime.orders.verifier.store.save_link(VerifiedLink("100", "100", "T1002", now, now + 3600))
    runtime.orders.aftersales.store.create(
        AfterSalesRequest(
            "a" * 32, "T1002", RequestKind.RETURN, RequestStatus.REQUESTED, "100", "100",
            datetime.now(UTC), datetime.now(UTC), reason="鞋子开胶了，我叫王小明", photos=("file-1",),
        )
    )  # fmt: skip

    replies = [o for o in await alice.send("/forget") if o.chat_id == "100"]
    assert len(replies) == 1
    reply = replies[0]

    assert reply.meta.get("erased") == "chat"
    assert wired.handoff.store.transcript(mine.id) == []
    kept = wired.handoff.store.get(mine.id)
    assert kept is not None and kept.summary == "" and kept.user_name == ""
    assert runtime.orders.verifier.store.links("100", "100", now) == []
    request = runtime.orders.aftersales.store.get("a" * 32)
    assert request is not None and request.reason == "" and request.photos == ()
    assert [t for t in wired.store.recent("100") if "建国路" in t.text] == []
    assert _count(wired, "SELECT count(*) FROM handoff_messages WHERE text LIKE '%建国路%'") == 1  # bob's
    theirs = wired.handoff.store.latest_for_chat("200")
    assert theirs is not None and wired.handoff.store.transcript(theirs.id)
