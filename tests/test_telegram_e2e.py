"""End to end: the unmodified `xiaoer telegram` process talks real HTTP to the local Bot API server.

The bot runs the real SupportBot (`build_support_bot`) over the sample catalog ingested with
`xiaoer ingest --sample` into a temp data dir, offline (no LLM configured). One polling process serves
the module; webhook mode and start-up errors use their own processes. Replies are awaited by
per-chat order (the bot answers one chat's messages in order) and the update ledger's "done" mark (all
replies to an update sent), never by sleeping a fixed time.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.openai_server import OpenAIServer
from tests.support.telegram_process import CLI, BotProcess, clean_env, ingest_sample
from tests.support.telegram_server import Chat, TelegramServer, User

pytestmark = pytest.mark.slow

STAFF = User(900, "Boss", "zh")
ALICE = User(101, "Alice", "zh")
BOB = User(102, "Bob", "en")
CAROL = User(103, "Carol", "zh")
DAVE = User(104, "Dave", "zh")
GROUP = Chat(-2001, "group", "Fans")
SUPPORT_ID = "-1009"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("telegram-data")
    ingest_sample(directory)
    return directory


@pytest.fixture(scope="module")
def tg() -> Iterator[TelegramServer]:
    with TelegramServer() as server:
        yield server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def hook_tg() -> Iterator[TelegramServer]:
    with TelegramServer() as server:
        yield server


STREAMED = (
    "这几款降噪效果都不错，通勤戴着也舒服。如果您常通勤，可以优先看看入耳式的款式。有任何问题随时问我。"
)


@pytest.fixture(scope="module")
def llm() -> Iterator[OpenAIServer]:
    """A scripted OpenAI-compatible server: the webhook bot answers through the real adapter's stream. It
    streams slowly (7 chunks over ~1.5 s): drafts are only sent for replies that take more than a second."""
    with OpenAIServer(responder=lambda body: STREAMED) as server:
        server.stream_pace_s = 0.25
        yield server


@pytest.fixture(scope="module")
def webhook_bot(
    hook_tg: TelegramServer, data_dir: Path, llm: OpenAIServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BotProcess, str]]:
    """Launched together with the polling bot (its slow start overlaps the other tests); awaited when used.
    It gets its own copy of the data dir: two processes creating one fresh SQLite schema at once race."""
    own_dir = tmp_path_factory.mktemp("telegram-webhook") / "data"
    shutil.copytree(data_dir, own_dir)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    process = BotProcess(
        hook_tg,
        own_dir,
        "--webhook",
        url,
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        XIAOER_WEBHOOK_SECRET="e2e-secret_1",
        OPENAI_BASE_URL=llm.base_url,
        OPENAI_API_KEY="test",
        XIAOER_TYPING_AFTER="0",  # these tests see "typing" as the sign that a message was taken on
    )
    process.launch(ready_method="setWebhook")
    BOTS[hook_tg.port] = process
    yield process, url
    process.stop()


@pytest.fixture(scope="module")
def bot(tg: TelegramServer, data_dir: Path, webhook_bot: tuple[BotProcess, str]) -> Iterator[BotProcess]:
    process = BotProcess(
        tg,
        data_dir,
        staff_ids=str(STAFF.id),
        support_chat_id=SUPPORT_ID,
        XIAOER_RATE_LIMIT_MESSAGES="30",
        XIAOER_TYPING_AFTER="0",  # these tests see "typing" as the sign that a message was taken on
    )
    process.start()
    BOTS[tg.port] = process
    yield process
    process.stop()


BOTS: dict[int, BotProcess] = {}  # the bot process serving each local Bot API server (by its port)


def settled(tg: TelegramServer, chat_id: int, since: int) -> list[dict[str, Any]]:
    """The bot's messages after `since`, once the update just sent (the server's last one) is handled:
    the bot's update ledger marks it done only after every reply went out, so nothing more can follow
    (an explicit signal instead of waiting for a quiet spell)."""
    update_id = tg.last_update_id
    tg.wait_for_messages(chat_id, 1, since=since, timeout=30)
    BOTS[tg.port].wait_done(update_id)
    return tg.sent[chat_id][since:]


def ask(tg: TelegramServer, chat: Chat, user: User, text: str = "", **content: Any) -> list[dict[str, Any]]:
    since = len(tg.sent[chat.id])
    tg.user_sends(chat, user, text, **content)
    return settled(tg, chat.id, since)


def press(
    tg: TelegramServer, chat: Chat, user: User, message: dict[str, Any], data: str
) -> list[dict[str, Any]]:
    since, answered = len(tg.sent[chat.id]), len(tg.calls["answerCallbackQuery"])
    tg.user_presses(chat, user, message["message_id"], data)
    tg.wait_for_calls("answerCallbackQuery", answered + 1)
    return settled(tg, chat.id, since)


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [key for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for key in row]


def test_customer_start_example_button_cards_and_details(tg: TelegramServer, bot: BotProcess) -> None:
    chat = Chat(ALICE.id)
    (welcome,) = ask(tg, chat, ALICE, "/start")
    examples = buttons(welcome)
    assert len(examples) == 3 and all(len(key["callback_data"].encode()) <= 64 for key in examples)

    photos = len(tg.calls["sendPhoto"])
    (reply,) = press(tg, chat, ALICE, welcome, examples[0]["callback_data"])  # "有没有500以内的跑鞋"
    assert "跑" in reply["text"] and len(tg.calls["sendPhoto"]) == photos  # text and cards: one message
    assert reply["link_preview_options"]["url"].startswith("https://")  # sample products have images
    products = [key for key in buttons(reply) if key.get("callback_data", "").startswith("d:")]
    assert products and all("¥" in key["text"] for key in products)  # "1. title · ¥price"
    title = products[0]["text"].split(". ", 1)[1].split(" · ")[0].rstrip("…")
    (about,) = press(tg, chat, ALICE, reply, products[0]["callback_data"])
    assert title in about["text"] and about["link_preview_options"]["show_above_text"]

    answered, count = len(tg.calls["answerCallbackQuery"]), len(tg.sent[chat.id])
    tg.user_presses(
        chat, ALICE, reply["message_id"], products[0]["callback_data"].split("|")[0] + "|forged00"
    )
    tg.wait_for_calls("answerCallbackQuery", answered + 1)
    assert tg.calls["answerCallbackQuery"][-1]["text"]  # a polite notice, not an exception
    (after,) = ask(tg, chat, ALICE, "/profile")  # and the forged press produced no message in the chat
    assert tg.sent[chat.id][count:] == [after]


def test_command_menus_per_scope(tg: TelegramServer, bot: BotProcess) -> None:
    menus = {
        json.loads(scope).get("chat_id", "default"): [c["command"] for c in commands]
        for scope, commands in tg.commands.items()
    }
    assert {"start", "help", "reset", "human", "profile", "forget"} <= set(menus["default"])
    assert not {"ingest", "stats", "copy"} & set(menus["default"])
    assert {"ingest", "stats", "copy", "start"} <= set(menus[STAFF.id])


def test_two_users_at_once_each_answered_in_order(tg: TelegramServer, bot: BotProcess) -> None:
    chats = {user.id: Chat(user.id) for user in (CAROL, BOB)}
    since = {chat_id: len(tg.sent[chat_id]) for chat_id in chats}
    for command in ("/help", "/profile", "/start"):
        for user in (CAROL, BOB):
            tg.user_sends(chats[user.id], user, command)
    for chat_id in chats:
        replies = tg.wait_for_messages(chat_id, 3, since=since[chat_id], timeout=30)
        help_text, profile, start = replies[:3]
        assert "/forget" in help_text["text"] and not buttons(help_text)
        assert "/forget" not in profile["text"] and not buttons(profile)
        assert [key["callback_data"][:2] for key in buttons(start)] == ["q:"] * 3


def test_group_answers_only_when_addressed(tg: TelegramServer, bot: BotProcess) -> None:
    tg.user_sends(GROUP, ALICE, "大家好，今天天气不错")
    tg.user_sends(GROUP, BOB, "/help@some_other_bot")
    (answer,) = ask(tg, GROUP, BOB, "@xiaoer_test_bot 多久发货？")
    assert "发货" in answer["text"] or "ship" in answer["text"].lower()
    assert tg.sent[GROUP.id] == [answer]  # per-chat order: the chatter before it got no reply
    (follow_up,) = ask(tg, GROUP, ALICE, "可以退货吗？", reply_to=answer["message_id"])
    assert "退" in follow_up["text"]


def test_staff_commands_are_refused_for_customers(tg: TelegramServer, bot: BotProcess) -> None:
    (refusal,) = ask(tg, Chat(BOB.id), BOB, "/copy RUN-001 taobao")
    assert "/copy" in refusal["text"]
    (refusal,) = ask(tg, Chat(BOB.id), BOB, "/stats")
    assert "/stats" in refusal["text"] and "167" not in refusal["text"]
    (stats,) = ask(tg, Chat(STAFF.id), STAFF, "/stats")
    assert "167" in stats["text"]
    copy = ask(tg, Chat(STAFF.id), STAFF, "/copy RUN-001 taobao")
    assert copy and "/copy" not in copy[0]["text"].split("\n")[0]  # staff reach the copy feature


def test_photos_and_stickers_get_a_polite_answer(tg: TelegramServer, bot: BotProcess) -> None:
    chat = Chat(DAVE.id)
    since = len(tg.sent[chat.id])
    tg.user_sends_photo(chat, DAVE)
    (photo_reply,) = settled(tg, chat.id, since)
    sticker = {
        "file_id": "st1",
        "file_unique_id": "u1",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    (sticker_reply,) = ask(tg, chat, DAVE, sticker=sticker)
    assert photo_reply["text"] and sticker_reply["text"] == photo_reply["text"]


def test_staff_ingest_a_csv_document(tg: TelegramServer, bot: BotProcess) -> None:
    rows = (
        "sku,title,brand,category,price,currency,stock,description\n"
        "E2E-001,星空 露营折叠椅,星空,户外/露营椅,129.00,CNY,40,铝合金支架 承重120kg\n"
        "E2E-002,星空 露营折叠桌,星空,户外/露营桌,199.00,CNY,15,蛋卷桌面 可收纳\n"
        "E2E-003,坏数据 露营灯,星空,户外/露营灯,abc,CNY,5,价格不是数字\n"
    )
    chat = Chat(STAFF.id)
    since = len(tg.sent[chat.id])
    tg.user_sends_document(chat, STAFF, "camping.csv", rows.encode(), caption="/ingest")
    (report,) = settled(tg, chat.id, since)
    assert "camping.csv" in report["text"] and "2" in report["text"]
    assert "line 4" in report["text"]  # the rejected row, with its line number (header = line 1)
    (stats,) = ask(tg, chat, STAFF, "/stats")
    assert "169" in stats["text"]
    found = ask(tg, Chat(ALICE.id), ALICE, "有没有露营折叠椅")
    assert any("露营折叠椅" in text_of(message) for message in found)


def test_staff_insights_arrive_as_a_summary_and_chart_photos(tg: TelegramServer, bot: BotProcess) -> None:
    ask(tg, Chat(ALICE.id), ALICE, "有没有降噪耳机")  # at least one recorded customer turn
    photos_before = len(tg.calls["sendPhoto"])
    (refusal,) = ask(tg, Chat(BOB.id), BOB, "/insights")
    assert "/insights" in refusal["text"] and len(tg.calls["sendPhoto"]) == photos_before
    messages = ask(tg, Chat(STAFF.id), STAFF, "/insights 7d")
    assert "📊" in messages[0]["text"]
    charts = [m for m in messages if m.get("photo")]
    assert len(charts) == 5 and len(tg.calls["sendPhoto"]) == photos_before + 5


def test_webhook_mode_verifies_the_secret(
    hook_tg: TelegramServer, webhook_bot: tuple[BotProcess, str]
) -> None:
    process, url = webhook_bot
    process.wait_ready()
    assert hook_tg.calls["setWebhook"][-1]["secret_token"] == "e2e-secret_1"
    (reply,) = ask(hook_tg, Chat(ALICE.id), ALICE, "/help")  # delivered by POST with the secret header
    assert "/forget" in reply["text"]
    forged = {
        "update_id": 999,
        "message": {
            "message_id": 50,
            "date": int(time.time()),
            "chat": {"id": 666, "type": "private"},
            "from": {"id": 666, "is_bot": False, "first_name": "Eve"},
            "text": "/help",
        },
    }
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
        request = urllib.request.Request(
            url,
            data=json.dumps(forged).encode(),
            method="POST",
            headers={"Content-Type": "application/json", **headers},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
    ask(hook_tg, Chat(ALICE.id), ALICE, "/profile")  # later updates flow; the forged one was dropped
    assert hook_tg.sent[666] == []

    # A slow LLM answer streams: typing, then drafts (sendMessageDraft, at most one a second) in the private
    # chat, then the final reply.
    reply = ask(hook_tg, Chat(BOB.id), BOB, "推荐一款降噪耳机，通勤用")
    drafts = [call for call in hook_tg.calls["sendMessageDraft"] if int(call["chat_id"]) == BOB.id]
    assert drafts and STREAMED.startswith(drafts[0]["text"])
    assert any(int(call["chat_id"]) == BOB.id for call in hook_tg.calls["sendChatAction"])
    assert STREAMED[:10] in reply[0]["text"]
    assert process.stop() == 0


def test_start_up_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    with TelegramServer() as server:
        cases = {
            "missing": {"TELEGRAM_BOT_TOKEN": ""},
            "invalid": {
                "TELEGRAM_BOT_TOKEN": "123456:not-the-right-token",
                "TELEGRAM_API_BASE_URL": server.base_url,
            },
            "unreachable": {
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{_free_port()}/bot",
            },
        }
        runs = {
            name: subprocess.Popen(
                [*CLI, "telegram"],
                env=clean_env(XIAOER_DATA_DIR=str(tmp_path), **env),
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, env in cases.items()
        }
        results = {name: (run.wait(120), run.communicate()[1]) for name, run in runs.items()}
    expected = {
        "missing": "TELEGRAM_BOT_TOKEN is not set",
        "invalid": "rejected the bot token",
        "unreachable": "cannot reach the Telegram Bot API",
    }
    for name, (code, stderr) in results.items():
        lines = [line for line in stderr.splitlines() if line.startswith("xiaoer telegram:")]
        assert code == 2, (name, stderr)
        assert len(lines) == 1 and expected[name] in lines[0], (name, stderr)
        assert "Traceback" not in stderr and "not-the-right-token" not in stderr


def test_two_workers_share_the_webhook_port_and_survive_a_killed_one(
    data_dir: Path, tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> None:
    """XIAOER_WORKERS=2: both workers take webhook connections on one port; one is SIGKILLed and every
    message is still answered exactly once (the supervisor starts it again)."""
    import os
    import signal

    own_dir = tmp_path_factory.mktemp("telegram-workers") / "data"
    shutil.copytree(data_dir, own_dir)
    port = _free_port()
    with TelegramServer() as server:
        process = BotProcess(
            server,
            own_dir,
            "--webhook",
            f"http://127.0.0.1:{port}/telegram/hook",
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            XIAOER_WORKERS="2",
            XIAOER_DATABASE_URL=postgres_url,
            XIAOER_RATE_LIMIT_MESSAGES="100",
        )
        process.start("setWebhook", timeout=240)
        try:
            server.wait_for_calls("setWebhook", 2, timeout=240)  # both workers are serving
            assert process.process is not None
            workers = [
                int(pid)
                for pid in Path(f"/proc/{process.process.pid}/task/{process.process.pid}/children")
                .read_text()
                .split()
            ]
            assert len(workers) == 2
            users = [User(300 + n, f"W{n}", "zh") for n in range(6)]
            for n, user in enumerate(users):
                server.user_sends(Chat(user.id), user, "有没有500以内的跑鞋")
                if n == 2:
                    os.kill(workers[0], signal.SIGKILL)  # mid-burst: its claims are taken over
            for user in users:
                server.user_sends(Chat(user.id), user, "运费怎么算")
            for user in users:
                server.wait_for(
                    lambda u=user: len([m for m in server.sent[u.id] if "text" in m]) >= 2, timeout=120
                )
            time.sleep(1.0)  # a duplicate reply would arrive now
            for user in users:
                replies = [m for m in server.sent[user.id] if "text" in m]
                assert len(replies) == 2, process.log()[-3000:]
        finally:
            assert process.stop() == 0


def test_graceful_shutdown_answers_every_accepted_update(tg: TelegramServer, bot: BotProcess) -> None:
    """Runs last in this module: SIGTERM right after the bot fetched a burst; every message is answered."""
    users = [User(200 + n, f"U{n}", "zh") for n in range(4)]
    since = {user.id: len(tg.sent[user.id]) for user in users}
    update_ids = []
    for user in users:
        for text in ("有没有500以内的跑鞋", "推荐一款降噪耳机"):
            tg.user_sends(Chat(user.id), user, text)
            update_ids.append(tg.last_update_id)
    tg.wait_until_fetched(update_ids[-1])
    bot.wait_journaled(update_ids)  # accepted: all in the update ledger (a loaded machine journals later)
    # "Accepted" = the bot received the batch (it is typing in every chat), not merely that the server sent it:
    # updates still in flight when the signal lands are unconfirmed, and Telegram would deliver them again.
    chats = {user.id for user in users}
    tg.wait_for(lambda: chats <= {int(c["chat_id"]) for c in tg.calls["sendChatAction"]}, timeout=60)
    assert bot.stop() == 0
    for user in users:
        replies = [m for m in tg.sent[user.id][since[user.id] :] if "text" in m]
        assert len(replies) == 2, bot.log()[-2000:]
