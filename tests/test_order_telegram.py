"""A damaged parcel over Telegram: the REAL SupportBot (SQLite, order stores, handoff) inside the real PTB
Application, talking to the fake local Bot API server of tests/support through the loopback transport.

The customer verifies, explains, sends a photo (its file id reaches the request; the photo itself is copied
into the support group beside the card); an agent presses the card's signed approve button, and the
customer is told in their chat. A forged approve button is refused by the channel's signature check.
"""

from __future__ import annotations

from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.channels.telegram.app import build_application
from bot.channels.telegram.handlers import TelegramChannel, TelegramConfig
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import load_messages
from tests.support.order_chat import order_bot
from tests.support.telegram_server import Chat, TelegramServer, User
from tests.test_telegram_channel import LoopbackRequest

BUYER = User(301, "Zhao", "zh")
AGENT = User(401, "Agent Mei", "zh")
SUPPORT = Chat(-1009, "supergroup", "Support")


async def feed(api: TelegramServer, app: Application, errors: list[BaseException]) -> None:
    while api.updates:
        await app.process_update(Update.de_json(api.updates.pop(0), app.bot))
    if errors:
        raise errors[0]


def texts(api: TelegramServer, chat: Chat) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in api.sent[chat.id]]


async def test_damaged_parcel_photo_card_and_approval_over_telegram(tmp_path: Path) -> None:
    bot = order_bot(tmp_path, XIAOER_SUPPORT_CHAT_ID=str(SUPPORT.id))
    api = TelegramServer()
    config = TelegramConfig(
        api.token, "http://127.0.0.1:1/bot", "http://127.0.0.1:1/file/bot", support_chat_id=SUPPORT.id
    )
    channel = TelegramChannel(bot, config, load_messages(DEFAULT_PROMPTS_DIR), handoff=bot.handoff)
    app = build_application(channel, request=LoopbackRequest(api), with_updater=False)
    errors: list[BaseException] = []

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)  # type: ignore[arg-type]

    app.add_error_handler(collect)
    chat = Chat(BUYER.id)
    api.chats[SUPPORT.id] = SUPPORT
    try:
        async with app:
            for text in ("收到的锅是破的，订单 XE7008", "尾号6699", "锅底有个大凹坑"):
                api.user_sends(chat, BUYER, text)
            photo = api.user_sends_photo(chat, BUYER)
            api.user_sends(chat, BUYER, "好了")
            await feed(api, app, errors)
            said = texts(api, chat)
            assert len(said) == 5, said  # one reply per message
            assert "后 4 位" in said[0] and "符合" in said[1] and "照片" in said[2] and "第 1 张" in said[3]
            assert "商品破损申请" in said[4]

            support = api.sent[SUPPORT.id]
            card = next(m for m in support if "XE7008" in (m.get("text") or ""))
            assert "锅底有个大凹坑" in card["text"] and "13300006699" not in card["text"]
            buttons = [b for row in card["reply_markup"]["inline_keyboard"] for b in row]
            approve = next(b["callback_data"] for b in buttons if b["callback_data"].startswith("o:a:"))
            assert "|" in approve  # signed by the channel
            (copied,) = [c for c in api.calls["copyMessage"] if str(c["chat_id"]) == str(SUPPORT.id)]
            assert (
                str(copied["from_chat_id"]) == str(BUYER.id) and copied["message_id"] == photo["message_id"]
            )
            requests = await bot.runtime.orders.aftersales.for_order("XE7008")  # type: ignore[union-attr]
            assert requests[0].photos == (photo["photo"][-1]["file_id"],)

            forged = approve.split("|")[0] + "|forged00"
            api.user_presses(SUPPORT, AGENT, card["message_id"], forged)
            await feed(api, app, errors)
            assert (await bot.runtime.orders.aftersales.for_order("XE7008"))[0].status.value == "requested"  # type: ignore[union-attr]

            api.user_presses(SUPPORT, AGENT, card["message_id"], approve)
            await feed(api, app, errors)
            assert "已通过" in texts(api, chat)[-1]
            assert any("已同意" in t for t in texts(api, SUPPORT))
            status = (await bot.runtime.orders.aftersales.for_order("XE7008"))[0]  # type: ignore[union-attr]
            assert status.status.value == "approved" and status.decided_by
    finally:
        bot.close()
