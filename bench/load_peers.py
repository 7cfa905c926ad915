"""In-process Telegram peers for `bench/web_load.py`: the Bot API server delivering webhooks the way Telegram
does (parallel connections, one chat at a time, retries until the bot answers 200) and customers driving it.

`bench/load.py` runs its outside world in processes of its own instead (`bench/load_world.py`).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.telegram_server import Chat, TelegramServer, User
from tests.support.telegram_wire import post_update

QUESTIONS = ["你好", "怎么退货", "运费怎么算", "支持哪些支付方式", "How do returns work?", "保修多久"]
LLM_TEXT = "您好，这个问题我已经按店铺的规定为您说明了，还有其他需要帮忙的吗？"


@dataclass
class Customer:
    chat: Chat
    user: User
    start_at: float
    sent: int = 0
    seen: int = 0
    sent_at: float = 0.0
    latencies: list[float] = field(default_factory=list)


def drive(
    tg: TelegramServer, customers: list[Customer], messages: int, timeout_s: float, on_progress: Any = None
) -> tuple[float, float]:
    """Run the customers until every message is answered (or the timeout); returns (first send, last reply)."""
    first = time.perf_counter()
    last = first
    pending = set(range(len(customers)))
    deadline = first + timeout_s
    total = len(customers) * messages
    while pending and time.perf_counter() < deadline:
        now = time.perf_counter()
        for i in list(pending):
            c = customers[i]
            replies = len(tg.sent[c.chat.id])
            if c.sent and replies > c.seen and c.sent > len(c.latencies):
                c.latencies.append(now - c.sent_at)
                c.seen = replies
                last = now
            if c.sent == len(c.latencies) and c.sent < messages and now - first >= c.start_at:
                c.sent_at = time.perf_counter()
                tg.user_sends(c.chat, c.user, QUESTIONS[(c.chat.id + c.sent) % len(QUESTIONS)])
                c.sent += 1
            if len(c.latencies) == messages:
                pending.discard(i)
        if on_progress is not None:
            on_progress(sum(c.sent for c in customers) / total)
        time.sleep(0.005)
    return first, last


def _chat_of(update: dict[str, Any]) -> int:
    return int(update.get("message", {}).get("chat", {}).get("id", 0))


class ParallelWebhookServer(TelegramServer):
    """The local Bot API server delivering webhooks like Telegram: up to `connections` at once (Telegram's
    default max_connections is 40), one chat at a time and in order, retrying failed deliveries."""

    def __init__(self, connections: int = 40) -> None:
        super().__init__()
        self.connections = connections
        self._busy_chats: set[int] = set()

    def start(self) -> TelegramServer:
        super().start()  # its own single deliverer joins the pool below
        self._server.socket.listen(4096)  # Telegram does not drop bursts of bot requests: a deep backlog
        for _ in range(self.connections - 1):
            thread = threading.Thread(target=self._push_webhooks, daemon=True)
            self._threads.append(thread)
            thread.start()
        return self

    def _next_update(self) -> dict[str, Any] | None:
        for update in self.updates:
            if _chat_of(update) not in self._busy_chats:
                return update
        return None

    def _push_webhooks(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._stopping or (self.webhook and self._next_update()), timeout=1.0
                )
                if self._stopping:
                    return
                update = self._next_update() if self.webhook else None
                if update is None:
                    continue
                chat, hook = _chat_of(update), dict(self.webhook)
                self._busy_chats.add(chat)
            ok = post_update(hook["url"], hook["secret"], update, timeout=30)
            if not ok:
                time.sleep(0.2)
            with self._cond:
                self._busy_chats.discard(chat)
                if ok and update in self.updates:
                    self.updates.remove(update)
                    self.fetched_update_ids.add(update["update_id"])
                self._cond.notify_all()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc), so the run can say where its ceiling is."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the killed replica
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total
