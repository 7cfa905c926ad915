"""The aiohttp webhook server (bot/channels/telegram/webhook.py): what Telegram gets back for each kind of
request, and that the body reaches a ledger-style queue as sent (in process, on a loopback port)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

import aiohttp
import pytest
from telegram import Bot, Update

from bot.channels.telegram.webhook import SECRET_HEADER, WebhookServer

SECRET = "hook-secret_1"


def _update(update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "Ann"},
            "text": "运费怎么算",
        },
    }


class RawQueue(asyncio.Queue[object]):
    """Like `LedgerUpdateQueue`: takes the body with the update; fails while `down` (database away)."""

    def __init__(self) -> None:
        super().__init__()
        self.payloads: list[str] = []
        self.down = False

    async def put_raw(self, update: Update, payload: str) -> None:
        if self.down:
            raise ConnectionError("ledger database unavailable")
        self.payloads.append(payload)
        await self.put(update)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("queue_kind", ["raw", "plain"])
async def test_webhook_answers_like_telegram_expects(queue_kind: str) -> None:
    queue: asyncio.Queue[object] = RawQueue() if queue_kind == "raw" else asyncio.Queue()
    port = _free_port()
    server = WebhookServer(
        "/telegram", Bot("123:abc"), queue, secret_token=SECRET, listen="127.0.0.1", port=port
    )
    ready = asyncio.Event()
    await server.serve_forever(ready)
    assert ready.is_set()
    url = f"http://127.0.0.1:{port}/telegram"
    ok = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    try:
        async with aiohttp.ClientSession() as http:

            async def post(body: bytes, headers: dict[str, str], path: str = url) -> int:
                async with http.post(path, data=body, headers=headers) as response:
                    return response.status

            body = json.dumps(_update(7), ensure_ascii=False).encode()
            assert await post(body, {"Content-Type": "application/json"}) == 403  # no secret
            assert await post(body, {**ok, SECRET_HEADER: "wrong"}) == 403
            assert await post(body, {**ok, "Content-Type": "text/plain"}) == 403
            assert await post(b"{not json", ok) == 400  # Telegram does not retry a 4xx
            assert await post(b'{"message": 5}', ok) == 400
            assert queue.empty()
            assert await post(body, ok) == 200
            assert await post(json.dumps(_update(8)).encode(), ok, url + "/") == 200  # trailing slash
            first, second = await queue.get(), await queue.get()
            assert isinstance(first, Update) and isinstance(second, Update)
            assert first.update_id == 7 and second.update_id == 8
            assert first.message is not None and first.message.text == "运费怎么算"
            if isinstance(queue, RawQueue):
                assert queue.payloads[0] == body.decode()  # stored as sent, not re-serialised
                queue.down = True
                assert await post(json.dumps(_update(9)).encode(), ok) == 500  # Telegram retries it
                queue.down = False
                assert await post(json.dumps(_update(9)).encode(), ok) == 200  # the retry is taken
                retried = await queue.get()
                assert isinstance(retried, Update) and retried.update_id == 9
            # a half emoji (lone surrogate escape): orjson refuses it, the standard library reads it, so do we
            half = json.dumps(_update(10)).replace(json.dumps("运费怎么算"), '"\\ud83d"').encode()
            assert await post(half, ok) == 200
            odd = await queue.get()
            assert isinstance(odd, Update) and odd.message is not None and odd.message.text == "\ud83d"
    finally:
        await server.shutdown()
    with pytest.raises(aiohttp.ClientConnectionError):  # stopped: nothing listens any more
        async with aiohttp.ClientSession() as http, http.post(url, data=b"{}", headers=ok):
            pass
