"""`XIAOER_WORKERS=N xiaoer telegram --webhook …`: N bot processes in one container, one port.

Why processes: one Python process uses one core for the conversation's own work (understanding, retrieval,
grounding, PTB); a shop that gives its box several cores runs several workers instead of several boxes.
Why this shape: each worker is an ordinary replica — its own update ledger owner, liveness lock and pools
on the shared database — so exactly-once delivery and per-chat order hold across workers exactly as they do
across replicas (a SIGKILLed worker's claims are taken over by the others at once). The workers bind the
webhook port with SO_REUSEPORT and the kernel spreads incoming connections over them: no proxy hop, no
extra process on the message's path. This supervisor only starts them, restarts one that dies, and passes
SIGTERM/SIGINT on for a graceful stop (each worker answers what it accepted before it exits).

Worker i gets `XIAOER_WORKER_INDEX=i` (its ops endpoint listens on XIAOER_METRICS_PORT + i) and the
supervisor's webhook secret (generated once when XIAOER_WEBHOOK_SECRET is unset, so all workers agree).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

log = logging.getLogger(__name__)
RESTART_BACKOFF_S = 1.0  # doubled for each quick death in a row, up to MAX_BACKOFF_S
MAX_BACKOFF_S = 30.0
STEADY_S = 60.0  # a worker that ran this long resets its backoff
POLL_S = 0.5


class Supervisor:
    """Runs `count` copies of `command`; `run()` returns the exit code once they all stopped."""

    def __init__(self, command: Sequence[str], count: int, env: dict[str, str]) -> None:
        self.command = list(command)
        self.count = count
        self.env = env
        self.workers: list[subprocess.Popen[bytes] | None] = [None] * count
        self.started = [0.0] * count
        self.backoff = [RESTART_BACKOFF_S] * count
        self.stopping = False

    def start(self, index: int) -> None:
        env = dict(self.env, XIAOER_WORKERS="1", XIAOER_WORKER_INDEX=str(index))
        self.workers[index] = subprocess.Popen(self.command, env=env)
        self.started[index] = time.monotonic()
        log.info("worker %d started (pid %d)", index, self.workers[index].pid)  # type: ignore[union-attr]

    def stop(self, signum: int, _frame: FrameType | None = None) -> None:
        """Pass the signal on (graceful: every worker answers what it accepted)."""
        self.stopping = True
        for worker in self.workers:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for index in range(self.count):
            self.start(index)
        restart_at: dict[int, float] = {}  # dead workers waiting for their restart
        failed = False
        while True:
            now = time.monotonic()
            for index, worker in enumerate(self.workers):
                if worker is None:
                    if not self.stopping and index in restart_at and now >= restart_at[index]:
                        del restart_at[index]
                        self.start(index)
                    continue
                code = worker.poll()
                if code is None:
                    continue
                self.workers[index] = None
                if (
                    self.stopping
                ):  # a worker stopped by the signal before it installed its handlers is fine too
                    failed |= code not in (0, -signal.SIGTERM, -signal.SIGINT)
                    continue
                # Died on its own (crash, OOM kill): the others took over its claims; start a new one, backing
                # off while it keeps dying quickly.
                quick = now - self.started[index] < STEADY_S
                wait = min(self.backoff[index], MAX_BACKOFF_S) if quick else RESTART_BACKOFF_S
                self.backoff[index] = wait * 2 if quick else RESTART_BACKOFF_S
                restart_at[index] = now + wait
                log.error("worker %d exited with %s; starting it again in %.0f s", index, code, wait)
            if self.stopping and all(worker is None for worker in self.workers):
                return 1 if failed else 0
            time.sleep(POLL_S)


def run_workers(count: int, secret: str) -> int:
    """Start `count` workers running this same `xiaoer telegram …` command line and supervise them."""
    env = dict(os.environ, XIAOER_WEBHOOK_SECRET=secret)
    command = [sys.executable, "-m", "bot.cli.main", *sys.argv[1:]]
    return Supervisor(command, count, env).run()
