"""Cost per message on the production path, with the bare frameworks as yardsticks in the same run.

    .venv/bin/python bench/load.py --quick --json     # the fixed interface (≤ 5 minutes): one JSON object
    .venv/bin/python bench/load.py --before main      # also today's code of `main`, in the same run
    .venv/bin/python bench/load.py --kill             # then SIGKILL a replica mid-run: nothing lost or doubled
    .venv/bin/python bench/load.py --only xiaoer --customers 60 --kill-runs 10   # loss/duplicates over 10 SIGKILLs
    .venv/bin/python bench/load.py --profile out.txt  # then sample a replica with py-spy under the same load
    .venv/bin/python bench/load.py --drop-requests 0.02 --drop-responses 0.02   # Bot API sends lost: 0 lost/doubled?

Subjects, one after the other behind the same harness: `http_echo` (a raw aiohttp webhook echo),
`ptb_echo` (a bare python-telegram-bot webhook echo), `xiaoer` (R unmodified `xiaoer telegram --webhook`
replicas on a shared embedded PostgreSQL and a `chroma run` server, the scripted LLM answering after 200 ms)
and, with `--before REF`, `xiaoer_before` (the same from `git archive REF`). The outside world runs in
processes of its own (`bench/load_world.py`: Bot API, webhook delivery like Telegram — up to 40 at once, one
chat at a time —, the round-robin proxy, the customers; `bench/load_llm.py`: the LLM) and its CPU is
reported too. C customers each send M questions (product and policy questions mixed), each as soon as the
last one was answered.

Per subject: replica CPU per message (/proc, the bots' process trees over the measured window), messages/s,
latency p50/p99 (send → the reply message), lost/doubled replies (after a quiet period), Bot API calls per
message (counted by the emulator), LLM calls per message (counted by the scripted server), database round
trips per message (`pg_stat_statements` on the server: every statement incl. BEGIN/COMMIT/ROLLBACK and
pre-pings) and PostgreSQL's own CPU per message. Compare ratios within one run: the machine is shared.

Validity (xiaoer subjects): a run that measures another path than production is flagged, not averaged in —
`"valid": false` with `invalid_reasons` when the measured window made no LLM call, the LLM circuit breaker
refused calls or opened, the grounding gate rejected the scripted answers (> 0.5 unsupported sentences per
message: `bench/load_llm.py` answers grounded in the prompt's facts for that reason), messages went
unanswered, or replies were lost or doubled. `llm_breaker` has the
replicas' own counters for the window (their /metrics: LLM errors by kind, circuit openings, offline
fallbacks, replies lost or in doubt), `warmup` what the warm-up saw. `lost`/`doubled` count the whole run,
warm-up included (`lost_measured`/`doubled_measured`: the window alone). The warm-up sends one message per
replica before the rest (cold starts one at a time) and, should the breaker have opened anyway, waits out
its cooldown before measuring.

Steady state (every subject alike): the warm-up ends with one message from each of the measured number of
customers at once, so connection pools (PostgreSQL backends, HTTP connections to the LLM and the Bot API)
have grown to the measured concurrency before the window opens, as at a shop's peak; backend forks and TCP
connects are not charged to the measured messages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.load_meters import (  # noqa: E402
    NESTED,
    PgCounters,
    descendants,
    postmaster_pid,
    server_ms_between,
    statements_between,
    tree_cpu_s,
    tree_run_queue_wait_s,
)
from tests.support.chroma_server import ChromaServer, _free_port  # noqa: E402
from tests.support.postgres import PostgresInstance, start_postgres  # noqa: E402

TOKEN = "123456:LOAD-token_abcdefghijklmnopqrstuvwx"
SECRET = "load-test-secret"
# Product and policy questions mixed (the sample catalog and policies), plus a greeting.
QUESTIONS = [
    "怎么退货",
    "有没有跑步鞋推荐",
    "运费怎么算",
    "Nike Air Zoom Pegasus 41 多少钱",
    "支持哪些支付方式",
    "有没有降噪耳机",
    "How do returns work?",
    "any running shoes under 1000 yuan?",
    "保修多久",
    "你好",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- processes ------------------------------------------------------------------------------------------
class Proc:
    """A child process with its log in the work dir; `ready_line` makes `start` wait for that stdout line."""

    def __init__(
        self, name: str, cmd: list[str], work: Path, env: dict[str, str], cwd: Path | None = None
    ) -> None:
        self.name, self.cmd, self.env, self.cwd = name, cmd, env, cwd or work
        self.log_path = work / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_line: str | None = None, timeout: float = 60.0) -> Proc:
        out = subprocess.PIPE if ready_line else self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.cwd, stdout=out, stderr=self.log_path.open("ab")
        )
        if ready_line:
            assert self.process.stdout is not None
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                line = self.process.stdout.readline().decode().strip()
                if line == ready_line:
                    return self
                if self.process.poll() is not None:
                    break
            raise RuntimeError(
                f"{self.name} did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}"
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def base_env(code: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XIAOER_", "TELEGRAM_", "OPENAI_"))}
    env.update(PYTHONPATH=str(code), ANONYMIZED_TELEMETRY="False", **values)
    return env


def http_json(url: str, payload: Any = None, timeout: float = 600.0) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class Peers:
    world: Proc
    world_url: str
    llm: Proc
    llm_url: str
    pg: PostgresInstance
    counters: PgCounters
    pg_root: int
    work: Path


# --- one subject ----------------------------------------------------------------------------------------
@dataclass
class Subject:
    name: str
    kind: str  # http | ptb | xiaoer
    code: Path = REPO
    workers: int = 0  # XIAOER_WORKERS (0: the default)


def start_bots(subject: Subject, peers: Peers, args: argparse.Namespace) -> tuple[list[Proc], dict[str, Any]]:
    """Start the subject's bot processes; returns them and what else belongs to the subject (db, chroma)."""
    py = sys.executable
    extra: dict[str, Any] = {}
    webhook = f"{peers.world_url}/telegram"
    api = f"{peers.world_url}/bot"
    ports = [_free_port() for _ in range(args.replicas)]
    if subject.kind in ("http", "ptb"):
        bots = [
            Proc(
                f"{subject.name}-{n}",
                [
                    py,
                    str(REPO / "bench" / "load_echo.py"),
                    subject.kind,
                    "--port",
                    str(port),
                    "--token",
                    TOKEN,
                    "--api",
                    api,
                    "--webhook",
                    webhook,
                    "--secret",
                    SECRET,
                ],
                peers.work,
                base_env(REPO),
            ).start()
            for n, port in enumerate(ports)
        ]
        extra["ports"] = ports
        wait_ports(ports, bots)
        return bots, extra
    data = peers.work / subject.name
    data.mkdir()
    chroma = ChromaServer().start()
    extra["chroma"] = chroma
    database_url = peers.pg.create_database(subject.name)
    extra["database"] = make_url(database_url).database
    env = base_env(
        subject.code,
        XIAOER_DATA_DIR=str(data),
        XIAOER_DATABASE_URL=database_url,
        XIAOER_CHROMA_URL=chroma.url,
    )
    hops = peers.work / "hops"
    hops.mkdir(exist_ok=True)
    env.update(  # thread-pool hand-offs counted (bench/hops/sitecustomize.py)
        PYTHONPATH=f"{subject.code}{os.pathsep}{REPO / 'bench' / 'hops'}", XIAOER_BENCH_HOPS_DIR=str(hops)
    )
    t0 = time.perf_counter()
    subprocess.run(
        [py, "-m", "bot.cli.main", "ingest", "--sample", "--quiet"],
        env=env,
        cwd=data,
        check=True,
        capture_output=True,
        timeout=600,
    )
    log(f"  {subject.name}: sample catalog ingested in {time.perf_counter() - t0:.0f} s")
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api,
        TELEGRAM_API_FILE_URL=f"{peers.world_url}/file/bot",
        OPENAI_BASE_URL=f"{peers.llm_url}/v1",
        OPENAI_API_KEY="load-test",
        XIAOER_LLM_MODEL="scripted",
        XIAOER_RATE_LIMIT_MESSAGES="100000",
        XIAOER_WEBHOOK_SECRET=SECRET,
    )
    if subject.workers:
        env["XIAOER_WORKERS"] = str(subject.workers)
    bots = []
    extra["metrics_ports"] = []
    for n, port in enumerate(ports):
        metrics_port = _free_port()  # worker i of a replica (XIAOER_WORKERS) serves on metrics_port + i
        extra["metrics_ports"] += [metrics_port + i for i in range(max(1, subject.workers))]
        bot_env = dict(env, XIAOER_METRICS_PORT=str(metrics_port))
        cmd = [
            py,
            "-m",
            "bot.cli.main",
            "telegram",
            "--webhook",
            webhook,
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        bots.append(Proc(f"{subject.name}-{n}", cmd, peers.work, bot_env, cwd=data).start())
    extra["ports"] = ports
    wait_ports(ports, bots, timeout=600)
    return bots, extra


def wait_ports(ports: list[int], bots: list[Proc], timeout: float = 120.0) -> None:
    """Wait until every bot accepts webhook connections (PTB listens only once it is fully started)."""
    import socket

    deadline = time.monotonic() + timeout
    for port, bot in zip(ports, bots, strict=True):
        while True:
            if not bot.alive():
                raise RuntimeError(f"{bot.name} exited:\n{bot.log_path.read_text(errors='replace')[-4000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{bot.name} did not listen on {port}") from None
                time.sleep(0.2)


def thread_hops(roots: list[int], folder: Path) -> Counter[str]:
    """Thread-pool hand-offs and garbage collections (passes per generation, CPU ms) so far in the bots'
    Python processes (SIGUSR1 → bench/hops/sitecustomize.py), summed over the processes."""
    pids = [
        pid
        for pid in (p for root in roots for p in descendants(root))
        if b"bot.cli.main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    for pid in pids:
        (folder / str(pid)).unlink(missing_ok=True)
        os.kill(pid, signal.SIGUSR1)
    total: Counter[str] = Counter()
    deadline = time.monotonic() + 5.0
    for pid in pids:
        while not (folder / str(pid)).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        if (folder / str(pid)).exists():
            meters = json.loads((folder / str(pid)).read_text() or "{}")
            total["hops"] += meters.get("hops", 0)
            total["gc_ms"] += meters.get("gc_ms", 0.0)
            for generation, passes in enumerate(meters.get("gc", [])):
                total[f"gc{generation}"] += passes
    return total


# The replicas' own counters read from their ops endpoints (XIAOER_METRICS_PORT, /metrics): LLM errors by kind,
# offline fallbacks, and events such as `llm_circuit_opened`, `reply_lost`, `reply_in_doubt`.
_SERIES = re.compile(
    r'^xiaoer_(llm_errors|llm_fallbacks|events)_total\{(?:kind|reason|event)="([^"]*)"\} ([0-9.eE+-]+)$'
)
_PREFIX = {"llm_errors": "llm_error:", "llm_fallbacks": "llm_fallback:", "events": "event:"}
# LLM answers the allow-list gate did not find support for (bot/conversation/answer.py), by action taken
_UNSUPPORTED = re.compile(r'^xiaoer_grounding_unsupported_total\{[^}]*action="([^"]*)"[^}]*\} ([0-9.eE+-]+)$')
# Failures that open the LLM circuit (bot/llm/openai_chat.py `_STALLS`) and how long it then stays open.
LLM_STALLS = ("first_token_timeout", "stall_timeout", "total_timeout", "APITimeoutError")
LLM_COOLDOWN_S = 30.0  # OpenAIChatConfig.cooldown_s's default; the replicas run with it


def replica_counters(ports: list[int]) -> Counter[str]:
    """The counters above summed over the processes serving `ports` ("llm_error:<kind>",
    "llm_fallback:<reason>", "event:<name>", "unsupported:<action>" per sentence); "unreachable" counts
    ports that did not answer."""
    total: Counter[str] = Counter()
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
                text = response.read().decode()
        except OSError:
            total["unreachable"] += 1
            continue
        for line in text.splitlines():
            match = _SERIES.match(line)
            if match:
                family, label, value = match.groups()
                total[_PREFIX[family] + label] += int(float(value))
            elif unsupported := _UNSUPPORTED.match(line):
                total["unsupported:" + unsupported.group(1)] += int(float(unsupported.group(2)))
    return total


def warm_up(
    subject: Subject,
    bots: list[Proc],
    extra: dict[str, Any],
    peers: Peers,
    args: argparse.Namespace,
    offset: int,
) -> dict[str, Any]:
    """First messages load lazily: one message per replica first (each cold start alone), then up to 20
    customers at once, then the measured concurrency (`warm_concurrency`). A cold replica's first messages wait long before they ask the LLM; should the LLM
    circuit breaker have opened meanwhile, the measurement waits out its cooldown — else the measured window
    would silently take the offline path (0 LLM calls). Returns what the warm-up saw: its messages, lost and
    doubled replies, LLM errors by kind, circuit openings and the seconds waited for the breaker."""
    chats: list[int] = []
    sent = 0
    for n, customers in enumerate((len(bots), *warm_concurrency(args))):
        result = run_phase(peers, customers, 1, offset + n * 10_000, args)
        chats += result["chats"]
        sent += result["sent"]
    settled = http_json(f"{peers.world_url}/_bench/settle", {"seconds": 2.0, "chats": chats})
    seen = replica_counters(extra.get("metrics_ports", []))
    stalls = sum(seen[f"llm_error:{kind}"] for kind in LLM_STALLS)
    counts_openings = "llm_circuit_opened" in (subject.code / "bot" / "llm" / "openai_chat.py").read_text()
    opened = seen["event:llm_circuit_opened"] if counts_openings else stalls  # older code: every stall opens
    waited = 0.0
    if opened:
        log(
            f"   the LLM circuit opened in warm-up ({opened}×): waiting {LLM_COOLDOWN_S:.0f} s for it to close"
        )
        waited = LLM_COOLDOWN_S + 1.0
        time.sleep(waited)
    return {
        "messages": sent,
        "lost": settled["lost"],
        "doubled": settled["doubled"],
        "llm_errors_by_kind": {
            k.split(":", 1)[1]: v for k, v in sorted(seen.items()) if k.startswith("llm_error:")
        },
        "llm_circuit_opened": opened,
        "waited_for_breaker_s": waited,
    }


def warm_concurrency(args: argparse.Namespace) -> tuple[int, ...]:
    """Customers at once in the warm-up's phases after the cold starts, the same for every subject: up to 20
    (lazy loading without a stampede), then the measured concurrency itself, so the pools a shop at a peak
    runs with (PostgreSQL backends, HTTP connections to the LLM and the Bot API, webhook connections) are
    grown before the measured window — forks and TCP connects are not charged to the measured messages."""
    first = min(args.customers, 20)
    return (first, args.customers) if args.customers > first else (first,)


def validity(out: dict[str, Any], breaker: dict[str, Any]) -> list[str]:
    """Why a xiaoer subject's measured window does not measure the production path (empty: it does)."""
    reasons = []
    if out["answered"] < out["messages"]:
        reasons.append(
            f"{out['messages'] - out['answered']} of {out['messages']} messages unanswered in time"
        )
    if out["llm_calls_per_msg"] == 0:
        reasons.append("no LLM call in the measured window (offline path measured)")
    if breaker["circuit_open_refusals"]:
        reasons.append(f"LLM circuit breaker open: {breaker['circuit_open_refusals']} calls refused")
    if breaker["circuit_opened"]:
        reasons.append(f"LLM circuit breaker opened {breaker['circuit_opened']}× in the measured window")
    if breaker["unsupported_sentences_per_msg"] > 0.5:
        reasons.append(
            f"{breaker['unsupported_sentences_per_msg']} unsupported LLM sentences per message: the scripted "
            "LLM's answers are rejected by grounding (measures the rejection path)"
        )
    if breaker["unreachable_metrics"]:
        reasons.append(f"{breaker['unreachable_metrics']} replica metrics endpoints did not answer")
    if out["lost"] or out["doubled"]:
        reasons.append(f"lost {out['lost']}, doubled {out['doubled']} (warm-up included)")
    return reasons


def run_phase(
    peers: Peers, customers: int, messages: int, offset: int, args: argparse.Namespace
) -> dict[str, Any]:
    spec = {
        "customers": customers,
        "messages": messages,
        "offset": offset,
        "ramp_s": args.ramp,
        "timeout_s": args.timeout,
        "questions": QUESTIONS,
    }
    return http_json(f"{peers.world_url}/_bench/run", spec, timeout=args.timeout + 60)


def measure(subject: Subject, peers: Peers, args: argparse.Namespace, offset: int) -> dict[str, Any]:
    log(f"== {subject.name}: starting")
    bots, extra = start_bots(subject, peers, args)
    chroma: ChromaServer | None = extra.get("chroma")
    try:
        http_json(f"{peers.world_url}/_bench/upstreams", {"ports": extra["ports"]})
        warm = warm_up(subject, bots, extra, peers, args, offset) if subject.kind == "xiaoer" else None
        if warm is None:  # the echo bots: first messages load lazily too, and their pools grow the same way
            for n, customers in enumerate(warm_concurrency(args)):
                run_phase(peers, customers, 1, offset + n * 10_000, args)
        offset += 100_000
        metrics_ports = extra.get("metrics_ports", [])
        roots = [b.pid for b in bots]
        database = extra.get("database")
        before = {
            "bots": tree_cpu_s(roots),
            "bots_sys": tree_cpu_s(roots, system_only=True),
            "bots_wait": tree_run_queue_wait_s(roots),
            "pg": tree_cpu_s([peers.pg_root]),
            "world": tree_cpu_s([peers.world.pid]),
            "llm": tree_cpu_s([peers.llm.pid]),
            "chroma": tree_cpu_s([chroma._process.pid]) if chroma and chroma._process else 0.0,
            "api": Counter(http_json(f"{peers.world_url}/_bench/calls")),
            "faults": Counter(http_json(f"{peers.world_url}/_bench/faults")),
            "llm_calls": Counter(http_json(f"{peers.llm_url}/_bench/calls")),
            "db": peers.counters.snapshot(database) if database else None,
            "meters": thread_hops(roots, peers.work / "hops") if database else Counter(),
            "replica": replica_counters(metrics_ports),
        }
        log(f"   measuring {args.customers} customers × {args.messages} messages")
        result = run_phase(peers, args.customers, args.messages, offset, args)
        after = {
            "bots": tree_cpu_s(roots),
            "bots_sys": tree_cpu_s(roots, system_only=True),
            "bots_wait": tree_run_queue_wait_s(roots),
            "pg": tree_cpu_s([peers.pg_root]),
            "world": tree_cpu_s([peers.world.pid]),
            "llm": tree_cpu_s([peers.llm.pid]),
            "chroma": tree_cpu_s([chroma._process.pid]) if chroma and chroma._process else 0.0,
            "api": Counter(http_json(f"{peers.world_url}/_bench/calls")),
            "faults": Counter(http_json(f"{peers.world_url}/_bench/faults")),
            "llm_calls": Counter(http_json(f"{peers.llm_url}/_bench/calls")),
            "db": peers.counters.snapshot(database) if database else None,
            "meters": thread_hops(roots, peers.work / "hops") if database else Counter(),
            "replica": replica_counters(metrics_ports),
        }
        settled = http_json(f"{peers.world_url}/_bench/settle", {"seconds": 2.0, "chats": result["chats"]})
        n = max(1, result["answered"])
        api = after["api"] - before["api"]
        llm_calls = after["llm_calls"] - before["llm_calls"]
        out: dict[str, Any] = {
            "cpu_ms_per_msg": round((after["bots"] - before["bots"]) * 1000 / n, 3),
            # of which in the kernel (syscalls: sockets, epoll, futexes): no Python profile shows it
            "cpu_sys_ms_per_msg": round((after["bots_sys"] - before["bots_sys"]) * 1000 / n, 3),
            "msgs_per_s": round(result["answered"] / max(result["elapsed_s"], 1e-9), 2),
            # time the bots' threads were ready to run but queued for a core, per message (machine contention)
            "run_queue_wait_ms_per_msg": round((after["bots_wait"] - before["bots_wait"]) * 1000 / n, 3),
            "p50_s": round(result["p50_s"], 4),
            "p99_s": round(result["p99_s"], 4),
            "messages": result["sent"],
            "answered": result["answered"],
            "lost": settled["lost"],
            "doubled": settled["doubled"],
            "bot_api_calls_per_msg": round(sum(api.values()) / n, 3),
            "bot_api_calls_by_method": {k: round(v / n, 3) for k, v in sorted(api.items())},
            # sends the Bot API emulator lost on purpose in the window (--drop-requests/--drop-responses)
            "network_faults": dict(after["faults"] - before["faults"]),
            # replies within 1 s (send → reply) vs slower ones: typing indicators and drafts belong to the latter
            "bot_api_calls_per_fast_reply": _rounded(settled.get("calls_per_fast_reply")),
            "bot_api_calls_per_slow_reply": _rounded(settled.get("calls_per_slow_reply")),
            "fast_replies": settled.get("fast_replies", 0),
            "llm_calls_per_msg": round(sum(llm_calls.values()) / n, 3),
            "llm_calls_by_kind": {k: round(v / n, 3) for k, v in sorted(llm_calls.items())},
            "world_cpu_ms_per_msg": round((after["world"] - before["world"]) * 1000 / n, 3),
            "llm_server_cpu_ms_per_msg": round((after["llm"] - before["llm"]) * 1000 / n, 3),
            "postgres_cpu_ms_per_msg": round((after["pg"] - before["pg"]) * 1000 / n, 3),
            "chroma_cpu_ms_per_msg": round((after["chroma"] - before["chroma"]) * 1000 / n, 3),
            "db_round_trips_per_msg": 0.0,
            "thread_hops_per_msg": round((after["meters"]["hops"] - before["meters"]["hops"]) / n, 3),
            # garbage collections per message by generation, and their CPU (bench/hops/sitecustomize.py)
            "gc_passes_per_msg": [
                round((after["meters"][f"gc{g}"] - before["meters"][f"gc{g}"]) / n, 3) for g in range(3)
            ],
            "gc_cpu_ms_per_msg": round((after["meters"]["gc_ms"] - before["meters"]["gc_ms"]) / n, 3),
            "processes": len(bots),
        }
        if warm is not None:
            # lost and doubled count the whole run: a reply lost in warm-up is lost all the same
            out["lost_measured"], out["doubled_measured"] = out["lost"], out["doubled"]
            out["lost"] += warm["lost"]
            out["doubled"] += warm["doubled"]
            out["warmup"] = warm
            replica = after["replica"] - before["replica"]
            breaker = {
                "llm_errors_by_kind": {
                    k.split(":", 1)[1]: v for k, v in sorted(replica.items()) if k.startswith("llm_error:")
                },
                "circuit_open_refusals": replica["llm_error:circuit_open"],
                "circuit_opened": replica["event:llm_circuit_opened"],
                "offline_fallbacks": sum(v for k, v in replica.items() if k.startswith("llm_fallback:")),
                "replies_lost": replica["event:reply_lost"],
                "replies_in_doubt": replica["event:reply_in_doubt"],
                # sentences of LLM answers the grounding gate dropped or had regenerated
                "unsupported_sentences_per_msg": round(
                    sum(v for k, v in replica.items() if k.startswith("unsupported:")) / n, 3
                ),
                "unreachable_metrics": after["replica"]["unreachable"],
            }
            out["llm_breaker"] = breaker
            out["invalid_reasons"] = validity(out, breaker)
            out["valid"] = not out["invalid_reasons"]
        if database:
            statements = statements_between(before["db"], after["db"])
            out["db_round_trips_per_msg"] = round(sum(statements.values()) / n, 3)
            out["db_statements_per_msg"] = {
                " ".join(q.split())[:100]: round(c / n, 3) for q, c in statements.most_common(20)
            }
            server = server_ms_between(before["db"], after["db"])
            out["db_server_ms_per_msg"] = round(
                sum(ms for q, ms in server.items() if not q.startswith(NESTED)) / n, 3
            )
            out["db_server_ms_per_msg_by_statement"] = {
                " ".join(q.split())[:100]: round(ms / n, 3) for q, ms in server.most_common(14)
            }
        if subject.kind == "xiaoer" and args.kill:
            out["kill"] = kill_phase(bots, peers, args, offset + 100_000)
        if subject.kind == "xiaoer" and args.kill_runs:
            out["kill_runs"] = kill_runs(bots, extra["ports"], peers, args, offset + 300_000)
        if subject.kind == "xiaoer" and args.profile and subject.code == REPO:
            profile(bots, peers, args, offset + 200_000)
        log(
            f"   {out['msgs_per_s']:.1f} msg/s  p50 {out['p50_s'] * 1000:.0f} ms  p99 {out['p99_s'] * 1000:.0f} ms  "
            f"CPU {out['cpu_ms_per_msg']:.2f} ms/msg  run-queue wait {out['run_queue_wait_ms_per_msg']:.2f} ms/msg  PG {out['postgres_cpu_ms_per_msg']:.2f} ms/msg  "
            f"DB {out['db_round_trips_per_msg']:.1f} rt/msg  hops {out['thread_hops_per_msg']:.1f}/msg  GC {out['gc_cpu_ms_per_msg']:.2f} ms/msg  API {out['bot_api_calls_per_msg']:.2f}/msg  "
            f"LLM {out['llm_calls_per_msg']:.2f}/msg  lost {out['lost']} doubled {out['doubled']}"
        )
        if not out.get("valid", True):
            log(f"   INVALID measurement of {subject.name}: {'; '.join(out['invalid_reasons'])}")
        return out
    finally:
        for bot in bots:
            bot.stop()
        if chroma is not None:
            chroma.stop()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def kill_phase(bots: list[Proc], peers: Peers, args: argparse.Namespace, offset: int) -> dict[str, Any]:
    """Fresh customers; SIGKILL the first replica (with XIAOER_WORKERS: its first worker, which the
    supervisor then starts again) once `--kill-at` of the messages were sent."""
    box: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: box.update(run_phase(peers, args.customers, args.messages, offset, args)), daemon=True
    )
    thread.start()
    killed_at = None
    while thread.is_alive():
        progress = http_json(f"{peers.world_url}/_bench/progress")
        if killed_at is None and progress["sent"] >= args.kill_at * progress["total"] > 0:
            tree = descendants(bots[0].pid)
            victim = tree[1] if args.workers > 1 and len(tree) > 1 else bots[0].pid
            os.kill(victim, signal.SIGKILL)  # no graceful shutdown at all
            killed_at = time.perf_counter()
        time.sleep(0.05)
    thread.join()
    settled = http_json(f"{peers.world_url}/_bench/settle", {"seconds": 5.0, "chats": box["chats"]})
    log(
        f"   kill phase: answered {box['answered']}/{box['sent']}, lost {settled['lost']}, doubled {settled['doubled']}"
    )
    return {
        "answered": box["answered"],
        "lost": settled["lost"],
        "doubled": settled["doubled"],
        "p99_s": round(box["p99_s"], 4),
    }


def kill_runs(
    bots: list[Proc], ports: list[int], peers: Peers, args: argparse.Namespace, offset: int
) -> dict[str, Any]:
    """N runs with fresh customers; in each, one replica (in turn; with XIAOER_WORKERS one of its workers) is
    SIGKILLed once a random share of the messages was sent, then started again. Lost = messages never
    answered; doubled = replies beyond one per message (the reply journal resends a reply in doubt)."""
    import random

    rng = random.Random(13)
    totals = {"messages": 0, "lost": 0, "doubled": 0}
    for run in range(args.kill_runs):
        n = run % len(bots)
        share = rng.uniform(0.2, 0.8)
        box: dict[str, Any] = {}
        start = offset + run * 10_000
        thread = threading.Thread(
            target=lambda s=start, b=box: b.update(run_phase(peers, args.customers, args.messages, s, args)),
            daemon=True,
        )
        thread.start()
        killed = False
        while thread.is_alive():
            progress = http_json(f"{peers.world_url}/_bench/progress")
            if not killed and progress["sent"] >= share * progress["total"] > 0:
                tree = descendants(bots[n].pid)
                os.kill(tree[1] if args.workers > 1 and len(tree) > 1 else bots[n].pid, signal.SIGKILL)
                killed = True
            time.sleep(0.05)
        thread.join()
        settled = http_json(f"{peers.world_url}/_bench/settle", {"seconds": 5.0, "chats": box["chats"]})
        totals["messages"] += box["sent"]
        totals["lost"] += settled["lost"]
        totals["doubled"] += settled["doubled"]
        log(
            f"   kill run {run + 1}: {box['sent']} messages, replica {n} SIGKILLed at {share:.0%} of sends "
            f"→ lost {settled['lost']}, doubled {settled['doubled']}"
        )
        if args.workers <= 1:  # a killed replica is started again (workers: the supervisor does it)
            assert bots[n].process is not None
            bots[n].process.wait()
            bots[n].start()
            wait_ports([ports[n]], [bots[n]], timeout=600)
    log(
        f"   {args.kill_runs} kill runs: {totals['messages']} messages, lost {totals['lost']}, "
        f"doubled {totals['doubled']} (duplicate rate {totals['doubled'] / max(1, totals['messages']):.4%})"
    )
    return totals


def profile(bots: list[Proc], peers: Peers, args: argparse.Namespace, offset: int) -> None:
    """py-spy samples replica 0 while fresh customers write; the top frames go to `--profile`."""
    raw = Path(args.profile).with_suffix(".collapsed")
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(bots[0].pid),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(raw),
            "--subprocesses",
            "--nonblocking",
            # gil: only samples holding the GIL (CPU in Python); active: every thread that is running,
            # also in C code without the GIL (with the thread's id, to tell the event loop from the pool)
            *(["--gil"] if args.profile_threads == "gil" else ["--threads"]),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    run_phase(peers, args.customers, args.messages, offset, args)
    spy.send_signal(2)
    spy.wait(60)
    Path(args.profile).write_text(top_frames(raw.read_text()))
    log(f"   profile of replica 0: {args.profile} (raw stacks: {raw})")


def top_frames(collapsed: str, n: int = 30) -> str:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [
            f.split(" (", 1)[0] + " (" + f.split(" (", 1)[1].split(":")[0].rsplit("/", 2)[-1] + ")"
            if " (" in f
            else f
            for f in stack.split(";")
        ]
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    lines = [f"{total} samples", "", "self %  function"]
    lines += [f"{100 * c / total:6.1f}  {f}" for f, c in own.most_common(n)]
    lines += ["", "inclusive %  function"]
    lines += [f"{100 * c / total:6.1f}  {f}" for f, c in inclusive.most_common(n)]
    return "\n".join(lines) + "\n"


# --- the run --------------------------------------------------------------------------------------------
def before_code(ref: str, work: Path) -> Path:
    """`git archive REF` unpacked in the work dir (or REF itself when it is a source tree): the code to
    compare with runs from there, on the same virtualenv."""
    if (Path(ref) / "bot").is_dir():
        return Path(ref).resolve()
    target = work / "before-src"
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=REPO, check=True, capture_output=True).stdout
    tar = work / "before.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as handle:
        handle.extractall(target, filter="data")
    tar.unlink()
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages: the whole run in ≤ 5 minutes")
    parser.add_argument("--json", action="store_true", help="print one JSON object (progress goes to stderr)")
    parser.add_argument("--customers", type=int, default=200, help="concurrent chats")
    parser.add_argument("--messages", type=int, default=0, help="per customer (default 3, --quick 2)")
    parser.add_argument("--replicas", type=int, default=2, help="bot processes behind the proxy, per subject")
    parser.add_argument("--workers", type=int, default=0, help="XIAOER_WORKERS of the xiaoer replicas")
    parser.add_argument("--llm-delay", type=float, default=0.2)
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which customers start")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per phase")
    parser.add_argument(
        "--connections", type=int, default=40, help="parallel webhook deliveries (Telegram: 40)"
    )
    parser.add_argument(
        "--before",
        metavar="REF",
        action="append",
        default=[],
        help="also measure the code of this git ref (e.g. main) or source tree; repeat for more refs "
        "(the first is `xiaoer_before`, the others `xiaoer_before_<REF>`)",
    )
    parser.add_argument(
        "--drop-requests",
        type=float,
        default=0.0,
        metavar="F",
        help="network faults: every round(1/F)-th sendMessage is lost before Telegram carries it out",
    )
    parser.add_argument(
        "--drop-responses",
        type=float,
        default=0.0,
        metavar="F",
        help="network faults: every round(1/F)-th sendMessage is carried out but its answer is lost",
    )
    parser.add_argument("--only", help="comma-separated subjects (http_echo,ptb_echo,xiaoer,xiaoer_before)")
    parser.add_argument("--kill", action="store_true", help="then SIGKILL a xiaoer replica mid-run")
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of messages sent before the kill")
    parser.add_argument(
        "--kill-runs",
        type=int,
        default=0,
        help="then N runs, each SIGKILLing one replica at a random point and restarting it; "
        "prints messages lost and doubled per run",
    )
    parser.add_argument("--profile", metavar="FILE", help="then py-spy a xiaoer replica; top frames to FILE")
    parser.add_argument(
        "--profile-threads",
        choices=("gil", "active"),
        default="gil",
        help="what --profile samples: the thread holding the GIL, or every running thread",
    )
    args = parser.parse_args()
    args.messages = args.messages or (2 if args.quick else 3)

    work = Path(tempfile.mkdtemp(prefix="xiaoer-load-"))
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    subjects = [Subject("http_echo", "http"), Subject("ptb_echo", "ptb")]
    refs: dict[str, str] = {}  # subject name → the git ref it runs
    for n, ref in enumerate(args.before):
        name = "xiaoer_before" if n == 0 else "xiaoer_before_" + re.sub(r"\W", "_", ref).lower()
        refs[name] = ref
        subjects.append(Subject(name, "xiaoer", before_code(ref, work / "src" / name)))
    subjects.append(Subject("xiaoer", "xiaoer", workers=args.workers))
    if args.only:
        subjects = [s for s in subjects if s.name in args.only.split(",")]
    pg = start_postgres()
    results: dict[str, Any] = {}
    world = llm = None
    try:
        pg.configure(
            max_connections=100 + 120 * args.replicas * max(1, args.workers),
            shared_preload_libraries="pg_stat_statements",
            # statements inside functions too (the admission is one): round trips count top-level ones only
            **{"pg_stat_statements.track": "all", "pg_stat_statements.track_planning": "on"},
        )
        root = postmaster_pid(Path(pg._server.pgdata))  # type: ignore[attr-defined]
        world_port, llm_port = _free_port(), _free_port()
        world = Proc(
            "world",
            [
                sys.executable,
                str(REPO / "bench" / "load_world.py"),
                "--port",
                str(world_port),
                "--token",
                TOKEN,
                "--connections",
                str(args.connections),
                "--drop-requests",
                str(args.drop_requests),
                "--drop-responses",
                str(args.drop_responses),
            ],
            work,
            base_env(REPO),
        ).start("ready")
        llm = Proc(
            "llm",
            [
                sys.executable,
                str(REPO / "bench" / "load_llm.py"),
                "--port",
                str(llm_port),
                "--delay",
                str(args.llm_delay),
            ],
            work,
            base_env(REPO),
        ).start("ready")
        peers = Peers(
            world,
            f"http://127.0.0.1:{world_port}",
            llm,
            f"http://127.0.0.1:{llm_port}",
            pg,
            PgCounters(pg.url()),
            root,
            work,
        )
        for n, subject in enumerate(subjects):
            results[subject.name] = measure(subject, peers, args, 1_000_000 * (n + 1))
        peers.counters.dispose()
    finally:
        for proc in (world, llm):
            if proc is not None:
                proc.stop()
        pg.stop()
    load = os.getloadavg()
    results["machine"] = {
        "cpus": os.cpu_count(),
        "load_avg_1m_5m_15m_at_start": [round(x, 2) for x in load_at_start],
        "load_avg_1m_5m_15m_at_end": [round(x, 2) for x in load],
        "before_refs": refs,
        "customers": args.customers,
        "messages_per_customer": args.messages,
        "replicas": args.replicas,
        "workers": args.workers,
        "llm_delay_s": args.llm_delay,
        "drop_requests": args.drop_requests,
        "drop_responses": args.drop_responses,
        "seconds": round(time.perf_counter() - started, 1),
    }
    results["ratios"] = ratios_of(results)
    reasons = {k: r["invalid_reasons"] for k, r in results.items() if r.get("invalid_reasons")}
    results["valid"] = not reasons
    results["invalid_reasons"] = reasons
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        print_table(results)
    shutil.rmtree(work, ignore_errors=True) if not args.profile else None
    bad = sum(
        r.get("lost", 0) + r.get("doubled", 0) + r.get("kill_runs", {}).get("lost", 0)
        for k, r in results.items()
        if k.startswith("xiaoer")
    )
    return 1 if bad else 0


