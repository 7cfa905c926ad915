"""What the load test reads off the machine: CPU time of process trees (Linux /proc) and PostgreSQL's own
statement and transaction counters.

Run-queue wait: how long their threads were ready to run but waited for a core (schedstat): when it
outgrows the CPU time, the machine, not the subject, sets the latency.
CPU: user + system time of every live process in a tree plus the time of the children they already reaped
(`cutime`/`cstime`), so a PostgreSQL backend or a worker that exits during the window still counts.
Database round trips are counted on the server, not in the client: `pg_stat_statements` (with
`track_utility`, the default) counts every statement a client sends — BEGIN, COMMIT, ROLLBACK and pool
pre-pings included; statements run inside a function count once, as the one round trip they are.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

_TICK = os.sysconf("SC_CLK_TCK")
NESTED = "↳ "  # marks a statement run inside a function (pg_stat_statements.track = all) in server times


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def descendants(root: int) -> list[int]:
    """`root` and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def tree_cpu_s(roots: list[int], *, system_only: bool = False) -> float:
    """CPU seconds used so far by the trees under `roots` (dead roots count as 0); `system_only`: the
    kernel's share alone (stime + cstime: syscalls such as socket reads/writes and epoll)."""
    total = 0
    for root in roots:
        for pid in descendants(root):
            fields = _stat(pid)
            if fields is not None:  # utime stime cutime cstime
                total += int(fields[12]) + int(fields[14]) if system_only else sum(map(int, fields[11:15]))
    return total / _TICK


def tree_run_queue_wait_s(roots: list[int]) -> float:
    """Seconds the live threads of the trees under `roots` spent runnable but waiting for a CPU
    (`/proc/PID/task/TID/schedstat`, 2nd field, ns; needs schedstats, 0.0 when the kernel lacks them).
    Compared with the CPU they used it says whether a subject was slow for want of a core: on a shared
    2-core machine a process that is ready to run queues behind everyone else's."""
    total = 0
    for root in roots:
        for pid in descendants(root):
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tasks:
                with contextlib.suppress(OSError, IndexError, ValueError):  # a thread that just exited
                    total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[1])
    return total / 1e9


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


@dataclass(frozen=True)
class DbSnapshot:
    statements: Counter[str]  # normalised statement text → calls
    server_ms: Counter[str] = field(default_factory=Counter)  # → planning + execution time on the server, ms


class PgCounters:
    """Reads `pg_stat_statements` of one database through the server's admin URL."""

    def __init__(self, admin_url: str) -> None:
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        with self.engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))

    def snapshot(self, database: str) -> DbSnapshot:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT query, toplevel, sum(calls), sum(total_plan_time + total_exec_time) "
                    "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = :db "
                    "GROUP BY query, toplevel"
                ),
                {"db": database},
            ).all()
        # a round trip is a top-level statement; with `pg_stat_statements.track = all` the statements run
        # inside functions are listed too (their time is inside the calling statement's): marked "↳ "
        return DbSnapshot(
            Counter({str(q): int(c) for q, top, c, _ in rows if top}),
            Counter({("" if top else NESTED) + str(q): float(ms) for q, top, _, ms in rows}),
        )

    def dispose(self) -> None:
        self.engine.dispose()


def statements_between(before: DbSnapshot, after: DbSnapshot) -> Counter[str]:
    diff = Counter(after.statements)
    diff.subtract(before.statements)
    return Counter({q: n for q, n in diff.items() if n > 0})


def server_ms_between(before: DbSnapshot, after: DbSnapshot) -> Counter[str]:
    """Server time (planning + execution, ms) per statement text over the window: where PostgreSQL's own CPU
    goes, statement by statement (commit/WAL flush and background work are outside it); statements inside
    functions are keyed with `NESTED` in front (their time is also in the top-level statement's)."""
    diff = Counter(after.server_ms)
    diff.subtract(before.server_ms)
    return Counter({q: ms for q, ms in diff.items() if ms > 0})
