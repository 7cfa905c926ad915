"""XIAOER_WORKERS: worker processes of one container share the webhook port and are kept running.

Exactly-once and per-chat order across workers are the replicas' (tests/test_ops_replicas.py): each worker
is an ordinary replica of the ledger. Here: the port sharing, the supervisor's restart of a worker that
died, the graceful stop, and the CLI's refusal of workers without a webhook.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bot.channels.telegram.app import reuse_port_socket
from tests.support.telegram_process import CLI, clean_env

WORKER = """
import json, os, signal, sys, time
path = sys.argv[1]
index = os.environ["XIAOER_WORKER_INDEX"]
with open(f"{path}/{index}-{os.getpid()}.json", "w") as out:
    json.dump({"workers": os.environ["XIAOER_WORKERS"], "secret": os.environ["XIAOER_WEBHOOK_SECRET"]}, out)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(0.05)
"""

SUPERVISE = """
import sys
from bot.cli.workers import Supervisor
sys.exit(Supervisor([sys.executable, "-c", sys.argv[1], sys.argv[2]], 2, {**__import__("os").environ,
    "XIAOER_WEBHOOK_SECRET": "one-secret"}).run())
"""


def test_workers_bind_one_port_together() -> None:
    first = reuse_port_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = reuse_port_socket("127.0.0.1", port)  # a plain bind would fail with EADDRINUSE
    try:
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        client.close()
    finally:
        first.close()
        second.close()


def _started(folder: Path) -> dict[str, list[str]]:
    by_index: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.json")):
        index, pid = path.stem.split("-")
        by_index.setdefault(index, []).append(pid)
    return by_index


def _wait(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_supervisor_restarts_a_dead_worker_and_stops_them_all_gracefully(tmp_path: Path) -> None:
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISE, WORKER, str(tmp_path)], env=clean_env(), cwd=tmp_path
    )
    try:
        _wait(lambda: set(_started(tmp_path)) == {"0", "1"})
        first = _started(tmp_path)
        settings = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
        assert settings == [{"workers": "1", "secret": "one-secret"}] * 2  # one secret for all workers
        os.kill(int(first["1"][0]), signal.SIGKILL)  # a worker dies (OOM kill, crash)
        _wait(lambda: len(_started(tmp_path).get("1", [])) == 2)  # ... and is started again
        assert _started(tmp_path)["0"] == first["0"]  # the others keep running
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(30) == 0  # every worker stopped cleanly
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


def test_workers_need_a_webhook() -> None:
    result = subprocess.run(
        [*CLI, "telegram"],
        env=clean_env(TELEGRAM_BOT_TOKEN="123:abc", XIAOER_WORKERS="2"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "XIAOER_WORKERS > 1 needs --webhook" in result.stderr and "Traceback" not in result.stderr
