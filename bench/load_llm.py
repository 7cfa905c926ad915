"""The scripted LLM of the load test in its own process: an OpenAI-compatible server answering after a fixed delay.

Why its own process on asyncio: the bench divides the bots' CPU by the messages they answered, and a thread
per request (as `tests/support/openai_server.py` does for the test suite) would cost about as much as what
it measures. `POST /v1/chat/completions` waits `--delay` seconds, then answers `--text` — streamed as
server-sent events in `--chunk`-character pieces when the request asks for a stream (a real model streams a
token or two at a time), else as one completion. `GET /_bench/calls` counts requests by kind: `stream`
(answers) and `complete` (classifiers, rewrites …).

The answer is grounded, as a model following the answer prompt's rules writes it (`grounded_answer`): the first
products of the prompt's <catalog> with their prices, else the policy line of <policies> that the question's
words touch most, in the question's language. A fixed text (`--text`) is grounded in nothing: the bot's
allow-list gate drops it every time and the customer gets a bare closing line — a bench measuring that path
measures the rejection of an answer on every message, not production.

Run: `python bench/load_llm.py --port P` (prints `ready` when listening).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load_world import run_loop

from knowledge.script import has_han

DEFAULT_TEXT = (
    "您好，这个问题我已经按店铺的规定为您说明了：具体的条件、时限和费用都以页面上写明的为准，"
    "如果还有不清楚的地方，可以随时告诉我，我帮您转给人工客服确认。还有其他需要帮忙的吗？"
)


# What the answer prompt (bot/prompts/chat/answer.yaml) puts in front of the model.
_SECTION = re.compile(r"<(catalog|policies)>\n(.*?)\n</\1>", re.S)
_PRODUCT = re.compile(r"^\[\d+\] SKU \S+ \| ([^|]+?) \|.*?\| price (\S+)", re.M)
_POLICY = re.compile(r"^- \*\*(.+?)\*\*\s*[：:]?\s*(.+)$", re.M)
_WORD = re.compile(r"\w+")


def _overlap(question: str, line: str) -> int:
    """Characters of Han text and words of other text the question shares with a line."""
    if has_han(question):
        return len(set(question) & set(line))
    words = {w.lower() for w in _WORD.findall(question) if len(w) > 2}
    return sum(1 for w in _WORD.findall(line.lower()) if w in words)


def grounded_answer(body: dict[str, Any]) -> str | None:
    """A grounded answer to a chat request that carries the answer prompt's sections, else None: the first
    two products of <catalog> with their prices, or the <policies> line (in the question's language) the
    question shares most with, quoted."""
    messages = body.get("messages") or []
    user = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    sections = dict(_SECTION.findall(user))
    if not sections:
        return None
    question = user.rpartition("Customer:")[2].strip()
    chinese = has_han(question)
    products = _PRODUCT.findall(sections.get("catalog", ""))[:2]
    if products:
        if chinese:
            return "为您找到：" + "；".join(f"{title.strip()}，{price}" for title, price in products) + "。"
        return "You could look at " + " or ".join(f"{t.strip()} ({p})" for t, p in products) + "."
    lines = [
        (label, text)
        for label, text in _POLICY.findall(sections.get("policies", ""))
        if has_han(text) == chinese
    ]
    if not lines:
        return None
    label, text = max(lines, key=lambda line: _overlap(question, line[0] + line[1]))
    return f"{label}：{text}" if chinese else f"{label}: {text}"


class ScriptedLLM:
    """`text=None`: grounded answers (`grounded_answer`), the fixed default for requests without sections."""

    def __init__(self, delay_s: float, text: str | None, chunk: int) -> None:
        self.delay_s, self.text, self.chunk = delay_s, text, max(1, chunk)
        self.calls: Counter[str] = Counter()

    def answer(self, body: dict[str, Any]) -> str:
        if self.text is not None:
            return self.text
        return grounded_answer(body) or DEFAULT_TEXT

    def _chunk(self, model: str, delta: dict[str, str], finish: str | None = None) -> bytes:
        body = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(body, ensure_ascii=False).encode() + b"\n\n"

    async def completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        model = str(body.get("model", "scripted"))
        self.calls["stream" if body.get("stream") else "complete"] += 1
        text = self.answer(body)
        await asyncio.sleep(self.delay_s)
        if not body.get("stream"):
            return web.json_response(
                {
                    "id": "chatcmpl-bench",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 60, "total_tokens": 160},
                }
            )
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        pieces = [text[i : i + self.chunk] for i in range(0, len(text), self.chunk)]
        for n, piece in enumerate(pieces):
            delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
            await response.write(self._chunk(model, delta))
        await response.write(self._chunk(model, {}, "stop") + b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def models(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"object": "list", "data": [{"id": "scripted", "object": "model", "owned_by": "b"}]}
        )

    async def call_counts(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.calls))


async def serve(port: int, llm: ScriptedLLM) -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", llm.completions)
    app.router.add_get("/v1/models", llm.models)
    app.router.add_get("/_bench/calls", llm.call_counts)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before the answer starts")
    parser.add_argument("--text", default=None, help="a fixed answer (default: grounded answers)")
    parser.add_argument("--chunk", type=int, default=2, help="characters per streamed chunk")
    args = parser.parse_args()
    run_loop(serve(args.port, ScriptedLLM(args.delay, args.text, args.chunk)))


if __name__ == "__main__":
    main()
