"""PTB's transport on aiohttp (`AiohttpRequest`) against the loopback Bot API server over real HTTP:
JSON bodies with nested objects, multipart uploads, file downloads, PTB's errors for Telegram's answers,
and TimedOut / NetworkError for what the network does."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.transport import AiohttpRequest
from tests.support.telegram_server import Chat, TelegramServer, User

ALICE = User(101, "Alice", "en")


@pytest.fixture(scope="module")
def api() -> Iterator[TelegramServer]:
    with TelegramServer() as server:
        server.user_sends(Chat(ALICE.id), ALICE, "hi")  # the chat exists
        yield server


def _bot(api: TelegramServer, **timeouts: float) -> Bot:
    return Bot(
        api.token, base_url=api.base_url, base_file_url=api.file_url, request=AiohttpRequest(2, **timeouts)
    )


async def test_calls_send_json_uploads_and_downloads(api: TelegramServer) -> None:
    async with _bot(api) as bot:
        assert bot.username == api.bot_user["username"]  # getMe at initialize
        keys = InlineKeyboardMarkup([[InlineKeyboardButton("详情", callback_data="d:1")]])
        preview = LinkPreviewOptions(url="https://img/1.jpg", prefer_large_media=True)
        message = await bot.send_message(
            ALICE.id, "<b>价格</b> ¥9", parse_mode="HTML", reply_markup=keys, link_preview_options=preview
        )
        stored = api.sent[ALICE.id][-1]
        assert (message.text, stored["text"], stored["entities"][0]["type"]) == ("价格 ¥9", "价格 ¥9", "bold")
        assert stored["reply_markup"] == {"inline_keyboard": [[{"text": "详情", "callback_data": "d:1"}]]}
        assert stored["link_preview_options"] == {"url": "https://img/1.jpg", "prefer_large_media": True}
        document = await bot.send_document(ALICE.id, b"a,b\n1,2\n", filename="t.csv", caption="表")
        assert document.document is not None and document.caption == "表"
        file = await bot.get_file(document.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"a,b\n1,2\n"


async def test_telegrams_errors_become_ptbs(api: TelegramServer) -> None:
    async with _bot(api) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(424242, "?")
        api.flood["sendMessage"] = 1
        with pytest.raises(RetryAfter):
            await bot.send_message(ALICE.id, "too fast")
        api.blocked_chats.add(ALICE.id)
        try:
            with pytest.raises(Forbidden):
                await bot.send_message(ALICE.id, "blocked")
        finally:
            api.blocked_chats.discard(ALICE.id)


async def test_network_failures_are_timed_out_or_network_error() -> None:
    silent = socket.socket()  # accepts connections (backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, not listening: connection refused
    token = "1:x"
    try:
        quiet = Bot(
            token,
            base_url=f"http://127.0.0.1:{silent.getsockname()[1]}/bot",
            request=AiohttpRequest(read_timeout=0.2, write_timeout=0.0),
        )
        with pytest.raises(TimedOut):
            await quiet.get_me()
        refused = Bot(
            token, base_url=f"http://127.0.0.1:{closed.getsockname()[1]}/bot", request=AiohttpRequest()
        )
        with pytest.raises(NetworkError) as caught:
            await refused.get_me()
        assert not isinstance(caught.value, TimedOut) and "aiohttp" in str(caught.value)
        await quiet.request.shutdown()
        await refused.request.shutdown()
    finally:
        silent.close()
        closed.close()


def test_answers_are_parsed_as_ptb_parses_them() -> None:
    """orjson reads the Bot API's answers; what it refuses goes to PTB's own parser (invalid UTF-8 is replaced,
    NaN read), and what is no JSON at all is PTB's `TelegramError`."""
    from telegram.error import TelegramError
    from telegram.request import BaseRequest

    for payload in (
        b'{"ok": true, "result": {"message_id": 7, "text": "\xe4\xbd\xa0\xe5\xa5\xbd"}}',
        b'{"ok": true, "result": {"text": "caf\xe9"}}',  # not UTF-8
        b'{"ok": true, "result": {"x": NaN}}',
    ):
        ours, ptbs = AiohttpRequest.parse_json_payload(payload), BaseRequest.parse_json_payload(payload)
        assert repr(ours) == repr(ptbs)
    with pytest.raises(TelegramError, match="Invalid server response"):
        AiohttpRequest.parse_json_payload(b"<html>bad gateway</html>")
