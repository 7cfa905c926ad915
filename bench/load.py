"""Load test of the scaled setup: N customers → local Bot API → webhook proxy → R bot replicas → 200 ms LLM.

    .venv/bin/python bench/load.py                      # 200 customers × 3 messages, 2 replicas, one killed
    .venv/bin/python bench/load.py --customers 1000 --replicas 3
    .venv/bin/python bench/load.py --customers 60 --kill-runs 10   # loss/duplicate counts over 10 SIGKILLs

Everything is real and on loopback: the local Bot API server of the test suite delivers updates to a
webhook (retrying failed deliveries, like Telegram); a round-robin reverse proxy (trying the next replica
when one refuses, like nginx's proxy_next_upstream) spreads them over R unmodified `xiaoer telegram
--webhook` processes that share an embedded PostgreSQL and a `chroma run` server; the LLM is the scripted
OpenAI-compatible server answering after a fixed delay. Webhooks are delivered like Telegram does: up to
40 at once, one chat at a time. Each customer sends its messages one after the
other, each as soon as the previous one was answered. Phase 1 measures throughput and latency; phase 2
does it again with fresh customers and SIGKILLs one replica mid-run: no message may be lost or doubled.
The baseline printed beside the throughput is the ideal for this concurrency: customers / LLM delay.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.load_peers import ParallelWebhookServer, RoundRobinProxy, cpu_seconds  # noqa: E402
from tests.support.chroma_server import ChromaServer, _free_port  # noqa: E402
from tests.support.openai_server import OpenAIServer  # noqa: E402
from tests.support.postgres import PostgresInstance, start_postgres  # noqa: E402
from tests.support.telegram_process import CLI, BotProcess, clean_env  # noqa: E402
from tests.support.telegram_server import Chat, TelegramServer, User  # noqa: E402

QUESTIONS = ["你好", "怎么退货", "运费怎么算", "支持哪些支付方式", "How do returns work?", "保修多久"]
LLM_TEXT = "您好，这个问题我已经按店铺的规定为您说明了，还有其他需要帮忙的吗？"
SECRET = "load-test-secret"


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


def report(
    name: str,
    customers: list[Customer],
    messages: int,
    first: float,
    last: float,
    llm_delay: float,
    tg: TelegramServer,
    settle_s: float,
) -> int:
    time.sleep(settle_s)  # late duplicates would arrive now
    lat = sorted(x for c in customers for x in c.latencies)
    answered = len(lat)
    bad = sum(abs(len(tg.sent[c.chat.id]) - messages) for c in customers)
    elapsed = max(last - first, 1e-9)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else [float("nan")] * 99
    ideal = len(customers) / llm_delay
    print(f"\n== {name}: {len(customers)} customers × {messages} messages")
    print(
        f"answered {answered}/{len(customers) * messages} in {elapsed:.1f} s → {answered / elapsed:.1f} msg/s "
        f"(ideal at this concurrency with a {llm_delay * 1000:.0f} ms LLM: {ideal:.0f} msg/s)"
    )
    if lat:
        print(
            f"latency p50 {q[49] * 1000:.0f} ms  p90 {q[89] * 1000:.0f} ms  p99 {q[98] * 1000:.0f} ms  "
            f"max {lat[-1] * 1000:.0f} ms"
        )
    print(f"messages without exactly one reply: {bad}")
    for c in [c for c in customers if len(tg.sent[c.chat.id]) != messages][:3]:
        asked = [
            m.get("text")
            for (chat, _), m in list(tg.messages.items())
            if chat == c.chat.id and not m.get("from", {}).get("is_bot")
        ]
        print(
            f"  chat {c.chat.id}: asked {asked} → bot sent {[m.get('text', '')[:40] for m in tg.sent[c.chat.id]]}"
        )
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--llm-delay", type=float, default=0.2)
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which customers start")
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of messages sent before the kill")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument(
        "--connections", type=int, default=40, help="parallel webhook deliveries (Telegram: 40)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per phase")
    parser.add_argument(
        "--kill-runs",
        type=int,
        default=0,
        help="instead of the two phases: N runs, each SIGKILLing one replica at a random point and "
        "restarting it; prints messages lost and doubled per run",
    )
    args = parser.parse_args()
    if args.replicas < 2:
        parser.error("--replicas must be at least 2")

    def slow_llm(body: dict[str, Any]) -> str:
        time.sleep(args.llm_delay)
        return LLM_TEXT

    work = Path(tempfile.mkdtemp(prefix="xiaoer-load-"))
    started = time.perf_counter()
    pg = start_postgres()
    try:
        return _run(args, pg, work, started, slow_llm)
    finally:
        pg.stop()


def _run(
    args: argparse.Namespace,
    pg: PostgresInstance,
    work: Path,
    started: float,
    slow_llm: Callable[[dict[str, Any]], str],
) -> int:
    pg.configure(max_connections=100 + 100 * args.replicas)
    print(f"embedded PostgreSQL up in {pg.start_seconds:.1f} s")
    bots: list[BotProcess] = []
    with (
        ChromaServer() as chroma,
        OpenAIServer(responder=slow_llm) as llm,
        ParallelWebhookServer(args.connections) as tg,
    ):
        llm._server.handle_error = lambda *a: None  # a killed replica's broken streams are expected
        try:
            env = {"XIAOER_DATABASE_URL": pg.uri, "XIAOER_CHROMA_URL": chroma.url}
            subprocess.run(
                [*CLI, "ingest", "--sample", "--quiet"],
                env=clean_env(XIAOER_DATA_DIR=str(work), **env),
                cwd=work,
                check=True,
                capture_output=True,
                timeout=600,
            )
            ports = [_free_port() for _ in range(args.replicas)]
            proxy = RoundRobinProxy(ports)
            for n, port in enumerate(ports):  # one after the other: a replica loads the catalog in seconds
                bot = BotProcess(
                    tg,
                    work,
                    "--webhook",
                    proxy.url,
                    "--listen",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    OPENAI_BASE_URL=llm.base_url,
                    OPENAI_API_KEY="load-test",
                    XIAOER_LLM_MODEL="scripted",
                    XIAOER_RATE_LIMIT_MESSAGES="100000",
                    XIAOER_WEBHOOK_SECRET=SECRET,
                    XIAOER_METRICS_PORT=str(_free_port()),
                    **env,
                )
                bot.log_path = work / f"replica-{n}.log"
                bots.append(bot.start("setWebhook", timeout=300))
            print(f"{args.replicas} replicas up after {time.perf_counter() - started:.0f} s of setup")

            def make(offset: int) -> list[Customer]:
                return [
                    Customer(Chat(offset + i), User(offset + i), args.ramp * i / args.customers)
                    for i in range(args.customers)
                ]

            if args.kill_runs:
                return kill_runs(args, tg, bots, make)
            phase1 = make(1_000_000)
            llm_calls = len(llm.requests)
            pids = [bot.process.pid for bot in bots if bot.process is not None]
            cpu_before = cpu_seconds(pids)
            first, last = drive(tg, phase1, args.messages, args.timeout)
            cpu_ms = (cpu_seconds(pids) - cpu_before) * 1000 / max(1, args.customers * args.messages)
            bad = report(
                "phase 1 (all replicas)", phase1, args.messages, first, last, args.llm_delay, tg, 2.0
            )
            print(f"LLM requests: {len(llm.requests) - llm_calls}; proxy failovers: {proxy.failovers}")
            print(
                f"replica CPU per message: {cpu_ms:.0f} ms → CPU ceiling of this machine "
                f"({os.cpu_count()} cores, shared with the emulators): {os.cpu_count() * 1000 / cpu_ms:.0f} msg/s"
            )
            if not args.no_kill:
                phase2 = make(2_000_000)
                killed: list[float] = []

                def maybe_kill(share: float) -> None:
                    if not killed and share >= args.kill_at:
                        bots[0].process.kill()  # SIGKILL: no graceful shutdown at all
                        killed.append(time.perf_counter())

                first, last = drive(tg, phase2, args.messages, args.timeout, maybe_kill)
                bad += report(
                    "phase 2 (replica 0 SIGKILLed mid-run)",
                    phase2,
                    args.messages,
                    first,
                    last,
                    args.llm_delay,
                    tg,
                    5.0,
                )
                print(f"killed at {killed[0] - first:.1f} s; proxy failovers: {proxy.failovers}")
            for bot in bots[1:]:
                port = bot.env["XIAOER_METRICS_PORT"]
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    dup = [
                        line
                        for line in r.read().decode().splitlines()
                        if line.startswith("xiaoer_duplicate_updates_total")
                    ]
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                        ready = json.loads(r.read())
                except OSError as exc:
                    ready = str(exc)
                print(f"replica on :{port} readyz={ready} duplicates dropped={dup or 0}")
            return 1 if bad else 0
        finally:
            for bot in bots:
                bot.stop()


def kill_runs(
    args: argparse.Namespace,
    tg: ParallelWebhookServer,
    bots: list[BotProcess],
    make: Callable[[int], list[Customer]],
) -> int:
    """N runs with fresh customers; in each, one replica (in turn) is SIGKILLed once a random share of the
    messages was sent, then restarted for the next run. Lost = messages never answered; doubled = replies
    beyond one per message."""
    import random

    rng = random.Random(13)
    totals = {"messages": 0, "lost": 0, "doubled": 0}
    for run in range(args.kill_runs):
        customers = make(3_000_000 + run * 10_000)
        victim = bots[run % len(bots)]
        share = rng.uniform(0.2, 0.8)
        killed: list[float] = []

        def maybe_kill(
            sent: float, victim: BotProcess = victim, share: float = share, killed: list[float] = killed
        ) -> None:
            if not killed and sent >= share and victim.process is not None:
                victim.process.kill()
                killed.append(time.perf_counter())

        drive(tg, customers, args.messages, args.timeout, maybe_kill)
        time.sleep(5.0)  # late duplicates would arrive now
        lost = sum(max(0, args.messages - len(tg.sent[c.chat.id])) for c in customers)
        doubled = sum(max(0, len(tg.sent[c.chat.id]) - args.messages) for c in customers)
        totals["messages"] += len(customers) * args.messages
        totals["lost"] += lost
        totals["doubled"] += doubled
        print(
            f"kill run {run + 1}: {len(customers) * args.messages} messages, replica {bots.index(victim)} "
            f"SIGKILLed at {share:.0%} of sends → lost {lost}, doubled {doubled}",
            flush=True,
        )
        if victim.process is not None:
            victim.process.wait()
        victim.start("setWebhook", timeout=300)
    print(
        f"\n== {args.kill_runs} kill runs: {totals['messages']} messages, lost {totals['lost']}, "
        f"doubled {totals['doubled']} (duplicate rate {totals['doubled'] / max(1, totals['messages']):.4%})"
    )
    return 1 if totals["lost"] or totals["doubled"] else 0


if __name__ == "__main__":
    sys.exit(main())
