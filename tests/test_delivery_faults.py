"""Every customer message gets exactly one reply when the network between the bot and the Bot API fails: a send
whose answer was lost or came too late is looked for before it is sent again (never doubled), a send lost on the
way is sent again (never lost), and a reply that could not be sent after the tries is counted `reply_lost`.

Against the loopback Bot API server over real HTTP (`tests/support/telegram_server.py`), made to drop a request,
drop the answer of a call it carried out, or hold the answer past the bot's read timeout (`TelegramServer.faults`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, Update
from telegram.ext import ContextTypes

from bot.channels.telegram.app import build_application
from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.delivery import SEND_ATTEMPTS, TelegramDelivery
from bot.channels.telegram.handlers import TelegramChannel, TelegramConfig
from bot.channels.telegram.probe import ReplyProbe
from bot.channels.telegram.progress import TelegramProgress
from bot.channels.telegram.transport import AiohttpRequest
from bot.channels.telegram.watermark import MessageIdWatermark
from bot.domain import telemetry
from bot.domain.messages import Outbound
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import load_messages
from tests.support.telegram_server import Chat, TelegramServer, User
from tests.test_telegram_channel import ScriptedCore

ALICE = User(301, "Alice", "zh")
BOB = User(302, "Bob", "zh")
GROUP = Chat(-4001, "group", "Fans")
REPLY = "运费：满 99 元包邮，不满收 8 元。"


@pytest.fixture
def api() -> Iterator[TelegramServer]:
    with TelegramServer() as server:
        server.late_s = 1.0
        yield server


@pytest.fixture
async def delivery(api: TelegramServer) -> AsyncIterator[TelegramDelivery]:
    """A delivery as the channel makes it (its watermark has seen the customer's message), on a transport
    with a short read timeout, and no backoff between tries (the waits are not what is tested)."""
    bot = Bot(
        api.token,
        base_url=api.base_url,
        base_file_url=api.file_url,
        request=AiohttpRequest(4, read_timeout=0.3, write_timeout=0.0),
    )
    async with bot:
        watermark = MessageIdWatermark()
        asked = api.user_sends(Chat(ALICE.id), ALICE, "运费怎么算")
        watermark.see(ALICE.id, asked["message_id"])
        api.user_sends(Chat(BOB.id), BOB, "在吗")  # Bob's chat exists; its ids share the account counter
        yield TelegramDelivery(bot, CallbackSigner(api.token), watermark, retry_backoff_s=(0.0,))


def _texts(api: TelegramServer, user: User) -> list[str]:
    return [m.get("text", "") for m in api.sent[user.id]]


@pytest.mark.parametrize("fault", ["drop_response", "late_response"])
async def test_a_send_whose_answer_was_lost_is_found_not_sent_again(
    api: TelegramServer,
    delivery: TelegramDelivery,
    recorded: telemetry.RecordingTelemetry,
    fault: str,
) -> None:
    api.faults["sendMessage"].append(fault)
    (done,) = await delivery.deliver([Outbound(chat_id=str(ALICE.id), text=REPLY)])
    assert _texts(api, ALICE) == [REPLY]  # delivered once, not twice
    assert len(api.calls["sendMessage"]) == 1
    assert [ref.message_id for ref in done.refs] == [str(api.sent[ALICE.id][0]["message_id"])]
    assert recorded.total("reply_in_doubt", outcome="delivered") == 1
    assert recorded.total("reply_lost") == 0


async def test_the_probe_walks_past_other_chats_ids(
    api: TelegramServer, delivery: TelegramDelivery, recorded: telemetry.RecordingTelemetry
) -> None:
    """Private chats share the bot account's message ids: messages of other chats sent meanwhile lie between
    the floor and the reply in doubt."""
    for text in ("1", "2", "3"):
        api.user_sends(Chat(BOB.id), BOB, text)
    api.faults["sendMessage"].append("drop_response")
    (done,) = await delivery.deliver([Outbound(chat_id=str(ALICE.id), text=REPLY)])
    assert _texts(api, ALICE) == [REPLY] and len(done.refs) == 1
    assert len(api.calls["editMessageText"]) >= 4  # three of Bob's ids, then the reply
    assert recorded.total("reply_in_doubt", outcome="delivered") == 1


async def test_flood_control_during_a_probe_is_waited_out_not_taken_for_an_absent_reply(
    api: TelegramServer, delivery: TelegramDelivery
) -> None:
    """A probe told to slow down (429) waits and asks again: for a reply in doubt after a crash
    (`ReplyProbe`) a probe that gave up would have the reply sent a second time."""
    floor = delivery.watermark.floor(ALICE.id)
    (sent,) = await delivery.deliver([Outbound(chat_id=str(ALICE.id), text=REPLY)])
    assert len(sent.refs) == 1
    api.flood["editMessageText"] = 1  # the first probe call answers 429, retry after 1 s
    outbound = Outbound(chat_id=str(ALICE.id), text=REPLY)
    assert await ReplyProbe(delivery).delivered_steps(outbound, floor) == 1
    api.flood["editMessageText"] = 1
    api.faults["sendMessage"].append("drop_response")
    await delivery.deliver([Outbound(chat_id=str(ALICE.id), text="好的")])
    assert _texts(api, ALICE) == [REPLY, "好的"]


async def test_a_send_lost_on_the_way_is_sent_again(
    api: TelegramServer, delivery: TelegramDelivery, recorded: telemetry.RecordingTelemetry
) -> None:
    api.faults["sendMessage"].append("drop_request")
    (done,) = await delivery.deliver([Outbound(chat_id=str(ALICE.id), text=REPLY)])
    assert _texts(api, ALICE) == [REPLY] and len(done.refs) == 1
    assert recorded.total("reply_lost") == 0


async def test_a_probe_without_an_answer_is_no_reason_to_send_blind(
    api: TelegramServer, delivery: TelegramDelivery
) -> None:
    """The send's answer is lost, then the first probe's request too: the next try probes again rather than
    sending a second copy."""
    api.faults["sendMessage"].append("drop_response")
    api.faults["editMessageText"].append("drop_request")
    (done,) = await delivery.deliver([Outbound(chat_id=str(ALICE.id), text=REPLY)])
    assert _texts(api, ALICE) == [REPLY] and len(done.refs) == 1
    assert len(api.calls["sendMessage"]) == 1


async def test_each_chunk_of_a_long_reply_is_sent_exactly_once(
    api: TelegramServer, delivery: TelegramDelivery
) -> None:
    long = "\n".join(f"第 {n} 行：" + "很长的说明" * 40 for n in range(40))  # several messages
    api.faults["sendMessage"] += ["drop_request", "drop_request", "drop_response"]  # 1st twice, then 2nd
    (done,) = await delivery.deliver([Outbound(chat_id=str(ALICE.id), text=long)])
    texts = _texts(api, ALICE)
    assert len(texts) > 2 and len(done.refs) == len(texts) == len(set(texts))
    assert "".join(texts).replace("\n", "") == long.replace("\n", "")


async def test_a_photo_lost_on_the_way_is_sent_again(api: TelegramServer, delivery: TelegramDelivery) -> None:
    api.faults["sendPhoto"].append("drop_request")
    outbound = Outbound(chat_id=str(ALICE.id), text=REPLY, images=(("a.png", b"\x89PNG\r\n"),))
    (done,) = await delivery.deliver([outbound])
    assert [m.get("text") or "photo" for m in api.sent[ALICE.id]] == [REPLY, "photo"]
    assert len(done.refs) == 2


async def test_a_reply_that_cannot_be_sent_is_counted_lost_and_the_rest_still_goes(
    api: TelegramServer, delivery: TelegramDelivery, recorded: telemetry.RecordingTelemetry
) -> None:
    api.faults["sendMessage"] += ["drop_request"] * SEND_ATTEMPTS  # every try of the first reply
    lost, to_bob = await delivery.deliver(
        [Outbound(chat_id=str(ALICE.id), text=REPLY), Outbound(chat_id=str(BOB.id), text="好的")]
    )
    assert lost.refs == () and _texts(api, ALICE) == []
    assert recorded.total("reply_lost", channel="telegram") == 1
    assert len(to_bob.refs) == 1 and _texts(api, BOB) == ["好的"]


@pytest.mark.parametrize("fault", ["drop_response", "drop_request"])
async def test_a_groups_placeholder_edit_lost_in_transit_is_made_again_in_place(
    api: TelegramServer, delivery: TelegramDelivery, fault: str
) -> None:
    """Groups stream into a placeholder message that the final reply edits: an edit that failed in transit
    (landed or not) is made again (edits are idempotent) — not replaced by a second message and the
    placeholder's deletion, two more calls and a reply that jumps in the chat."""
    asked = api.user_sends(GROUP, ALICE, "@xiaoer_test_bot 运费怎么算")
    progress = TelegramProgress(delivery.bot, GROUP.id, private=False, reply_to=asked["message_id"])
    await progress.draft("运费：满 99 元")  # the placeholder
    assert progress.placeholder_id is not None
    api.faults["editMessageText"].append(fault)
    (done,) = await delivery.deliver([Outbound(chat_id=str(GROUP.id), text=REPLY)], progress)
    assert _texts(api, GROUP) == [REPLY]  # the placeholder, now the reply
    assert len(api.calls["sendMessage"]) == 1 and not api.calls["deleteMessage"]  # only the placeholder
    assert [ref.message_id for ref in done.refs] == [str(api.sent[GROUP.id][0]["message_id"])]


async def test_a_customer_message_gets_exactly_one_reply_when_the_answer_is_lost(
    api: TelegramServer, recorded: telemetry.RecordingTelemetry
) -> None:
    """The whole channel (PTB Application, handlers, delivery) on the aiohttp transport."""
    core = ScriptedCore()
    core.script = lambda inbound, progress: [Outbound(chat_id=inbound.chat_id, text=REPLY)]
    config = TelegramConfig(api.token, api.base_url, api.file_url, typing_after_s=60.0)
    channel = TelegramChannel(core, config, load_messages(DEFAULT_PROMPTS_DIR))
    request = AiohttpRequest(4, read_timeout=0.3, write_timeout=0.0)
    app = build_application(channel, request=request, with_updater=False)
    errors: list[object] = []

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    app.add_error_handler(collect)
    async with app:
        api.user_sends(Chat(ALICE.id), ALICE, "运费怎么算")
        api.faults["sendMessage"].append("late_response")
        while api.updates:
            await app.process_update(Update.de_json(api.updates.pop(0), app.bot))
    assert errors == []
    assert _texts(api, ALICE) == [REPLY]
    assert recorded.total("reply_in_doubt", outcome="delivered") == 1
