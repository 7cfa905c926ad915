"""Liveness and readiness: is the process up, and can it reach its store, Chroma and the LLM right now?

Why separate checks with their own timeouts: a load balancer polls /readyz every few seconds; one slow
dependency must produce a fast, precise "chroma: timeout" instead of a hung probe. The JSON body lists each
check so an operator sees at once which dependency is down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from bot.storage.db import Database

Check = Callable[[], Awaitable[str | None]]  # returns a detail string (or None) when healthy; raises when not


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one readiness check."""

    name: str
    ok: bool
    detail: str
    ms: float

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "fail", "detail": self.detail, "ms": round(self.ms, 1)}


class HealthChecks:
    """A named set of async readiness checks, run concurrently, each bounded by `timeout_s`."""

    def __init__(self, checks: Mapping[str, Check] | None = None, *, timeout_s: float = 2.0) -> None:
        self.checks: dict[str, Check] = dict(checks or {})
        self.timeout_s = timeout_s

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    async def _run(self, name: str, check: Check) -> CheckResult:
        started = time.perf_counter()
        try:
            detail = await asyncio.wait_for(check(), self.timeout_s)
            ok, detail = True, detail or "ok"
        except TimeoutError:
            ok, detail = False, f"timeout after {self.timeout_s:g}s"
        except Exception as exc:  # a failing dependency is a result, not a crash of the probe
            ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
        return CheckResult(name, ok, detail, (time.perf_counter() - started) * 1000)

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """(ready, body): ready only if every check passed; body = {"status", "checks": {name: …}}."""
        results = await asyncio.gather(*(self._run(n, c) for n, c in self.checks.items()))
        ready = all(r.ok for r in results)
        return ready, {
            "status": "ready" if ready else "not ready",
            "checks": {r.name: r.as_dict() for r in results},
        }


def liveness() -> dict[str, Any]:
    """/healthz: the process is alive and its event loop answers."""
    return {"status": "ok"}


def store_check(database: Database) -> Check:
    """The SQL database answers `SELECT 1` (run off the event loop); detail = the dialect's name."""

    async def check() -> str:
        return await asyncio.to_thread(database.ping)

    return check


def http_check(url: str, *, headers: Mapping[str, str] | None = None, ok_below: int = 400) -> Check:
    """An HTTP GET answered with a status below `ok_below`."""

    async def check() -> str:
        async with httpx.AsyncClient(timeout=httpx.Timeout(5.0), trust_env=False) as client:
            response = await client.get(url, headers=dict(headers or {}))
        if response.status_code >= ok_below:
            raise RuntimeError(f"HTTP {response.status_code} from {url}")
        return f"HTTP {response.status_code}"

    return check


def chroma_check(chroma_url: str | None) -> Check:
    """Chroma server heartbeat; embedded Chroma (no URL) lives in-process and is always reachable."""
    if not chroma_url:

        async def embedded() -> str:
            return "embedded"

        return embedded
    return http_check(chroma_url.rstrip("/") + "/api/v2/heartbeat")


def llm_check(base_url: str | None, api_key: str | None, *, configured: bool) -> Check:
    """The OpenAI-compatible endpoint lists models (a 401 means reachable but a wrong key: not ready)."""
    if not configured:

        async def offline() -> str:
            return "offline composer"

        return offline
    url = (base_url or "https://api.openai.com/v1").rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return http_check(url, headers=headers)


def default_checks(
    *,
    database: Database | None,
    chroma_url: str | None,
    llm_base_url: str | None,
    llm_api_key: str | None,
    llm_configured: bool,
    timeout_s: float = 2.0,
) -> HealthChecks:
    """The standard readiness set: store, chroma, llm."""
    checks = HealthChecks(timeout_s=timeout_s)
    if database is not None:
        checks.add("store", store_check(database))
    checks.add("chroma", chroma_check(chroma_url))
    checks.add("llm", llm_check(llm_base_url, llm_api_key, configured=llm_configured))
    return checks