def ratios_of(results: dict[str, Any]) -> dict[str, float]:
    """Each xiaoer subject's CPU per message ÷ the PTB echo's (also stored in the subject as
    `cpu_vs_ptb_echo`), and the after ÷ before throughput and CPU for every `--before` ref."""
    ratios: dict[str, float] = {}
    echo = results.get("ptb_echo", {}).get("cpu_ms_per_msg")
    names = [k for k in results if k.startswith("xiaoer")]
    for name in names:
        if echo:
            ratio = round(results[name]["cpu_ms_per_msg"] / echo, 2)
            results[name]["cpu_vs_ptb_echo"] = ratio
            ratios[f"{name}_cpu_vs_ptb_echo"] = ratio
    if "xiaoer" in results:
        a = results["xiaoer"]
        for name in names:
            if name == "xiaoer":
                continue
            b, tail = results[name], name.removeprefix("xiaoer_before")
            ratios[f"throughput_after_vs_before{tail}"] = round(
                a["msgs_per_s"] / max(b["msgs_per_s"], 1e-9), 2
            )
            ratios[f"cpu_after_vs_before{tail}"] = round(
                a["cpu_ms_per_msg"] / max(b["cpu_ms_per_msg"], 1e-9), 3
            )
    return ratios


def print_table(results: dict[str, Any]) -> None:
    keys = [
        "valid",
        "cpu_ms_per_msg",
        "cpu_sys_ms_per_msg",
        "cpu_vs_ptb_echo",
        "run_queue_wait_ms_per_msg",
        "msgs_per_s",
        "p50_s",
        "p99_s",
        "db_round_trips_per_msg",
        "thread_hops_per_msg",
        "gc_passes_per_msg",
        "gc_cpu_ms_per_msg",
        "llm_calls_per_msg",
        "bot_api_calls_per_msg",
        "bot_api_calls_per_fast_reply",
        "bot_api_calls_per_slow_reply",
        "fast_replies",
        "postgres_cpu_ms_per_msg",
        "db_server_ms_per_msg",
        "lost",
        "doubled",
        "world_cpu_ms_per_msg",
        "llm_server_cpu_ms_per_msg",
        "chroma_cpu_ms_per_msg",
    ]
    names = [k for k in results if k not in ("machine", "ratios", "valid", "invalid_reasons")]
    print(f"\n{'':28}" + "".join(f"{n:>15}" for n in names))
    for key in keys:
        print(
            f"{key:28}" + "".join(f"{results[n].get(key, '-' if key == 'valid' else 0)!s:>15}" for n in names)
        )
    print("\nratios:", json.dumps(results["ratios"]))
    print("machine:", json.dumps(results["machine"]))
    for name, why in results["invalid_reasons"].items():
        print(f"INVALID {name}: {'; '.join(why)}")
    for n in names:
        print(f"\n{n}: Bot API calls per message {json.dumps(results[n]['bot_api_calls_by_method'])}")
        print(f"{n}: LLM calls per message {json.dumps(results[n]['llm_calls_by_kind'])}")
        if "db_statements_per_msg" in results[n]:
            print(f"\n{n}: statements per message")
            for q, c in results[n]["db_statements_per_msg"].items():
                print(f"  {c:6.2f}  {q}")
            print(f"\n{n}: server ms per message by statement (↳ = inside a function)")
            for q, ms in results[n].get("db_server_ms_per_msg_by_statement", {}).items():
                print(f"  {ms:6.3f}  {q}")


if __name__ == "__main__":
    sys.exit(main())
