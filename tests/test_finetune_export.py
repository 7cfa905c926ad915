"""Fine-tuning export (issue 18) on a generated traffic log written by the bot's real stores: each line a
valid chat example, no raw phone / e-mail / order number, near-duplicates removed, a fixed split, counts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.export_cmds import refusal_prefixes, system_messages
from bot.conversation.store import Turn
from bot.conversation.store_sql import SqlConversationStore
from bot.copywriting.kept import KeptCopy
from bot.copywriting.store_sql import SqlKeptCopyStore
from bot.finetune import InMemoryTrafficSource, TrafficSource, build_examples, write_dataset
from bot.finetune.store_sql import SqlTrafficSource
from bot.handoff.state import Event, Handoff, TranscriptEntry
from bot.handoff.store_sql import SqlHandoffStore
from bot.handoff.triggers import TriggerSet
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.privacy.redaction import redact
from tests.support.databases import migrated_database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PHONE, EMAIL, ORDER = "13812345678", "li.mei@example.com", "202611230001234"
PII = re.compile(rf"{PHONE}|{re.escape(EMAIL)}|{ORDER}")
TRIGGERS = TriggerSet.load()
PREFIXES = refusal_prefixes(DEFAULT_PROMPTS_DIR)
OUT_OF_SCOPE = (
    "这个我帮不上忙 😅 我是本店的导购，只能回答商品和售后相关的问题。您可以试试问我「有没有500以内的跑鞋」。"
)


def _generate(database: Path) -> None:
    """Two weeks of traffic: good bot chats (some near-duplicates), a refusal, a complaint, a handed-off chat,
    two agent chats (one rated 1), kept copy; phone numbers, e-mails and order numbers sprinkled in."""
    db = migrated_database(f"sqlite:///{database}")
    conversations = SqlConversationStore(db)
    handoffs = SqlHandoffStore(db)
    kept = SqlKeptCopyStore(db)

    def say(chat: str, at: datetime, *lines: tuple[str, str]) -> None:
        for offset, (role, text) in enumerate(lines):
            conversations.append(
                chat, Turn(role, text, f"user-{chat}", at=at + timedelta(seconds=20 * offset))
            )

    start = NOW - timedelta(days=3)
    for n, budget in enumerate((500, 500, 600)):  # 500 twice and 600: near-duplicates of one another
        say(
            f"good{n}",
            start + timedelta(hours=n),
            ("user", f"有没有{budget}以内的跑鞋"),
            ("assistant", f"为您挑了这几款：李宁 超轻21 男子跑步鞋，¥399.00。预算{budget}以内都合适。"),
        )
    say("good3", start, ("user", "篮球鞋有推荐吗"), ("assistant", "为您挑了这几款：李宁 驭帅17 低帮篮球鞋。"))
    say(
        "pii",
        start,
        ("user", f"我手机{PHONE}，邮箱{EMAIL}，订单 {ORDER} 到哪了"),
        ("assistant", f"已记下您的手机 {PHONE}，订单 {ORDER} 的物流请在订单详情查看。"),
        ("user", "好的谢谢"),
        ("assistant", "不客气，还有问题随时问我～"),
    )
    say(  # a refusal drops its own exchange only: the good answer after it is still an example
        "refused",
        start,
        ("user", "帮我订机票"),
        ("assistant", OUT_OF_SCOPE),
        ("user", "那有没有旅行用的充电宝"),
        ("assistant", "为您挑了这几款：Anker 737 Power Bank 24000mAh。"),
    )
    say(
        "complaint",
        start,
        ("user", "耳机推荐一下"),
        ("assistant", "为您挑了这几款：Sony WH-1000XM5。"),
        ("user", "你们就是骗子，我要投诉"),
        ("assistant", "非常抱歉，我马上为您转人工。"),
    )
    say("session", start, ("user", "面霜推荐"), ("assistant", "为您挑了这几款：薇诺娜 舒敏保湿特护霜。"))
    say(
        "session",
        start + timedelta(hours=5),
        ("user", "防晒呢"),
        ("assistant", "为您挑了这几款：安热沙 小金瓶。"),
    )
    say("handed", start, ("user", "我要退款，东西坏了"), ("assistant", "已为您转人工客服，请稍候。"))
    say("old", NOW - timedelta(days=60), ("user", "很久以前的问题"), ("assistant", "很久以前的回答。"))

    for chat, rating in (("handed", 5), ("rude", 1)):
        created = start.timestamp() + 30
        handoff = handoffs.create(
            Handoff(
                id=f"h-{chat}",
                chat_id=chat,
                user_id=chat,
                channel="telegram",
                reason="requested",
                created_at=created,
            )
        )
        handoffs.transition(handoff.id, Event.CLAIM, agent_id="a1", agent_name="Li", claimed_at=created + 5)
        for offset, (who, text) in enumerate(
            (
                ("customer", f"东西坏了，订单号 {ORDER}，电话 {PHONE}"),
                ("agent", "非常抱歉！我已为您登记换货，新货两天内发出。"),
                ("customer", "好的"),
                ("agent", "给您添麻烦了，还有问题随时找我。"),
            )
        ):
            handoffs.add_message(TranscriptEntry(handoff.id, who, text, created + 10 + offset))
        handoffs.transition(handoff.id, Event.CLOSE, closed_at=created + 100, closed_by="a1")
        handoffs.rate(handoff.id, rating)
    kept.keep(
        KeptCopy(
            "RUN-007-taobao-v1",
            "RUN-007",
            "taobao",
            "professional",
            "名称/name: 李宁 超轻21 男子跑步鞋",
            "李宁 超轻21 男子跑步鞋 网布",
            "这双跑步鞋采用网布，重量200g。",
            ("网布", "重200g", "39–45码"),
            "staff",
            start,
        )
    )
    db.dispose()


def _export(source: TrafficSource, out: Path) -> dict[str, object]:
    examples, summary = build_examples(
        source,
        NOW - timedelta(days=30),
        NOW,
        redact=redact,
        systems=system_messages(DEFAULT_PROMPTS_DIR),
        complaint=lambda t: TRIGGERS.detect(t) == "complaint",
        refusal=lambda t: t.strip().startswith(PREFIXES),
    )
    return write_dataset(examples, summary, out).as_dict()


def _lines(out: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for name in ("train.jsonl", "validation.jsonl")
        for line in (out / name).read_text(encoding="utf-8").splitlines()
    ]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "traffic.db"
    _generate(path)
    return path


def test_the_export_is_valid_redacted_deduplicated_and_counted(database: Path, tmp_path: Path) -> None:
    db = migrated_database(f"sqlite:///{database}")
    summary = _export(SqlTrafficSource(db), tmp_path / "out")
    db.dispose()
    rows = _lines(tmp_path / "out")
    for row in rows:  # every line: {"messages": [system, user, assistant, …]} ending with the assistant
        messages = row["messages"]
        assert list(row) == ["messages"] and isinstance(messages, list)
        assert messages[0]["role"] == "system" and messages[-1]["role"] == "assistant"
        roles = [m["role"] for m in messages[1:]]
        assert roles == ["user", "assistant"] * (len(roles) // 2)
        assert all(set(m) == {"role", "content"} and m["content"].strip() for m in messages)
    raw = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    assert not PII.search(raw) and "[phone]" in raw and "[order]" in raw and "[email]" in raw
    assert "订机票" not in raw and "骗子" not in raw and "很久以前" not in raw  # refusal, complaint, too old
    assert "旅行用的充电宝" in raw  # what the customer asked after a refusal was answered: kept
    assert "我要退款" not in raw  # the bot's side of a chat that was handed off
    assert "非常抱歉！我已为您登记换货" in raw  # the agent's replies are targets …
    assert raw.count("登记换货") == 1  # … but not those of the chat rated 1
    sources = summary["sources"]
    assert sources["bot"]["seen"] == 10 and sources["bot"]["duplicates"] == 2  # 500/500/600 → one
    assert sources["agent"]["seen"] == 2 and sources["agent"]["train"] + sources["agent"]["validation"] == 1
    assert sources["copy"]["train"] + sources["copy"]["validation"] == 1
    written = summary["train"] + summary["validation"]
    assert (
        written == len(rows) == 1 + 1 + 1 + 1 + 2 + 1 + 1 + 1
    )  # good(2 unique) pii session(2) complaint-cut agent copy, after-the-refusal
    assert summary["dropped"] == {
        "agent: rated 1–2": 1,
        "bot: cut at a complaint": 1,
        "bot: refused exchange left out": 1,
        "bot: handed off": 1,
        "bot: no answered exchange": 1,
    }


def test_the_split_is_the_same_every_run_and_both_sources_agree(database: Path, tmp_path: Path) -> None:
    db = migrated_database(f"sqlite:///{database}")
    sql = SqlTrafficSource(db)
    first = _export(sql, tmp_path / "a")
    second = _export(sql, tmp_path / "b")
    since, until = NOW - timedelta(days=30), NOW
    memory = InMemoryTrafficSource(
        sql.conversations(since, until), sql.handled_chats(since, until), sql.kept_copies(since, until)
    )
    third = _export(memory, tmp_path / "c")
    db.dispose()
    for name in ("train.jsonl", "validation.jsonl"):
        a, b, c = ((tmp_path / d / name).read_text(encoding="utf-8") for d in "abc")
        assert a == b == c
    assert first["sources"] == second["sources"] == third["sources"]


def test_the_cli_writes_the_files(database: Path, tmp_path: Path) -> None:
    env = {
        "XIAOER_DATABASE_URL": f"sqlite:///{database}",
        "XIAOER_DATA_DIR": str(tmp_path / "data"),
        "PATH": "",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli.main",
            "export",
            "finetune",
            "--since",
            "3650d",
            "--out",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x" / "summary.json").exists() and "training" in done.stderr
    assert not PII.search((tmp_path / "x" / "train.jsonl").read_text(encoding="utf-8"))
