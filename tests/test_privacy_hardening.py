"""Issue 13 §2–§3: PII formats, keywords from redacted text, debug logs, control characters, CSV cells,
deeply nested JSON, retention and the right to erasure, the ops endpoint's bind address."""

from __future__ import annotations

import csv
import io
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation.store import InMemoryConversationStore, Turn
from bot.conversation.store_sql import SqlConversationStore
from bot.domain.messages import Attachment, Inbound, Role
from bot.insights.pseudonym import Pseudonymizer
from bot.insights.recorder import TurnRecorder
from bot.insights.records import InMemoryInsightsStore
from bot.insights.store_sql import SqlInsightsStore
from bot.ops.health import HealthChecks
from bot.ops.http import OpsServer
from bot.ops.logs import configure_logging
from bot.ops.retention import Retention
from bot.privacy.csv_cells import restore_cell, safe_cell, safe_row
from bot.privacy.redaction import ADDRESS, EMAIL, MESSENGER, NAME, PHONE, redact, without_personal_data
from knowledge.catalog import load_catalog
from knowledge.errors import CatalogFormatError
from tests.support.core_fixtures import Chat, make_bot
from tests.support.databases import migrated_database


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call (415) 555-2671 today", f"call {PHONE} today"),
        ("UK office +44 20 7946 0958", f"UK office {PHONE}"),
        ("手机１３８１２３４５６７８", f"手机{PHONE}"),
        ("电话 138 1234 5678 谢谢", f"电话 {PHONE} 谢谢"),
        ("London 020 7946 0958", f"London {PHONE}"),
        ("mail ALICE＠example.com", f"mail {EMAIL}"),
        ("ship to 221B Baker Street please", f"ship to {ADDRESS} please"),
        ("1600 Amphitheatre Pkwy, Mountain View, CA 94043", ADDRESS),
        ("10 Downing Street, London SW1A 2AA", ADDRESS),
    ],
)
def test_international_and_full_width_personal_data_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Nike Air Zoom Pegasus 41 只要¥899，42码有货吗？",
        "WH-1000XM5 续航30小时",
        "订单满 ¥600 可分期（3 期或 6 期）",
    ],
)
def test_shop_talk_is_untouched(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("加我 wxid_abc123 谢谢", f"加我 {MESSENGER} 谢谢"),
        ("微信号: abc_123", f"微信号: {MESSENGER}"),
        ("微信号 abcdef", f"微信号 {MESSENGER}"),
        ("WeChat: foo123", f"WeChat: {MESSENGER}"),
        ("wechat foo_bar", f"wechat {MESSENGER}"),
        ("我的QQ 12345678", f"我的QQ {MESSENGER}"),
        ("QQ号：55667788", f"QQ号：{MESSENGER}"),
        ("我叫张三，想买跑鞋", f"我叫{NAME}，想买跑鞋"),
        ("我叫小明", f"我叫{NAME}"),
        ("我是李四，要退货", f"我是{NAME}，要退货"),
        ("收件人 王五", f"收件人 {NAME}"),
        ("收件人：欧阳娜娜 电话 13812345678", f"收件人：{NAME} 电话 {PHONE}"),
        ("姓名：赵六", f"姓名：{NAME}"),
        ("my name is Alice Smith and I need shoes", f"my name is {NAME} and I need shoes"),
        ("My name is alice", f"My name is {NAME}"),
    ],
)
def test_messenger_ids_and_introduced_names_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert MESSENGER not in without_personal_data(text) and NAME not in without_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "我是跑步新手",  # a self-description, not a name
        "我是李宁的粉丝",  # a brand
        "我是学生党，预算500",
        "我是王者荣耀玩家",
        "李宁 赤兔7 多少钱",
        "支持微信支付吗",
        "WeChat Pay 可以吗",
        "qq音乐会员",
        "I am new to running",
        "收件人信息填错了",
    ],
)
def test_product_words_and_self_descriptions_are_not_names(text: str) -> None:
    assert redact(text) == text


def test_insights_keywords_come_from_the_redacted_text_only() -> None:
    store = InMemoryInsightsStore()
    recorder = TurnRecorder(store, Pseudonymizer("k"), redact)
    recorder.turn(
        channel="t",
        user_id="u",
        chat_id="c",
        text="发票寄到北京市朝阳区建国路88号，邮箱 alice@example.com，要跑鞋",
        language="zh",
        intent="recommendation",
        keywords=["alice", "example.com", "建国路", "朝阳区", "跑鞋"],
    )
    (turn,) = store.turns(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert turn.keywords == ("跑鞋",)
    assert "[email]" in turn.text and "[address]" in turn.text


def test_debug_logs_of_updates_carry_no_names_or_texts_and_one_record_is_one_line() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)

    class Update:  # the shape PTB logs: an object with to_dict()
        def to_dict(self) -> dict[str, object]:
            return {
                "update_id": 7,
                "message": {"text": "I am Alice", "from": {"id": 1, "first_name": "Alice"}},
            }

    try:
        logging.getLogger("telegram.ext.Application").debug("Processing update %s", Update())
        logging.getLogger("bot.test").warning("/ingest of %s rejected", "x.csv\r\nINFO forged admin login")
    finally:
        configure_logging("INFO")
    out = stream.getvalue()
    assert "Alice" not in out and "update_id': 7" in out
    assert len(out.strip().splitlines()) == 2 and "x.csv\\r\\nINFO forged" in out


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("-5", "-5"),
        ("跑鞋", "跑鞋"),
        (12, 12),
    ],
)
def test_csv_cells_are_never_formulas(value: object, written: object) -> None:
    assert safe_cell(value) == written
    if isinstance(written, str):
        assert restore_cell(written) == value


