"""Live widget connections: each follows its chat in the `WebHistory` and is sent what lands there.

A connection is woken (`poke`) when this process stores a message for its chat, and a poller wakes the
chats that got messages from other processes (an agent's reply written by another replica), so nothing
depends on which replica holds the visitor's socket. Each connection remembers the last id it sent, so a
message is sent once however many times it is woken.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.web.history import WebHistory

log = logging.getLogger(__name__)
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Connection:
    """One open widget socket following one chat."""

    def __init__(self, chat_id: str, send: Send, history: WebHistory, last_id: int) -> None:
        self.chat_id = chat_id
        self.last_id = last_id
        self._send = send
        self._history = history
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._wake.set()

    async def flush(self) -> None:
        """Send every stored message newer than the last one sent (in order, each once)."""
        async with self._lock:
            rows = await asyncio.to_thread(self._history.since, [self.chat_id], self.last_id)
            for row in rows:
                await self._send(row.frame())
                self.last_id = row.id

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # a closed socket: the endpoint unsubscribes us
                log.debug("push to %s failed", self.chat_id, exc_info=True)
                return

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


class WebHub:
    """The registry of open connections by chat, and the poller for messages from other processes."""

    def __init__(self, history: WebHistory, poll_s: float = 1.0) -> None:
        self.history = history
        self.poll_s = poll_s
        self._connections: dict[str, set[Connection]] = {}
        self._seen = 0

    @property
    def chats(self) -> list[str]:
        return list(self._connections)

    def subscribe(self, chat_id: str, send: Send, last_id: int) -> Connection:
        connection = Connection(chat_id, send, self.history, last_id)
        self._connections.setdefault(chat_id, set()).add(connection)
        connection.start()
        return connection

    def unsubscribe(self, connection: Connection) -> None:
        connection.stop()
        group = self._connections.get(connection.chat_id)
        if group is not None:
            group.discard(connection)
            if not group:
                del self._connections[connection.chat_id]

    def poke(self, chat_id: str) -> None:
        for connection in self._connections.get(chat_id, ()):
            connection.poke()

    async def poll_once(self) -> None:
        latest, chats = await asyncio.to_thread(self.history.chats_since, self._seen)
        self._seen = max(self._seen, latest)
        for chat_id in chats:
            self.poke(chat_id)

    async def poll_forever(self) -> None:
        """Wake connections whose chats got messages from elsewhere; runs for the app's lifetime."""
        self._seen, _ = await asyncio.to_thread(self.history.chats_since, 1 << 62)
        while True:
            await asyncio.sleep(self.poll_s)
            if not self._connections:
                continue
            try:
                await self.poll_once()
            except Exception:  # the database may be restarting: try again on the next tick
                log.warning("polling the web message log failed", exc_info=True)
