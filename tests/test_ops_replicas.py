"""Two PTB replicas sharing one PostgreSQL: exactly once, per-chat order, recovery of a dead replica's updates.

Real pieces only: PTB `Application`s with the ledger-backed queue and processor, talking HTTP to the local
Bot API server of the Telegram tests, and the embedded PostgreSQL server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.channels.telegram.replicas import ReplicaSafety
from bot.coordination.ledger import UpdateLedger
from bot.coordination.liveness import ReplicaLiveness
from bot.ops import metrics
from tests.support.databases import migrated_database
from tests.support.telegram_server import Chat, TelegramServer, User

pytestmark = pytest.mark.slow


class Replica:
    """One bot replica: a real Application whose handler echoes after a short pause, recording the order."""

    def __init__(self, name: str, tg: TelegramServer, url: str, handled: list[tuple[str, int, str]]) -> None:
        self.name = name
        self.database = migrated_database(url)
        self.safety = ReplicaSafety(self.database, lease_s=60.0, owner=name)
        builder = (
            ApplicationBuilder()
            .token(tg.token)
            .base_url(tg.base_url)
            .base_file_url(tg.file_url)
            .updater(None)
        )
        self.app: Application = self.safety.configure(builder).build()
        self.safety.attach(self.app.bot)
        self.app.add_handler(MessageHandler(filters.TEXT, self.on_text))
        self.handled = handled

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await asyncio.sleep(0.02 if int(update.message.text.split()[-1]) % 3 == 0 else 0.001)
        self.handled.append((self.name, update.effective_chat.id, update.message.text))
        await update.effective_chat.send_message(f"echo {update.message.text}")

    async def deliver(self, payload: dict[str, Any]) -> None:
        """What PTB's webhook handler does with a POSTed update."""
        await self.app.update_queue.put(Update.de_json(payload, self.app.bot))


@pytest.fixture
def tg() -> TelegramServer:
    with TelegramServer() as server:
        yield server


@pytest.fixture
async def replicas(tg: TelegramServer, postgres_url: str) -> AsyncIterator[tuple[Replica, Replica, list]]:
    handled: list[tuple[str, int, str]] = []
    pair = (Replica("a", tg, postgres_url, handled), Replica("b", tg, postgres_url, handled))
    for replica in pair:
        await replica.app.initialize()
        await replica.app.start()
    yield pair[0], pair[1], handled
    for replica in pair:
        await replica.app.stop()
        await replica.app.shutdown()
        replica.database.dispose()


def _update(tg: TelegramServer, chat: Chat, text: str) -> dict[str, Any]:
    message = tg.user_sends(chat, User(chat.id), text)
    return {"update_id": 10_000 + message["message_id"] + chat.id * 1000, "message": message}


async def _wait(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_the_same_update_on_both_replicas_is_answered_once(replicas, tg: TelegramServer) -> None:
    a, b, handled = replicas
    chats = [Chat(id) for id in range(1, 21)]
    updates = [_update(tg, chat, f"hi {n}") for n, chat in enumerate(chats)]
    dropped = metrics.value("xiaoer_duplicate_updates_total", channel="telegram")
    await asyncio.gather(*(replica.deliver(u) for u in updates for replica in (a, b)))
    await _wait(lambda: all(tg.sent[chat.id] for chat in chats))
    await asyncio.sleep(0.3)  # a duplicate would have been answered by now
    assert len(handled) == len(updates)
    assert {chat.id: len(tg.sent[chat.id]) for chat in chats} == {chat.id: 1 for chat in chats}
    assert metrics.value("xiaoer_duplicate_updates_total", channel="telegram") == dropped + len(updates)


async def test_one_chat_alternating_between_replicas_keeps_its_order(replicas, tg: TelegramServer) -> None:
    a, b, handled = replicas
    chat, other = Chat(77), Chat(78)
    for n in range(12):
        await (a if n % 2 == 0 else b).deliver(_update(tg, chat, f"msg {n}"))
        await (b if n % 2 == 0 else a).deliver(_update(tg, other, f"msg {n}"))
    await _wait(lambda: len(tg.sent[77]) + len(tg.sent[78]) >= 24)
    for chat_id in (77, 78):
        texts = [text for _, cid, text in handled if cid == chat_id]
        assert texts == [f"msg {n}" for n in range(12)]
        assert [m["text"] for m in tg.sent[chat_id]] == [f"echo msg {n}" for n in range(12)]
    assert {name for name, _, _ in handled} == {"a", "b"}  # both replicas did work


async def test_updates_of_a_dead_replica_are_recovered_once(
    replicas, tg: TelegramServer, postgres_url: str
) -> None:
    a, b, handled = replicas
    database = migrated_database(postgres_url)
    heartbeat = ReplicaLiveness(database, "dead")
    heartbeat.announce()
    dead = UpdateLedger(database, channel="telegram", owner="dead", lease_s=600.0)
    lost = _update(tg, Chat(5), "lost 1")
    assert dead.claim(lost["update_id"], "telegram:5", json.dumps(lost))  # claimed, acknowledged, ...
    assert await b.safety.recover_once() == 0  # ... its replica is alive: leave it alone
    await a.deliver(lost)  # a retry of the update while its owner works on it is not processed twice
    heartbeat.close()  # ... and then the replica dies (its database session ends)
    # Taken over at once, long before the 600 s lease: here, or by either replica's own recovery loop.
    await b.safety.recover_once()
    await _wait(lambda: len(tg.sent[5]) >= 1, timeout=10)
    assert [m["text"] for m in tg.sent[5]] == ["echo lost 1"]
    assert [(chat, text) for _, chat, text in handled] == [(5, "lost 1")]
    await a.deliver(lost)  # Telegram retries the same update later: a duplicate now
    await asyncio.sleep(0.2)
    assert len(tg.sent[5]) == 1
    database.dispose()
