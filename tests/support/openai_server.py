"""A scripted OpenAI-compatible HTTP server on loopback, so tests exercise the real adapter's path.

Tests `enqueue()` replies (text, HTTP errors with headers, delays, invalid JSON, a stall, a stream cut
mid-way); when the queue is empty the `responder` callable answers from the request. Every request body is
recorded in `requests`. A stalled reply keeps the connection open and silent until the client closes it
(recorded in `closed_by_client`, signalled to `wait_closed`) or the server stops.
"""

from __future__ import annotations

import hashlib
import json
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np


@dataclass
class ScriptedReply:
    """One scripted answer. `status` ≠ 200 sends an error; `raw` sends that body verbatim.

    Streams only: `stall_after=n` goes silent after n content chunks (0: before even the response headers)
    until the client hangs up; `cut_after=n` ends the body after n content chunks with no finish_reason and
    no `[DONE]` — a clean end of a close-delimited body, or, with `chunked=True`, a chunked body whose
    last chunk never comes (the client sees a protocol error).
    """

    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    raw: str | None = None
    usage: tuple[int, int] = (10, 20)
    stall_after: int | None = None
    cut_after: int | None = None
    chunked: bool = False
    hang_after_done: bool = False  # after `[DONE]`, keep the connection open and the body unfinished


Responder = Callable[[dict[str, Any]], str]


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return ""


class OpenAIServer:
    """`with OpenAIServer() as srv: ChatOpenAI(base_url=srv.base_url, api_key="test") …`"""

    def __init__(
        self,
        responder: Responder | None = None,
        embedding_dim: int = 64,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.responder: Responder = responder or (lambda body: "OK")
        self.embedding_dim = embedding_dim
        self.delay_s = 0.0  # how long the responder's answers take (scripted replies carry their own)
        self.stream_pace_s = 0.0  # pause between streamed chunks (a slow model, for end-to-end drafts)
        self.queue: deque[ScriptedReply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.closed_by_client: list[
            int
        ] = []  # indexes (in `requests`) of stalled requests the client hung up
        self._closed = threading.Condition()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *replies: ScriptedReply | str) -> None:
        with self._lock:
            for reply in replies:
                self.queue.append(ScriptedReply(content=reply) if isinstance(reply, str) else reply)

    def reset(self) -> None:
        with self._lock:
            self.queue.clear()
            self.requests.clear()
            self.paths.clear()
        with self._closed:
            self.closed_by_client.clear()

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def wait_closed(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until the client has hung up on `count` stalled requests (False if it has not by then)."""
        with self._closed:
            return self._closed.wait_for(lambda: len(self.closed_by_client) >= count, timeout)

    def _stall(self, connection: socket.socket, request_index: int) -> None:
        """Say nothing until the client closes the connection (or the server stops)."""
        while not self._stopping.is_set():
            readable, _, _ = select.select([connection], [], [], 0.5)
            if readable:
                try:
                    data = connection.recv(1024)
                except OSError:
                    data = b""
                if not data:
                    with self._closed:
                        self.closed_by_client.append(request_index)
                        self._closed.notify_all()
                    return

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, body: dict[str, Any]) -> tuple[int, ScriptedReply]:
        with self._lock:
            self.requests.append(body)
            index = len(self.requests) - 1
            if self.queue:
                return index, self.queue.popleft()
        return index, ScriptedReply(content=self.responder(body), delay_s=self.delay_s)

    def _embed(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(self.embedding_dim)
        return (vector / np.linalg.norm(vector)).round(6).tolist()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                payload = {"object": "list", "data": [{"id": "scripted", "object": "model", "owned_by": "t"}]}
                self._send(200, json.dumps(payload).encode(), "application/json", {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.paths.append(self.path)
                if self.path.rstrip("/").endswith("/embeddings"):
                    return self._embeddings(body)
                index, reply = server._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.stall_after == 0:
                    server._stall(self.connection, index)
                    self.close_connection = True
                    return None
                if reply.raw is not None:
                    return self._send(reply.status, reply.raw.encode(), "application/json", reply.headers)
                if reply.status != 200:
                    error = {"error": {"message": reply.content or "scripted error", "type": "server_error"}}
                    return self._send(
                        reply.status, json.dumps(error).encode(), "application/json", reply.headers
                    )
                if body.get("stream"):
                    return self._stream(body, reply, index)
                payload = {
                    "id": "chatcmpl-scripted",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "scripted"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": reply.usage[0],
                        "completion_tokens": reply.usage[1],
                        "total_tokens": sum(reply.usage),
                    },
                }
                self._send(200, json.dumps(payload, ensure_ascii=False).encode(), "application/json", {})

            def _stream(self, body: dict[str, Any], reply: ScriptedReply, index: int) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.close_connection = True
                model = body.get("model", "scripted")
                text = reply.content
                pieces = [text[i : i + 8] for i in range(0, len(text), 8)] or [""]
                for n, piece in enumerate(pieces):
                    if n in (reply.stall_after, reply.cut_after):
                        break
                    if n and server.stream_pace_s:
                        time.sleep(server.stream_pace_s)
                    delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
                    self._event(_chunk(model, [{"index": 0, "delta": delta, "finish_reason": None}]), reply)
                if reply.stall_after is not None:
                    return server._stall(self.connection, index)
                if reply.cut_after is not None:
                    return None  # no finish_reason, no [DONE], no last chunk of a chunked body
                self._event(_chunk(model, [{"index": 0, "delta": {}, "finish_reason": "stop"}]), reply)
                if (body.get("stream_options") or {}).get("include_usage"):
                    usage = {
                        "prompt_tokens": reply.usage[0],
                        "completion_tokens": reply.usage[1],
                        "total_tokens": sum(reply.usage),
                    }
                    self._event({**_chunk(model, []), "usage": usage}, reply)
                self._write(b"data: [DONE]\n\n", reply)
                if reply.hang_after_done:
                    return server._stall(self.connection, index)
                if reply.chunked:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()

            def _event(self, payload: dict[str, Any], reply: ScriptedReply) -> None:
                self._write(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode(), reply)

            def _write(self, data: bytes, reply: ScriptedReply) -> None:
                if reply.chunked:
                    data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
                self.wfile.write(data)
                self.wfile.flush()

            def _embeddings(self, body: dict[str, Any]) -> None:
                inputs = body.get("input", [])
                if isinstance(inputs, str):
                    inputs = [inputs]
                data = [
                    {"object": "embedding", "index": i, "embedding": server._embed(str(text))}
                    for i, text in enumerate(inputs)
                ]
                payload = {
                    "object": "list",
                    "data": data,
                    "model": body.get("model", "scripted"),
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                }
                self._send(200, json.dumps(payload).encode(), "application/json", {})

        return Handler


def _chunk(model: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
    }
