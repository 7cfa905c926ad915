"""LLM streaming cost: client CPU per streamed chunk, three ways, in one run, against the same server.

Prints figures, asserts nothing. The loopback OpenAI-compatible server (tests/support/openai_server.py)
runs in a child process, so this process's CPU time (`time.process_time`) is the client's alone. Each
reply is streamed as 8-character chunks; every path reads the same replies, interleaved round by round:

- `raw httpx SSE` (the baseline): `httpx.AsyncClient.stream` + `aiter_lines` + `json.loads`, text joined;
- `adapter, http transport`: `OpenAIChatModel.stream` with `transport="http"` (one aiohttp session, SSE read
  line by line, chunks as plain dicts: what customer replies and completions use);
- `adapter, langchain transport`: `OpenAIChatModel.stream` with `transport="langchain"` (`ChatOpenAI.astream`
  with its callback manager — the reference path);
- `ChatOpenAI._astream (no callbacks)`: LangChain's private per-chunk generator, bypassing the callback
  machinery (for reference only; private API).

Cost per chunk is the slope between a short and a long reply (fixed per-request costs cancel out); the
per-request intercept is printed too. `--stall` also times how long a customer waits for the offline answer
when the provider accepts the request and then says nothing, with the default limits (the bot through
`SupportBot.handle`, so the figure includes the fallback to the composer).
Run: `.venv/bin/python bench/llm_stream_bench.py [--quick] [--json] [--stall]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import httpx  # noqa: E402

from bot.domain.prompt import PromptSpec  # noqa: E402
from bot.llm.openai_chat import OpenAIChatConfig, OpenAIChatModel  # noqa: E402

CHUNK = 8
SHORT, LONG = 20, 400  # chunks per reply
PROMPT = PromptSpec("bench", (("user", "{question}"),), ("question",))


def _serve(conn: Connection) -> None:
    from tests.support.openai_server import OpenAIServer, ScriptedReply, last_user_text

    def reply(body: dict[str, object]) -> str:
        n = int(last_user_text(body).split()[-1])
        return ("推荐您看看这款跑鞋。" * (n * CHUNK // 10 + 1))[: n * CHUNK]

    with OpenAIServer(responder=reply) as server:
        server._server.socket.listen(128)
        conn.send(server.base_url)
        while conn.recv() == "stall":  # until the parent says stop
            server.enqueue(ScriptedReply(stall_after=0))
            conn.send("ok")


Reader = Callable[[int], Awaitable[str]]


def raw_reader(base_url: str) -> tuple[Reader, Callable[[], Awaitable[None]]]:
    client = httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30)

    async def read(chunks: int) -> str:
        body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": f"n {chunks}"}]}
        text = ""
        async with client.stream("POST", "/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                choices = json.loads(line[6:]).get("choices") or [{}]
                text += choices[0].get("delta", {}).get("content") or ""
        return text

    return read, client.aclose


def adapter_reader(base_url: str, transport: str) -> tuple[Reader, Callable[[], Awaitable[None]]]:
    model = OpenAIChatModel(
        OpenAIChatConfig(model="m", base_url=base_url, api_key="k", max_retries=0, transport=transport)  # type: ignore[arg-type]
    )
    seen: list[int] = []

    async def on_text(text: str) -> None:
        seen.append(len(text))

    async def read(chunks: int) -> str:
        return await model.stream(PROMPT, {"question": f"n {chunks}"}, on_text)

    return read, model.aclose


def private_astream_reader(base_url: str) -> tuple[Reader, Callable[[], Awaitable[None]]]:
    from langchain_core.messages import HumanMessage

    model = OpenAIChatModel(
        OpenAIChatConfig(model="m", base_url=base_url, api_key="k", max_retries=0, transport="langchain")
    )
    chat_model = model._chat_model
    assert chat_model is not None

    async def read(chunks: int) -> str:
        text = ""
        async for generation in chat_model._astream([HumanMessage(f"n {chunks}")]):
            text += str(generation.message.content)
        return text

    return read, model.aclose


async def measure(base_url: str, requests: int) -> dict[str, dict[str, float]]:
    readers = {
        "raw httpx SSE (baseline)": raw_reader(base_url),
        "adapter, http transport": adapter_reader(base_url, "http"),
        "adapter, langchain transport": adapter_reader(base_url, "langchain"),
        "ChatOpenAI._astream (no callbacks)": private_astream_reader(base_url),
    }
    cpu: dict[tuple[str, int], list[float]] = {(name, n): [] for name in readers for n in (SHORT, LONG)}
    for read, _ in readers.values():  # warm up: connections, imports, caches
        for n in (SHORT, LONG):
            assert len(await read(n)) == n * CHUNK
    for _ in range(requests):
        for name, (read, _) in readers.items():
            for n in (SHORT, LONG):
                started = time.process_time()
                await read(n)
                cpu[(name, n)].append(time.process_time() - started)
    for _, close in readers.values():
        await close()
    out: dict[str, dict[str, float]] = {}
    for name in readers:
        short, long = (statistics.median(cpu[(name, n)]) for n in (SHORT, LONG))
        per_chunk = (long - short) / (LONG - SHORT)
        out[name] = {"us_per_chunk": per_chunk * 1e6, "ms_per_request": (short - per_chunk * SHORT) * 1e3}
    return out


def stalled_wait(base_url: str) -> float:
    """Seconds from a customer's message to the offline answer when the LLM stalls (default limits)."""
    from bot.domain.messages import Inbound
    from bot.ops.settings import load_settings
    from bot.wiring import build_support_bot
    from tests.support.core_fixtures import sample_knowledge

    settings = load_settings(
        OPENAI_BASE_URL=base_url, OPENAI_API_KEY="k", XIAOER_DATA_DIR=".xiaoer-bench-unused"
    )
    from bot.conversation.store import InMemoryConversationStore

    bot = build_support_bot(settings, knowledge=sample_knowledge(False), store=InMemoryConversationStore())

    async def ask() -> float:
        started = time.perf_counter()
        try:
            out = await bot.handle(Inbound("bench", "u", "有没有500以内的跑鞋"))
            assert out[0].meta["source"] == "composer"
            return time.perf_counter() - started
        finally:
            await bot.aclose()  # the LLM adapter's HTTP session belongs to this loop

    return asyncio.run(ask())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer requests (about 10 s)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--stall", action="store_true", help="also time the offline answer under a stalled LLM"
    )
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(child,), daemon=True)
    server.start()
    try:
        base_url = parent.recv()
        results = asyncio.run(measure(base_url, 10 if args.quick else 40))
        stalled = None
        if args.stall:
            parent.send("stall")
            parent.recv()
            stalled = stalled_wait(base_url)
    finally:
        parent.send("stop")
        server.join(5)
    baseline = results["raw httpx SSE (baseline)"]["us_per_chunk"]
    if args.json:
        print(json.dumps({"chunk_chars": CHUNK, "paths": results, "stalled_wait_s": stalled}, indent=2))
        return
    print(f"client CPU per streamed chunk ({CHUNK} chars), slope between {SHORT}- and {LONG}-chunk replies")
    for name, row in results.items():
        print(
            f"  {name:<38} {row['us_per_chunk']:8.1f} µs/chunk  ({row['us_per_chunk'] / baseline:4.1f}× baseline)"
            f"   fixed {row['ms_per_request']:6.2f} ms/request"
        )
    if stalled is not None:
        print(
            f"stalled LLM (default limits: first token 8 s, total 30 s, 2 retries): offline answer after "
            f"{stalled:.2f} s"
        )


if __name__ == "__main__":
    main()
