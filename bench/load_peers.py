"""Peers of the load test that stand in for the outside world: the reverse proxy and Telegram's delivery.

Kept apart from `bench/load.py` so the scenario reads on its own. The proxy behaves like nginx with
`proxy_next_upstream … non_idempotent` (see docker/nginx.conf); the Bot API server delivers webhooks the
way Telegram does (parallel connections, one chat at a time, retries until the bot answers 200).
"""

from __future__ import annotations

import http.client
import itertools
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.telegram_server import TelegramServer
from tests.support.telegram_wire import post_update


class RoundRobinProxy:
    """The reverse proxy in front of the replicas: round robin, next upstream on a refused/broken connection."""

    def __init__(self, upstreams: list[int]) -> None:
        self.upstreams = upstreams
        self._next = itertools.count()
        self.failovers = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                status, payload = proxy.forward(self.path, body, headers)
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/telegram"

    def forward(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        start = next(self._next)
        for attempt in range(len(self.upstreams)):
            port = self.upstreams[(start + attempt) % len(self.upstreams)]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
                if response.status < 500:
                    return response.status, payload
            except OSError:
                pass
            self.failovers += 1
        return 502, b"no replica answered"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


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
