"""End to end: human handoff through the unmodified `xiaoer telegram` process and the local Bot API server.

A customer in a private chat, a forum support group with two agents: request → card in its own topic →
claim (and a second claim refused) → relay both ways as copies → restart of the bot process mid-handoff →
close → rating stored. A second run uses a support group without topics (agents reply to the card).
Replies are awaited by content, never by sleeping a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.handoff.state import Status
from bot.handoff.store_sql import SqlHandoffStore
from tests.support.databases import migrated_database
from tests.support.telegram_process import BotProcess, ingest_sample
from tests.support.telegram_server import Chat, TelegramServer, User

pytestmark = pytest.mark.slow

MEI = User(201, "Mei", "zh")
JOE = User(202, "Joe", "en")
LI = User(301, "Li", "zh")
WANG = User(302, "Wang", "zh")
FORUM = Chat(-1005, "supergroup", "Support", is_forum=True)
PLAIN = Chat(-1006, "supergroup", "Support (no topics)")

Message = dict[str, Any]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("handoff-data")
    ingest_sample(directory)
    return directory


@pytest.fixture(scope="module")
def tg() -> Iterator[TelegramServer]:
    with TelegramServer() as server:
        yield server


def new_bot(tg: TelegramServer, data_dir: Path, support: Chat) -> BotProcess:
    tg.chats[support.id] = support  # the group exists on Telegram before the bot writes to it
    return BotProcess(tg, data_dir, support_chat_id=str(support.id), XIAOER_RATE_LIMIT_MESSAGES="50").start()


def sends(tg: TelegramServer, chat: Chat, user: User, text: str = "", **content: Any) -> Message:
    return tg.user_sends(chat, user, text, **content)


def wait_sent(
    tg: TelegramServer, chat_id: int, since: int, match: Callable[[Message], bool], timeout: float = 30.0
) -> Message:
    """The first bot message in `chat_id` after index `since` that `match`es."""
    return tg.wait_for(lambda: next((m for m in tg.sent[chat_id][since:] if match(m)), None), timeout)


def has(text: str) -> Callable[[Message], bool]:
    return lambda m: text in (m.get("text") or m.get("caption") or "")


def button(message: Message, index: int) -> str:
    return [b for row in message["reply_markup"]["inline_keyboard"] for b in row][index]["callback_data"]


def press(tg: TelegramServer, chat: Chat, user: User, message: Message, data: str) -> None:
    answered = len(tg.calls["answerCallbackQuery"])
    tg.user_presses(chat, user, message["message_id"], data)
    tg.wait_for_calls("answerCallbackQuery", answered + 1)


def store_of(data_dir: Path) -> SqlHandoffStore:
    return SqlHandoffStore(migrated_database(f"sqlite:///{(data_dir / 'xiaoer.db').resolve()}"))


def wait_linked(data_dir: Path, chat: Chat, message: Message, timeout: float = 30.0) -> None:
    """The bot records where a handoff message landed right after sending it; a reply typed faster than
    that (only a test is) would find nothing, so wait for the record by polling the store."""
    store, deadline = store_of(data_dir), time.monotonic() + timeout
    while store.by_message(str(chat.id), str(message["message_id"])) is None:
        assert time.monotonic() < deadline, "the bot never linked its message to the handoff"
        time.sleep(0.05)
    store.database.dispose()


def test_forum_handoff_two_agents_relay_restart_close_and_rating(tg: TelegramServer, data_dir: Path) -> None:
    bot = new_bot(tg, data_dir, FORUM)
    customer = Chat(MEI.id)
    try:
        since = len(tg.sent[customer.id])
        sends(tg, customer, MEI, "有没有500以内的跑鞋")
        wait_sent(tg, customer.id, since, lambda m: True)
        topics = len(tg.calls["createForumTopic"])
        support_since, since = len(tg.sent[FORUM.id]), len(tg.sent[customer.id])
        sends(tg, customer, MEI, "我要投诉，转人工")
        told = wait_sent(tg, customer.id, since, has("人工"))
        assert "转接" in told["text"]
        topic = tg.wait_for_calls("createForumTopic", topics + 1)[-1]
        assert "Mei" in topic["name"]
        card = wait_sent(tg, FORUM.id, support_since, has("🆘"))
        thread = card["message_thread_id"]
        assert "Mei" in card["text"] and "投诉" in card["text"] and "¥" in card["text"]  # products discussed

        # two agents: the first claim wins, the second is told who has it
        since, support_since = len(tg.sent[customer.id]), len(tg.sent[FORUM.id])
        press(tg, FORUM, LI, card, button(card, 0))
        wait_sent(tg, FORUM.id, support_since, has("Li"))
        joined = wait_sent(tg, customer.id, since, has("接入"))
        assert "Li" not in joined["text"]
        support_since = len(tg.sent[FORUM.id])
        press(tg, FORUM, WANG, card, button(card, 0))
        taken = wait_sent(tg, FORUM.id, support_since, has("已由"))
        assert "Li" in taken["text"] and taken["message_thread_id"] == thread

        # relay both ways, as copies (the agent's identity stays private), photos too
        support_since = len(tg.sent[FORUM.id])
        sends(tg, customer, MEI, "鞋底开胶了")
        relayed = wait_sent(tg, FORUM.id, support_since, has("鞋底开胶了"))
        assert relayed["message_thread_id"] == thread and relayed["from"]["is_bot"]
        since = len(tg.sent[customer.id])
        sends(tg, FORUM, LI, "您好，请拍张照片给我们看看", thread_id=thread)
        reply = wait_sent(tg, customer.id, since, has("拍张照片"))
        assert reply["from"]["is_bot"] and "Li" not in reply["text"]
        support_since = len(tg.sent[FORUM.id])
        tg.user_sends_photo(customer, MEI, "就是这里")
        photo = wait_sent(tg, FORUM.id, support_since, lambda m: "photo" in m)
        assert photo["message_thread_id"] == thread

        # restart the bot process mid-handoff: the customer is still with the human
        assert bot.stop() == 0
        bot = new_bot(tg, data_dir, FORUM)
        support_since = len(tg.sent[FORUM.id])
        sends(tg, customer, MEI, "还在吗")
        assert wait_sent(tg, FORUM.id, support_since, has("还在吗"))["message_thread_id"] == thread
        since = len(tg.sent[customer.id])
        sends(tg, FORUM, WANG, "在的，我们给您换一双", thread_id=thread)
        wait_sent(tg, customer.id, since, has("换一双"))

        # the whole conversation as a file, in the topic
        support_since = len(tg.sent[FORUM.id])
        sends(tg, FORUM, WANG, "/transcript", thread_id=thread)
        document = wait_sent(tg, FORUM.id, support_since, lambda m: "document" in m)
        file_id = document["document"]["file_id"]
        transcript = tg.files[file_id][1].decode("utf-8")
        assert (
            "鞋底开胶了" in transcript and "换一双" in transcript and document["message_thread_id"] == thread
        )

        # close: the customer is told and asked for a rating; the rating is stored
        since = len(tg.sent[customer.id])
        sends(tg, FORUM, LI, "/close", thread_id=thread)
        rating = wait_sent(tg, customer.id, since, has("打个分"))
        since, support_since = len(tg.sent[customer.id]), len(tg.sent[FORUM.id])
        press(tg, customer, MEI, rating, button(rating, 4))
        wait_sent(tg, customer.id, since, has("5 分"))
        wait_sent(tg, FORUM.id, support_since, has("⭐"))
        handoff = store_of(data_dir).latest_for_chat(str(MEI.id))
        assert handoff.status is Status.CLOSED and handoff.rating == 5 and handoff.agent_name == "Li"

        # the bot answers again (a held chat gets no bot reply at all, only the relay)
        since, support_messages = len(tg.sent[customer.id]), len(tg.sent[FORUM.id])
        sends(tg, customer, MEI, "有没有跑鞋")
        wait_sent(tg, customer.id, since, has("¥"))
        assert len(tg.sent[FORUM.id]) == support_messages
    finally:
        bot.stop()


def test_group_without_topics_agents_reply_to_the_card(tg: TelegramServer, data_dir: Path) -> None:
    bot = new_bot(tg, data_dir, PLAIN)
    customer = Chat(JOE.id)
    try:
        support_since, since = len(tg.sent[PLAIN.id]), len(tg.sent[customer.id])
        sends(tg, customer, JOE, "/human")
        wait_sent(tg, customer.id, since, has("colleague"))
        card = wait_sent(tg, PLAIN.id, support_since, has("🆘"))
        assert "message_thread_id" not in card
        wait_linked(data_dir, PLAIN, card)

        support_since = len(tg.sent[PLAIN.id])
        sends(tg, PLAIN, WANG, "/claim", reply_to=card["message_id"])
        wait_sent(tg, PLAIN.id, support_since, has("Wang"))
        support_since = len(tg.sent[PLAIN.id])
        sends(tg, customer, JOE, "my parcel arrived damaged")
        relayed = wait_sent(tg, PLAIN.id, support_since, has("damaged"))
        assert relayed["reply_to_message"]["message_id"] == card["message_id"]  # grouped under the card
        wait_linked(data_dir, PLAIN, relayed)
        since = len(tg.sent[customer.id])
        sends(tg, PLAIN, WANG, "Sorry! We'll send a new one.", reply_to=relayed["message_id"])
        wait_sent(tg, customer.id, since, has("new one"))
        support_messages, customer_messages = len(tg.sent[PLAIN.id]), len(tg.sent[customer.id])
        sends(tg, PLAIN, LI, "coffee anyone?")  # agents' chatter reaches no customer
        since = len(tg.sent[customer.id])
        sends(tg, PLAIN, WANG, "/close", reply_to=card["message_id"])
        wait_sent(tg, customer.id, since, has("rate"))
        assert len(tg.sent[customer.id]) == customer_messages + 1
        assert len(tg.sent[PLAIN.id]) >= support_messages
    finally:
        bot.stop()


FANS = Chat(-2001, "supergroup", "Fans")


def test_a_group_handoff_belongs_to_the_member_who_asked(tg: TelegramServer, data_dir: Path) -> None:
    """Issue 13 §4: other members are not relayed and cannot close it; the agent's reply reaches the group
    as text with personal data redacted, never as a copy."""
    bot = new_bot(tg, data_dir, FORUM)
    try:
        support_since, since = len(tg.sent[FORUM.id]), len(tg.sent[FANS.id])
        sends(tg, FANS, MEI, "@xiaoer_test_bot 我要投诉，转人工")
        wait_sent(tg, FANS.id, since, has("人工"))
        card = wait_sent(tg, FORUM.id, support_since, has("🆘"))
        thread = card["message_thread_id"]
        press(tg, FORUM, LI, card, button(card, 0))

        # another member: answered by the bot as usual, not relayed, and "取消人工" does not close Mei's request
        support_since, since = len(tg.sent[FORUM.id]), len(tg.sent[FANS.id])
        sends(tg, FANS, JOE, "@xiaoer_test_bot 我手机13800001111，运费怎么算")
        wait_sent(tg, FANS.id, since, lambda m: True)
        sends(tg, FANS, JOE, "@xiaoer_test_bot 取消人工")
        wait_sent(tg, FANS.id, since + 1, lambda m: True)
        sends(tg, FANS, MEI, "@xiaoer_test_bot 鞋底开胶了")
        relayed = wait_sent(tg, FORUM.id, support_since, has("鞋底开胶了"))
        assert relayed["message_thread_id"] == thread
        assert not any("13800001111" in (m.get("text") or "") for m in tg.sent[FORUM.id][support_since:])
        store = store_of(data_dir)
        assert store.open_for_chat(str(FANS.id)) is not None
        store.database.dispose()

        # the agent's reply: text, personal data redacted, not a copy of the agent's message
        copies, since = len(tg.calls["copyMessage"]), len(tg.sent[FANS.id])
        sends(tg, FORUM, LI, "好的，请拨打 13912345678 或寄到北京市朝阳区建国路88号", thread_id=thread)
        reply = wait_sent(tg, FANS.id, since, has("好的"))
        assert "13912345678" not in reply["text"] and "建国路88号" not in reply["text"]
        assert [c for c in tg.calls["copyMessage"][copies:] if int(c["chat_id"]) == FANS.id] == []

        # closed: Mei's rating buttons are hers; another member pressing one is told so and rates nothing
        since = len(tg.sent[FANS.id])
        sends(tg, FORUM, LI, "/close", thread_id=thread)
        rating = wait_sent(tg, FANS.id, since, has("打个分"))
        since = len(tg.sent[FANS.id])
        press(tg, FANS, JOE, rating, button(rating, 0))
        wait_sent(tg, FANS.id, since, has("belongs to the customer who asked"))  # Joe's client is in English
        press(tg, FANS, MEI, rating, button(rating, 4))
        wait_sent(tg, FANS.id, since + 1, has("5 分"))
        assert store_of(data_dir).latest_for_chat(str(FANS.id)).rating == 5
    finally:
        bot.stop()
