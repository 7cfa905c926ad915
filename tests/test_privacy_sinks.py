"""Every place a customer's words are quoted is built from the redacted text (issue 13 §2, TESTER-13c): the
LLM prompts (the `<understood>` search line, the history, the regeneration prompt's list of violations that
quotes the customer's clause), WARNING log lines, the insights store (text and keywords) and the exported
CSVs (unanswered.csv, catalog_gaps.csv …). One canary set of personal data goes in through the real bot with
an obedient model that agrees with whatever it is asked (so every reply is regenerated and logged); no
canary may come out of any sink."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.domain.messages import Inbound
from bot.insights.export import write_csvs
from bot.insights.recorder import TurnRecorder
from bot.insights.service import InsightsService
from bot.ops.logs import configure_logging
from bot.ops.settings import load_settings
from bot.prompts import load_messages
from bot.wiring import build_support_bot, make_chat_model
from tests.support.core_fixtures import sample_knowledge
from tests.support.openai_server import OpenAIServer, last_user_text

# (message, the canaries it carries): the tester's probes and siblings of each kind.
CANARIES = [
    ("加我 vx：czq8888 Sony 耳机多少钱", ["czq8888"]),
    ("我叫林美玲，電話 0912-345-678，Sony 耳機多少錢", ["林美玲", "0912", "345-678"]),
    ("ship to Apt 5C, 350 W 42nd St, New York, NY 10036 - how long does shipping take?", ["42nd", "10036"]),
    ("寄到北京市朝阳区建国路 88 号 SOHO 现代城 2 号楼 1803 室，几天到？", ["SOHO", "1803", "建国路"]),
    ("住在深圳市南山区科技园南区 R2-B 栋 12 楼 1205，跑鞋几天到", ["1205", "R2-B"]),
    ("寄到[address] A 座 1203，几天到？", ["1203"]),
    ("Hi, it's Margaret Thompson - is the Pegasus 41 in black?", ["Margaret", "Thompson"]),
    ("my IG is @lena.runs88, any trail shoes?", ["lena.runs88", "runs88"]),
    ("微博：@陈小猫2024 推荐耳机", ["陈小猫"]),
    ("护照号 E12345678 买耳机能开发票吗", ["E12345678"]),
    ("我儿子叫张小宝，身高 150，推荐跑鞋", ["张小宝"]),
    ("陈志强 13812345678 Pegasus 41 男款有货吗", ["陈志强", "13812345678"]),
    ("6222021234567890 这个卡可以用花呗吗", ["6222021234567890"]),
    ("钉钉号 dd_wangjg 这个耳机包邮吧", ["dd_wangjg", "wangjg"]),
    ("my discord is runner#4821, Sony WH-1000XM5 price?", ["runner#4821", "4821"]),
    ("Regards, Priya Natarajan. Does the Pegasus 41 come in blue?", ["Priya", "Natarajan", "proya"]),
    (
        "deliver to ul. Marszałkowska 10/12, 00-590 Warszawa, yoga mat price?",
        ["Marsza", "00-590", "Warszawa"],
    ),
    ("收件人 Emily Chen, 3F-2, No. 5, Lane 12, Zhongxiao E. Rd., Taipei 106", ["Emily", "Zhongxiao", "3F-2"]),
    # held-out set 3 (session 8): letter frames, relatives, grouped and foreign IDs, postcodes, zh-Hant labels
    ("Is the Pegasus 41 waterproof?\n\nBR, Hans Gruber", ["Hans", "Gruber"]),
    ("From: Li Wei\nSony 耳机多少钱", ["Li Wei"]),
    ("我女儿陈可欣要一双32码的跑鞋", ["陈可欣"]),
    ("我是 zhang xiaoming，Sony 耳机保修多久", ["zhang", "xiaoming"]),
    ("清关要身份证 440301 19900101 1234，耳机能寄吗", ["19900101", "440301"]),
    ("身分證字號 A123456789，耳機可以寄台灣嗎", ["A123456789"]),
    (
        "Room 1801, Block B, 88 Jianguo Road, Chaoyang District, Beijing 100022 yoga mat?",
        ["Jianguo", "100022"],
    ),
    ("微信號 amy_tw88 耳機有貨嗎", ["amy_tw88"]),
    ("SSN 078-05-1120 for the invoice, Sony price?", ["078-05-1120", "1120"]),
]


def _agree(body: dict[str, Any]) -> str:
    """An obedient model: it agrees (the gate quotes the customer's premise it affirmed) or repeats the
    customer's words with promises (the gate logs the reply's claims) — every reply is regenerated."""
    if "violations" in json.dumps(body) or len(last_user_text(body)) % 2:
        return f"好的，没问题，{last_user_text(body)[-80:]}，一定包邮，终身保修。"
    return "好的，没问题。"


async def test_no_canary_reaches_any_sink(tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.responder = _agree
    config = load_settings(
        XIAOER_DATA_DIR=str(tmp_path / "data"),
        OPENAI_BASE_URL=openai_server.base_url,
        OPENAI_API_KEY="k",
        XIAOER_LLM_MAX_RETRIES=0,
    )
    logged = io.StringIO()
    configure_logging("DEBUG", stream=logged)
    bot = build_support_bot(
        config, knowledge=sample_knowledge(True), llm=make_chat_model(config), raise_errors=True
    )
    try:
        for n, (text, _) in enumerate(CANARIES):
            await bot.handle(Inbound(f"s{n}", f"s{n}", text, channel="telegram"))
            await bot.handle(Inbound(f"s{n}", f"s{n}", "还有别的吗", channel="telegram"))  # <history>
        assert isinstance(bot.recorder, TurnRecorder)
        service = InsightsService(
            store=bot.recorder.store, messages=load_messages(config.prompts_dir), index=None
        )
        report, suggestions = service.analyse(timedelta(days=1))
        paths = write_csvs(report, suggestions, tmp_path / "out")
        now_turns = bot.recorder.store.turns(
            report.since - timedelta(days=1), report.until + timedelta(days=1)
        )
    finally:
        bot.close()
        configure_logging("INFO")
    prompts = json.dumps(openai_server.requests, ensure_ascii=False)
    strict = [r for r in openai_server.requests if "affirms" in json.dumps(r, ensure_ascii=False)]
    sinks = {
        "llm prompts": prompts,
        "logs": logged.getvalue(),
        "insights": " ".join(t.text + " " + " ".join(t.keywords) for t in now_turns),
        "csv": " ".join(p.read_text(encoding="utf-8-sig") for p in paths),
    }
    assert openai_server.requests and strict and now_turns and "WARNING" in sinks["logs"]
    assert "<understood>" in prompts or "understood" in prompts
    leaks = {
        (sink, canary)
        for sink, content in sinks.items()
        for _, canaries in CANARIES
        for canary in canaries
        if canary.lower() in content.lower()
    }
    assert not leaks, sorted(leaks)