def test_insights_csv_export_neutralises_customer_text(tmp_path: Path) -> None:
    from bot.insights.analysis import InsightsReport, QueryCluster
    from bot.insights.export import write_csvs
    from bot.insights.suggestions import Suggestions

    now = datetime(2026, 11, 30, tzinfo=UTC)
    evil = '=HYPERLINK("http://evil.example","click")'
    report = InsightsReport(
        now - timedelta(days=7), now, 1, 1, 0.0, [], [], [], [QueryCluster("=x", 1, [evil])], [], [], [], []
    )
    write_csvs(report, Suggestions([("+cmd", 1)], [], [(evil, 2)]), tmp_path)
    unanswered = list(csv.reader((tmp_path / "unanswered.csv").open(encoding="utf-8-sig")))
    suggestions = list(csv.reader((tmp_path / "suggestions.csv").open(encoding="utf-8-sig")))
    assert unanswered[1][0] == "'=x" and unanswered[1][2] == "'" + evil
    assert {row[1] for row in suggestions[1:]} == {"'+cmd", "'" + evil}


def test_safe_row_keeps_other_cells() -> None:
    assert safe_row(["SKU-1", "=1+1", 3]) == ["SKU-1", "'=1+1", 3]


def test_deeply_nested_json_is_not_a_catalog(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    with pytest.raises(CatalogFormatError, match="not a catalog"):
        load_catalog(path)


async def test_staff_ingest_of_deeply_nested_json_gets_a_polite_reply(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, dense=False)
    out = await bot.handle(
        Inbound(
            chat_id="staff-1",
            user_id="staff-1",
            role=Role.STAFF,
            text="/ingest",
            attachment=Attachment("document", "f1", "deep.json", "application/json"),
            document_bytes=b"[" * 100_000,
        )
    )
    assert len(out) == 1 and "deep.json" in out[0].text


@pytest.mark.parametrize("sql", [False, True])
def test_retention_purges_old_transcripts_and_insights(tmp_path: Path, sql: bool) -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    database = migrated_database(f"sqlite:///{tmp_path / 'r.db'}") if sql else None
    store = SqlConversationStore(database) if database else InMemoryConversationStore()
    insights = SqlInsightsStore(database) if database else InMemoryInsightsStore()
    store.append("c", Turn("user", "old: 13812345678", "u", at=now - timedelta(days=200)))
    store.append("c", Turn("user", "new", "u", at=now - timedelta(days=2)))
    old = TurnRecorder(insights, Pseudonymizer("k"), redact, clock=lambda: now - timedelta(days=200))
    old.turn(channel="t", user_id="u", chat_id="c", text="x", language="zh", intent="unknown")
    removed = Retention(
        [("turns", store.purge), ("insights", insights.purge)], 180, clock=lambda: now
    ).purge_once()
    assert removed == {"turns": 1, "insights": 1}
    assert [t.text for t in store.recent("c")] == ["new"]
    if database is not None:
        database.dispose()


async def test_forget_erases_transcripts_profile_and_insights(tmp_path: Path) -> None:
    insights = InMemoryInsightsStore()
    bot = make_bot(tmp_path, dense=False)
    bot.recorder = TurnRecorder(insights, Pseudonymizer("k"), redact)
    chat = Chat(bot)
    await chat.say("推荐一双跑鞋")
    span = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert insights.turns(*span) and bot.store.recent(chat.chat_id) and bot.profile.top(chat.user_id, 5)
    await chat.say("/forget")
    assert insights.turns(*span) == []
    assert bot.profile.top(chat.user_id, 5) == []
    assert [t for t in bot.store.recent(chat.chat_id) if t.user_id == chat.user_id and "跑鞋" in t.text] == []


async def test_ops_endpoint_binds_the_configured_host_only() -> None:
    server = OpsServer(HealthChecks({}), host="127.0.0.1", port=0)
    port = await server.start()
    try:
        assert server._server is not None
        addresses = {s.getsockname()[0] for s in server._server._sockets.values()}  # type: ignore[attr-defined]
        assert addresses == {"127.0.0.1"}
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        await server.stop()


def test_copy_csv_lines_neutralise_catalog_text_and_read_back_unchanged() -> None:
    from bot.copywriting.bulk import _csv_line

    line = _csv_line(["=HYPERLINK(1)", "+cmd|' /C calc'!A0", "ok"])
    row = next(csv.reader(io.StringIO(line)))
    assert row == ["'=HYPERLINK(1)", "'+cmd|' /C calc'!A0", "ok"]
    assert [restore_cell(v) for v in row] == ["=HYPERLINK(1)", "+cmd|' /C calc'!A0", "ok"]


async def test_forget_drops_the_raw_text_held_in_redaction_memos(tmp_path: Path) -> None:
    """/forget also clears the in-process memos keyed by what customers wrote (bounded, but raw until evicted)."""
    from bot.privacy.redaction import without_personal_data

    bot = make_bot(tmp_path, dense=False)
    chat = Chat(bot)
    await chat.say("我叫王小明，电话13812345678，推荐一双跑鞋")
    assert redact.cache_info().currsize + without_personal_data.cache_info().currsize > 0
    from knowledge.traditional import to_simplified, to_traditional

    assert to_simplified.cache_info().currsize > 0  # the script conversion memo holds the message too
    await chat.say("/forget")
    assert redact.cache_info().currsize == 0
    assert without_personal_data.cache_info().currsize == 0
    assert to_simplified.cache_info().currsize == 0 and to_traditional.cache_info().currsize == 0
