"""Load test of the web widget: N concurrent widget sessions over WebSockets against one `xiaoer web`
process, beside the Telegram webhook path (one `xiaoer telegram --webhook` process) in the same run.

    .venv/bin/python bench/web_load.py                        # 200 visitors × 3 messages, 200 ms LLM
    .venv/bin/python bench/web_load.py --visitors 500 --messages 5

Both paths run the same catalog (the bundled sample, ingested once), the same SQLite data directory
(one path after the other, never together), and the same scripted OpenAI-compatible LLM answering after a
fixed delay. The Telegram side is `bench/load_peers.py`'s harness (the local Bot API server delivering
webhooks like Telegram: up to 40 at once, one chat at a time) with one replica and no proxy; the web side
is N asyncio WebSocket clients speaking the widget's protocol. Each customer sends its messages one
after the other, each as soon as the previous one was answered (the widget's `done` frame / the bot's
Telegram message). Printed per path: messages/s, latency percentiles, messages without exactly one
reply, and the server's CPU per message; the ideal throughput for this concurrency (customers / LLM
delay) is the baseline both are read against.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.load import SECRET  # noqa: E402
from bench.load_peers import LLM_TEXT, QUESTIONS, Customer, ParallelWebhookServer, cpu_seconds, drive  # noqa: E402
from tests.support.chroma_server import _free_port  # noqa: E402
from tests.support.openai_server import OpenAIServer  # noqa: E402
from tests.support.telegram_process import CLI, BotProcess, clean_env  # noqa: E402
from tests.support.telegram_server import Chat, User  # noqa: E402

UNLIMITED = {
    "XIAOER_RATE_LIMIT_MESSAGES": "1000000",
    "XIAOER_WEB_IP_RATE_LIMIT_MESSAGES": "1000000",  # every bench visitor comes from 127.0.0.1
}


def percentiles(latencies: list[float]) -> dict[str, float]:
    values = sorted(latencies)
    if len(values) < 2:
        return {"p50": float("nan"), "p90": float("nan"), "p99": float("nan"), "max": float("nan")}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": q[49], "p90": q[89], "p99": q[98], "max": values[-1]}


def line(
    name: str, answered: int, total: int, elapsed: float, lat: list[float], bad: int, cpu_ms: float
) -> str:
    p = percentiles(lat)
    return (
        f"{name:<9} {answered:>5}/{total:<5} {answered / max(elapsed, 1e-9):>8.1f} msg/s   "
        f"p50 {p['p50'] * 1000:>5.0f}  p90 {p['p90'] * 1000:>5.0f}  p99 {p['p99'] * 1000:>5.0f}  "
        f"max {p['max'] * 1000:>5.0f} ms   not exactly one reply: {bad:<3}  CPU {cpu_ms:>5.1f} ms/msg"
    )


# --- the Telegram path (bench/load_peers.py's harness, one replica) ------------------------------------------
def telegram_path(args: argparse.Namespace, work: Path, llm: OpenAIServer) -> str:
    with ParallelWebhookServer(args.connections) as tg:
        port = _free_port()
        bot = BotProcess(
            tg,
            work,
            "--webhook",
            f"http://127.0.0.1:{port}/telegram",
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_API_KEY="load-test",
            XIAOER_LLM_MODEL="scripted",
            XIAOER_WEBHOOK_SECRET=SECRET,
            **UNLIMITED,
        )
        bot.log_path = work / "telegram.log"
        bot.start("setWebhook", timeout=300)
        try:
            customers = [
                Customer(Chat(3_000_000 + i), User(3_000_000 + i), args.ramp * i / args.visitors)
                for i in range(args.visitors)
            ]
            pid = [bot.process.pid] if bot.process is not None else []
            cpu = cpu_seconds(pid)
            first, last = drive(tg, customers, args.messages, args.timeout)
            time.sleep(1.0)  # a late duplicate would arrive now
            cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / max(1, args.visitors * args.messages)
            lat = [x for c in customers for x in c.latencies]
            bad = sum(abs(len(tg.sent[c.chat.id]) - args.messages) for c in customers)
            total = args.visitors * args.messages
            return line("telegram", len(lat), total, last - first, lat, bad, cpu_ms)
        finally:
            bot.stop()


# --- the web path ----------------------------------------------------------------------------------------
class WebProcess:
    """`xiaoer web --host 127.0.0.1 --port P` as a child process."""

    def __init__(self, work: Path, llm: OpenAIServer) -> None:
        self.port = _free_port()
        env = clean_env(
            XIAOER_DATA_DIR=str(work),
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_API_KEY="load-test",
            XIAOER_LLM_MODEL="scripted",
            XIAOER_WEB_SECRET="load-test-web-secret",
            **UNLIMITED,
        )
        self.log = (work / "web.log").open("ab")
        self.process = subprocess.Popen(
            [*CLI, "web", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=work,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"xiaoer web exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("xiaoer web did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


async def visitor(n: int, url: str, messages: int, start_at: float, out: dict[str, Any]) -> None:
    from websockets.asyncio.client import connect

    await asyncio.sleep(start_at)
    async with connect(url.replace("http", "ws", 1) + "/ws", origin=url, max_size=2**22) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "hello", "session": "", "lang": "zh"}))
        assert json.loads(await ws.recv())["type"] == "session"
        for m in range(messages):
            question = QUESTIONS[(n + m) % len(QUESTIONS)]
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "text": question}))
            replies = 0
            while (frame := json.loads(await ws.recv()))["type"] != "done":
                replies += frame["type"] == "message" and frame.get("who") != "visitor"
            done = time.perf_counter()
            out["latencies"].append(done - sent)
            out["last"] = max(out["last"], done)
            out["bad"] += replies != 1


async def drive_web(url: str, visitors: int, messages: int, ramp: float, timeout: float) -> dict[str, Any]:
    out: dict[str, Any] = {"latencies": [], "bad": 0, "last": 0.0, "first": time.perf_counter(), "errors": 0}
    tasks = [
        asyncio.create_task(visitor(n, url, messages, ramp * n / visitors, out)) for n in range(visitors)
    ]
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    out["errors"] = sum(1 for t in done if t.exception() is not None) + len(pending)
    return out


def web_path(args: argparse.Namespace, work: Path, llm: OpenAIServer) -> str:
    web = WebProcess(work, llm)
    try:
        web.wait_ready()
        cpu = cpu_seconds([web.process.pid])
        out = asyncio.run(drive_web(web.url, args.visitors, args.messages, args.ramp, args.timeout))
        cpu_ms = (cpu_seconds([web.process.pid]) - cpu) * 1000 / max(1, args.visitors * args.messages)
        total = args.visitors * args.messages
        lat = out["latencies"]
        bad = out["bad"] + (total - len(lat))
        if out["errors"]:
            print(f"web: {out['errors']} visitor sessions failed")
        return line("web", len(lat), total, out["last"] - out["first"], lat, bad, cpu_ms)
    finally:
        web.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=200, help="concurrent customers on each path")
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--llm-delay", type=float, default=0.2)
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which customers start")
    parser.add_argument(
        "--connections", type=int, default=40, help="parallel webhook deliveries (Telegram: 40)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per path")
    args = parser.parse_args()

    def slow_llm(body: dict[str, Any]) -> str:
        time.sleep(args.llm_delay)
        return LLM_TEXT

    work = Path(tempfile.mkdtemp(prefix="xiaoer-web-load-"))
    subprocess.run(
        [*CLI, "ingest", "--sample", "--quiet"],
        env=clean_env(XIAOER_DATA_DIR=str(work)),
        cwd=work,
        check=True,
        capture_output=True,
        timeout=600,
    )
    with OpenAIServer(responder=slow_llm) as llm:
        results = [telegram_path(args, work, llm), web_path(args, work, llm)]
    ideal = args.visitors / args.llm_delay
    print(
        f"\n{args.visitors} customers × {args.messages} messages per path, one server process each, "
        f"{args.llm_delay * 1000:.0f} ms LLM; ideal at this concurrency: {ideal:.0f} msg/s"
    )
    for result in results:
        print(result)
    print(f"logs: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
