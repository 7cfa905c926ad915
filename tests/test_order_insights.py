"""Order support in insights: the WISMO share of traffic and after-sales requests by reason and outcome,
recorded by the real bot (SQLite insights store) and read back by the real report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.domain.clock import utcnow
from bot.domain.messages import Role
from bot.handoff.outbox import TERMINAL_SUPPORT_CHAT
from bot.insights.analysis import build_report
from bot.insights.recorder import TurnRecorder
from tests.support.order_chat import Customer, order_bot


async def test_wismo_share_and_aftersales_by_reason_and_outcome(tmp_path: Path) -> None:
    bot = order_bot(tmp_path)
    agent = Customer(bot, chat_id=TERMINAL_SUPPORT_CHAT, user_id="agent", role=Role.AGENT, is_group=True)
    try:
        asker = Customer(bot, chat_id="terminal:wismo", user_id="wismo")
        for text in ("我的快递到哪了", "XE7001", "1234"):
            await asker.say(text)
        await Customer(bot, chat_id="terminal:shopper", user_id="shopper").say("有没有500以内的跑鞋")
        returner = Customer(bot, chat_id="terminal:ret", user_id="ret")
        await returner.say("我要退货 XE7005 尾号7788")
        out = await returner.send("尺码不合适")
        card = next(o for o in out if o.meta.get("part") == "card")
        reject = next(b.data for b in card.buttons if b.data and b.data.startswith("o:r:"))
        await agent.send("", callback_data=reject)
        late = Customer(bot, chat_id="terminal:late", user_id="late")
        await late.say("I want to return order XE7006 5678")  # past the window: refused by the rules
        recorder = bot.recorder
        assert isinstance(recorder, TurnRecorder)
        flush = getattr(recorder.store, "flush", None)
        if flush is not None:
            flush()
        report = build_report(recorder.store, period=timedelta(days=1), now=utcnow() + timedelta(minutes=1))
    finally:
        bot.close()
    orders = report.orders
    assert orders.wismo_turns == 3 and orders.turns == report.turns >= 7
    assert 0 < orders.wismo_share < 1
    rows = {r.kind: r for r in orders.aftersales}
    assert (rows["return"].requested, rows["return"].rejected, rows["return"].refused_by_rules) == (1, 1, 1)
    texts = [
        t.text for t in recorder.store.turns(utcnow() - timedelta(days=1), utcnow() + timedelta(minutes=1))
    ]
    assert not any("7788" in t or t == "1234" for t in texts)  # proofs never reach the analytics store
