"""Run the unmodified `xiaoer telegram` process against the local Bot API server, and always stop it.

Used by the Telegram end-to-end tests (and the handoff ones): `ingest_sample(data_dir)` prepares a data
directory with the bundled catalog through `xiaoer ingest --sample`; `BotProcess(...).start()` launches the
bot with the fixed environment names and waits until it polls (or registered its webhook).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.telegram_server import TelegramServer

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "bot.cli.main"]


def clean_env(**values: str) -> dict[str, str]:
    """The test process's environment without any Xiaoer/Telegram/LLM configuration, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XIAOER_", "TELEGRAM_", "OPENAI_"))}
    env.update(PYTHONPATH=str(REPO_ROOT), ANONYMIZED_TELEMETRY="False", **values)
    return env


_INGESTED: Path | None = None  # this test process's one `xiaoer ingest --sample` output (see ingest_sample)


def ingest_sample(data_dir: Path) -> None:
    """`xiaoer ingest --sample` into `data_dir` (the real command, as an operator would run it).

    The command runs once per test process, into a private directory; every call copies that directory's
    files (Chroma store, BM25 index, vocabulary: no absolute paths inside) into `data_dir`, which is then
    exactly what the command leaves behind — without paying ~5 s of CPU for each module that needs it."""
    global _INGESTED
    if _INGESTED is None:
        template = Path(tempfile.mkdtemp(prefix="xiaoer-ingested-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        subprocess.run(
            [*CLI, "ingest", "--sample", "--quiet"],
            env=clean_env(XIAOER_DATA_DIR=str(template)),
            cwd=template,
            check=True,
            capture_output=True,
            timeout=180,
        )
        _INGESTED = template
    shutil.copytree(_INGESTED, data_dir, dirs_exist_ok=True)


class BotProcess:
    """`xiaoer telegram [args]` as a child process; `stop()` sends SIGTERM (graceful) and reaps it."""

    def __init__(
        self,
        server: TelegramServer,
        data_dir: Path,
        *args: str,
        staff_ids: str = "",
        support_chat_id: str = "",
        **env: str,
    ) -> None:
        self.server = server
        self.args = args
        self.log_path = data_dir / f"bot-{server.port}.log"
        optional = {"XIAOER_STAFF_IDS": staff_ids, "XIAOER_SUPPORT_CHAT_ID": support_chat_id}
        self.env = clean_env(
            TELEGRAM_BOT_TOKEN=server.token,
            TELEGRAM_API_BASE_URL=server.base_url,
            TELEGRAM_API_FILE_URL=server.file_url,
            XIAOER_DATA_DIR=str(data_dir),
            **{name: value for name, value in optional.items() if value},
            **env,
        )
        self.cwd = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_method: str = "getUpdates", timeout: float = 120.0) -> BotProcess:
        """Launch and wait until the bot calls `ready_method` (getUpdates, or setWebhook in webhook mode)."""
        return self.launch(ready_method).wait_ready(timeout)

    def launch(self, ready_method: str = "getUpdates") -> BotProcess:
        """Start the process without waiting (lets a slow start overlap with other work)."""
        self._ready_method, self._ready_seen = ready_method, len(self.server.calls[ready_method])
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*CLI, "telegram", *self.args],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, timeout: float = 120.0) -> BotProcess:
        process = self.process
        assert process is not None, "launch() first"
        try:
            self.server.wait_for(
                lambda: (
                    len(self.server.calls[self._ready_method]) > self._ready_seen
                    or process.poll() is not None
                ),
                timeout,
            )
        except TimeoutError:
            self.stop()
            raise
        if process.poll() is not None:
            raise RuntimeError(f"bot exited with {process.returncode}:\n{self.log()}")
        return self

    def _ledger_status(self, update_id: int) -> str | None:
        """The update's status in the bot's update ledger (None: not journaled yet)."""
        assert "XIAOER_DATABASE_URL" not in self.env, "the ledger is read from the default SQLite database"
        path = Path(self.env["XIAOER_DATA_DIR"]) / "xiaoer.db"
        if not path.exists():
            return None
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)) as db:
            row = db.execute(
                "SELECT status FROM xiaoer_processed_updates WHERE channel = 'telegram' AND update_id = ?",
                (update_id,),
            ).fetchone()
        return None if row is None else str(row[0])

    def wait_journaled(self, update_ids: list[int], timeout: float = 30.0) -> None:
        """Wait until the bot's update ledger holds every one of `update_ids`: accepted (the bot journals an
        update before confirming it; one it never journaled would be delivered again by Telegram)."""
        self._wait(lambda: all(self._ledger_status(u) is not None for u in update_ids), timeout, update_ids)

    def wait_done(self, update_id: int, timeout: float = 30.0) -> None:
        """Wait until the bot's update ledger marks `update_id` done — the explicit end of its handling:
        the ledger completes an update only after every reply to it was sent. Reads the ledger table of
        the data dir's default SQLite database (read-only; the bot must not be given XIAOER_DATABASE_URL)."""
        self._wait(lambda: self._ledger_status(update_id) == "done", timeout, update_id)

    def _wait(self, condition: Callable[[], bool], timeout: float, what: object) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"bot exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"update(s) {what} not there after {timeout}s:\n{self.log()[-3000:]}")
            time.sleep(0.02)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 30.0) -> int:
        """Graceful stop (SIGTERM); kill only if it hangs. Returns the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
