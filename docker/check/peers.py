"""The outside world of `make docker-check`, run in containers from the project image with tests/ mounted.

    python peers.py telegram --port 8081 --control-port 8082   # the test suite's local Bot API server
    python peers.py llm --port 8000                              # the test suite's scripted OpenAI server

The Bot API server is the one the end-to-end tests use (tests/support/telegram_server.py): the bot replicas
talk to it as to Telegram, and it delivers updates to the webhook the bot registered (through the nginx proxy,
with the secret header), retrying until a replica answers 200. A small control API next to it lets the check
play the customers and read what the bot sent:

    POST /send  {"chat": 1, "text": "…"}  → {"message_id": …}     a customer writes in their private chat
    GET  /state                            → {"webhook": url, "pending": n, "sent": {chat: n},
                                              "send_message": {chat: n}, "set_webhook": n}
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ is mounted next to this file

from tests.support.openai_server import OpenAIServer
from tests.support.telegram_server import Chat, TelegramServer, User

LLM_TEXT = "您好，这个问题我已经按店铺的规定为您说明了，还有其他需要帮忙的吗？"


def _state(tg: TelegramServer) -> dict[str, Any]:
    def snapshot() -> tuple[dict[str, Any]]:  # called under the server's lock by wait_for
        return (
            {
                "webhook": tg.webhook.get("url", ""),
                "pending": len(tg.updates),
                "sent": {str(chat): len(messages) for chat, messages in tg.sent.items() if messages},
                "send_message": dict(Counter(str(call["chat_id"]) for call in tg.calls["sendMessage"])),
                "set_webhook": len(tg.calls["setWebhook"]),
            },
        )

    return tg.wait_for(snapshot, timeout=5)[0]


def serve_telegram(port: int, control_port: int) -> None:
    tg = TelegramServer(host="0.0.0.0", port=port).start()

    class Control(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def _json(self, status: int, body: object) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                return self._json(200, {"status": "ok"})
            if self.path == "/state":
                return self._json(200, _state(tg))
            return self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            if self.path != "/send":
                return self._json(404, {"error": "not found"})
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            chat_id = int(body["chat"])
            message = tg.user_sends(Chat(chat_id), User(chat_id), str(body["text"]))
            return self._json(200, {"message_id": message["message_id"]})

    control = ThreadingHTTPServer(("0.0.0.0", control_port), Control)
    control.daemon_threads = True
    print(f"Bot API server on :{port}, control on :{control_port}", flush=True)
    try:
        control.serve_forever()
    finally:
        tg.stop()


def serve_llm(port: int) -> None:
    server = OpenAIServer(responder=lambda body: LLM_TEXT, host="0.0.0.0", port=port).start()
    print(f"scripted OpenAI-compatible server on :{port}", flush=True)
    try:
        threading.Event().wait()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=["telegram", "llm"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, default=8082)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 in a container: stop promptly
    if args.peer == "telegram":
        serve_telegram(args.port, args.control_port)
    else:
        serve_llm(args.port)


if __name__ == "__main__":
    main()
