"""A real Chroma server (`chroma run`, shipped in the chromadb wheel) on loopback for the test session.

Why real: the `HttpClient` path (XIAOER_CHROMA_URL, the scaled setup) must be tested against the server the
deployment runs, not a fake. It listens on 127.0.0.1 only, stores in a temp directory, and is always stopped.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


class ChromaServerUnavailable(RuntimeError):
    """The `chroma` executable is missing or the server did not become healthy in time."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chroma_executable() -> str:
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.exists() else shutil.which("chroma")
    if not found:
        raise ChromaServerUnavailable("the `chroma` command (chromadb wheel) is not installed")
    return found


class ChromaServer:
    """`with ChromaServer() as srv: HttpClient(...srv.url...)`; `url` is `http://127.0.0.1:PORT`."""

    def __init__(self, startup_timeout_s: float = 60.0) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._timeout = startup_timeout_s
        self._dir = Path(tempfile.mkdtemp(prefix="xiaoer-chroma-"))
        self._log = (self._dir / "server.log").open("wb")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> ChromaServer:
        self._process = subprocess.Popen(
            [
                _chroma_executable(),
                "run",
                "--path",
                str(self._dir / "data"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
        )
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self.stop()
                raise ChromaServerUnavailable(f"chroma run exited with {self._process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ChromaServerUnavailable(f"chroma run did not answer on {self.url} within {self._timeout:.0f}s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._log.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def chroma_server() -> Iterator[ChromaServer]:
    """One real Chroma server for the whole session (tests use their own collections or data dirs)."""
    try:
        server = ChromaServer().start()
    except ChromaServerUnavailable as exc:
        pytest.fail(f"cannot start the Chroma server: {exc}")
    try:
        yield server
    finally:
        server.stop()
