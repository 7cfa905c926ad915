"""PostgreSQL's own CPU per customer message for the reply path's statements, without the bots around them.

    .venv/bin/python bench/pg_bench.py                       # this tree
    .venv/bin/python bench/pg_bench.py --before main         # also `git archive main`, alternating rounds

Why: `bench/load.py` reports PostgreSQL's CPU per message too, but on this shared 2-core machine its figure
moves by ±30 % between runs (the server waits on busy replicas mid-COPY, connections open while pools warm
up, autovacuum runs or not). This bench sends only the statements one customer message costs on
PostgreSQL, through the real stores — the admission with the conversation memory read riding along
(`UpdateLedger.admit_async`), the memory write riding with the reply journal (`ReplyJournal.record_async`),
the completion (`UpdateLedger.complete_async`) and every `--batch` messages one batch of insights rows
(`SqlInsightsStore.record_turns`) — from `--concurrency` chats at once, on a fresh embedded PostgreSQL per
subject and round, and reads the server's process tree CPU from /proc (user + system, all its processes:
backends, WAL writer, checkpointer, autovacuum). Each chat keeps `--history` earlier updates in the ledger
and the memory, as a chat that has talked before does.

Prints one JSON object: per subject the PG CPU ms per message of each round and their median, and the
ratio after ÷ before. Subjects run in alternating rounds (before, after, before, after, …).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def worker(args: argparse.Namespace) -> None:
    """One round in this process, on the code of `--code` (this tree or `--before`'s)."""
    sys.path.insert(0, args.code)
    from bench.load_meters import postmaster_pid, tree_cpu_s
    from bot.conversation.store import ChatState, Turn
    from bot.conversation.store_sql import SqlConversationStore
    from bot.coordination.ledger import UpdateLedger
    from bot.coordination.ratelimit_sql import SqlRateLimiter
    from bot.coordination.reply_journal import ReplyJournal
    from bot.domain.messages import Outbound
    from bot.insights.records import TurnRecord
    from bot.insights.store_sql import SqlInsightsStore
    from bot.storage.db import Database
    from bot.storage.migrate import upgrade_schema
    from tests.support.postgres import start_postgres

    pg = start_postgres()
    try:
        if args.statements:  # server time by statement (costs CPU itself: not for the figures)
            pg.configure(
                shared_preload_libraries="pg_stat_statements",
                **{"pg_stat_statements.track": "all", "pg_stat_statements.track_planning": "on"},
            )
        database = Database.open(pg.url())
        upgrade_schema(database)
        root = postmaster_pid(Path(pg._server.pgdata))  # type: ignore[attr-defined]
        ledger = UpdateLedger(database, lease_s=30.0, limiter=SqlRateLimiter(database, 1000, 60.0))
        journal = ReplyJournal(database)
        store = SqlConversationStore(database)
        insights = SqlInsightsStore(database)
        payload = json.dumps(
            {"update_id": 0, "message": {"text": "有没有跑步鞋推荐 " * 8, "chat": {"id": 1}}}
        )
        answer = "这几款跑步鞋都合适：Nike Air Zoom Pegasus 41，¥899，有货。" * 4
        turns: list[TurnRecord] = []

        async def message(uid: int, chat: int) -> None:
            chat_key, chat_id, user = f"telegram:{chat}", str(chat), f"u{chat}"
            along = store.read_along(chat_id, user)
            await ledger.admit_async(uid, chat_key, payload, rate_key=user, handoff_chat=chat_id, along=along)
            await store.load_async(chat_id, user)
            async with journal.deferring():
                now = datetime.now(UTC)
                said = [
                    Turn("user", "有没有跑步鞋推荐", user, (), now),
                    Turn("assistant", answer, user, ("A1",), now),
                ]
                await store.commit_async(chat_id, user, said, ChatState(last_query="跑步鞋"))
                await journal.record_async(
                    uid, [Outbound(chat_id=chat_id, text=answer)], sending=1, after_id=uid
                )
            await ledger.complete_async(uid, uid + 1)
            turns.append(TurnRecord(now, "telegram", user, chat_id, "有没有跑步鞋推荐", "zh", "product"))
            if len(turns) >= args.batch:
                batch = turns[:]
                turns.clear()
                await asyncio.to_thread(insights.record_turns, batch)

        async def chats(first: int, rounds: int) -> None:
            uid = first
            for _ in range(rounds):
                jobs = []
                for chat in range(args.concurrency):
                    uid += 1
                    jobs.append(message(uid, chat))
                await asyncio.gather(*jobs)

        async def run() -> dict[str, object]:
            await chats(1_000_000, args.history)  # earlier updates of each chat
            started_cpu, started = tree_cpu_s([root]), time.perf_counter()
            await chats(2_000_000, args.messages // args.concurrency)
            n = (args.messages // args.concurrency) * args.concurrency
            cpu = tree_cpu_s([root]) - started_cpu
            await database.aclose()
            out: dict[str, object] = {
                "pg_cpu_ms_per_msg": cpu * 1000 / n,
                "wall_s": time.perf_counter() - started,
            }
            if args.statements:
                out["statements"] = top_statements(database, n)
            return out

        print(json.dumps(asyncio.run(run())))
    finally:
        pg.stop()


def top_statements(database: object, n: int) -> dict[str, float]:
    """Server ms per message by statement since the server started (warm-up included; nested ones too)."""
    from sqlalchemy import text

    engine = database.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        rows = conn.execute(
            text(
                "SELECT query, total_exec_time + total_plan_time AS ms, calls FROM pg_stat_statements "
                "ORDER BY 2 DESC LIMIT 25"
            )
        ).all()
    return {f"{r.calls / n:5.2f}x {' '.join(r.query.split())[:110]}": round(r.ms / n, 4) for r in rows}


def archive(ref: str) -> Path:
    """`git archive REF` unpacked in a temporary folder."""
    target = Path(tempfile.mkdtemp(prefix="xiaoer-pgbench-"))
    data = subprocess.run(["git", "archive", ref], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=data, check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="also measure this git ref, in alternating rounds")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per subject")
    parser.add_argument("--messages", type=int, default=1200, help="measured messages per round")
    parser.add_argument("--concurrency", type=int, default=20, help="chats answered at once")
    parser.add_argument("--history", type=int, default=10, help="earlier updates per chat before measuring")
    parser.add_argument("--batch", type=int, default=20, help="insights rows per batch")
    parser.add_argument("--statements", action="store_true", help="one round: server ms by statement")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(REPO), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0
    if args.statements:
        forwarded = ["--statements", "--code", str(REPO), "--messages", str(args.messages)]
        out = subprocess.run(
            [sys.executable, __file__, "--worker", *forwarded], check=True, capture_output=True
        )
        print(
            json.dumps(json.loads(out.stdout.decode().strip().splitlines()[-1]), ensure_ascii=False, indent=1)
        )
        return 0
    subjects = {"pg": REPO}
    if args.before:
        subjects = {"pg_before": archive(args.before), "pg": REPO}
    load_start = os.getloadavg()
    results: dict[str, list[float]] = {name: [] for name in subjects}
    forwarded = ["--messages", str(args.messages), "--concurrency", str(args.concurrency)]
    forwarded += ["--history", str(args.history), "--batch", str(args.batch)]
    for _ in range(args.rounds):
        for name, code in subjects.items():
            command = [sys.executable, __file__, "--worker", "--code", str(code), *forwarded]
            got = subprocess.run(command, check=True, capture_output=True, text=True, cwd=code).stdout
            results[name].append(json.loads(got.strip().splitlines()[-1])["pg_cpu_ms_per_msg"])
            print(f"{name}: {results[name][-1]:.3f} ms/msg", file=sys.stderr)
    report: dict[str, object] = {
        name: {"pg_cpu_ms_per_msg": round(statistics.median(v), 3), "rounds": [round(x, 3) for x in v]}
        for name, v in results.items()
    }
    if args.before:
        report["pg_after_vs_before"] = round(
            statistics.median(results["pg"]) / statistics.median(results["pg_before"]), 3
        )
    report["machine"] = {
        "before_ref": args.before,
        "load_avg_at_start": [round(x, 2) for x in load_start],
        "load_avg_at_end": [round(x, 2) for x in os.getloadavg()],
        **{k: getattr(args, k) for k in ("messages", "concurrency", "history", "batch", "rounds")},
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
