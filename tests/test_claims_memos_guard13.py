"""/forget and the retention purge empty every memo of the claims ledger (guard13 kind G): the extraction memo,
and the memos of surface forms, unit readings, product facts, quotable spans, content words and the lexicon's
marked texts — each keeps the replies and customer messages it read until evicted (right to erasure, PIPL
art. 47 / GDPR art. 17). Through the real bot: a customer's message reaches the truth guard's memos, /forget
empties them; the daily retention purge does too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.conversation.claims import forget_claim_memos
from bot.conversation.claims.lexicon import lexicon
from bot.conversation.claims.memos import held_entries, text_memos
from bot.conversation.core import SupportBot
from bot.conversation.grounding import check_llm_reply
from bot.ops.settings import load_settings
from bot.redteam.sets import facts_for
from bot.wiring import BotRuntime, build_support_bot
from tests.support.core_fixtures import Chat, sample_knowledge

MARK = "我叫王小明，电话一三八一二三四五六七八，Pegasus 41 有粉色吗"


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[SupportBot]:
    settings = load_settings(XIAOER_DATA_DIR=str(tmp_path / "data"), XIAOER_RETENTION_DAYS="30")
    bot = build_support_bot(
        settings, knowledge=sample_knowledge(dense=False), use_llm=False, raise_errors=True
    )
    yield bot
    bot.close()


def test_every_text_memo_of_the_ledger_is_found() -> None:
    names = {memo.__qualname__ for memo in text_memos()}  # type: ignore[attr-defined]
    assert {"_extracted", "surface", "read_text", "quotable", "fact_words", "product_facts"} <= names


def test_forget_empties_every_memo_of_the_ledger() -> None:
    check_llm_reply("Pegasus 41 有粉色的，今天八折。", facts_for({"products": ["RUN-001"], "link": True}))
    assert held_entries() > 0
    assert forget_claim_memos() > 0
    assert held_entries() == 0
    assert len(lexicon()._marked) == 0


async def test_forget_through_the_bot_leaves_no_customer_text_in_the_ledger(wired: SupportBot) -> None:
    chat = Chat(wired, chat_id="100", user_id="100")
    await chat.say("推荐一双跑鞋")
    await chat.say(MARK)
    assert held_entries() > 0
    await chat.send("/forget")
    assert held_entries() == 0


async def test_the_retention_purge_empties_them_too(wired: SupportBot) -> None:
    runtime = wired.runtime
    assert isinstance(runtime, BotRuntime) and runtime.retention is not None
    await Chat(wired, chat_id="100", user_id="100").say(MARK)
    assert held_entries() > 0
    removed = runtime.retention.purge_once()
    assert removed["in-process text memos"] > 0
    assert held_entries() == 0
    assert runtime.retention.cutoff() < datetime.now(UTC)
